"""The word-level LSTM language model of the seed (and the book)."""

from __future__ import annotations

import torch
from torch import nn


class LSTMLM(nn.Module):
    """Embedding -> one LSTM layer -> dropout -> linear layer over the vocabulary.

    ``forward(x, hidden)`` maps token ids ``[batch, seq]`` to logits
    ``[batch, seq, vocab_size]`` (raw scores for the next word at every
    position) and the LSTM's final state ``(h_n, c_n)``, each
    ``[1, batch, hidden_dim]``. Pass that state back in to continue a text
    where it stopped.
    """

    def __init__(self, vocab_size: int, embedding_dim: int, hidden_dim: int, dropout_rate: float = 0.1):
        super().__init__()
        for name, value in [("vocab_size", vocab_size), ("embedding_dim", embedding_dim), ("hidden_dim", hidden_dim)]:
            if value < 1:
                raise ValueError(f"{name} must be at least 1, got {value}")
        if not 0 <= dropout_rate < 1:
            raise ValueError(f"dropout_rate must be in [0, 1), got {dropout_rate}")
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(input_size=embedding_dim, hidden_size=hidden_dim, batch_first=True)
        self.dropout = nn.Dropout(dropout_rate)
        self.fc = nn.Linear(hidden_dim, vocab_size)

    def forward(
        self, x: torch.Tensor, hidden: tuple[torch.Tensor, torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        embedded = self.embedding(x)  # [batch, seq, embedding_dim]
        output, hidden = self.lstm(embedded, hidden)  # output: [batch, seq, hidden_dim]
        output = self.dropout(output)  # active in model.train() only
        logits = self.fc(output)  # [batch, seq, vocab_size]
        return logits, hidden

    def init_hidden(self, batch_size: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Zero ``(h0, c0)``, each ``[1, batch_size, hidden_dim]``, on the model's device.

        (The seed used a global ``device``; this follows the model wherever it is.)
        """
        weight = self.fc.weight
        shape = (self.lstm.num_layers, batch_size, self.lstm.hidden_size)
        return weight.new_zeros(shape), weight.new_zeros(shape)


def default_device() -> torch.device:
    """The GPU when there is one, else the CPU (as the seed's first cell)."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def initialize_model(
    vocab_size: int,
    embedding_dim: int,
    hidden_dim: int,
    dropout_rate: float = 0.1,
    device: torch.device | str | None = None,
    learning_rate: float = 1e-3,
) -> tuple[LSTMLM, nn.CrossEntropyLoss, torch.optim.Adam]:
    """Model, loss (ignoring ``<PAD>`` = 0) and Adam optimizer, as in the seed."""
    model = LSTMLM(vocab_size, embedding_dim, hidden_dim, dropout_rate).to(device or default_device())
    criterion = nn.CrossEntropyLoss(ignore_index=0)
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    return model, criterion, optimizer
