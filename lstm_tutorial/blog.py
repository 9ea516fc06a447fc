"""The blog post's interface: every name its code uses, with its signatures and returns.

The course follows the blog post "LSTM 생성 파이토치로 훈련과 실행" (an LSTM
text generator in PyTorch, after the LSTM chapter of *Generative Deep
Learning*). Its code calls ``LSTMLM``, ``initialize_model``, ``train``,
``evaluate``, ``run_training``, ``PyTorchTextGenerator`` (with
``sample_from``), ``interactive_text_generation_colab`` and
``interactive_text_generation``. They all work here, written on top of the
package's own API (:class:`~lstm_tutorial.train.Trainer`,
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
from .generate import TextGenerator
from .model import LSTMLM, default_device
from .sampling import apply_temperature, draw
from .training import Trainer, autocast_dtype, evaluate_loss, train_epoch
from .vocab import Vocab

__all__ = ["LSTMLM", "PyTorchTextGenerator", "evaluate", "initialize_model", "interactive_text_generation",
           "interactive_text_generation_colab", "run_training", "train"]


class PyTorchTextGenerator(TextGenerator):
    """The blog post's generator, built from ``idx2token`` and ``token2idx`` instead of a :class:`Vocab`."""

    def __init__(self, model: LSTMLM, idx2token: list[str], token2idx: dict[str, int], device=None):
        vocab = Vocab(idx2token)
        if dict(token2idx) != vocab.token2idx:
            raise ValueError("token2idx does not match idx2token: each token must map to its position in idx2token")
        super().__init__(model, vocab, device)

    def sample_from(self, probs: torch.Tensor, temperature: float = 1.0, generator=None) -> tuple[int, np.ndarray]:
        """Apply temperature to ``probs`` and draw one index; returns ``(index, probs as numpy)``.

        The blog's ``probs ** (1 / T)`` renormalised, computed as
        ``softmax(log(probs) / T)`` so it never overflows; T = 0 is greedy.
        """
        adjusted = apply_temperature(probs, temperature)
        return int(draw(adjusted, generator)), adjusted.cpu().numpy()


def initialize_model(
    vocab_size: int,
    embedding_dim: int,
    hidden_dim: int,
    dropout_rate: float = 0.1,
    device: torch.device | str | None = None,
    learning_rate: float = 1e-3,
) -> tuple[LSTMLM, nn.CrossEntropyLoss, torch.optim.Adam]:
    """Model, loss (ignoring ``<PAD>`` = 0) and Adam optimizer, as in the blog post."""
    model = LSTMLM(vocab_size, embedding_dim, hidden_dim, dropout_rate).to(device or default_device())
    criterion = nn.CrossEntropyLoss(ignore_index=0)
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    return model, criterion, optimizer


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

    The loss is ``criterion``'s cross-entropy with its ``ignore_index``;
    the work is done by :func:`lstm_tutorial.train.train_epoch`.
    """
    return train_epoch(model, train_loader, optimizer, device, criterion.ignore_index, clip_grad_norm,
                       autocast_dtype(device), progress=progress, description=f"Epoch {epoch + 1}")


def evaluate(model: LSTMLM, val_loader, criterion: nn.CrossEntropyLoss, device) -> float:
    """Mean loss per target word on ``val_loader``, without dropout or gradients."""
    return evaluate_loss(model, val_loader, device, criterion.ignore_index, autocast_dtype(device))


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
) -> tuple[LSTMLM, PyTorchTextGenerator]:
    """The blog post's training entry point: train ``epochs`` epochs, save checkpoints, return the model and generator.

    Checkpoints go to ``save_dir``, or by default to Google Drive under Colab
    and ``./lstm_models`` elsewhere (see :func:`lstm_tutorial.colab_drive.checkpoint_dir`).
    The saved config records the split the loaders were made with, so
    ``lstm-tutorial evaluate --split val`` rebuilds the same validation set.
    """
    if len(idx2token) != vocab_size:
        raise ValueError(f"vocab_size is {vocab_size} but idx2token has {len(idx2token)} tokens")
    save_dir = Path(save_dir) if save_dir is not None else checkpoint_dir()
    split = getattr(train_loader, "split_settings", {})
    config = TrainConfig(vocab_size=vocab_size, embedding_dim=embedding_dim, hidden_dim=hidden_dim, epochs=epochs,
                         **split)
    model, _, optimizer = initialize_model(vocab_size, embedding_dim, hidden_dim, device=device)
    generator = PyTorchTextGenerator(model, idx2token, token2idx, device)
    trainer = Trainer(model, optimizer, generator.vocab, train_loader, val_loader, config, device, save_dir, progress)
    trainer.generator = generator
    trainer.fit()
    print(f"Checkpoints saved: {save_dir / LAST} and {save_dir / BEST}")
    return model, generator


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
            text_generator.generate(prompt, max_tokens=max_tokens, temperature=temperature)
        except ValueError as error:
            print(f"error: {error}")
    return None
