"""The model shipped inside the package: the book's architecture trained on the default corpus.

``scripts/train_pretrained.py`` made it (its command, the corpus fingerprint
and the validation loss are recorded in the file); it loads offline, with
``weights_only=True``, in float32.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import torch

from .checkpoints import load_generator, load_model
from .generate import TextGenerator
from .model import LSTMLM
from .vocab import Vocab

PRETRAINED_MODEL = Path(str(resources.files("lstm_tutorial") / "pretrained" / "recipes_lstm.pt"))


def pretrained_model(device: torch.device | str | None = None) -> tuple[LSTMLM, Vocab, dict]:
    """The pretrained model (eval mode), its vocabulary and its checkpoint (with ``command``, ``val_loss``...).

    ``device``: None means the GPU when there is one, else the CPU.
    """
    return load_model(PRETRAINED_MODEL, device)


def pretrained_generator(device: torch.device | str | None = None) -> TextGenerator:
    """A ready :class:`TextGenerator` for the pretrained model.

    ``device``: None means the GPU when there is one, else the CPU.
    """
    return load_generator(PRETRAINED_MODEL, device)
