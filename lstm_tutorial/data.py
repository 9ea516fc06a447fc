"""From recipe strings to padded ``(x, y)`` batches of token ids.

One recipe is one sequence: its ids plus ``<EOS>``, cut to ``max_len + 1``
tokens. ``x`` is the sequence without its last token and ``y`` the same
sequence shifted by one, so ``y[t]`` is the word that follows ``x[t]``.

The book pads every recipe to 200 tokens; most recipes are shorter, so most
of that compute is spent on ``<PAD>``. Here recipes of similar length share a
batch and each batch is padded only to its own longest sequence. Training can
instead read the recipes as streams (:class:`StreamBatches`); validation is
always one recipe a sequence, so every model is scored the same way.
"""

from __future__ import annotations

import functools
import hashlib
import random

import torch
from torch.utils.data import DataLoader, Sampler

from .config import TrainConfig
from .vocab import Vocab

# Recipes are sorted by length inside pools of this many batches: batches stay
# tight without every epoch seeing the same batches in the same order.
POOL_BATCHES = 50


def encode_recipes(texts: list[str], vocab: Vocab, max_len: int | None = 200) -> list[list[int]]:
    """Ids of each recipe plus ``<EOS>``, cut to ``max_len + 1`` tokens (None: not cut)."""
    if max_len is not None and max_len < 1:
        raise ValueError(f"max_len must be at least 1, got {max_len}")
    sequences = [(vocab.encode(text) + [vocab.eos_idx])[: None if max_len is None else max_len + 1]
                 for text in texts]
    return [seq for seq in sequences if len(seq) >= 2]


class LengthBucketSampler(Sampler[list[int]]):
    """Yields batches of indices whose sequences have similar lengths.

    With ``shuffle=True`` the order depends only on ``seed`` and the epoch set
    by ``set_epoch``, so a resumed run sees the same batches as an
    uninterrupted one.
    """

    def __init__(self, lengths: list[int], batch_size: int, shuffle: bool, seed: int = 0):
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.lengths = lengths
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return -(-len(self.lengths) // self.batch_size)

    def __iter__(self):
        indices = list(range(len(self.lengths)))
        rng = random.Random(self.seed * 1_000_003 + self.epoch)
        if self.shuffle:
            rng.shuffle(indices)
        pool_size = self.batch_size * POOL_BATCHES
        batches = []
        for start in range(0, len(indices), pool_size):
            pool = sorted(indices[start : start + pool_size], key=self.lengths.__getitem__)
            batches += [pool[i : i + self.batch_size] for i in range(0, len(pool), self.batch_size)]
        if self.shuffle:
            rng.shuffle(batches)
        return iter(batches)


def pad_batch(sequences: list[list[int]], pad_idx: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Pad to the longest sequence in the batch; return ``(x, y)`` shifted by one."""
    longest = max(len(seq) for seq in sequences)
    batch = torch.full((len(sequences), longest), pad_idx, dtype=torch.long)
    for row, seq in enumerate(sequences):
        batch[row, : len(seq)] = torch.tensor(seq, dtype=torch.long)
    # contiguous, so the blog post's y.view(-1) works as well as reshape
    return batch[:, :-1].contiguous(), batch[:, 1:].contiguous()


def make_dataloaders(
    texts: list[str],
    vocab: Vocab,
    max_len: int = 200,
    batch_size: int = 32,
    val_fraction: float = 0.2,
    seed: int = 42,
    bptt: int | None = None,
) -> tuple[DataLoader | StreamBatches, DataLoader]:
    """Split recipes into training and validation loaders of ``(x, y)`` batches.

    Both yield LongTensors of shape ``[batch, seq]``; ``seq`` is the longest
    recipe of that batch (at most ``max_len``). Call
    ``train_loader.batch_sampler.set_epoch(epoch)`` to reshuffle per epoch.
    With ``bptt``, training batches come instead from :class:`StreamBatches`
    (the training recipes, whole, as ``batch_size`` streams cut every ``bptt``
    tokens); the validation split and its batches are the same either way.
    """
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be between 0 and 1, got {val_fraction}")
    if max_len < 1:
        raise ValueError(f"max_len must be at least 1, got {max_len}")
    sequences = encode_recipes(texts, vocab, max_len=None)
    if len(sequences) < 2:
        raise ValueError(f"need at least 2 recipes to split into training and validation, got {len(sequences)}")
    order = list(range(len(sequences)))
    random.Random(seed).shuffle(order)
    n_val = min(max(1, round(len(order) * val_fraction)), len(order) - 1)
    train = [sequences[i] for i in order[n_val:]]
    val = [sequences[i][: max_len + 1] for i in order[:n_val]]
    if bptt is not None:
        return StreamBatches(train, batch_size, bptt, seed), _loader(val, vocab.pad_idx, batch_size, False, seed)
    train = [sequence[: max_len + 1] for sequence in train]
    return _loader(train, vocab.pad_idx, batch_size, True, seed), _loader(val, vocab.pad_idx, batch_size, False, seed)


def dataloaders_for(config: TrainConfig, texts: list[str], vocab: Vocab) -> tuple[DataLoader | StreamBatches,
                                                                                  DataLoader]:
    """The training and validation loaders ``config`` describes for ``texts``."""
    return make_dataloaders(config.recipes_used(texts), vocab, config.max_len, config.batch_size,
                            config.val_fraction, config.seed, config.bptt if config.batching == "stream" else None)


class StreamBatches:
    """Training recipes as one stream of tokens, in ``batch_size`` rows, cut every ``bptt`` tokens.

    This is how the word-level language models of PyTorch's examples train: the
    recipes of an epoch (shuffled by ``seed`` and the epoch) are joined end to
    end, each ending in ``<EOS>``, split into ``batch_size`` equal rows, and
    read ``bptt`` tokens at a time. Row ``r`` of one batch continues row ``r``
    of the batch before, so the trainer carries the LSTM state from batch to
    batch (truncated backpropagation through time). No padding is needed.
    """

    def __init__(self, sequences: list[list[int]], batch_size: int, bptt: int, seed: int = 0):
        if batch_size < 1 or bptt < 1:
            raise ValueError(f"batch_size and bptt must be at least 1, got {batch_size} and {bptt}")
        self.dataset = sequences
        self.batch_size, self.bptt, self.seed = batch_size, bptt, seed
        self.epoch = 0
        self.row_length = sum(map(len, sequences)) // batch_size
        if self.row_length < 2:
            raise ValueError(f"{sum(map(len, sequences))} tokens are too few for {batch_size} streams")

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return -(-(self.row_length - 1) // self.bptt)

    def __iter__(self):
        order = list(range(len(self.dataset)))
        random.Random(self.seed * 1_000_003 + self.epoch).shuffle(order)
        stream = torch.tensor([token for i in order for token in self.dataset[i]], dtype=torch.long)
        rows = stream[: self.row_length * self.batch_size].view(self.batch_size, self.row_length)
        for start in range(0, self.row_length - 1, self.bptt):
            end = min(start + self.bptt, self.row_length - 1)
            yield rows[:, start:end], rows[:, start + 1 : end + 1]


def split_fingerprint(loader: DataLoader) -> str:
    """SHA-256 of a loader's token ids, to tell whether a rebuilt split is the one a model was trained with."""
    digest = hashlib.sha256()
    for sequence in loader.dataset:
        digest.update(",".join(map(str, sequence)).encode() + b";")
    return digest.hexdigest()


def make_eval_loader(texts: list[str], vocab: Vocab, max_len: int = 200, batch_size: int = 32) -> DataLoader:
    """One loader over all ``texts`` in a fixed order, e.g. to score held-out recipes."""
    sequences = encode_recipes(texts, vocab, max_len)
    if not sequences:
        raise ValueError("none of the texts has at least 2 tokens to score")
    return _loader(sequences, vocab.pad_idx, batch_size, False, 0)


def _loader(sequences: list[list[int]], pad_idx: int, batch_size: int, shuffle: bool, seed: int) -> DataLoader:
    sampler = LengthBucketSampler([len(s) for s in sequences], batch_size, shuffle, seed)
    return DataLoader(sequences, batch_sampler=sampler, collate_fn=functools.partial(pad_batch, pad_idx=pad_idx))
