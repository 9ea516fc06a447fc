"""lstm_tutorial: a word-level LSTM language model that writes recipes.

The companion package of the lstm-tutorial notebook course. Where each idea lives:

- ``tokenizer``, ``vocab``: text to tokens to ids and back;
- ``recipes``: the bundled corpora and your own recipe files; ``data``: batches;
- ``model``: ``LSTMLM`` (forward, loss, one step); ``devices``: the device and the precision;
  ``sampling``: temperature, top-k, top-p;
  ``generate``: ``TextGenerator``; ``training``: ``Trainer``; ``config``: presets;
- ``checkpoints``: saving and loading; ``colab_drive``: Google Drive under Colab;
  ``pretrained``: the shipped model; ``panel``: the ipywidgets panel; ``cli``;
- ``blog``: the blog post's names (``PyTorchTextGenerator``, ``run_training``...).

Names are imported on first use, so ``import lstm_tutorial`` (and the command
line's ``--help``) stays fast and loads neither ipywidgets nor matplotlib.
"""

from __future__ import annotations

import importlib

__version__ = "0.2.0"

# public name -> the module that defines it
_HOMES = {
    "tokenize": "tokenizer", "detokenize": "tokenizer",
    "Vocab": "vocab",
    "load_recipes": "recipes", "load_epicurious": "recipes", "download_epicurious": "recipes",
    "make_dataloaders": "data",
    "TrainConfig": "config", "PRESETS": "config", "DEFAULT_PRESET": "config",
    "LSTMLM": "model", "resolve_device": "devices",
    "SamplingOptions": "sampling", "next_token_probs": "sampling",
    "TextGenerator": "generate", "GenerationState": "generate",
    "Trainer": "training",
    "load_checkpoint": "checkpoints", "save_checkpoint": "checkpoints", "load_model": "checkpoints",
    "load_generator": "checkpoints", "validation_loader": "checkpoints",
    "checkpoint_dir": "colab_drive",
    "pretrained_generator": "pretrained", "pretrained_model": "pretrained",
    "generation_panel": "panel", "set_language": "language",
    # the blog post's interface
    "PyTorchTextGenerator": "blog", "initialize_model": "blog", "train": "blog", "evaluate": "blog",
    "run_training": "blog", "interactive_text_generation": "blog", "interactive_text_generation_colab": "blog",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module 'lstm_tutorial' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
    globals()[name] = value  # the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))
