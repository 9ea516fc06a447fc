"""Checkpoints: what they hold, their file names, writing them safely, and rebuilding a model from one.

A checkpoint is a dict of plain data and tensors, so it loads with
``torch.load(weights_only=True)`` (loading it cannot run code):

- ``model_state_dict``, ``config`` (a :class:`TrainConfig` as a dict) and
  ``vocab`` (the tokens in id order): enough to rebuild the model;
- ``optimizer_state_dict``, ``epoch``, ``history``, ``best_val_loss`` and
  ``rng_state``: enough to resume training exactly (training checkpoints only);
- ``val_loss`` and ``corpus_fingerprint``, and the format marker, version and
  a SHA-256 checksum of the weights, added by :func:`save_checkpoint`.

A training run writes ``last.pt`` every epoch, ``best.pt`` at the lowest
validation loss and ``metrics.json``. Every file is written to a temporary
name and renamed, so a crash or a Colab disconnect mid-save never leaves a
half-written file.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import torch

from .config import TrainConfig
from .model import LSTMLM, default_device
from .vocab import Vocab

FORMAT_NAME = "lstm_tutorial.checkpoint"
FORMAT_VERSION = 2
LAST = "last.pt"
BEST = "best.pt"
METRICS = "metrics.json"
MODEL_KEYS = ("model_state_dict", "config", "vocab")
TRAINING_KEYS = ("optimizer_state_dict", "epoch", "history", "best_val_loss", "rng_state")


def _write_atomically(path: Path, write: Callable[[object], None]) -> Path:
    """Call ``write(file)`` on a temporary file beside ``path``, then rename it to ``path``."""
    path = Path(path)
    if path.parent.exists() and not path.parent.is_dir():
        raise ValueError(f"cannot write {path}: {path.parent} is a file, not a folder")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)  # mkstemp makes it private; a checkpoint is an ordinary file
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def weights_checksum(state_dict: dict[str, torch.Tensor]) -> str:
    """SHA-256 of every weight's name, dtype, shape and bytes, in name order."""
    digest = hashlib.sha256()
    for name in sorted(state_dict):
        tensor = state_dict[name].detach().cpu().contiguous().reshape(-1)
        digest.update(f"{name}|{tensor.dtype}|{tuple(state_dict[name].shape)}|".encode())
        digest.update(tensor.view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def save_checkpoint(checkpoint: dict, path: str | os.PathLike) -> Path:
    """Write ``checkpoint`` to ``path`` atomically, with the format marker and the weights' checksum."""
    marked = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, **checkpoint}
    if "model_state_dict" in checkpoint:
        marked["weights_sha256"] = weights_checksum(checkpoint["model_state_dict"])
    return _write_atomically(Path(path), lambda file: torch.save(marked, file))


def write_metrics(history: list[dict], folder: str | os.PathLike) -> Path:
    """``metrics.json``: the history of a run without its samples, written atomically."""
    metrics = [{key: value for key, value in record.items() if key != "sample"} for record in history]
    return _write_atomically(Path(folder) / METRICS, lambda file: file.write(json.dumps(metrics, indent=2).encode()))


def load_checkpoint(path: str | os.PathLike, map_location: str | torch.device = "cpu") -> dict:
    """Load and check a checkpoint written by :func:`save_checkpoint`.

    Raises FileNotFoundError if ``path`` is missing and ValueError (one line)
    if it is truncated, damaged (checksum), not a checkpoint of this package,
    from another format version, or missing what a model needs.
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
    missing = [key for key in MODEL_KEYS if key not in checkpoint]
    if missing:
        raise ValueError(f"{path} is incomplete: it has no {', '.join(missing)}")
    if checkpoint.get("weights_sha256") != weights_checksum(checkpoint["model_state_dict"]):
        raise ValueError(f"{path} is damaged: its weights do not match their checksum")
    return checkpoint


def model_checkpoint(model: LSTMLM, vocab: Vocab, config: TrainConfig, **extra) -> dict:
    """The part of a checkpoint that rebuilds the model; ``extra`` adds training state or metadata."""
    return {"model_state_dict": model.state_dict(), "config": config.to_dict(), "vocab": vocab.idx2token, **extra}


def load_model(path: str | os.PathLike, device: torch.device | str | None = None) -> tuple[LSTMLM, Vocab, dict]:
    """The model saved at ``path`` (float32, eval mode, on ``device``), its vocabulary and the raw checkpoint."""
    device = torch.device(device) if device is not None else default_device()
    checkpoint = load_checkpoint(path)
    try:
        config = TrainConfig.from_dict(checkpoint["config"])
        vocab = Vocab(checkpoint["vocab"])
    except (TypeError, ValueError) as error:
        raise ValueError(f"{path}: its config or vocabulary is not valid ({error})") from None
    model = LSTMLM.from_config(config, len(vocab))
    weights = {name: tensor.float() for name, tensor in checkpoint["model_state_dict"].items()}
    try:
        model.load_state_dict(weights)
    except RuntimeError as error:
        first_line = str(error).strip().splitlines()[0]
        raise ValueError(f"{path}: its weights do not fit the model its config describes ({first_line})") from None
    return model.to(device).eval(), vocab, checkpoint


def load_generator(path: str | os.PathLike, device: torch.device | str | None = None):
    """A :class:`~lstm_tutorial.generate.TextGenerator` for the model saved at ``path``."""
    from .generate import TextGenerator

    model, vocab, _ = load_model(path, device)
    return TextGenerator(model, vocab)


def export_model(source: str | os.PathLike, target: str | os.PathLike, dtype: torch.dtype = torch.float16,
                 **metadata) -> Path:
    """Copy the model of checkpoint ``source`` to ``target`` without its training state, weights stored as ``dtype``.

    Half precision halves the file; :func:`load_model` turns the weights back
    into float32. ``metadata`` (e.g. the command that trained it) is stored too.
    """
    checkpoint = load_checkpoint(source)
    weights = {name: tensor.to(dtype) for name, tensor in checkpoint["model_state_dict"].items()}
    kept = {key: checkpoint[key] for key in ("config", "vocab", "epoch", "val_loss", "corpus_fingerprint")
            if key in checkpoint}
    return save_checkpoint({**kept, "model_state_dict": weights, **metadata}, target)
