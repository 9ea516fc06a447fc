"""The word-level LSTM language model of the blog post (and the book).

The model owns its whole computation: the forward pass over sequences, the
features before the output layer (which the trainer's fast loss uses), and
one token step from a carried state (which the generator uses).
"""

from __future__ import annotations

import torch
from torch import nn

from .config import TrainConfig

Hidden = tuple[torch.Tensor, torch.Tensor]  # (h, c), each [num_layers, batch, hidden_dim]


class LSTMLM(nn.Module):
    """Embedding -> LSTM (``num_layers``, the book uses 1) -> dropout -> linear layer over the vocabulary.

    ``forward(x, hidden)`` maps token ids ``[batch, seq]`` to logits
    ``[batch, seq, vocab_size]`` (raw scores for the next word at every
    position) and the LSTM's final state ``(h_n, c_n)``, each
    ``[num_layers, batch, hidden_dim]``. Pass that state back in to continue a
    text where it stopped.
    """

    def __init__(
        self, vocab_size: int, embedding_dim: int, hidden_dim: int, dropout_rate: float = 0.1, num_layers: int = 1
    ):
        super().__init__()
        for name, value in [("vocab_size", vocab_size), ("embedding_dim", embedding_dim), ("hidden_dim", hidden_dim),
                            ("num_layers", num_layers)]:
            if value < 1:
                raise ValueError(f"{name} must be at least 1, got {value}")
        if not 0 <= dropout_rate < 1:
            raise ValueError(f"dropout_rate must be in [0, 1), got {dropout_rate}")
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        # Between stacked layers nn.LSTM applies the same dropout; with one layer it has none.
        self.lstm = nn.LSTM(embedding_dim, hidden_dim, num_layers, batch_first=True,
                            dropout=dropout_rate if num_layers > 1 else 0.0)
        self.dropout = nn.Dropout(dropout_rate)
        self.fc = nn.Linear(hidden_dim, vocab_size)
        self._fc_weight_t: tuple[tuple[int, int], torch.Tensor] | None = None

    @classmethod
    def from_config(cls, config: TrainConfig, vocab_size: int) -> "LSTMLM":
        """The model a :class:`TrainConfig` describes, for a vocabulary of ``vocab_size`` words."""
        return cls(vocab_size, config.embedding_dim, config.hidden_dim, config.dropout_rate, config.num_layers)

    def features(self, x: torch.Tensor, hidden: Hidden | None = None) -> tuple[torch.Tensor, Hidden]:
        """Everything before the output layer: ``[batch, seq, hidden_dim]`` and the final state."""
        embedded = self.embedding(x)  # [batch, seq, embedding_dim]
        output, hidden = self.lstm(embedded, hidden)  # output: [batch, seq, hidden_dim]
        return self.dropout(output), hidden  # dropout is active in model.train() only

    def forward(self, x: torch.Tensor, hidden: Hidden | None = None) -> tuple[torch.Tensor, Hidden]:
        features, hidden = self.features(x, hidden)
        logits = self.fc(features)  # [batch, seq, vocab_size]
        return logits, hidden

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


def default_device() -> torch.device:
    """The GPU when there is one, else the CPU (as the blog post's first cell)."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
