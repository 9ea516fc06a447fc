import json
import os
import subprocess
import sys

import pytest

from lstm_tutorial import Vocab


def test_special_tokens_come_first_with_pad_zero():
    vocab = Vocab.build(["stir the soup", "stir the sauce"])
    assert vocab.idx2token[:3] == ["<PAD>", "<UNK>", "<EOS>"]
    assert vocab.pad_idx == 0
    assert vocab.token2idx["<EOS>"] == vocab.eos_idx == 2


def test_most_frequent_words_first_and_max_size_counts_specials():
    vocab = Vocab.build(["stir the soup", "stir the sauce", "stir"], max_size=5)
    assert vocab.idx2token == ["<PAD>", "<UNK>", "<EOS>", "stir", "the"]
    assert len(vocab) == 5


def test_unknown_words_map_to_unk_and_decode_is_readable():
    vocab = Vocab.build(["add 1/2 cup salt."])
    ids = vocab.encode("Add 1/2 cup pepper.")
    assert ids[5] == vocab.unk_idx  # add 1 / 2 cup [pepper] .
    assert vocab.decode(vocab.encode("add 1/2 cup salt.")) == "add 1/2 cup salt."


def test_same_texts_same_vocabulary():
    texts = ["b a c", "c b a", "a"]
    assert Vocab.build(texts).idx2token == Vocab.build(texts).idx2token


def test_bad_sizes_and_lists_are_rejected():
    with pytest.raises(ValueError, match="max_size"):
        Vocab.build(["a"], max_size=3)
    with pytest.raises(ValueError, match="must start with"):
        Vocab(["a", "b", "c"])


def test_ties_go_by_first_appearance():
    vocab = Vocab.build(["stew soup salad rice pie cake", "cake pie rice salad soup stew", "salad"])
    assert vocab.idx2token[3:] == ["salad", "stew", "soup", "rice", "pie", "cake"]  # salad is the most frequent


# Many words, each as frequent as several others: only the tie-break orders them.
TIED_TEXTS = [" ".join(f"{dish} {word}" for word in ["soup", "stew", "pie", "salad", "cake", "bread", "rice"])
              for dish in ["kimchi", "lentil", "apple", "potato", "carrot", "onion", "garlic", "lemon"]]


def vocabulary_built_in_a_new_process(hash_seed: str) -> list[str]:
    """``Vocab.build(TIED_TEXTS).idx2token`` from a fresh Python whose string hashes use ``hash_seed``."""
    code = "import json, sys; from lstm_tutorial.vocab import Vocab; " \
           "print(json.dumps(Vocab.build(json.load(sys.stdin)).idx2token))"
    result = subprocess.run([sys.executable, "-c", code], input=json.dumps(TIED_TEXTS), capture_output=True,
                            text=True, check=True, env={**os.environ, "PYTHONHASHSEED": hash_seed})
    return json.loads(result.stdout)


def test_two_processes_build_the_same_vocabulary():
    in_one = vocabulary_built_in_a_new_process("1")
    assert in_one == vocabulary_built_in_a_new_process("2") == Vocab.build(TIED_TEXTS).idx2token
    assert len(in_one) == 3 + 8 + 7
