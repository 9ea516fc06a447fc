"""The models shipped inside the package, by name, trained on the default corpus.

- ``"recipes"`` (the default): two LSTM layers of 256, one matrix for the
  embedding and the output layer, trained on the recipes as streams of text
  with SGD (the ``stream`` preset); it writes the best recipes
  (docs/model.md says how it was found);
- ``"book"``: the book's architecture (embedding 100, one LSTM layer of 128,
  one recipe a sequence), the ``cpu`` preset; what the course's notebooks
  on the blog post's model load.

``python scripts/train_pretrained.py NAME`` made each (its command, the corpus
fingerprint and the validation loss are recorded in the file; its per-epoch
history is ``NAME.metrics.json`` beside it). They load offline, with
``weights_only=True``, in float32.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import torch

from .checkpoints import load_generator, load_model
from .generate import TextGenerator
from .model import LSTMLM
from .vocab import Vocab

PRETRAINED_DIR = Path(str(resources.files("lstm_tutorial") / "pretrained"))
# name -> the preset that trains it (scripts/train_pretrained.py NAME)
PRETRAINED_PRESETS = {"recipes": "stream", "book": "cpu"}
DEFAULT_PRETRAINED = "recipes"


def pretrained_path(name: str = DEFAULT_PRETRAINED) -> Path:
    """The file of the shipped model ``name``; ValueError naming it if there is none."""
    if name not in PRETRAINED_PRESETS:
        raise ValueError(f"no pretrained model named {name!r}; the names are {', '.join(PRETRAINED_PRESETS)}")
    return PRETRAINED_DIR / f"{name}.pt"


def pretrained_history(name: str = DEFAULT_PRETRAINED) -> list[dict]:
    """The shipped model's training history: one dict per epoch (losses, perplexity, time, learning rate)."""
    return json.loads(pretrained_path(name).with_suffix(".metrics.json").read_text())


def pretrained_model(name: str = DEFAULT_PRETRAINED,
                     device: torch.device | str | None = None) -> tuple[LSTMLM, Vocab, dict]:
    """The shipped model ``name`` (eval mode), its vocabulary and its checkpoint (``command``, ``val_loss``...).

    ``device``: None means the GPU when there is one, else the CPU.
    """
    return load_model(pretrained_path(name), device)


def pretrained_generator(name: str = DEFAULT_PRETRAINED, device: torch.device | str | None = None) -> TextGenerator:
    """A ready :class:`TextGenerator` for the shipped model ``name``.

    ``device``: None means the GPU when there is one, else the CPU.
    """
    return load_generator(pretrained_path(name), device)
