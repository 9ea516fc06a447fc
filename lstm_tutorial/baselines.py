"""Count-based yardsticks for the LSTM: unigram and Kneser-Ney bigram perplexity, and copying.

A perplexity means little on its own. These baselines, trained on the same
token ids and scored on the same targets as the LSTM (every word after the
first of a recipe, and its ``<EOS>``), say what counting alone achieves.
``CopyFinder`` says whether a sample is new text or a quotation.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence


def _pairs(sequences: Iterable[Sequence[int]]):
    for sequence in sequences:
        yield from zip(sequence[:-1], sequence[1:])


class UnigramModel:
    """P(w) from word counts, add-one smoothed so every vocabulary word has some probability."""

    def __init__(self, sequences: Iterable[Sequence[int]], vocab_size: int):
        self.counts = Counter(word for sequence in sequences for word in sequence[1:])
        self.total = sum(self.counts.values())
        self.vocab_size = vocab_size

    def prob(self, previous: int, word: int) -> float:
        return (self.counts[word] + 1) / (self.total + self.vocab_size)


class KneserNeyBigram:
    """Interpolated Kneser-Ney bigram model (absolute discount D = n1 / (n1 + 2 n2)).

    P(w | v) = max(c(v, w) - D, 0) / c(v) + D * N1+(v, .) / c(v) * P_cont(w), where
    P_cont(w) is the share of distinct words that ``w`` follows, itself
    interpolated with a uniform distribution so unseen words keep some mass.
    """

    def __init__(self, sequences: Iterable[Sequence[int]], vocab_size: int):
        self.bigrams = Counter(_pairs(sequences))
        self.vocab_size = vocab_size
        self.context_counts: Counter = Counter()
        self.followers: Counter = Counter()  # N1+(v, .): distinct words after v
        self.predecessors: Counter = Counter()  # N1+(., w): distinct words before w
        for (previous, word), count in self.bigrams.items():
            self.context_counts[previous] += count
            self.followers[previous] += 1
            self.predecessors[word] += 1
        count_of_counts = Counter(self.bigrams.values())
        n1, n2 = count_of_counts[1], count_of_counts[2]
        self.discount = n1 / (n1 + 2 * n2) if n1 + n2 else 0.75
        self.bigram_types = len(self.bigrams)
        self._continuation_floor = self.discount * len(self.predecessors) / self.bigram_types / vocab_size

    def continuation_prob(self, word: int) -> float:
        return max(self.predecessors[word] - self.discount, 0) / self.bigram_types + self._continuation_floor

    def prob(self, previous: int, word: int) -> float:
        context = self.context_counts[previous]
        if context == 0:
            return self.continuation_prob(word)
        seen = max(self.bigrams[(previous, word)] - self.discount, 0) / context
        backoff = self.discount * self.followers[previous] / context
        return seen + backoff * self.continuation_prob(word)


def perplexity_from_loss(mean_loss: float) -> float:
    """Perplexity, ``exp(mean loss per word)``; a loss over 50 nats counts as 50 so that it never overflows."""
    return math.exp(min(mean_loss, 50.0))


def perplexity(model: UnigramModel | KneserNeyBigram, sequences: Iterable[Sequence[int]]) -> float:
    """The perplexity of a count model on every word after the first in ``sequences``."""
    total, count = 0.0, 0
    for previous, word in _pairs(sequences):
        total -= math.log(model.prob(previous, word))
        count += 1
    return perplexity_from_loss(total / max(count, 1))


class CopyFinder:
    """Finds the longest run of a sample's tokens that also appears, in order, in one text of a corpus."""

    def __init__(self, corpus: Sequence[Sequence[str]]):
        self.corpus = corpus
        # n -> the hashes of every run of n tokens in the corpus, made when first needed (hashes, not the
        # runs themselves, keep each set to a few MB).
        self._ngram_hashes: dict[int, set[int]] = {}

    def copies(self, sample: Sequence[str], n: int) -> bool:
        """Whether some run of ``n`` consecutive tokens of ``sample`` is in the corpus."""
        if n not in self._ngram_hashes:
            self._ngram_hashes[n] = {hash(tuple(text[i : i + n])) for text in self.corpus
                                     for i in range(len(text) - n + 1)}
        return any(hash(tuple(sample[i : i + n])) in self._ngram_hashes[n] for i in range(len(sample) - n + 1))

    def longest_run(self, sample: Sequence[str]) -> int:
        """Binary search: if a run of n tokens is copied, so is one of n - 1."""
        low, high = 0, len(sample)
        while low < high:
            middle = (low + high + 1) // 2
            if self.copies(sample, middle):
                low = middle
            else:
                high = middle - 1
        return low
