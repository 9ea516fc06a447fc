"""Training: the seed's ``train`` / ``evaluate`` / ``run_training``, and a ``Trainer`` that
keeps history, writes checkpoints and resumes.

Fixes to the seed: the epoch loss is the mean over target words, not over
batches of different sizes; gradients are clipped; the output layer and the
loss skip padding and run in cache-sized chunks (same numbers, faster); on
CUDA the forward pass runs in bfloat16 autocast (nn.LSTM uses cuDNN); checkpoints are
``last.pt`` every epoch and a real ``best.pt`` (lowest validation loss), and
they store the vocabulary the seed forgot.
"""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path

import torch
from torch import nn
from tqdm.auto import tqdm

from .checkpoint import load_checkpoint, save_checkpoint
from .config import TrainConfig
from .data import make_dataloaders
from .generate import TextGenerator
from .model import LSTMLM, default_device, initialize_model
from .storage import checkpoint_dir
from .vocab import Vocab


def _autocast(device: torch.device):
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=device.type == "cuda")


# Rows of [rows, vocab] scores the training step computes at once: 1,024 x 10,000
# floats is 40 MB, against 256 MB for a whole batch of 32 x 200 positions.
LOSS_CHUNK_ROWS = 1024


def _batch_loss(model, x, y, criterion, device) -> tuple[torch.Tensor, int]:
    x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
    with _autocast(device):
        logits, _ = model(x)
    # CrossEntropyLoss wants [N, C] scores and [N] targets: flatten batch and time.
    loss = criterion(logits.float().view(-1, logits.size(-1)), y.reshape(-1))
    return loss, int((y != criterion.ignore_index).sum())


def forward_backward(model: LSTMLM, x, y, criterion: nn.CrossEntropyLoss, device) -> tuple[float, int]:
    """The seed's ``loss = criterion(model(x)[0].view(-1, V), y.view(-1)); loss.backward()``.

    Same loss, same gradients, computed faster: the output layer and the loss
    only for real (non-padding) targets, a chunk of rows at a time, and the
    LSTM's backward pass once at the end. Returns the loss and the number of
    real targets.
    """
    x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
    with _autocast(device):
        output, _ = model.lstm(model.embedding(x))
    output = model.dropout(output)
    targets = y.reshape(-1)
    real = targets != criterion.ignore_index
    hidden = output.reshape(-1, output.size(-1))[real]  # [real targets, hidden_dim]
    targets = targets[real]
    n_targets = len(targets)
    if n_targets == 0:
        return 0.0, 0
    # Cut the graph after the LSTM: each chunk's backward fills hidden_leaf.grad,
    # and one backward through the LSTM follows.
    hidden_leaf = hidden.detach().requires_grad_()
    total = 0.0
    for start in range(0, n_targets, LOSS_CHUNK_ROWS):
        rows = slice(start, start + LOSS_CHUNK_ROWS)
        with _autocast(device):
            logits = model.fc(hidden_leaf[rows])
        chunk_loss = criterion(logits.float(), targets[rows]) * (len(targets[rows]) / n_targets)
        chunk_loss.backward()
        total += chunk_loss.item()
    hidden.backward(hidden_leaf.grad)
    return total, n_targets


def train(
    model: LSTMLM,
    train_loader,
    criterion: nn.CrossEntropyLoss,
    optimizer: torch.optim.Optimizer,
    epoch: int,
    device,
    clip_grad_norm: float | None = 1.0,
    progress: bool = True,
) -> float:
    """Train one epoch (``epoch`` counts from 0); return the mean loss per target word.

    The seed's loop, plus gradient clipping; each batch's loss and gradients
    come from :func:`forward_backward`.
    """
    device = torch.device(device)
    model.train()
    total_loss, total_tokens = 0.0, 0
    progress_bar = tqdm(train_loader, desc=f"Epoch {epoch + 1}", disable=not progress, leave=False)
    for x, y in progress_bar:
        optimizer.zero_grad(set_to_none=True)
        loss, n_tokens = forward_backward(model, x, y, criterion, device)
        if clip_grad_norm:
            nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)
        optimizer.step()
        total_loss += loss * n_tokens
        total_tokens += n_tokens
        progress_bar.set_postfix(loss=f"{loss:.4f}")
    return total_loss / max(total_tokens, 1)


@torch.no_grad()
def evaluate(model: LSTMLM, val_loader, criterion: nn.CrossEntropyLoss, device) -> float:
    """Mean loss per target word on ``val_loader``, without dropout or gradients."""
    device = torch.device(device)
    model.eval()
    total_loss, total_tokens = 0.0, 0
    for x, y in val_loader:
        loss, n_tokens = _batch_loss(model, x, y, criterion, device)
        total_loss += loss.item() * n_tokens
        total_tokens += n_tokens
    return total_loss / max(total_tokens, 1)


def _target_tokens(loader) -> int:
    return sum(len(sequence) - 1 for sequence in loader.dataset)


def _rng_state() -> dict:
    state = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"].cpu())
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda"]])


class Trainer:
    """Trains an ``LSTMLM`` epoch by epoch, keeping ``history`` and checkpoints in ``out_dir``."""

    def __init__(
        self,
        model: LSTMLM,
        criterion: nn.CrossEntropyLoss,
        optimizer: torch.optim.Optimizer,
        vocab: Vocab,
        train_loader,
        val_loader,
        config: TrainConfig,
        device=None,
        out_dir: str | os.PathLike | None = None,
        progress: bool = True,
    ):
        self.model, self.criterion, self.optimizer = model, criterion, optimizer
        self.vocab = vocab
        self.train_loader, self.val_loader = train_loader, val_loader
        self.config = config
        self.device = torch.device(device) if device is not None else model.fc.weight.device
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.progress = progress
        self.generator = TextGenerator.from_vocab(model, vocab, self.device)
        self.history: list[dict] = []
        self.epoch = 0  # epochs completed
        self.best_val_loss = math.inf
        self.train_tokens = _target_tokens(train_loader)

    @classmethod
    def from_texts(
        cls,
        texts: list[str],
        config: TrainConfig = TrainConfig(),
        device=None,
        out_dir: str | os.PathLike | None = None,
        vocab: Vocab | None = None,
        progress: bool = True,
    ) -> "Trainer":
        """Build vocabulary, loaders, model and optimizer for ``texts`` (seeded by ``config.seed``)."""
        texts = config.recipes_used(texts)
        torch.manual_seed(config.seed)
        vocab = vocab or Vocab.build(texts, config.vocab_size)
        train_loader, val_loader = make_dataloaders(
            texts, vocab, config.max_len, config.batch_size, config.val_fraction, config.seed
        )
        model, criterion, optimizer = initialize_model(
            len(vocab), config.embedding_dim, config.hidden_dim, config.dropout_rate, device or default_device(),
            config.learning_rate,
        )
        return cls(model, criterion, optimizer, vocab, train_loader, val_loader, config, device, out_dir, progress)

    @classmethod
    def resume(
        cls,
        checkpoint_path: str | os.PathLike,
        texts: list[str],
        device=None,
        out_dir: str | os.PathLike | None = None,
        progress: bool = True,
        **config_changes,
    ) -> "Trainer":
        """Continue a run from its checkpoint (usually ``last.pt``) on the same ``texts``.

        ``config_changes`` may raise ``epochs``; the run then continues to that
        many epochs and matches an uninterrupted run of the same length.
        """
        checkpoint = load_checkpoint(checkpoint_path)
        config = TrainConfig.from_dict(checkpoint["config"]).updated(**config_changes)
        out_dir = out_dir if out_dir is not None else Path(checkpoint_path).parent
        trainer = cls.from_texts(texts, config, device, out_dir, Vocab(checkpoint["vocab"]), progress)
        trainer.model.load_state_dict(checkpoint["model_state_dict"])
        trainer.optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
        trainer.epoch = checkpoint["epoch"]
        trainer.history = list(checkpoint["history"])
        trainer.best_val_loss = checkpoint["best_val_loss"]
        _set_rng_state(checkpoint["rng_state"])
        print(f"Resumed from {checkpoint_path} after epoch {trainer.epoch}")
        return trainer

    def run_epoch(self) -> dict:
        """Train and validate one epoch; print a summary and a sample; save checkpoints."""
        if hasattr(self.train_loader.batch_sampler, "set_epoch"):  # loaders from make_dataloaders
            self.train_loader.batch_sampler.set_epoch(self.epoch)
        start = time.perf_counter()
        train_loss = train(
            self.model, self.train_loader, self.criterion, self.optimizer, self.epoch, self.device,
            self.config.clip_grad_norm, self.progress,
        )
        train_seconds = time.perf_counter() - start
        val_loss = evaluate(self.model, self.val_loader, self.criterion, self.device)
        seconds = time.perf_counter() - start
        self.epoch += 1
        sample = self.generator.sample(
            self.config.sample_prompt, max_tokens=self.config.sample_tokens, temperature=1.0,
            seed=self.config.seed + self.epoch,
        )[0]
        record = {
            "epoch": self.epoch,
            "train_loss": train_loss,
            "val_loss": val_loss,
            "val_perplexity": math.exp(min(val_loss, 50.0)),
            "seconds": seconds,
            "tokens_per_second": self.train_tokens / train_seconds,
            "sample": sample,
        }
        self.history.append(record)
        print(
            f"Epoch {self.epoch}/{self.config.epochs} | {seconds:.1f}s | train loss {train_loss:.4f} | "
            f"val loss {val_loss:.4f} | val perplexity {record['val_perplexity']:.1f} | "
            f"{record['tokens_per_second']:,.0f} tokens/s\n  sample (T=1.0): {sample}"
        )
        is_best = val_loss < self.best_val_loss
        self.best_val_loss = min(self.best_val_loss, val_loss)
        if self.out_dir is not None:
            self.save_checkpoints(is_best)
        return record

    def fit(self) -> list[dict]:
        """Train until ``config.epochs`` epochs are done; return the history."""
        while self.epoch < self.config.epochs:
            self.run_epoch()
        return self.history

    def checkpoint(self) -> dict:
        """Everything needed to use or resume this run, as plain data and tensors."""
        last = self.history[-1] if self.history else {}
        return {
            "model_state_dict": self.model.state_dict(),
            "optimizer_state_dict": self.optimizer.state_dict(),
            "config": self.config.to_dict(),
            "vocab": self.vocab.idx2token,
            "epoch": self.epoch,
            "history": self.history,
            "best_val_loss": self.best_val_loss,
            "train_loss": last.get("train_loss"),
            "val_loss": last.get("val_loss"),
            "rng_state": _rng_state(),
        }

    def save_checkpoints(self, is_best: bool) -> None:
        """Write ``last.pt`` (and ``best.pt`` when ``is_best``) and ``metrics.json``."""
        checkpoint = self.checkpoint()
        if is_best:
            save_checkpoint(checkpoint, self.out_dir / "best.pt")
        save_checkpoint(checkpoint, self.out_dir / "last.pt")
        metrics = [{k: v for k, v in record.items() if k != "sample"} for record in self.history]
        temporary = self.out_dir / ".metrics.json.tmp"
        temporary.write_text(json.dumps(metrics, indent=2))
        os.replace(temporary, self.out_dir / "metrics.json")


def run_training(
    train_loader,
    val_loader,
    vocab_size: int,
    embedding_dim: int,
    hidden_dim: int,
    epochs: int,
    idx2token: list[str],
    token2idx: dict[str, int],
    device,
    save_dir: str | os.PathLike | None = None,
    progress: bool = True,
) -> tuple[LSTMLM, TextGenerator]:
    """The seed's training entry point: train ``epochs`` epochs, save checkpoints, return the model and generator.

    Checkpoints go to ``save_dir``, or by default to Google Drive under Colab
    and ``./lstm_models`` elsewhere (see :func:`lstm_tutorial.storage.checkpoint_dir`).
    """
    if len(idx2token) != vocab_size:
        raise ValueError(f"vocab_size is {vocab_size} but idx2token has {len(idx2token)} tokens")
    save_dir = Path(save_dir) if save_dir is not None else checkpoint_dir()
    config = TrainConfig(vocab_size=vocab_size, embedding_dim=embedding_dim, hidden_dim=hidden_dim, epochs=epochs)
    model, criterion, optimizer = initialize_model(vocab_size, embedding_dim, hidden_dim, device=device)
    trainer = Trainer(
        model, criterion, optimizer, Vocab(idx2token), train_loader, val_loader, config, device, save_dir, progress
    )
    trainer.fit()
    print(f"Checkpoints saved: {save_dir / 'last.pt'} and {save_dir / 'best.pt'}")
    return model, trainer.generator
