import math

import pytest
import torch

from lstm_tutorial import next_token_probs
from lstm_tutorial.sampling import apply_temperature, draw

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


def test_top_k_keeps_the_k_most_likely():
    probs = next_token_probs(LOGITS, 1.0, top_k=2)
    assert (probs[2:] == 0).all() and math.isclose(float(probs.sum()), 1.0, rel_tol=1e-6)


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


def test_draw_for_a_batch_and_one_hot_rows():
    probs = torch.tensor([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    assert draw(probs).tolist() == [[2], [0]]
