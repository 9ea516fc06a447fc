"""From logits to a next-word distribution: temperature, top-k and top-p.

The seed sharpened probabilities with ``probs ** (1 / T)``. That equals
``softmax(logits / T)`` after renormalising, but overflows or divides by zero
for small T. Here, for T < 1, the logits are divided by T after subtracting
their maximum, so the largest scaled logit is exactly 0 and softmax never
sees inf - inf. T = 0 means greedy: all probability on the highest logit.
"""

from __future__ import annotations

import math

import torch


def check_sampling_options(temperature: float = 1.0, top_k: int | None = None, top_p: float | None = None) -> None:
    """Raise ValueError naming the first bad option."""
    if not isinstance(temperature, (int, float)) or math.isnan(temperature) or temperature < 0:
        raise ValueError(f"temperature must be a number >= 0, got {temperature!r}")
    if math.isinf(temperature):
        raise ValueError(f"temperature must be finite, got {temperature!r}")
    if top_k is not None and (not isinstance(top_k, int) or top_k < 1):
        raise ValueError(f"top_k must be an integer >= 1, got {top_k!r}")
    if top_p is not None and (not isinstance(top_p, (int, float)) or not 0 < top_p <= 1):
        raise ValueError(f"top_p must be in (0, 1], got {top_p!r}")


def next_token_probs(
    logits: torch.Tensor, temperature: float = 1.0, top_k: int | None = None, top_p: float | None = None
) -> torch.Tensor:
    """Turn logits ``[..., vocab]`` into probabilities after temperature, top-k and top-p.

    top-k keeps the k most likely words; top-p keeps the smallest set of most
    likely words whose probabilities add up to at least p. Both renormalise.
    """
    check_sampling_options(temperature, top_k, top_p)
    logits = logits.float()
    if temperature == 0:
        greedy = torch.zeros_like(logits)
        return greedy.scatter_(-1, logits.argmax(dim=-1, keepdim=True), 1.0)
    if temperature >= 1:
        scaled = logits / temperature if temperature != 1 else logits
    else:  # dividing by a small T could overflow: shift the largest logit to 0 first
        scaled = (logits - logits.max(dim=-1, keepdim=True).values) / temperature
    if top_k is not None and top_k < scaled.size(-1):
        kth_largest = scaled.topk(top_k, dim=-1).values[..., -1:]
        scaled = scaled.masked_fill(scaled < kth_largest, -math.inf)
    probs = torch.softmax(scaled, dim=-1)
    if top_p is not None and top_p < 1:
        sorted_probs, order = probs.sort(dim=-1, descending=True)
        mass_before = sorted_probs.cumsum(dim=-1) - sorted_probs
        drop_sorted = mass_before >= top_p  # the most likely word always stays
        drop = drop_sorted.scatter(-1, order, drop_sorted)
        probs = probs.masked_fill(drop, 0.0)
        probs = probs / probs.sum(dim=-1, keepdim=True)
    return probs


def draw(probs: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Draw one index per row of ``probs`` ``[..., vocab]``; returns ``[..., 1]``.

    Inverse-CDF sampling: pick a uniform number u in [0, total) and return the
    first index whose cumulative probability exceeds it. Same distribution as
    ``torch.multinomial(probs, 1)``, several times faster for one draw from a
    10,000-word vocabulary; a word with probability 0 is never drawn.
    """
    cdf = probs.cumsum(dim=-1)
    u = torch.rand(cdf.shape[:-1] + (1,), generator=generator, device=probs.device) * cdf[..., -1:]
    return torch.searchsorted(cdf, u, right=True).clamp_(max=probs.size(-1) - 1)


def apply_temperature(probs: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
    """The seed's ``probs ** (1/T)`` renormalised, computed safely as ``softmax(log p / T)``."""
    return next_token_probs(torch.log(probs.float()), temperature)
