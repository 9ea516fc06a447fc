"""The blog post's interface: every name its code uses, with its signatures and returns.

The course follows the blog post "LSTM 생성 파이토치로 훈련과 실행" (an LSTM
text generator in PyTorch, after the LSTM chapter of *Generative Deep
Learning*). Its code calls ``LSTMLM``, ``initialize_model``, ``train``,
``evaluate``, ``run_training``, ``PyTorchTextGenerator`` (with
``sample_from``), ``interactive_text_generation_colab`` and
``interactive_text_generation``. They all work here, written on top of the
package's own API (:class:`~lstm_tutorial.training.Trainer`,
:class:`~lstm_tutorial.generate.TextGenerator`...), with the blog's bugs fixed.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .checkpoints import BEST, LAST
from .colab_drive import checkpoint_dir
from .config import TrainConfig
from .devices import resolve_device, resolve_precision
from .generate import GenerationState, TextGenerator
from .model import LSTMLM
from .sampling import SamplingOptions, draw
from .training import Trainer, evaluate_loss, train_epoch
from .vocab import Vocab

__all__ = ["LSTMLM", "PyTorchTextGenerator", "evaluate", "initialize_model", "interactive_text_generation",
           "interactive_text_generation_colab", "run_training", "train"]


class PyTorchTextGenerator(TextGenerator):
    """The blog post's generator: built from ``idx2token`` and ``token2idx``, with ``sample_from`` and ``generate``.

    ``device``, as in the blog, is where the model goes: None means the GPU
    when there is one, else the CPU.
    """

    def __init__(self, model: LSTMLM, idx2token: list[str], token2idx: dict[str, int], device=None):
        vocab = Vocab(idx2token)
        if dict(token2idx) != vocab.token2idx:
            raise ValueError("token2idx does not match idx2token: each token must map to its position in idx2token")
        super().__init__(model.to(resolve_device(device)), vocab)

    @property
    def idx2token(self) -> list[str]:
        return self.vocab.idx2token

    @property
    def token2idx(self) -> dict[str, int]:
        return self.vocab.token2idx

    def sample_from(self, probs: torch.Tensor, temperature: float = 1.0, generator=None) -> tuple[int, np.ndarray]:
        """Apply temperature to ``probs`` and draw one index; returns ``(index, probs as numpy)``.

        The blog's ``probs ** (1 / T)`` renormalised, computed as
        ``softmax(log(probs) / T)`` so it never overflows; T = 0 is greedy.
        """
        adjusted = apply_temperature(probs, temperature)
        return int(draw(adjusted, generator)), adjusted.cpu().numpy()

    def generate(
        self,
        start_prompt: str,
        max_tokens: int = 100,
        temperature: float = 1.0,
        top_k: int | None = None,
        top_p: float | None = None,
        seed: int | None = None,
        verbose: bool = True,
    ) -> list[dict]:
        """Continue ``start_prompt`` by up to ``max_tokens`` words, recording every step.

        Returns the blog post's ``info``: one dict per step with ``"prompt"``
        (the tokens so far, space-separated) and ``"word_probs"`` (numpy array
        over the vocabulary), plus ``"token"`` and ``"prob"`` of the word
        picked. Unknown prompt words become ``<UNK>``; the text stops at
        ``<EOS>`` or ``<PAD>``. Prints the generated text when ``verbose``, as the blog does.
        """
        info = []

        def record(state: GenerationState, probs: torch.Tensor) -> None:
            ids = state.token_ids[0]
            info.append({"prompt": " ".join(self.idx2token[idx] for idx in ids[:-1]),
                         "word_probs": probs[0].cpu().numpy(), "token": self.idx2token[ids[-1]],
                         "prob": state.picked_probs[0][-1]})

        state = self.complete(self.prefill(start_prompt), max_tokens, SamplingOptions(temperature, top_k, top_p),
                              self.random_generator(seed), on_step=record)
        if verbose:
            print(f"\nGenerated text:\n{self.text(state.token_ids[0])}\n")
        return info


def apply_temperature(probs: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
    """The blog post's ``probs ** (1/T)`` renormalised, computed safely as ``softmax(log p / T)``."""
    return SamplingOptions(temperature).probs(torch.log(probs.float()))


def initialize_model(
    vocab_size: int,
    embedding_dim: int,
    hidden_dim: int,
    dropout_rate: float = 0.1,
    device: torch.device | str | None = None,
    learning_rate: float = 1e-3,
) -> tuple[LSTMLM, nn.CrossEntropyLoss, torch.optim.Adam]:
    """Model, loss (ignoring ``<PAD>`` = 0) and Adam optimizer, as in the blog post.

    ``device``: None means the GPU when there is one, else the CPU.
    """
    model = LSTMLM(vocab_size, embedding_dim, hidden_dim, dropout_rate).to(resolve_device(device))
    criterion = nn.CrossEntropyLoss(ignore_index=0)
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    return model, criterion, optimizer


def _check_model_device(model: LSTMLM, device) -> None:
    if device is not None and resolve_device(device) != model.device:
        raise ValueError(f"device {device!r} is not where the model is ({model.device}): move the model there first")


def train(
    model: LSTMLM,
    train_loader,
    criterion: nn.CrossEntropyLoss,
    optimizer: torch.optim.Optimizer,
    epoch: int,
    device,
    clip_grad_norm: float | None = 1.0,
    progress: bool = True,
    precision: str = "auto",
) -> float:
    """Train one epoch (``epoch`` counts from 0); return the mean loss per target word.

    The loss is ``criterion``'s cross-entropy with its ``ignore_index``; the
    matrix products run in ``precision`` (see :mod:`lstm_tutorial.devices`).
    ``device`` must be where the model is. The work is done by
    :func:`lstm_tutorial.training.train_epoch`.
    """
    _check_model_device(model, device)
    dtype = resolve_precision(precision, model.device)
    scaler = torch.amp.GradScaler(model.device.type) if dtype == torch.float16 else None
    return train_epoch(model, train_loader, optimizer, criterion.ignore_index, clip_grad_norm, dtype, scaler,
                       progress=progress, description=f"Epoch {epoch + 1}")


def evaluate(model: LSTMLM, val_loader, criterion: nn.CrossEntropyLoss, device) -> float:
    """Mean loss per target word on ``val_loader``, in float32, without dropout or gradients."""
    _check_model_device(model, device)
    return evaluate_loss(model, val_loader, criterion.ignore_index)


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
    config: TrainConfig | None = None,
) -> tuple[LSTMLM, PyTorchTextGenerator]:
    """The blog post's training entry point: train ``epochs`` epochs, save checkpoints, return the model and generator.

    After each epoch it prints the losses and a sample, as the blog does.
    Checkpoints go to ``save_dir``, or by default to Google Drive under Colab
    and ``./lstm_models`` elsewhere (see :func:`lstm_tutorial.colab_drive.checkpoint_dir`).
    ``config`` is the :class:`TrainConfig` the loaders were made from (with
    ``dataloaders_for``); the checkpoints record it, so that
    ``lstm-tutorial evaluate`` rebuilds the same validation split. Without it
    they record the default split settings, and ``evaluate`` says the split differs.
    """
    if len(idx2token) != vocab_size:
        raise ValueError(f"vocab_size is {vocab_size} but idx2token has {len(idx2token)} tokens")
    save_dir = Path(save_dir) if save_dir is not None else checkpoint_dir()
    model, _, optimizer = initialize_model(vocab_size, embedding_dim, hidden_dim, device=device)
    # the checkpoints record the run as it is: the blog's sizes and Adam at its default learning rate
    config = (config or TrainConfig()).updated(vocab_size=vocab_size, embedding_dim=embedding_dim,
                                               hidden_dim=hidden_dim, epochs=epochs,
                                               learning_rate=optimizer.param_groups[0]["lr"])
    trainer = Trainer(model, optimizer, Vocab(idx2token), train_loader, val_loader, config, save_dir, progress)
    trainer.fit()
    print(f"Checkpoints saved: {save_dir / LAST} and {save_dir / BEST}")
    return model, PyTorchTextGenerator(model, idx2token, token2idx, device)


def interactive_text_generation_colab(text_generator: TextGenerator):
    """The blog post's Colab panel: display :func:`lstm_tutorial.panel.generation_panel` and return it."""
    from IPython.display import display

    from .panel import generation_panel

    panel = generation_panel(text_generator)
    display(panel)
    return panel


def _in_jupyter_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def interactive_text_generation(text_generator: TextGenerator, max_tokens: int = 100, temperature: float = 1.0):
    """The panel in Jupyter (any front end); in a plain terminal, a prompt loop.

    The blog post calls this function but never defines it. In the terminal,
    an empty line or Ctrl-D ends the loop.
    """
    if _in_jupyter_kernel():
        return interactive_text_generation_colab(text_generator)
    while True:
        try:
            prompt = input("prompt (empty line to quit)> ")
        except EOFError:
            break
        if not prompt.strip():
            break
        try:
            text = text_generator.sample(prompt, max_tokens=max_tokens, temperature=temperature)[0]
            print(f"\nGenerated text:\n{text}\n")
        except ValueError as error:
            print(f"error: {error}")
    return None
