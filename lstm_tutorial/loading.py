"""Rebuild a ready-to-use model and generator from a checkpoint file."""

from __future__ import annotations

import os

import torch

from .checkpoint import load_checkpoint
from .config import TrainConfig
from .generate import TextGenerator
from .model import LSTMLM, default_device
from .vocab import Vocab


def load_model(path: str | os.PathLike, device=None) -> tuple[LSTMLM, Vocab, dict]:
    """The trained model (in eval mode), its vocabulary and the raw checkpoint."""
    device = torch.device(device) if device is not None else default_device()
    checkpoint = load_checkpoint(path)
    config = TrainConfig.from_dict(checkpoint["config"])
    vocab = Vocab(checkpoint["vocab"])
    model = LSTMLM(len(vocab), config.embedding_dim, config.hidden_dim, config.dropout_rate)
    try:
        model.load_state_dict(checkpoint["model_state_dict"])
    except RuntimeError as error:
        raise ValueError(f"{path}: weights do not fit the model its config describes ({error})") from None
    return model.to(device).eval(), vocab, checkpoint


def load_generator(path: str | os.PathLike, device=None) -> TextGenerator:
    """A :class:`TextGenerator` for the model saved at ``path``."""
    model, vocab, _ = load_model(path, device)
    return TextGenerator.from_vocab(model, vocab)
