"""Training: one epoch, evaluation, and a ``Trainer`` that keeps history, saves checkpoints,
stops early and resumes.

Fixes to the blog post's loop: the epoch loss is the mean over target words,
not over batches of different sizes; gradients are clipped; ``best.pt`` is
really the best epoch. Faster, same numbers: the output layer and the loss
skip padding and run a chunk of rows at a time, and the matrix products run
in bfloat16 (float16 on older GPUs) where the device supports it, with
float32 weights and a float32 loss.
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

import torch
from torch import nn
from tqdm.auto import tqdm

from . import checkpoints
from .config import DEFAULT_PRESET, PRESETS, RESUMABLE_FIELDS, TrainConfig
from .data import dataloaders_for, split_fingerprint
from .generate import TextGenerator
from .model import LSTMLM, default_device
from .recipes import corpus_fingerprint, load_recipes
from .vocab import Vocab

# Rows of [rows, vocab] scores computed at once. 256 x 10,000 floats is 10 MB, which
# stays in a CPU's last-level cache while the loss and its gradient pass over it; a
# whole batch of 32 x 200 positions is 256 MB. Measured at the book's sizes on a
# 2-core AMD EPYC (benchmarks/profile_epoch.py): against 1,024 rows (40 MB), 256 rows
# cut the loss's time to about a third and train 1.4x faster in float32, 1.6x in bfloat16.
LOSS_CHUNK_ROWS = 256
# A GPU is the other way round: each chunk costs kernel launches, so fewer, larger chunks
# are faster. 8,192 rows hold a whole batch of the book's sizes (32 x 200 positions).
GPU_LOSS_CHUNK_ROWS = 8192


def loss_chunk_rows(device: torch.device) -> int:
    """Rows of scores the output layer and the loss handle at once on ``device``."""
    return GPU_LOSS_CHUNK_ROWS if device.type == "cuda" else LOSS_CHUNK_ROWS


# --- precision -------------------------------------------------------------------------------------
def autocast_dtype(device: torch.device | str, mixed_precision: bool = True) -> torch.dtype | None:
    """The dtype matrix products run in on ``device``; None means float32.

    bfloat16 on CPUs with native bfloat16 (AVX-512 BF16 or AMX) and on GPUs of
    compute capability 8.0 and up; float16 (with a gradient scaler) on older
    GPUs such as Colab's T4; float32 elsewhere or when ``mixed_precision`` is off.
    """
    device = torch.device(device)
    if not mixed_precision:
        return None
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.get_device_capability(device)[0] >= 8 else torch.float16
    if device.type == "cpu" and cpu_supports_bfloat16():
        return torch.bfloat16
    return None


def cpu_supports_bfloat16() -> bool:
    """Whether this CPU multiplies bfloat16 matrices natively (AVX-512 BF16 or AMX), as oneDNN sees it.

    Without it, bfloat16 is emulated and slower than float32.
    """
    return torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported()


def describe_precision(device: torch.device, dtype: torch.dtype | None, mixed_precision: bool) -> str:
    if dtype is not None:
        return f"{device.type}: matrix products in {str(dtype)[6:]}, weights and loss in float32"
    why = "mixed precision is off" if not mixed_precision else f"this {device.type} has no fast bfloat16"
    return f"{device.type}: float32 ({why})"


def _autocast(device: torch.device, dtype: torch.dtype | None):
    return torch.autocast(device_type=device.type, dtype=dtype or torch.float32, enabled=dtype is not None)


# --- one batch, one epoch, evaluation --------------------------------------------------------------
class SoftmaxCrossEntropy(torch.autograd.Function):
    """``F.cross_entropy(scores.float(), targets, reduction="sum")``, with its gradient written out.

    For cross-entropy after a softmax, the gradient of the loss with respect to
    the scores is ``softmax(scores) - one_hot(targets)``: the backward pass
    turns the probabilities the forward pass kept into that gradient in place,
    where autograd's would allocate and fill three more ``[rows, vocab]``
    tensors. Same loss and gradients (a test checks against the blog's lines),
    about 15% faster training at the book's sizes on a CPU. The loss is in
    float32 whatever the dtype of ``scores``; the gradient is in that dtype.
    (A word given a probability under 1e-38, a loss over 87, counts as 87.)
    """

    @staticmethod
    def forward(ctx, scores: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        probs = torch.softmax(scores, dim=1, dtype=torch.float32)  # [rows, vocab]
        target_probs = probs[torch.arange(len(targets), device=targets.device), targets]
        ctx.save_for_backward(probs, targets)
        ctx.scores_dtype = scores.dtype
        return -target_probs.clamp_min(torch.finfo(torch.float32).tiny).log().sum()

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_loss: torch.Tensor):
        probs, targets = ctx.saved_tensors
        probs[torch.arange(len(targets), device=targets.device), targets] -= 1  # softmax - one_hot, in place
        return probs.to(ctx.scores_dtype).mul_(grad_loss), None


def _chunked_loss_sum(model: LSTMLM, features: torch.Tensor, targets: torch.Tensor, device: torch.device,
                      dtype: torch.dtype | None, backward_scale: float | None,
                      scaler: torch.amp.GradScaler | None = None) -> float:
    """Sum of cross-entropy over ``features`` ``[n, hidden]`` and ``targets`` ``[n]``, a chunk of rows at a time.

    With ``backward_scale``, each chunk's loss times that scale is back-propagated
    (into ``features.grad``) before the next chunk's scores are made; a ``scaler``
    multiplies it by its loss scale first.
    """
    total = torch.zeros((), dtype=torch.float64, device=device)  # on the device: one GPU sync per batch
    chunk_rows = loss_chunk_rows(device)
    for start in range(0, len(targets), chunk_rows):
        rows = slice(start, start + chunk_rows)
        with _autocast(device, dtype):
            logits = model.fc(features[rows])
        chunk_loss = SoftmaxCrossEntropy.apply(logits, targets[rows])
        if backward_scale is not None:
            scaled = chunk_loss * backward_scale
            (scaler.scale(scaled) if scaler is not None else scaled).backward()
        total += chunk_loss.detach()
    return total.item()


def forward_backward(model: LSTMLM, x: torch.Tensor, y: torch.Tensor, pad_idx: int, device: torch.device,
                     dtype: torch.dtype | None = None,
                     scaler: torch.amp.GradScaler | None = None) -> tuple[float, int]:
    """The blog post's ``loss = criterion(model(x)[0].view(-1, V), y.view(-1)); loss.backward()``.

    Same loss, same gradients, computed faster: the output layer and the loss
    only for real (non-padding) targets, a chunk at a time, and the LSTM's
    backward pass once at the end. Returns the mean loss and the number of
    real targets. With float16, ``scaler`` scales the loss up before each
    backward pass, so that small gradients do not round to zero; the
    gradients stay scaled until ``scaler.unscale_``.
    """
    x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
    with _autocast(device, dtype):
        features, _ = model.features(x)
    targets = y.reshape(-1)
    real = targets != pad_idx
    features = features.reshape(-1, features.size(-1))[real]  # [real targets, hidden_dim]
    targets = targets[real]
    if len(targets) == 0:
        return 0.0, 0
    # Cut the graph after the LSTM: each chunk's backward fills leaf.grad, then one
    # backward through the LSTM follows.
    leaf = features.detach().requires_grad_()
    total = _chunked_loss_sum(model, leaf, targets, device, dtype, 1 / len(targets), scaler)
    features.backward(leaf.grad)
    return total / len(targets), len(targets)


def train_epoch(
    model: LSTMLM,
    loader,
    optimizer: torch.optim.Optimizer,
    device: torch.device | str,
    pad_idx: int = 0,
    clip_grad_norm: float | None = 1.0,
    dtype: torch.dtype | None = None,
    scaler: torch.amp.GradScaler | None = None,
    progress: bool = True,
    description: str = "training",
) -> float:
    """Train one pass over ``loader``; return the mean loss per target word."""
    device = torch.device(device)
    model.train()
    total_loss, total_tokens = 0.0, 0
    progress_bar = tqdm(loader, desc=description, disable=not progress, leave=False)
    for x, y in progress_bar:
        optimizer.zero_grad(set_to_none=True)
        loss, n_tokens = forward_backward(model, x, y, pad_idx, device, dtype, scaler)
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
def evaluate_loss(model: LSTMLM, loader, device: torch.device | str, pad_idx: int = 0,
                  dtype: torch.dtype | None = None) -> float:
    """Mean loss per target word on ``loader``, without dropout or gradients."""
    device = torch.device(device)
    model.eval()
    total_loss, total_tokens = 0.0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        with _autocast(device, dtype):
            features, _ = model.features(x)
        targets = y.reshape(-1)
        real = targets != pad_idx
        total_loss += _chunked_loss_sum(model, features.reshape(-1, features.size(-1))[real], targets[real],
                                        device, dtype, backward_scale=None)
        total_tokens += int(real.sum())
    return total_loss / max(total_tokens, 1)


# --- the Trainer -----------------------------------------------------------------------------------
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
    """Trains an ``LSTMLM`` epoch by epoch, keeping ``history`` and checkpoints in ``out_dir``.

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
        device: torch.device | str | None = None,
        out_dir: str | os.PathLike | None = None,
        progress: bool = True,
        corpus_fingerprint: str | None = None,
    ):
        self.model, self.optimizer, self.vocab = model, optimizer, vocab
        self.train_loader, self.val_loader = train_loader, val_loader
        self.config = config
        self.device = torch.device(device) if device is not None else model.device
        self.out_dir = Path(out_dir) if out_dir is not None else None
        if self.out_dir is not None:
            if self.out_dir.exists() and not self.out_dir.is_dir():
                raise ValueError(f"checkpoint folder {self.out_dir} is a file, not a folder")
            self.out_dir.mkdir(parents=True, exist_ok=True)
        self.progress = progress
        self.corpus_fingerprint = corpus_fingerprint
        self.generator = TextGenerator(model, vocab, self.device)
        self.history: list[dict] = []
        self.epoch = 0  # epochs completed
        self.best_val_loss = math.inf
        self.train_tokens = sum(len(sequence) - 1 for sequence in train_loader.dataset)
        self.dtype = autocast_dtype(self.device, config.mixed_precision)
        self.scaler = torch.amp.GradScaler(self.device.type) if self.dtype == torch.float16 else None
        print("Precision:", describe_precision(self.device, self.dtype, config.mixed_precision))

    @classmethod
    def from_texts(
        cls,
        texts: list[str],
        config: TrainConfig = PRESETS[DEFAULT_PRESET],
        device: torch.device | str | None = None,
        out_dir: str | os.PathLike | None = None,
        vocab: Vocab | None = None,
        progress: bool = True,
    ) -> "Trainer":
        """Build vocabulary, loaders, model and optimizer for ``texts`` (seeded by ``config.seed``)."""
        device = torch.device(device) if device is not None else default_device()
        texts = config.recipes_used(texts)
        torch.manual_seed(config.seed)
        vocab = vocab or Vocab.build(texts, config.vocab_size)
        train_loader, val_loader = dataloaders_for(config, texts, vocab)
        model = LSTMLM.from_config(config, len(vocab)).to(device)
        optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
        return cls(model, optimizer, vocab, train_loader, val_loader, config, device, out_dir, progress,
                   corpus_fingerprint(texts))

    @classmethod
    def from_config(
        cls, config: TrainConfig = PRESETS[DEFAULT_PRESET], device: torch.device | str | None = None,
        out_dir: str | os.PathLike | None = None, progress: bool = True,
    ) -> "Trainer":
        """Load the recipes ``config.data`` names and build a trainer for them."""
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
        **changes,
    ) -> "Trainer":
        """Continue a run from its checkpoint (usually ``last.pt``).

        ``texts`` defaults to the recipes the checkpoint's config names.
        ``changes`` may set the fields in ``RESUMABLE_FIELDS`` (e.g. raise
        ``epochs``); changing any other field (the data, the split, the
        model's shape) is refused with a ValueError naming it. With only
        ``epochs`` raised, the run matches an uninterrupted one.
        """
        checkpoint = checkpoints.load_checkpoint(checkpoint_path)
        missing = [key for key in checkpoints.TRAINING_KEYS if key not in checkpoint]
        if missing:
            raise ValueError(f"{checkpoint_path} cannot be resumed: it has no {', '.join(missing)}")
        saved = TrainConfig.from_dict(checkpoint["config"])
        for name, value in changes.items():
            if name not in RESUMABLE_FIELDS and value != getattr(saved, name, value):
                raise ValueError(
                    f"cannot change {name} when resuming (the checkpoint has {name}={getattr(saved, name)!r}); "
                    f"a resumed run may change only {', '.join(RESUMABLE_FIELDS)}"
                )
        config = saved.updated(**changes)
        if texts is None:
            texts = load_recipes(config.data, config.include_ingredients)
        out_dir = out_dir if out_dir is not None else Path(checkpoint_path).parent
        trainer = cls.from_texts(texts, config, device, out_dir, Vocab(checkpoint["vocab"]), progress)
        if checkpoint.get("corpus_fingerprint") not in (None, trainer.corpus_fingerprint):
            raise ValueError(f"{checkpoint_path} was trained on other recipes than the ones given to resume it")
        trainer.model.load_state_dict(checkpoint["model_state_dict"])
        trainer.optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
        for group in trainer.optimizer.param_groups:
            group["lr"] = config.learning_rate
        if trainer.scaler is not None and "scaler_state_dict" in checkpoint:
            trainer.scaler.load_state_dict(checkpoint["scaler_state_dict"])
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
        train_loss = train_epoch(
            self.model, self.train_loader, self.optimizer, self.device, self.vocab.pad_idx,
            self.config.clip_grad_norm, self.dtype, self.scaler, self.progress, f"Epoch {self.epoch + 1}",
        )
        train_seconds = time.perf_counter() - start
        val_loss = evaluate_loss(self.model, self.val_loader, self.device, self.vocab.pad_idx, self.dtype)
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
        """Everything needed to use or resume this run, as plain data and tensors."""
        extra = {} if self.scaler is None else {"scaler_state_dict": self.scaler.state_dict()}
        return checkpoints.model_checkpoint(
            self.model, self.vocab, self.config,
            optimizer_state_dict=self.optimizer.state_dict(),
            epoch=self.epoch,
            history=self.history,
            best_val_loss=self.best_val_loss,
            val_loss=self.history[-1]["val_loss"] if self.history else None,
            rng_state=_rng_state(),
            corpus_fingerprint=self.corpus_fingerprint,
            val_split_sha256=split_fingerprint(self.val_loader),
            **extra,
        )

    def save_checkpoints(self, is_best: bool) -> None:
        """Write ``best.pt`` (when ``is_best``), ``last.pt`` and ``metrics.json``."""
        checkpoint = self.checkpoint()
        if is_best:
            checkpoints.save_checkpoint(checkpoint, self.out_dir / checkpoints.BEST)
        checkpoints.save_checkpoint(checkpoint, self.out_dir / checkpoints.LAST)
        checkpoints.write_metrics(self.history, self.out_dir)
