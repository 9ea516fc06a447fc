import math

import pytest
import torch

from lstm_tutorial import next_token_probs
from lstm_tutorial.blog import apply_temperature
from lstm_tutorial.sampling import draw

LOGITS = torch.tensor([2.0, 1.0, 0.5, -1.0, -3.0])


@pytest.mark.parametrize("temperature", [0.2, 0.5, 1.0, 2.0])
def test_softmax_of_logits_over_t_equals_the_seeds_power_rule(temperature):
    probs = torch.softmax(LOGITS, dim=-1)
    seed_way = probs ** (1 / temperature)
    seed_way = seed_way / seed_way.sum()
    torch.testing.assert_close(next_token_probs(LOGITS, temperature), seed_way)
    torch.testing.assert_close(apply_temperature(probs, temperature), seed_way)


def test_low_temperature_sharpens_and_high_flattens():
    cold, warm = next_token_probs(LOGITS, 0.5), next_token_probs(LOGITS, 2.0)
    base = torch.softmax(LOGITS, -1)
    assert cold[0] > base[0] > warm[0]


def test_zero_temperature_is_greedy_and_tiny_ones_stay_finite():
    assert next_token_probs(LOGITS, 0).tolist() == [1.0, 0.0, 0.0, 0.0, 0.0]
    for temperature in [1e-30, 1e-8, 1e-3]:
        probs = next_token_probs(LOGITS, temperature)
        assert torch.isfinite(probs).all()
        assert math.isclose(float(probs.sum()), 1.0, rel_tol=1e-6)
        assert probs.argmax() == 0


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_top_k_keeps_exactly_the_k_most_likely_words(k):
    """LOGITS are sorted, so the k most likely words are the first k: they keep their
    relative odds (softmax over just them), every other word gets probability 0."""
    probs = next_token_probs(LOGITS, 1.0, top_k=k)
    assert (probs > 0).tolist() == [True] * k + [False] * (5 - k)
    torch.testing.assert_close(probs[:k], torch.softmax(LOGITS[:k], dim=-1))


def test_top_k_finds_the_most_likely_words_wherever_they_are():
    shuffled = torch.tensor([-1.0, 2.0, -3.0, 0.5, 1.0])  # LOGITS in another order
    probs = next_token_probs(shuffled, 0.5, top_k=2)  # with a temperature too
    assert (probs > 0).tolist() == [False, True, False, False, True]
    torch.testing.assert_close(probs[[1, 4]], torch.softmax(shuffled[[1, 4]] / 0.5, dim=-1))


def test_top_k_as_large_as_the_vocabulary_changes_nothing():
    torch.testing.assert_close(next_token_probs(LOGITS, 0.7, top_k=5), next_token_probs(LOGITS, 0.7))
    torch.testing.assert_close(next_token_probs(LOGITS, 0.7, top_k=50), next_token_probs(LOGITS, 0.7))


def test_top_p_keeps_the_smallest_set_covering_p():
    base = torch.softmax(LOGITS, -1)  # about [0.61, 0.22, 0.14, 0.03, 0.004]
    probs = next_token_probs(LOGITS, 1.0, top_p=0.7)
    assert (probs > 0).tolist() == [True, True, False, False, False]
    torch.testing.assert_close(probs[:2], base[:2] / base[:2].sum())
    assert (next_token_probs(LOGITS, 1.0, top_p=0.01) > 0).sum() == 1  # the top word always stays


def test_batches_of_logits():
    probs = next_token_probs(torch.stack([LOGITS, LOGITS.flip(0)]), 0.7, top_k=3, top_p=0.9)
    assert probs.shape == (2, 5)
    torch.testing.assert_close(probs.sum(-1), torch.ones(2))


@pytest.mark.parametrize(
    "options, message",
    [
        ({"temperature": -0.5}, "temperature must be a number >= 0, got -0.5"),
        ({"temperature": float("nan")}, "temperature"),
        ({"temperature": float("inf")}, "temperature must be finite"),
        ({"temperature": "hot"}, "temperature"),
        ({"top_k": 0}, "top_k must be an integer >= 1, got 0"),
        ({"top_p": 0.0}, r"top_p must be in \(0, 1\], got 0.0"),
        ({"top_p": 1.5}, "top_p"),
        ({"top_k": 2.5}, "top_k must be an integer >= 1, got 2.5"),
        ({"top_k": True}, "top_k must be an integer >= 1, got True"),
        ({"top_p": True}, r"top_p must be in \(0, 1\], got True"),
        ({"top_p": "0.5"}, r"top_p must be in \(0, 1\], got '0.5'"),
    ],
)
def test_bad_options_raise_value_error_naming_the_value(options, message):
    with pytest.raises(ValueError, match=message):
        next_token_probs(LOGITS, **options)


def test_draw_follows_the_distribution_and_never_picks_zero_probability():
    probs = torch.tensor([0.5, 0.0, 0.3, 0.2, 0.0])
    generator = torch.Generator().manual_seed(0)
    draws = torch.cat([draw(probs, generator) for _ in range(4000)])
    counts = torch.bincount(draws, minlength=5) / 4000
    assert counts[1] == 0 and counts[4] == 0
    torch.testing.assert_close(counts, probs, atol=0.03, rtol=0)


def draw_frequencies(probs: torch.Tensor, n: int = 200_000, seed: int = 0) -> torch.Tensor:
    """How often each word comes out of ``n`` draws from ``probs`` (one batch of ``n`` rows)."""
    picks = draw(probs.expand(n, -1), torch.Generator().manual_seed(seed))
    assert picks.shape == (n, 1)
    return torch.bincount(picks[:, 0], minlength=probs.numel()).double() / n


def test_every_word_is_drawn_as_often_as_its_probability_the_first_and_last_included():
    """200,000 draws: each frequency is within 4.5 standard deviations of its probability
    (0.0016 for the 2.5% words), so a word even a point too rare or too common is caught."""
    probs = torch.tensor([0.025, 0.4, 0.0, 0.3, 0.25, 0.025], dtype=torch.float64)
    n = 200_000
    frequencies = draw_frequencies(probs.float(), n)
    allowed = 4.5 * (probs * (1 - probs) / n).sqrt()
    assert ((frequencies - probs).abs() <= allowed).all(), (frequencies.tolist(), allowed.tolist())
    assert frequencies[2] == 0


def test_draw_takes_weights_that_do_not_sum_to_one():
    """Like ``torch.multinomial``, ``draw`` only needs non-negative weights."""
    weights = torch.tensor([3.0, 0.0, 1.0])  # 75% and 25%
    frequencies = draw_frequencies(weights)
    assert frequencies[1] == 0 and float(frequencies[0]) == pytest.approx(0.75, abs=0.005)


def test_draw_for_a_batch_and_one_hot_rows():
    probs = torch.tensor([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    assert draw(probs).tolist() == [[2], [0]]


def test_each_row_of_a_batch_draws_from_its_own_distribution():
    probs = torch.tensor([[0.9, 0.1, 0.0], [0.0, 0.2, 0.8]]).repeat(50_000, 1)
    picks = draw(probs, torch.Generator().manual_seed(1))[:, 0]
    first_rows, second_rows = picks[0::2], picks[1::2]
    assert torch.bincount(first_rows, minlength=3)[2] == 0 and torch.bincount(second_rows, minlength=3)[0] == 0
    assert float((first_rows == 0).double().mean()) == pytest.approx(0.9, abs=0.005)
    assert float((second_rows == 2).double().mean()) == pytest.approx(0.8, abs=0.006)


def test_a_seeded_generator_repeats_its_draws():
    probs = torch.softmax(LOGITS, -1).expand(100, -1)
    first = draw(probs, torch.Generator().manual_seed(5))
    assert torch.equal(first, draw(probs, torch.Generator().manual_seed(5)))
    assert not torch.equal(first, draw(probs, torch.Generator().manual_seed(6)))


def test_the_default_temperature_is_1_the_models_own_distribution():
    torch.testing.assert_close(next_token_probs(LOGITS), torch.softmax(LOGITS, dim=-1))


def test_apply_temperature_1_leaves_probabilities_as_they_are():
    probs = torch.tensor([0.5, 0.3, 0.2])
    torch.testing.assert_close(apply_temperature(probs), probs)


def test_a_word_of_probability_0_is_not_drawn_even_when_the_uniform_number_is_exactly_0(monkeypatch):
    """``torch.rand`` can return exactly 0.0; the first word whose cumulative probability is above it
    is drawn, not a zero-probability word before it."""
    monkeypatch.setattr(torch, "rand", lambda shape, **kwargs: torch.zeros(shape))
    assert draw(torch.tensor([0.0, 0.0, 0.5, 0.5])).tolist() == [2]
    assert draw(torch.tensor([[0.0, 1.0], [0.3, 0.7]])).tolist() == [[1], [0]]


def test_a_uniform_number_rounded_up_to_the_total_still_draws_a_word_of_positive_probability(monkeypatch):
    """``rand() * total`` can round up to ``total`` itself, past every cumulative probability: the draw is
    then the last word that has any probability, never an index past the vocabulary or a word that
    top-k or top-p removed."""
    monkeypatch.setattr(torch, "rand", lambda shape, **kwargs: torch.ones(shape))
    assert draw(torch.tensor([0.2, 0.3, 0.5])).tolist() == [2]
    assert draw(torch.tensor([[0.5, 0.5, 0.0, 0.0], [0.0, 0.0, 0.0, 2.0]])).tolist() == [[1], [3]]


def test_top_p_1_keeps_every_word_of_a_large_vocabulary():
    """The probabilities of 10,000 words add up to 1 only up to rounding: p = 1 must still keep them all."""
    logits = torch.randn(10_000, generator=torch.Generator().manual_seed(0)) * 3
    probs = next_token_probs(logits, 1.0, top_p=1)
    assert (probs > 0).all()
    torch.testing.assert_close(probs, next_token_probs(logits))


def test_huge_logits_at_a_tiny_temperature_stay_finite():
    probs = next_token_probs(LOGITS * 50, 1e-37)  # logits up to 100: 100 / 1e-37 overflows float32
    assert probs.tolist() == [1.0, 0.0, 0.0, 0.0, 0.0]
