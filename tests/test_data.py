import pytest
import torch

from lstm_tutorial import TrainConfig, Vocab, make_dataloaders
from lstm_tutorial.data import (
    LengthBucketSampler,
    dataloaders_for,
    encode_recipes,
    make_eval_loader,
    pad_batch,
    split_fingerprint,
)


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
    for _, y in train_loader:
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
    for fraction in (1.5, 0, 1):
        with pytest.raises(ValueError, match=f"val_fraction must be between 0 and 1, got {fraction}"):
            make_dataloaders(recipes, vocab, val_fraction=fraction)
    with pytest.raises(ValueError, match="at least 2 recipes"):
        make_dataloaders(recipes[:1], vocab)
    with pytest.raises(ValueError, match="max_len"):
        make_dataloaders(recipes, vocab, max_len=0)
    with pytest.raises(ValueError, match="batch_size"):
        make_dataloaders(recipes, vocab, batch_size=0)


# Recipes of 1 to 160 words: each length once, so the order of batches can be read off their lengths.
LADDER = [" ".join(["stir"] * n) for n in range(1, 161)]


@pytest.fixture(scope="module")
def stir_vocab():
    return Vocab.build(LADDER, 10)


def batch_lengths(loader, epoch=0):
    """The longest sequence of each batch, in the order the loader yields them in ``epoch``."""
    loader.batch_sampler.set_epoch(epoch)
    return [max(len(loader.dataset[i]) for i in batch) for batch in loader.batch_sampler]


def test_every_epoch_sees_each_training_recipe_once_in_a_new_batch_order(stir_vocab):
    train_loader, _ = make_dataloaders(LADDER, stir_vocab, max_len=200, batch_size=8)
    assert len(train_loader.dataset) == 128 and len(train_loader) == 16
    for epoch in range(3):
        train_loader.batch_sampler.set_epoch(epoch)
        batches = list(train_loader.batch_sampler)
        assert sorted(i for batch in batches for i in batch) == list(range(128))
        for batch in batches:  # similar lengths share a batch: 8 neighbours of the sorted lengths
            lengths = sorted(len(train_loader.dataset[i]) for i in batch)
            assert lengths[-1] - lengths[0] < 20
    orders = [batch_lengths(train_loader, epoch) for epoch in range(3)]
    for order in orders:
        assert order != sorted(order) and order != sorted(order, reverse=True)  # not short to long
    assert orders[0] != orders[1] != orders[2]
    assert orders[0] == batch_lengths(train_loader, 0)  # the same epoch, the same order (resuming relies on it)


def test_validation_batches_keep_one_order(stir_vocab):
    _, val_loader = make_dataloaders(LADDER, stir_vocab, max_len=200, batch_size=8)
    order = batch_lengths(val_loader, 0)
    assert order == sorted(order) and order == batch_lengths(val_loader, 5)


def test_padding_is_the_id_the_loss_ignores(recipes):
    """The loss skips ``vocab.pad_idx`` (the blog's ``ignore_index=0``): each row of ``y`` is its
    recipe's targets, then that id up to the batch's longest recipe."""
    vocab = Vocab.build(recipes[:60], 500)
    for loader in make_dataloaders(recipes[:60], vocab, max_len=300, batch_size=8):
        loader.batch_sampler.set_epoch(0)
        padding = 0
        for batch, (x, y) in zip(list(loader.batch_sampler), loader):
            for row, index in enumerate(batch):
                sequence = loader.dataset[index]
                assert x[row, : len(sequence) - 1].tolist() == sequence[:-1]
                assert y[row, : len(sequence) - 1].tolist() == sequence[1:]
                assert (y[row, len(sequence) - 1 :] == vocab.pad_idx).all()
                padding += y.size(1) - (len(sequence) - 1)
        assert padding > 0  # the recipes differ in length, so there was padding to check


def test_the_split_is_disjoint_complete_and_set_by_the_seed(recipes, vocab):
    texts = recipes[:50]
    train_loader, val_loader = make_dataloaders(texts, vocab, max_len=20, batch_size=8, val_fraction=0.3, seed=1)
    everything = sorted(map(tuple, encode_recipes(texts, vocab, 20)))
    assert sorted(map(tuple, train_loader.dataset + val_loader.dataset)) == everything
    assert len(val_loader.dataset) == 15
    again, _ = make_dataloaders(texts, vocab, max_len=20, batch_size=8, val_fraction=0.3, seed=1)
    other, _ = make_dataloaders(texts, vocab, max_len=20, batch_size=8, val_fraction=0.3, seed=2)
    assert split_fingerprint(again) == split_fingerprint(train_loader) != split_fingerprint(other)


def test_tiny_corpora_still_get_both_splits(vocab):
    texts = ["stir the soup", "stir the sauce", "salt the soup"]
    train_loader, val_loader = make_dataloaders(texts, vocab, max_len=10, batch_size=2, val_fraction=0.01)
    assert (len(train_loader.dataset), len(val_loader.dataset)) == (2, 1)
    train_loader, val_loader = make_dataloaders(texts, vocab, max_len=10, batch_size=2, val_fraction=0.99)
    assert (len(train_loader.dataset), len(val_loader.dataset)) == (1, 2)


def test_a_recipe_with_no_words_is_left_out(vocab):
    assert encode_recipes(["", "stir"], vocab, max_len=5) == [[vocab.token2idx["stir"], vocab.eos_idx]]


def test_the_eval_loader_scores_every_text_in_a_fixed_order(vocab):
    loader = make_eval_loader(LADDER[:20], vocab, max_len=200, batch_size=8)
    assert len(loader) == 3 and len(loader.dataset) == 20
    assert batch_lengths(loader, 0) == batch_lengths(loader, 1) == [9, 17, 21]
    with pytest.raises(ValueError, match="^none of the texts has at least 2 tokens to score$"):
        make_eval_loader(["", ""], vocab)


def test_dataloaders_for_a_config(recipes, vocab):
    config = TrainConfig(max_recipes=30, max_len=25, batch_size=4, val_fraction=0.2, seed=3)
    train_loader, val_loader = dataloaders_for(config, recipes, vocab)
    expected_train, expected_val = make_dataloaders(recipes[:30], vocab, 25, 4, 0.2, 3)
    assert train_loader.dataset == expected_train.dataset and val_loader.dataset == expected_val.dataset
    assert train_loader.batch_sampler.batch_size == 4


def test_the_eval_loader_cuts_recipes_to_max_len_and_batches_32_by_default(vocab):
    texts = [" ".join(["stir"] * n) for n in (3, 300)] * 20
    default = make_eval_loader(texts, vocab)
    assert default.batch_sampler.batch_size == 32 and len(default) == 2
    assert max(map(len, default.dataset)) == 201  # 200 tokens in, 200 targets out
    short = make_eval_loader(texts, vocab, max_len=5, batch_size=8)
    assert {len(sequence) for sequence in short.dataset} == {4, 6} and len(short) == 5


def test_the_split_fingerprint_is_the_sha256_of_the_ids(vocab):
    """Checkpoints store it, so its format is fixed: ids joined by "," and each recipe ended by ";"."""
    import hashlib

    loader = make_eval_loader(["stir the soup", "stir"], vocab, max_len=10)
    expected = "".join(",".join(map(str, sequence)) + ";" for sequence in loader.dataset)
    assert split_fingerprint(loader) == hashlib.sha256(expected.encode()).hexdigest()
    assert loader.dataset[0][-1] == vocab.eos_idx


def test_defaults_cut_recipes_to_200_tokens_in_batches_of_32(vocab):
    texts = [" ".join(["stir"] * n) for n in (3, 300)] * 40
    train_loader, val_loader = make_dataloaders(texts, vocab)
    assert train_loader.batch_sampler.batch_size == val_loader.batch_sampler.batch_size == 32
    assert max(map(len, train_loader.dataset + val_loader.dataset)) == 201
    assert max(map(len, encode_recipes(texts, vocab))) == 201
    assert encode_recipes(["stir the soup"], vocab, max_len=1) == [[vocab.token2idx["stir"], vocab.token2idx["the"]]]


def test_the_smallest_sizes_work(vocab):
    train_loader, val_loader = make_dataloaders(["stir the soup", "salt the soup"], vocab, max_len=5, batch_size=1)
    assert (len(train_loader), len(val_loader)) == (1, 1)
    assert [len(batch) for batch in LengthBucketSampler([3, 4, 5], batch_size=1, shuffle=True)] == [1, 1, 1]


def test_a_new_sampler_starts_at_epoch_0_with_seed_0(stir_vocab):
    lengths = [len(sequence) for sequence in encode_recipes(LADDER, stir_vocab)]
    fresh = list(LengthBucketSampler(lengths, batch_size=8, shuffle=True))
    explicit = LengthBucketSampler(lengths, batch_size=8, shuffle=True, seed=0)
    explicit.set_epoch(0)
    assert fresh == list(explicit)
    train_loader, _ = make_dataloaders(LADDER, stir_vocab, batch_size=8, seed=7)
    assert train_loader.batch_sampler.seed == 7  # the split's seed also orders the batches


def test_large_corpora_are_sorted_in_pools_and_every_recipe_still_comes_once(stir_vocab):
    """Batches of 2 and 128 training recipes: two pools of 50 batches (100 recipes) each."""
    train_loader, _ = make_dataloaders(LADDER, stir_vocab, max_len=200, batch_size=2)
    batches = list(train_loader.batch_sampler)
    assert len(batches) == len(train_loader) == 64
    assert sorted(i for batch in batches for i in batch) == list(range(128))


def test_a_stream_is_every_training_recipe_end_to_end_in_rows_that_continue_from_batch_to_batch(recipes, vocab):
    texts = recipes[:60]
    stream, val_loader = make_dataloaders(texts, vocab, max_len=50, batch_size=4, bptt=10, seed=3)
    _, same_val = make_dataloaders(texts, vocab, max_len=50, batch_size=4, seed=3)
    assert val_loader.dataset == same_val.dataset  # the validation split does not depend on the batching
    batches = list(stream)
    assert len(batches) == len(stream) and all(x.shape == y.shape for x, y in batches)
    assert batches[0][0].shape == (4, 10)
    rows = torch.cat([x for x, _ in batches], dim=1)  # each row read piece after piece
    targets = torch.cat([y for _, y in batches], dim=1)
    assert torch.equal(rows[:, 1:], targets[:, :-1])  # y is x shifted by one, across the cuts too
    every_token = torch.cat([rows, targets[:, -1:]], dim=1).reshape(-1).tolist()
    recipes_read = sorted(map(tuple, stream.dataset))  # whole recipes, not cut at max_len
    assert sum(map(len, recipes_read)) - len(every_token) < 4  # all of them, but for the rows' last ragged bit
    assert max(map(len, recipes_read)) > 51
    assert (torch.tensor(every_token) == vocab.eos_idx).sum() >= len(recipes_read) - 4
    stream.set_epoch(1)
    assert not torch.equal(next(iter(stream))[0], batches[0][0])  # another order of recipes each epoch


def test_a_stream_needs_streams_pieces_and_enough_tokens():
    from lstm_tutorial.data import StreamBatches

    recipes_ids = [[5, 6, 7, 2], [8, 9, 2]]
    with pytest.raises(ValueError, match="batch_size and bptt must be at least 1, got 0 and 3"):
        StreamBatches(recipes_ids, 0, 3)
    with pytest.raises(ValueError, match="batch_size and bptt must be at least 1, got 2 and 0"):
        StreamBatches(recipes_ids, 2, 0)
    with pytest.raises(ValueError, match="7 tokens are too few for 4 streams"):
        StreamBatches(recipes_ids, 4, 3)
    stream = StreamBatches(recipes_ids, 2, 2)  # 7 tokens: 2 rows of 3, so 2 targets each
    assert stream.row_length == 3 and len(stream) == 1
    (x, y), = list(stream)
    assert x.dtype == torch.long and x.shape == y.shape == (2, 2)
