"""Checkpoints: what they hold, their file names, writing them safely, and rebuilding a model from one.

A checkpoint is a dict of plain data and tensors, so it loads with
``torch.load(weights_only=True)`` (loading it cannot run code). Its keys:

- the model (every checkpoint): ``model_state_dict``; ``config``, the
  :class:`TrainConfig` as a dict; ``vocab``, the tokens in id order;
- the run (training checkpoints, :func:`training_checkpoint`):
  ``optimizer_state_dict``; ``scaler_state_dict``, the float16 gradient
  scaler's state (float16 runs only); ``epoch``, epochs completed;
  ``history``, one dict per epoch (losses, perplexity, speed, sample);
  ``best_val_loss``; ``val_loss``, the last epoch's; ``rng_state``, torch's
  random state (and CUDA's) after the last epoch; ``corpus_fingerprint``, 16
  hex digits naming the recipes trained on; ``val_split_sha256``, the
  SHA-256 of the validation split's token ids, so :func:`validation_loader`
  can tell that it rebuilt the same split;
- the shipped model (:func:`export_model`): ``command`` that trained it and
  ``torch_version``, besides ``epoch``, ``val_loss`` and ``corpus_fingerprint``;
- added by :func:`save_checkpoint`: ``format``, ``format_version`` and
  ``weights_sha256``, a checksum of the weights that :func:`load_checkpoint` checks.

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
from torch.utils.data import DataLoader

from .config import TrainConfig
from .data import dataloaders_for, split_fingerprint
from .devices import resolve_device
from .model import LSTMLM
from .recipes import load_recipes
from .vocab import Vocab

FORMAT_NAME = "lstm_tutorial.checkpoint"
FORMAT_VERSION = 2
LAST = "last.pt"
BEST = "best.pt"
METRICS = "metrics.json"
MODEL_KEYS = ("model_state_dict", "config", "vocab")
TRAINING_KEYS = ("optimizer_state_dict", "epoch", "history", "best_val_loss", "rng_state")


def make_folder(folder: str | os.PathLike) -> Path:
    """Create ``folder`` (and its parents) for checkpoints; ValueError if it, or a parent, is a file."""
    folder = Path(folder)
    for existing in [folder, *folder.parents]:
        if existing.exists():
            if not existing.is_dir():
                raise ValueError(f"checkpoint folder {folder}: {existing} is a file, not a folder")
            break
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _write_atomically(path: Path, write: Callable[[object], None]) -> Path:
    """Call ``write(file)`` on a temporary file beside ``path``, then rename it to ``path``."""
    path = Path(path)
    make_folder(path.parent)
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
    """The part of a checkpoint that rebuilds the model; ``extra`` adds metadata."""
    return {"model_state_dict": model.state_dict(), "config": config.to_dict(), "vocab": vocab.idx2token, **extra}


def training_checkpoint(
    model: LSTMLM, vocab: Vocab, config: TrainConfig, optimizer: torch.optim.Optimizer,
    scaler: torch.amp.GradScaler | None, history: list[dict], best_val_loss: float,
    corpus_fingerprint: str | None, val_loader: DataLoader,
) -> dict:
    """A checkpoint that resumes a run exactly: the model, and the run's state after ``len(history)`` epochs."""
    extra = {} if scaler is None else {"scaler_state_dict": scaler.state_dict()}
    return model_checkpoint(
        model, vocab, config,
        optimizer_state_dict=optimizer.state_dict(),
        epoch=len(history),
        history=history,
        best_val_loss=best_val_loss,
        val_loss=history[-1]["val_loss"] if history else None,
        rng_state=_rng_state(),
        corpus_fingerprint=corpus_fingerprint,
        val_split_sha256=split_fingerprint(val_loader),
        **extra,
    )


def restore_training(checkpoint: dict, model: LSTMLM, optimizer: torch.optim.Optimizer,
                     scaler: torch.amp.GradScaler | None, source: str = "this checkpoint") -> tuple[list[dict], float]:
    """Load a training checkpoint's weights and optimizer, scaler and random states; return its history and best loss.

    Raises ValueError naming ``source`` if ``checkpoint`` holds a model only (an exported one).
    """
    missing = [key for key in TRAINING_KEYS if key not in checkpoint]
    if missing:
        raise ValueError(f"{source} cannot be resumed: it has no {', '.join(missing)}")
    model.load_state_dict(checkpoint["model_state_dict"])
    optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
    if scaler is not None and "scaler_state_dict" in checkpoint:
        scaler.load_state_dict(checkpoint["scaler_state_dict"])
    _set_rng_state(checkpoint["rng_state"])
    return list(checkpoint["history"]), checkpoint["best_val_loss"]


def _rng_state() -> dict:
    state = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"].cpu())
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda"]])


def checkpoint_loaders(checkpoint: dict, data: str | None = None,
                       texts: list[str] | None = None) -> tuple[DataLoader, DataLoader]:
    """The training and validation loaders of a checkpoint's run, rebuilt from its config.

    The recipes are the ones its config names (corpus, ingredients or not),
    or ``data`` (a corpus name or path), or ``texts`` already loaded. Raises
    ValueError if the validation split rebuilt is not the one the checkpoint
    recorded (``val_split_sha256``).
    """
    config = TrainConfig.from_dict(checkpoint["config"])
    if data is not None:
        config = config.updated(data=data)
    source = f"the {len(texts):,} recipes given" if texts is not None else repr(config.data)
    if texts is None:
        texts = load_recipes(config.data, config.include_ingredients, verbose=False)
    train_loader, val_loader = dataloaders_for(config, texts, Vocab(checkpoint["vocab"]))
    recorded = checkpoint.get("val_split_sha256")
    if recorded is not None and recorded != split_fingerprint(val_loader):
        raise ValueError(f"the validation split rebuilt from {source} is not the one this model was "
                         f"validated on: give the recipes it was trained on")
    return train_loader, val_loader


def validation_loader(checkpoint: dict, data: str | None = None, texts: list[str] | None = None) -> DataLoader:
    """The validation split a checkpoint's run was validated on (see :func:`checkpoint_loaders`)."""
    return checkpoint_loaders(checkpoint, data, texts)[1]


def load_model(path: str | os.PathLike, device: torch.device | str | None = None) -> tuple[LSTMLM, Vocab, dict]:
    """The model saved at ``path`` (float32, eval mode), its vocabulary and the raw checkpoint.

    ``device``: where the model goes; None means the GPU when there is one, else the CPU.
    """
    device = resolve_device(device)
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
    """A :class:`~lstm_tutorial.generate.TextGenerator` for the model saved at ``path``.

    ``device``: None means the GPU when there is one, else the CPU.
    """
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
    converted: dict[int, torch.Tensor] = {}  # by storage: tied weights (one matrix, two names) stay one tensor
    weights = {name: converted.setdefault(tensor.untyped_storage().data_ptr(), tensor.to(dtype))
               for name, tensor in checkpoint["model_state_dict"].items()}
    kept_keys = ("config", "vocab", "epoch", "val_loss", "corpus_fingerprint", "val_split_sha256")
    kept = {key: checkpoint[key] for key in kept_keys if key in checkpoint}
    return save_checkpoint({**kept, "model_state_dict": weights, **metadata}, target)
