import pytest
import torch

from lstm_tutorial import Vocab, make_dataloaders
from lstm_tutorial.data import encode_recipes, pad_batch


@pytest.fixture(scope="module")
def vocab(recipes):
    return Vocab.build(recipes, 2000)


def test_batches_are_x_and_y_shifted_by_one(recipes, vocab):
    train_loader, _ = make_dataloaders(recipes[:50], vocab, max_len=30, batch_size=4)
    x, y = next(iter(train_loader))
    assert x.dtype == y.dtype == torch.long
    assert x.shape == y.shape and x.shape[0] <= 4 and x.shape[1] <= 30
    assert torch.equal(x[:, 1:], y[:, :-1])


def test_every_recipe_ends_with_eos_unless_cut(vocab):
    short, long = encode_recipes(["stir the soup", "stir " * 500], vocab, max_len=10)
    assert short[-1] == vocab.eos_idx and len(short) == 4
    assert len(long) == 11 and vocab.eos_idx not in long


def test_padding_only_to_the_longest_sequence_of_the_batch():
    x, y = pad_batch([[5, 6, 7], [5, 6, 7, 8, 9]])
    assert x.tolist() == [[5, 6, 7, 0], [5, 6, 7, 8]]
    assert y.tolist() == [[6, 7, 0, 0], [6, 7, 8, 9]]


def test_recipes_of_similar_length_share_a_batch(recipes, vocab):
    train_loader, _ = make_dataloaders(recipes, vocab, max_len=200, batch_size=32)
    padded = real = 0
    for x, y in train_loader:
        padded += y.numel()
        real += int((y != 0).sum())
    assert real / padded > 0.9  # the book's fixed 200-token padding wastes far more


def test_split_sizes_and_reproducible_shuffling(recipes, vocab):
    train_loader, val_loader = make_dataloaders(recipes[:100], vocab, max_len=20, batch_size=8, val_fraction=0.2)
    assert len(train_loader.dataset) == 80 and len(val_loader.dataset) == 20

    def first_batches(epoch):
        loader, _ = make_dataloaders(recipes[:100], vocab, max_len=20, batch_size=8)
        loader.batch_sampler.set_epoch(epoch)
        return [x for x, _ in loader][:3]

    assert all(torch.equal(a, b) for a, b in zip(first_batches(0), first_batches(0)))
    assert not all(torch.equal(a, b) for a, b in zip(first_batches(0), first_batches(1)))


def test_bad_arguments(recipes, vocab):
    with pytest.raises(ValueError, match="val_fraction"):
        make_dataloaders(recipes, vocab, val_fraction=1.5)
    with pytest.raises(ValueError, match="at least 2 recipes"):
        make_dataloaders(recipes[:1], vocab)
    with pytest.raises(ValueError, match="max_len"):
        make_dataloaders(recipes, vocab, max_len=0)
    with pytest.raises(ValueError, match="batch_size"):
        make_dataloaders(recipes, vocab, batch_size=0)
