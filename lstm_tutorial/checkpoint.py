"""Saving and loading training checkpoints, safely.

A checkpoint holds the model's state_dict and plain data only (config,
vocabulary as a list of tokens, epoch, history, optimizer state, RNG states),
so it loads with ``torch.load(weights_only=True)``: loading it cannot run
code. Files are written to a temporary name and renamed, so a crash or a
Colab disconnect mid-save never leaves a half-written ``last.pt``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import torch

FORMAT_NAME = "lstm_tutorial.checkpoint"
FORMAT_VERSION = 1


def save_checkpoint(checkpoint: dict, path: str | os.PathLike) -> Path:
    """Write ``checkpoint`` to ``path`` atomically (temporary file, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    checkpoint = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, **checkpoint}
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            torch.save(checkpoint, file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def load_checkpoint(path: str | os.PathLike, map_location: str | torch.device = "cpu") -> dict:
    """Load and check a checkpoint written by :func:`save_checkpoint`.

    Raises FileNotFoundError if ``path`` is missing and ValueError if it is
    truncated, not a checkpoint of this package, or from a newer version.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint not found: {path}")
    try:
        checkpoint = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as error:  # torch raises many types for damaged files (RuntimeError, KeyError, ...)
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ValueError(f"{path} is not a readable checkpoint (truncated or not a torch file?): {reason}") from None
    if not isinstance(checkpoint, dict) or checkpoint.get("format") != FORMAT_NAME:
        raise ValueError(f"{path} is not an lstm_tutorial checkpoint (no '{FORMAT_NAME}' marker)")
    version = checkpoint.get("format_version")
    if version != FORMAT_VERSION:
        raise ValueError(
            f"{path} has checkpoint format version {version!r}; this lstm_tutorial reads version {FORMAT_VERSION}"
        )
    return checkpoint
