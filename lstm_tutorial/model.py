"""The word-level LSTM language model of the blog post (and the book).

The model owns its whole computation: the forward pass over sequences, its
loss (:meth:`LSTMLM.loss_sum`, which training and evaluation both use), and
one token step from a carried state (which the generator uses).
"""

from __future__ import annotations

import torch
from torch import nn

from .config import TrainConfig
from .devices import autocast

Hidden = tuple[torch.Tensor, torch.Tensor]  # (h, c), each [num_layers, batch, hidden_dim]


class LSTMLM(nn.Module):
    """Embedding -> LSTM (``num_layers``, the book uses 1) -> dropout -> linear layer over the vocabulary.

    ``tie_weights`` makes the output layer use the embedding's matrix (one row
    per word, read in and written out: needs ``embedding_dim == hidden_dim``);
    ``embedding_dropout`` drops word-vector components while training.

    ``forward(x, hidden)`` maps token ids ``[batch, seq]`` to logits
    ``[batch, seq, vocab_size]`` (raw scores for the next word at every
    position) and the LSTM's final state ``(h_n, c_n)``, each
    ``[num_layers, batch, hidden_dim]``. Pass that state back in to continue a
    text where it stopped.
    """

    def __init__(
        self, vocab_size: int, embedding_dim: int, hidden_dim: int, dropout_rate: float = 0.1, num_layers: int = 1,
        tie_weights: bool = False, embedding_dropout: float = 0.0,
    ):
        super().__init__()
        for name, value in [("vocab_size", vocab_size), ("embedding_dim", embedding_dim), ("hidden_dim", hidden_dim),
                            ("num_layers", num_layers)]:
            if value < 1:
                raise ValueError(f"{name} must be at least 1, got {value}")
        for name, rate in [("dropout_rate", dropout_rate), ("embedding_dropout", embedding_dropout)]:
            if not 0 <= rate < 1:
                raise ValueError(f"{name} must be in [0, 1), got {rate}")
        if tie_weights and embedding_dim != hidden_dim:
            raise ValueError(f"tie_weights needs embedding_dim = hidden_dim, got {embedding_dim} and {hidden_dim}")
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.embedding_dropout = nn.Dropout(embedding_dropout)
        # Between stacked layers nn.LSTM applies the same dropout; with one layer it has none.
        self.lstm = nn.LSTM(embedding_dim, hidden_dim, num_layers, batch_first=True,
                            dropout=dropout_rate if num_layers > 1 else 0.0)
        self.dropout = nn.Dropout(dropout_rate)
        self.fc = nn.Linear(hidden_dim, vocab_size)
        if tie_weights:
            # One matrix is now also the output layer: it starts small, as the output layers of
            # word-level language models do (uniform in [-0.1, 0.1]), not N(0, 1) like an embedding.
            nn.init.uniform_(self.embedding.weight, -0.1, 0.1)
            nn.init.zeros_(self.fc.bias)
            self.fc.weight = self.embedding.weight
        self._fc_weight_t: tuple[tuple[int, int], torch.Tensor] | None = None

    @classmethod
    def from_config(cls, config: TrainConfig, vocab_size: int) -> LSTMLM:
        """The model a :class:`TrainConfig` describes, for a vocabulary of ``vocab_size`` words."""
        return cls(vocab_size, config.embedding_dim, config.hidden_dim, config.dropout_rate, config.num_layers,
                   config.tie_weights, config.embedding_dropout)

    def features(self, x: torch.Tensor, hidden: Hidden | None = None) -> tuple[torch.Tensor, Hidden]:
        """Everything before the output layer: ``[batch, seq, hidden_dim]`` and the final state."""
        embedded = self.embedding_dropout(self.embedding(x))  # [batch, seq, embedding_dim]
        output, hidden = self.lstm(embedded, hidden)  # output: [batch, seq, hidden_dim]
        return self.dropout(output), hidden  # dropout is active in model.train() only

    def forward(self, x: torch.Tensor, hidden: Hidden | None = None) -> tuple[torch.Tensor, Hidden]:
        features, hidden = self.features(x, hidden)
        logits = self.fc(features)  # [batch, seq, vocab_size]
        return logits, hidden

    def loss_sum(
        self, x: torch.Tensor, y: torch.Tensor, pad_idx: int = 0, dtype: torch.dtype | None = None,
        hidden: Hidden | None = None,
    ) -> tuple[torch.Tensor, int, Hidden]:
        """Summed cross-entropy of the next-word predictions for ``x`` against ``y``, the number of targets,
        and the LSTM's state after ``x``.

        The blog post's ``criterion(model(x)[0].view(-1, V), y.view(-1))`` with
        ``ignore_index=pad_idx``, times the number of real targets: the same
        loss and gradients, computed faster. The output layer and the loss run
        only for real (non-padding) targets, a chunk of rows at a time
        (:class:`ChunkedCrossEntropy`). ``dtype`` is the matrix products'
        precision (None: float32); the loss is float32 either way.
        ``x`` and ``y`` move to the model's device; ``hidden`` is the state to
        start from (None: zeros), as when a stream is cut into pieces.
        """
        x = x.to(self.device, non_blocking=True)
        y = y.to(self.device, non_blocking=True)
        with autocast(self.device, dtype):
            features, hidden = self.features(x, hidden)
        targets = y.reshape(-1)
        real = targets != pad_idx
        features = features.reshape(-1, features.size(-1))[real]  # [real targets, hidden_dim]
        targets = targets[real]
        loss = ChunkedCrossEntropy.apply(features, self.fc.weight, self.fc.bias, targets, dtype,
                                         loss_chunk_rows(self.device), torch.is_grad_enabled())
        return loss, len(targets), hidden

    def step(self, token_ids: torch.Tensor, hidden: Hidden) -> tuple[torch.Tensor, Hidden]:
        """One token per row ``[rows]`` from the carried state: next-word logits ``[rows, vocab]`` and the new state.

        The same arithmetic as ``forward`` in eval mode for a sequence of one
        token, written as one ``lstm_cell`` call per layer, so that generating a
        word does not pay nn.LSTM's set-up for whole sequences.
        """
        x = self.embedding(token_ids)
        new_h, new_c = [], []
        for layer in range(self.lstm.num_layers):
            h, c = torch.lstm_cell(
                x, (hidden[0][layer], hidden[1][layer]),
                getattr(self.lstm, f"weight_ih_l{layer}"), getattr(self.lstm, f"weight_hh_l{layer}"),
                getattr(self.lstm, f"bias_ih_l{layer}"), getattr(self.lstm, f"bias_hh_l{layer}"),
            )
            new_h.append(h)
            new_c.append(c)
            x = h
        logits = torch.addmm(self.fc.bias, x, self._output_weight_t())
        return logits, (torch.stack(new_h), torch.stack(new_c))

    def _output_weight_t(self) -> torch.Tensor:
        """A contiguous copy of the output layer's ``W.T``: for one row at a time, about twice
        as fast on a CPU as ``nn.Linear``'s transposed view. Remade whenever the weights
        change (an optimizer step or ``load_state_dict`` bumps the tensor's version)."""
        weight = self.fc.weight
        key = (weight.data_ptr(), weight._version)
        if self._fc_weight_t is None or self._fc_weight_t[0] != key:
            self._fc_weight_t = (key, weight.detach().t().contiguous())
        return self._fc_weight_t[1]

    def init_hidden(self, batch_size: int) -> Hidden:
        """Zero ``(h0, c0)``, each ``[num_layers, batch_size, hidden_dim]``, on the model's device.

        (The blog post used a global ``device``; this follows the model wherever it is.)
        """
        weight = self.fc.weight
        shape = (self.lstm.num_layers, batch_size, self.lstm.hidden_size)
        return weight.new_zeros(shape), weight.new_zeros(shape)

    @property
    def device(self) -> torch.device:
        return self.fc.weight.device


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


class ChunkedCrossEntropy(torch.autograd.Function):
    """Summed cross-entropy of ``features @ weight.T + bias`` against ``targets``, with its gradients, in one pass.

    The scores ``[rows, vocab]`` are the largest tensor of a training step. This
    makes them a chunk of rows at a time and, for each chunk, the softmax, the
    loss and, since the gradient of cross-entropy with respect to the scores is
    ``softmax - one_hot(targets)``, that chunk's share of the gradients of the
    features, the weight and the bias; then the chunk is dropped. ``backward``
    only scales those gradients by the gradient it receives. The matrix
    products run in ``dtype`` (None: float32), the weight cast once per call;
    softmax, loss and the gradients' sums are float32. With ``with_grads``
    False (evaluation) only the loss is computed. A word given a probability
    under 1e-38 (a loss over 87) counts as 87.
    """

    @staticmethod
    def forward(ctx, features: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, targets: torch.Tensor,
                dtype: torch.dtype | None, chunk_rows: int, with_grads: bool) -> torch.Tensor:
        compute_dtype = dtype or torch.float32
        weight_c, bias_c = weight.to(compute_dtype), bias.to(compute_dtype)
        total = torch.zeros((), dtype=torch.float64, device=features.device)
        if with_grads:
            grad_features = torch.empty_like(features)
            grad_weight = torch.zeros_like(weight, dtype=torch.float32)
            grad_bias = torch.zeros_like(bias, dtype=torch.float32)
        for start in range(0, len(targets), chunk_rows):
            rows = slice(start, start + chunk_rows)
            chunk = features[rows].to(compute_dtype)
            probs = torch.softmax(torch.addmm(bias_c, chunk, weight_c.t()), dim=1, dtype=torch.float32)
            picked = torch.arange(len(chunk), device=probs.device), targets[rows]
            total += -probs[picked].clamp_min(torch.finfo(torch.float32).tiny).log().sum()
            if with_grads:
                probs[picked] -= 1  # softmax - one_hot, in place: the gradient of the loss wrt the scores
                grad_bias += probs.sum(dim=0)
                grad_scores = probs.to(compute_dtype)
                grad_features[rows] = grad_scores @ weight_c
                grad_weight += grad_scores.t() @ chunk
        if with_grads:
            ctx.save_for_backward(grad_features, grad_weight.to(weight.dtype), grad_bias.to(bias.dtype))
        return total.float()

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_loss: torch.Tensor):
        grad_features, grad_weight, grad_bias = ctx.saved_tensors
        return grad_features * grad_loss, grad_weight * grad_loss, grad_bias * grad_loss, None, None, None, None
