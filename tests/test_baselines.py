import math

import pytest

from lstm_tutorial.baselines import CopyFinder, KneserNeyBigram, UnigramModel, perplexity

TRAIN = [[3, 4, 5, 2], [3, 4, 6, 2], [3, 7, 5, 2]]  # "recipe for soup <EOS>", ...


def test_kneser_ney_is_a_distribution_for_every_context():
    bigram = KneserNeyBigram(TRAIN, vocab_size=8)
    for previous in range(8):  # seen and unseen contexts alike
        assert sum(bigram.prob(previous, word) for word in range(8)) == pytest.approx(1.0)


def test_kneser_ney_discounts_seen_pairs_and_keeps_mass_for_unseen_ones():
    bigram = KneserNeyBigram(TRAIN, vocab_size=8)
    assert bigram.prob(3, 4) > bigram.prob(3, 7) > bigram.prob(3, 6) > 0
    assert bigram.prob(3, 4) < 2 / 3  # the count-based 2/3, less the discount


def test_unigram_is_add_one_smoothed():
    unigram = UnigramModel(TRAIN, vocab_size=8)
    assert unigram.prob(0, 2) == pytest.approx((3 + 1) / (9 + 8))
    assert unigram.prob(0, 0) == pytest.approx(1 / (9 + 8))


def test_perplexity_of_a_certain_model_is_one_and_of_a_uniform_one_is_the_vocabulary_size():
    class Uniform:
        def prob(self, previous, word):
            return 1 / 8

    assert perplexity(Uniform(), TRAIN) == pytest.approx(8)
    assert perplexity(KneserNeyBigram(TRAIN, 8), TRAIN) < perplexity(UnigramModel(TRAIN, 8), TRAIN)
    assert math.isfinite(perplexity(KneserNeyBigram(TRAIN, 8), [[0, 1, 0]]))


def test_copy_finder_measures_the_longest_quoted_run():
    corpus = [["preheat", "oven", "to", "350", "°", "f", "."], ["mix", "the", "flour", "."]]
    finder = CopyFinder(corpus)
    assert finder.longest_run(["then", "preheat", "oven", "to", "350", "°", "c"]) == 5
    assert finder.longest_run(["mix", "the", "flour", ".", "preheat"]) == 4  # runs do not cross texts
    assert finder.longest_run(["nothing", "here"]) == 0
