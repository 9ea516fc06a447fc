"""lstm_tutorial: a word-level LSTM language model that writes recipes.

The companion package of the lstm-tutorial notebook course. The names of the
blog post the course follows (``LSTMLM``, ``PyTorchTextGenerator``,
``initialize_model``, ``train``, ``evaluate``, ``run_training``,
``interactive_text_generation_colab``) all work here, with its bugs fixed.
"""

from .checkpoint import load_checkpoint, save_checkpoint
from .config import DEFAULT_PRESET, PRESETS, TrainConfig
from .data import make_dataloaders
from .generate import GenerationState, PyTorchTextGenerator, TextGenerator
from .loading import load_generator
from .model import LSTMLM, default_device, initialize_model
from .panel import generation_panel, interactive_text_generation, interactive_text_generation_colab
from .recipes import download_epicurious, load_epicurious, load_recipes
from .sampling import next_token_probs
from .storage import checkpoint_dir
from .tokenizer import detokenize, tokenize
from .train import Trainer, evaluate, run_training, train
from .vocab import Vocab

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_PRESET", "PRESETS", "GenerationState", "LSTMLM", "PyTorchTextGenerator", "TextGenerator",
    "TrainConfig", "Trainer", "Vocab", "checkpoint_dir", "default_device", "detokenize", "download_epicurious",
    "evaluate", "generation_panel", "initialize_model", "interactive_text_generation",
    "interactive_text_generation_colab", "load_checkpoint", "load_epicurious", "load_generator", "load_recipes",
    "make_dataloaders", "next_token_probs", "run_training", "save_checkpoint", "tokenize", "train",
]
