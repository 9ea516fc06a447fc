"""From logits to a next-word distribution: temperature, top-k and top-p.

The blog post sharpened probabilities with ``probs ** (1 / T)``. That equals
``softmax(logits / T)`` after renormalising, but overflows or divides by zero
for small T. Here, for T < 1, the logits are divided by T after subtracting
their maximum, so the largest scaled logit is exactly 0 and softmax never
sees inf - inf. T = 0 means greedy: all probability on the highest logit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class SamplingOptions:
    """Temperature, top-k and top-p, checked once when made (ValueError naming a bad one).

    ``top_k`` keeps the k most likely words; ``top_p`` (nucleus sampling) keeps
    the smallest set of most likely words whose probabilities add up to at
    least p. None switches either off.
    """

    temperature: float = 1.0
    top_k: int | None = None
    top_p: float | None = None

    def __post_init__(self):
        temperature = self.temperature
        if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or math.isnan(temperature) \
                or temperature < 0:
            raise ValueError(f"temperature must be a number >= 0, got {temperature!r}")
        if math.isinf(temperature):
            raise ValueError(f"temperature must be finite, got {temperature!r}")
        if self.top_k is not None and (isinstance(self.top_k, bool) or not isinstance(self.top_k, int)
                                       or self.top_k < 1):
            raise ValueError(f"top_k must be an integer >= 1, got {self.top_k!r}")
        if self.top_p is not None and (isinstance(self.top_p, bool) or not isinstance(self.top_p, (int, float))
                                       or not 0 < self.top_p <= 1):
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p!r}")

    def probs(self, logits: torch.Tensor) -> torch.Tensor:
        """Probabilities ``[..., vocab]`` for logits ``[..., vocab]`` under these options."""
        logits = logits.float()
        if self.temperature == 0:
            greedy = torch.zeros_like(logits)
            return greedy.scatter_(-1, logits.argmax(dim=-1, keepdim=True), 1.0)
        if self.temperature >= 1:
            scaled = logits / self.temperature if self.temperature != 1 else logits
        else:  # dividing by a small T could overflow: shift the largest logit to 0 first
            scaled = (logits - logits.max(dim=-1, keepdim=True).values) / self.temperature
        if self.top_k is not None and self.top_k < scaled.size(-1):
            kth_largest = scaled.topk(self.top_k, dim=-1).values[..., -1:]
            scaled = scaled.masked_fill(scaled < kth_largest, -math.inf)
        probs = torch.softmax(scaled, dim=-1)
        if self.top_p is not None and self.top_p < 1:
            sorted_probs, order = probs.sort(dim=-1, descending=True)
            mass_before = sorted_probs.cumsum(dim=-1) - sorted_probs
            drop_sorted = mass_before >= self.top_p  # the most likely word always stays
            drop = drop_sorted.scatter(-1, order, drop_sorted)
            probs = probs.masked_fill(drop, 0.0)
            probs = probs / probs.sum(dim=-1, keepdim=True)
        return probs


def next_token_probs(
    logits: torch.Tensor, temperature: float = 1.0, top_k: int | None = None, top_p: float | None = None
) -> torch.Tensor:
    """Turn logits ``[..., vocab]`` into probabilities after temperature, top-k and top-p."""
    return SamplingOptions(temperature, top_k, top_p).probs(logits)


def draw(probs: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Draw one index per row of ``probs`` ``[..., vocab]``; returns ``[..., 1]``.

    Inverse-CDF sampling: pick a uniform number u in [0, total) and return the
    first index whose cumulative probability exceeds it. Same distribution as
    ``torch.multinomial(probs, 1)``, several times faster for one draw from a
    10,000-word vocabulary; a word with probability 0 is never drawn.
    """
    cdf = probs.cumsum(dim=-1)
    total = cdf[..., -1:]
    u = torch.rand(cdf.shape[:-1] + (1,), generator=generator, device=probs.device) * total
    # rand() * total can round up to total itself; below it, some word's cdf always exceeds u
    u = torch.minimum(u, torch.nextafter(total, torch.zeros_like(total)))
    return torch.searchsorted(cdf, u, right=True)

