"""Writing text with a trained model, one word at a time, carrying the LSTM state.

The blog post's generator fed the whole text so far back into the model for
every new word, so word n cost n LSTM steps and a 500-word text cost about
125,000. An LSTM's state ``(h, c)`` already summarises everything it has
read, so here the prompt is read once ("prefill") and then each new word is
one ``model.step`` from the carried state: 500 words cost 500 steps. The
next-word distributions are the same (see ``tests/test_generate.py``).

Several texts from one prompt are generated together, one row each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from .model import LSTMLM, Hidden
from .sampling import SamplingOptions, draw
from .vocab import Vocab

# Requests above these limits are refused with a clear error instead of filling memory.
MAX_NEW_TOKENS = 5000
MAX_SAMPLES = 100


@dataclass
class GenerationState:
    """Where the generation of one or more texts from the same prompt stands (one row per text)."""

    token_ids: list[list[int]]  # per text: the prompt's ids, then each word picked
    prompt_length: int
    hidden: Hidden  # the LSTM state after the last word of each text
    next_logits: torch.Tensor  # [texts, vocab]: scores for each text's next word
    picked_probs: list[list[float]]  # per text: the probability each new word had when picked
    finished: list[bool]  # per text: an <EOS> was picked
    steps: int = 0  # words picked so far (per text, finished texts stop growing)

    @property
    def done(self) -> bool:
        return all(self.finished)


class TextGenerator:
    """Generates text from an ``LSTMLM`` and its :class:`Vocab`.

    Fixes to the blog post's generator: the prompt is tokenized like the
    training text; the LSTM state is carried between steps; temperature is
    ``softmax(logits / T)`` with T = 0 for greedy; sampling can be seeded and
    batched. It runs where the model is.
    """

    def __init__(self, model: LSTMLM, vocab: Vocab):
        self.model = model
        self.vocab = vocab
        self.stop_ids = {vocab.eos_idx, vocab.pad_idx}

    @property
    def device(self) -> torch.device:
        """Where the model is, and so where generation runs."""
        return self.model.device

    def random_generator(self, seed: int | None) -> torch.Generator | None:
        """A seeded ``torch.Generator`` on the model's device (None: torch's global one)."""
        return None if seed is None else torch.Generator(device=self.device).manual_seed(seed)

    def encode_prompt(self, prompt: str) -> list[int]:
        """Token ids of ``prompt``; ValueError if it is empty or has no known word."""
        ids = self.vocab.encode(prompt)
        if not ids:
            raise ValueError(f"prompt {prompt!r} is empty: give at least one word, e.g. 'recipe for'")
        if all(idx == self.vocab.unk_idx for idx in ids):
            raise ValueError(f"no word of prompt {prompt!r} is in the vocabulary: try e.g. 'recipe for'")
        return ids

    def text(self, ids: list[int]) -> str:
        """Readable text for token ids (``1 / 2 cup`` -> ``1/2 cup``)."""
        return self.vocab.decode(ids)

    # --- the two steps of generation: read the prompt once, then one word at a time
    @torch.no_grad()
    def prefill(self, prompt: str, num_texts: int = 1) -> GenerationState:
        """Run the model over the prompt once; every text starts from the state after its last word."""
        if isinstance(num_texts, bool) or not isinstance(num_texts, int) or not 1 <= num_texts <= MAX_SAMPLES:
            raise ValueError(f"num_samples must be a whole number from 1 to {MAX_SAMPLES}, got {num_texts!r}")
        ids = self.encode_prompt(prompt)
        self.model.eval()  # no dropout while generating, even right after a training epoch
        logits, hidden = self.model(torch.tensor([ids], dtype=torch.long, device=self.device))
        hidden = tuple(h.repeat(1, num_texts, 1) for h in hidden)
        return GenerationState(
            token_ids=[list(ids) for _ in range(num_texts)], prompt_length=len(ids), hidden=hidden,
            next_logits=logits[0, -1].expand(num_texts, -1), picked_probs=[[] for _ in range(num_texts)],
            finished=[False] * num_texts,
        )

    @torch.no_grad()
    def step(
        self, state: GenerationState, options: SamplingOptions = SamplingOptions(),
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """Pick the next word of every unfinished text and feed it to the model; updates ``state``.

        Returns the distributions ``[texts, vocab]`` the words were drawn from
        (after temperature, top-k and top-p).
        """
        probs = options.probs(state.next_logits)
        next_ids = draw(probs, generator)  # [texts, 1]
        picked = probs.gather(-1, next_ids)[:, 0].tolist()
        for row, (idx, prob) in enumerate(zip(next_ids[:, 0].tolist(), picked)):
            if not state.finished[row]:
                state.token_ids[row].append(idx)
                state.picked_probs[row].append(prob)
                state.finished[row] = idx in self.stop_ids
        state.steps += 1
        state.next_logits, state.hidden = self.model.step(next_ids[:, 0], state.hidden)
        return probs

    def complete(
        self, state: GenerationState, max_tokens: int, options: SamplingOptions = SamplingOptions(),
        generator: torch.Generator | None = None,
        on_step: Callable[[GenerationState, torch.Tensor], None] | None = None,
    ) -> GenerationState:
        """The generation loop: step until each text has ended or ``state`` has ``max_tokens`` new words.

        ``on_step(state, probs)`` is called after every step.
        """
        check_max_tokens(max_tokens)
        while not state.done and state.steps < max_tokens:
            probs = self.step(state, options, generator)
            if on_step is not None:
                on_step(state, probs)
        return state

    # --- whole texts
    def sample(
        self,
        prompt: str,
        num_samples: int = 1,
        max_tokens: int = 100,
        temperature: float = 1.0,
        top_k: int | None = None,
        top_p: float | None = None,
        seed: int | None = None,
    ) -> list[str]:
        """``num_samples`` continuations of ``prompt``, generated together as one batch."""
        options = SamplingOptions(temperature, top_k, top_p)
        state = self.complete(self.prefill(prompt, num_samples), max_tokens, options, self.random_generator(seed))
        return [self.text(ids) for ids in state.token_ids]


def check_max_tokens(max_tokens: int) -> None:
    """ValueError naming ``max_tokens`` unless it is a whole number from 1 to ``MAX_NEW_TOKENS``."""
    if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or not 1 <= max_tokens <= MAX_NEW_TOKENS:
        raise ValueError(f"max_tokens must be a whole number from 1 to {MAX_NEW_TOKENS}, got {max_tokens!r}")
