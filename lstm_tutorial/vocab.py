"""The vocabulary: a two-way map between tokens and integer ids."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from .tokenizer import EOS, PAD, SPECIAL_TOKENS, UNK, detokenize, tokenize

__all__ = ["EOS", "PAD", "SPECIAL_TOKENS", "UNK", "Vocab"]


class Vocab:
    """``idx2token`` (a list) and ``token2idx`` (a dict), as in the blog post."""

    def __init__(self, idx2token: list[str]):
        if idx2token[: len(SPECIAL_TOKENS)] != SPECIAL_TOKENS:
            raise ValueError(f"a vocabulary must start with {SPECIAL_TOKENS}, got {idx2token[:3]}")
        self.idx2token = list(idx2token)
        self.token2idx = {token: idx for idx, token in enumerate(self.idx2token)}

    @classmethod
    def build(cls, texts: Iterable[str], max_size: int = 10000) -> Vocab:
        """Keep the ``max_size`` most frequent tokens (special tokens included).

        Ties are broken by first appearance, so the same texts always give the
        same vocabulary, in every process (whatever its string hash seed).
        """
        if max_size <= len(SPECIAL_TOKENS):
            raise ValueError(f"max_size must be more than {len(SPECIAL_TOKENS)}, got {max_size}")
        counts = Counter(token for text in texts for token in tokenize(text))
        first_seen = {token: order for order, token in enumerate(counts)}  # a Counter keeps insertion order
        ranked = sorted(counts, key=lambda token: (-counts[token], first_seen[token]))
        return cls(SPECIAL_TOKENS + ranked[: max_size - len(SPECIAL_TOKENS)])

    def __len__(self) -> int:
        return len(self.idx2token)

    @property
    def pad_idx(self) -> int:
        return self.token2idx[PAD]

    @property
    def unk_idx(self) -> int:
        return self.token2idx[UNK]

    @property
    def eos_idx(self) -> int:
        return self.token2idx[EOS]

    def encode(self, text: str) -> list[int]:
        """Tokenize ``text`` and map each token to its id (``<UNK>`` if unknown)."""
        return [self.token2idx.get(token, self.unk_idx) for token in tokenize(text)]

    def decode(self, ids: Iterable[int]) -> str:
        """Map ids back to tokens and join them into readable text."""
        return detokenize([self.idx2token[int(idx)] for idx in ids])
