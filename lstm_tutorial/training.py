"""Training: one epoch, evaluation, and a ``Trainer`` that keeps history, saves checkpoints,
stops early and resumes.

Fixes to the blog post's loop: the epoch loss is the mean over target words,
not over batches of different sizes; gradients are clipped; ``best.pt`` is
really the best epoch. The loss itself is the model's
(:meth:`~lstm_tutorial.model.LSTMLM.loss_sum`); the precision of the matrix
products is ``config.precision`` (see :mod:`lstm_tutorial.devices`), and
validation is always float32.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn
from tqdm.auto import tqdm

from . import checkpoints
from .baselines import perplexity_from_loss
from .config import DEFAULT_PRESET, PRESETS, TrainConfig, config_for_resume
from .data import dataloaders_for
from .devices import describe_precision, resolve_device, resolve_precision
from .generate import TextGenerator
from .model import LSTMLM, Hidden
from .recipes import corpus_fingerprint, load_recipes
from .vocab import Vocab


# --- one batch, one epoch, evaluation --------------------------------------------------------------
def forward_backward(model: LSTMLM, x: torch.Tensor, y: torch.Tensor, pad_idx: int, dtype: torch.dtype | None = None,
                     scaler: torch.amp.GradScaler | None = None, hidden: Hidden | None = None,
                     ) -> tuple[float, int, Hidden]:
    """The blog post's ``loss = criterion(model(x)[0].view(-1, V), y.view(-1)); loss.backward()``.

    Returns the mean loss over the real (non-padding) targets, their number,
    and the LSTM's state after ``x`` (detached: the next piece of a stream
    starts from its values, but backpropagation stops here). With float16,
    ``scaler`` scales the loss up before the backward pass, so that small
    gradients do not round to zero; the gradients stay scaled until
    ``scaler.unscale_``.
    """
    loss_sum, n_targets, hidden = model.loss_sum(x, y, pad_idx, dtype, hidden)
    hidden = tuple(h.detach() for h in hidden)
    if n_targets == 0:
        return 0.0, 0, hidden
    loss = loss_sum / n_targets
    (scaler.scale(loss) if scaler is not None else loss).backward()
    return loss.item(), n_targets, hidden


def train_epoch(
    model: LSTMLM,
    loader,
    optimizer: torch.optim.Optimizer,
    pad_idx: int = 0,
    clip_grad_norm: float | None = 1.0,
    dtype: torch.dtype | None = None,
    scaler: torch.amp.GradScaler | None = None,
    progress: bool = True,
    description: str = "training",
    carry_state: bool = False,
) -> float:
    """Train one pass over ``loader`` on the model's device; return the mean loss per target word.

    With ``carry_state`` (a stream cut into pieces) each batch starts from the
    LSTM state the previous one ended with; otherwise from zeros.
    """
    model.train()
    total_loss, total_tokens = 0.0, 0
    hidden = None
    progress_bar = tqdm(loader, desc=description, disable=not progress, leave=False)
    for x, y in progress_bar:
        optimizer.zero_grad(set_to_none=True)
        loss, n_tokens, hidden = forward_backward(model, x, y, pad_idx, dtype, scaler, hidden)
        if not carry_state:
            hidden = None
        if scaler is not None:
            scaler.unscale_(optimizer)  # clip the true gradients; step skips the update if any is inf or NaN
        if clip_grad_norm:
            nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)
        if scaler is not None:
            scaler.step(optimizer)
            scaler.update()
        else:
            optimizer.step()
        total_loss += loss * n_tokens
        total_tokens += n_tokens
        progress_bar.set_postfix(loss=f"{loss:.4f}")
    return total_loss / max(total_tokens, 1)


@torch.no_grad()
def evaluate_loss(model: LSTMLM, loader, pad_idx: int = 0) -> float:
    """Mean loss per target word on ``loader``, in float32, without dropout or gradients."""
    model.eval()
    total_loss, total_tokens = 0.0, 0
    for x, y in loader:
        loss_sum, n_tokens, _ = model.loss_sum(x, y, pad_idx)
        total_loss += loss_sum.item()
        total_tokens += n_tokens
    return total_loss / max(total_tokens, 1)


def make_optimizer(model: LSTMLM, config: TrainConfig) -> torch.optim.Optimizer:
    """The optimizer ``config.optimizer`` names, at ``config.learning_rate``."""
    if config.optimizer == "sgd":
        return torch.optim.SGD(model.parameters(), lr=config.learning_rate)
    return torch.optim.Adam(model.parameters(), lr=config.learning_rate)


# --- the Trainer -----------------------------------------------------------------------------------
class Trainer:
    """Trains an ``LSTMLM`` epoch by epoch on the model's device, keeping ``history`` and checkpoints in ``out_dir``.

    Stops early after ``config.patience`` epochs without a better validation
    loss; ``best.pt`` is always the best epoch.
    """

    def __init__(
        self,
        model: LSTMLM,
        optimizer: torch.optim.Optimizer,
        vocab: Vocab,
        train_loader,
        val_loader,
        config: TrainConfig,
        out_dir: str | os.PathLike | None = None,
        progress: bool = True,
        corpus_fingerprint: str | None = None,
    ):
        self.model, self.optimizer, self.vocab = model, optimizer, vocab
        self.train_loader, self.val_loader = train_loader, val_loader
        self.config = config
        self.device = model.device
        self.out_dir = checkpoints.make_folder(out_dir) if out_dir is not None else None
        self.progress = progress
        self.corpus_fingerprint = corpus_fingerprint
        self.generator = TextGenerator(model, vocab)
        self.history: list[dict] = []
        self.best_val_loss = math.inf
        self.train_tokens = sum(len(sequence) - 1 for sequence in train_loader.dataset)
        self.dtype = resolve_precision(config.precision, self.device)
        self.scaler = torch.amp.GradScaler(self.device.type) if self.dtype == torch.float16 else None
        print("Precision:", describe_precision(self.device, self.dtype))

    @property
    def epoch(self) -> int:
        """Epochs completed."""
        return len(self.history)

    @classmethod
    def from_texts(
        cls,
        texts: list[str],
        config: TrainConfig = PRESETS[DEFAULT_PRESET],
        device: torch.device | str | None = None,
        out_dir: str | os.PathLike | None = None,
        vocab: Vocab | None = None,
        progress: bool = True,
    ) -> Trainer:
        """Build vocabulary, loaders, model and optimizer for ``texts`` (seeded by ``config.seed``).

        ``device``: None means the GPU when there is one, else the CPU.
        """
        device = resolve_device(device)
        texts = config.recipes_used(texts)
        torch.manual_seed(config.seed)
        vocab = vocab or Vocab.build(texts, config.vocab_size)
        train_loader, val_loader = dataloaders_for(config, texts, vocab)
        model = LSTMLM.from_config(config, len(vocab)).to(device)
        return cls(model, make_optimizer(model, config), vocab, train_loader, val_loader, config, out_dir, progress,
                   corpus_fingerprint(texts))

    @classmethod
    def from_config(
        cls, config: TrainConfig = PRESETS[DEFAULT_PRESET], device: torch.device | str | None = None,
        out_dir: str | os.PathLike | None = None, progress: bool = True,
    ) -> Trainer:
        """Load the recipes ``config.data`` names and build a trainer for them.

        ``device``: None means the GPU when there is one, else the CPU.
        """
        return cls.from_texts(load_recipes(config.data, config.include_ingredients), config, device, out_dir,
                              progress=progress)

    @classmethod
    def resume(
        cls,
        checkpoint_path: str | os.PathLike,
        texts: list[str] | None = None,
        device: torch.device | str | None = None,
        out_dir: str | os.PathLike | None = None,
        progress: bool = True,
        name_of: Callable[[str], str] = str,
        **requested,
    ) -> Trainer:
        """Continue a run from its checkpoint (usually ``last.pt``).

        ``texts`` defaults to the recipes the checkpoint's config names.
        ``requested`` holds config fields: a value equal to the checkpoint's is
        accepted, a field in ``RESUMABLE_FIELDS`` (e.g. ``epochs``) takes its
        new value, and any other change (the data, the split, the model's
        shape) is refused with a ValueError naming it (see
        :func:`~lstm_tutorial.config.config_for_resume`). With only ``epochs``
        raised, the run matches an uninterrupted one. ``name_of`` names a field
        in that error (the command line passes its flag names). ``device``:
        None means the GPU when there is one, else the CPU.
        """
        checkpoint = checkpoints.load_checkpoint(checkpoint_path)
        saved = TrainConfig.from_dict(checkpoint["config"])
        config = config_for_resume(saved, requested, name_of)
        if texts is None:
            texts = load_recipes(config.data, config.include_ingredients)
        out_dir = out_dir if out_dir is not None else Path(checkpoint_path).parent
        trainer = cls.from_texts(texts, config, device, out_dir, Vocab(checkpoint["vocab"]), progress)
        if checkpoint.get("corpus_fingerprint") not in (None, trainer.corpus_fingerprint):
            raise ValueError(f"{checkpoint_path} was trained on other recipes than the ones given to resume it")
        trainer.history, trainer.best_val_loss = checkpoints.restore_training(
            checkpoint, trainer.model, trainer.optimizer, trainer.scaler, str(checkpoint_path))
        if config.learning_rate != saved.learning_rate:  # else the optimizer's own, annealed or not
            for group in trainer.optimizer.param_groups:
                group["lr"] = config.learning_rate
        print(f"Resumed from {checkpoint_path} after epoch {trainer.epoch}")
        return trainer

    def run_epoch(self) -> dict:
        """Train and validate one epoch; print a summary and a sample; save checkpoints."""
        batches = getattr(self.train_loader, "batch_sampler", self.train_loader)
        if hasattr(batches, "set_epoch"):  # loaders from make_dataloaders: a new order each epoch
            batches.set_epoch(self.epoch)
        learning_rate = self.optimizer.param_groups[0]["lr"]
        start = time.perf_counter()
        train_loss = train_epoch(
            self.model, self.train_loader, self.optimizer, self.vocab.pad_idx, self.config.clip_grad_norm,
            self.dtype, self.scaler, self.progress, f"Epoch {self.epoch + 1}", self.config.batching == "stream",
        )
        train_seconds = time.perf_counter() - start
        val_loss = evaluate_loss(self.model, self.val_loader, self.vocab.pad_idx)
        seconds = time.perf_counter() - start
        epoch = self.epoch + 1
        sample = self.generator.sample(
            self.config.sample_prompt, max_tokens=self.config.sample_tokens, temperature=1.0,
            seed=self.config.seed + epoch,
        )[0]
        record = {
            "epoch": epoch,
            "train_loss": train_loss,
            "val_loss": val_loss,
            "val_perplexity": perplexity_from_loss(val_loss),
            "seconds": seconds,
            "tokens_per_second": self.train_tokens / train_seconds,
            "learning_rate": learning_rate,
            "sample": sample,
        }
        self.history.append(record)
        print(
            f"Epoch {epoch}/{self.config.epochs} | {seconds:.1f}s | train loss {train_loss:.4f} | "
            f"val loss {val_loss:.4f} | val perplexity {record['val_perplexity']:.1f} | "
            f"{record['tokens_per_second']:,.0f} tokens/s\n  sample (T=1.0): {sample}"
        )
        is_best = val_loss < self.best_val_loss
        self.best_val_loss = min(self.best_val_loss, val_loss)
        if not is_best and self.config.anneal:
            for group in self.optimizer.param_groups:
                group["lr"] /= self.config.anneal
        if self.out_dir is not None:
            self.save_checkpoints(is_best)
        return record

    @property
    def epochs_without_improvement(self) -> int:
        """Epochs since the best validation loss so far."""
        losses = [record["val_loss"] for record in self.history]
        return len(losses) - 1 - losses.index(min(losses)) if losses else 0

    def fit(self) -> list[dict]:
        """Train until ``config.epochs`` epochs are done or validation stops improving; return the history."""
        while self.epoch < self.config.epochs:
            if self.config.patience is not None and self.epochs_without_improvement >= self.config.patience:
                best = self.epoch - self.epochs_without_improvement
                print(f"Early stop: no better validation loss for {self.config.patience} epochs "
                      f"(best: epoch {best}, val loss {self.best_val_loss:.4f})")
                break
            self.run_epoch()
        return self.history

    def checkpoint(self) -> dict:
        """Everything needed to use or resume this run (see :func:`lstm_tutorial.checkpoints.training_checkpoint`)."""
        return checkpoints.training_checkpoint(
            self.model, self.vocab, self.config, self.optimizer, self.scaler, self.history, self.best_val_loss,
            self.corpus_fingerprint, self.val_loader,
        )

    def save_checkpoints(self, is_best: bool) -> None:
        """Write ``best.pt`` (when ``is_best``), ``last.pt`` and ``metrics.json``."""
        checkpoint = self.checkpoint()
        if is_best:
            checkpoints.save_checkpoint(checkpoint, self.out_dir / checkpoints.BEST)
        checkpoints.save_checkpoint(checkpoint, self.out_dir / checkpoints.LAST)
        checkpoints.write_metrics(self.history, self.out_dir)
