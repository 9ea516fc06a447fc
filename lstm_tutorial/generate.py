"""Writing text with a trained model, one word at a time, carrying the LSTM state.

The seed's generator fed the whole text so far back into the model for every
new word, so word n cost n LSTM steps and a 500-word text cost about 125,000.
An LSTM's state ``(h, c)`` already summarises everything it has read, so here
the prompt is read once ("prefill") and then each new word is one LSTM step
from the carried state: 500 words cost 500 steps. The next-word
distributions are the same (see ``tests/test_generate.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from .model import LSTMLM
from .sampling import apply_temperature, check_sampling_options, draw, next_token_probs
from .tokenizer import detokenize, tokenize
from .vocab import EOS, PAD, UNK, Vocab


@dataclass
class GenerationState:
    """Where a generation stands: the tokens so far and the LSTM state after them."""

    token_ids: list[int]
    prompt_length: int
    hidden: tuple[torch.Tensor, torch.Tensor]
    next_logits: torch.Tensor  # [vocab]: scores for the word after token_ids
    picked_probs: list[float] = field(default_factory=list)  # probability each new word had
    finished: bool = False  # an <EOS> was picked


class TextGenerator:
    """Generates text from an ``LSTMLM``; the seed's ``PyTorchTextGenerator``, fixed.

    Fixes: the prompt is tokenized like the training text; the LSTM state is
    carried between steps; temperature is ``softmax(logits / T)`` with T = 0
    for greedy; sampling can be seeded and batched.
    """

    def __init__(self, model: LSTMLM, idx2token: list[str], token2idx: dict[str, int], device=None):
        self.model = model
        self.idx2token = list(idx2token)
        self.token2idx = token2idx
        self.device = torch.device(device) if device is not None else model.fc.weight.device
        self.model.to(self.device)
        self.model.eval()  # no dropout while generating
        self.stop_ids = {token2idx[token] for token in (EOS, PAD) if token in token2idx}
        self._fc_weight_t: torch.Tensor | None = None  # set by prefill, used by _advance

    @classmethod
    def from_vocab(cls, model: LSTMLM, vocab: Vocab, device=None) -> "TextGenerator":
        return cls(model, vocab.idx2token, vocab.token2idx, device)

    def random_generator(self, seed: int | None) -> torch.Generator | None:
        """A seeded ``torch.Generator`` on the model's device (None: torch's global one)."""
        return None if seed is None else torch.Generator(device=self.device).manual_seed(seed)

    def encode_prompt(self, prompt: str) -> list[int]:
        """Token ids of ``prompt``; ValueError if it is empty or has no known word."""
        tokens = tokenize(prompt)
        if not tokens:
            raise ValueError(f"prompt {prompt!r} is empty: give at least one word, e.g. 'recipe for'")
        unk = self.token2idx[UNK]
        ids = [self.token2idx.get(token, unk) for token in tokens]
        if all(idx == unk for idx in ids):
            raise ValueError(f"no word of prompt {prompt!r} is in the vocabulary: try e.g. 'recipe for'")
        return ids

    # --- the two steps of generation: read the prompt once, then one word at a time
    @torch.no_grad()
    def prefill(self, prompt: str) -> GenerationState:
        """Run the model over the prompt once and keep the state after its last word."""
        ids = self.encode_prompt(prompt)
        x = torch.tensor([ids], dtype=torch.long, device=self.device)
        logits, hidden = self.model(x)
        # nn.Linear computes h @ W.T; for one row at a time, a stored contiguous
        # copy of W.T is about twice as fast on a CPU. Made here, so it always
        # matches the current weights.
        self._fc_weight_t = self.model.fc.weight.t().contiguous()
        return GenerationState(ids, len(ids), hidden, logits[0, -1])

    def _advance(self, token_ids: torch.Tensor, hidden):
        """``model(token_ids, hidden)`` for one token per row ``[rows, 1]``, returning the
        scores for the next word ``[rows, vocab]`` and the new state.

        The same arithmetic as the model's forward pass (without dropout: we are
        generating), written as one LSTM cell step so that a single token does not
        pay nn.LSTM's set-up for whole sequences.
        """
        lstm = self.model.lstm
        h, c = torch.lstm_cell(
            self.model.embedding(token_ids[:, 0]), (hidden[0][0], hidden[1][0]),
            lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0, lstm.bias_hh_l0,
        )
        logits = torch.addmm(self.model.fc.bias, h, self._fc_weight_t)
        return logits, (h.unsqueeze(0), c.unsqueeze(0))

    @torch.no_grad()
    def step(
        self,
        state: GenerationState,
        temperature: float = 1.0,
        top_k: int | None = None,
        top_p: float | None = None,
        generator: torch.Generator | None = None,
    ) -> tuple[int, torch.Tensor]:
        """Pick the next word, feed it to the model, and return ``(id, probs)``.

        ``probs`` is the distribution the word was drawn from (after
        temperature, top-k and top-p). Updates ``state`` in place.
        """
        probs = next_token_probs(state.next_logits, temperature, top_k, top_p)
        next_id = int(draw(probs, generator))
        state.token_ids.append(next_id)
        state.picked_probs.append(float(probs[next_id]))
        state.finished = next_id in self.stop_ids
        x = torch.tensor([[next_id]], dtype=torch.long, device=self.device)
        logits, state.hidden = self._advance(x, state.hidden)
        state.next_logits = logits[0]
        return next_id, probs

    def tokens(self, ids: list[int]) -> list[str]:
        return [self.idx2token[idx] for idx in ids]

    def text(self, ids: list[int]) -> str:
        """Readable text for token ids (``1 / 2 cup`` -> ``1/2 cup``)."""
        return detokenize(self.tokens(ids))

    # --- the seed's API
    def sample_from(self, probs: torch.Tensor, temperature: float = 1.0, generator=None) -> tuple[int, np.ndarray]:
        """Apply temperature to ``probs`` and draw one index; returns ``(index, probs as numpy)``.

        Same result as the seed's ``probs ** (1 / T)`` renormalised, computed as
        ``softmax(log(probs) / T)`` so it never overflows; T = 0 is greedy.
        """
        adjusted = apply_temperature(probs, temperature)
        return int(draw(adjusted, generator)), adjusted.cpu().numpy()

    def generate(
        self,
        start_prompt: str,
        max_tokens: int = 100,
        temperature: float = 1.0,
        top_k: int | None = None,
        top_p: float | None = None,
        seed: int | None = None,
        verbose: bool = True,
    ) -> list[dict]:
        """Continue ``start_prompt`` by up to ``max_tokens`` words; stop early at ``<EOS>``.

        Returns the seed's ``info``: one dict per step with ``"prompt"`` (the
        tokens so far, space-separated), ``"word_probs"`` (numpy array over
        the vocabulary), plus ``"token"`` and ``"prob"`` of the word picked.
        Prints the generated text when ``verbose``, as the seed does.
        """
        if max_tokens < 1:
            raise ValueError(f"max_tokens must be at least 1, got {max_tokens}")
        check_sampling_options(temperature, top_k, top_p)
        state = self.prefill(start_prompt)
        generator = self.random_generator(seed)
        info = []
        prompt_so_far = " ".join(self.tokens(state.token_ids))
        while len(state.token_ids) - state.prompt_length < max_tokens and not state.finished:
            next_id, probs = self.step(state, temperature, top_k, top_p, generator)
            token = self.idx2token[next_id]
            info.append(
                {"prompt": prompt_so_far, "word_probs": probs.cpu().numpy(), "token": token,
                 "prob": state.picked_probs[-1]}
            )
            prompt_so_far += " " + token
        if verbose:
            print(f"\nGenerated text:\n{self.text(state.token_ids)}\n")
        return info

    @torch.no_grad()
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
        if num_samples < 1:
            raise ValueError(f"num_samples must be at least 1, got {num_samples}")
        if max_tokens < 1:
            raise ValueError(f"max_tokens must be at least 1, got {max_tokens}")
        check_sampling_options(temperature, top_k, top_p)
        state = self.prefill(prompt)
        generator = self.random_generator(seed)
        hidden = tuple(h.repeat(1, num_samples, 1) for h in state.hidden)
        logits = state.next_logits.expand(num_samples, -1)
        generated = torch.empty(num_samples, 0, dtype=torch.long, device=self.device)
        finished = torch.zeros(num_samples, dtype=torch.bool, device=self.device)
        stop_ids = torch.tensor(sorted(self.stop_ids), device=self.device)
        for _ in range(max_tokens):
            probs = next_token_probs(logits, temperature, top_k, top_p)
            next_ids = draw(probs, generator)  # [num_samples, 1]
            generated = torch.cat([generated, next_ids], dim=1)
            finished |= torch.isin(next_ids[:, 0], stop_ids)
            if finished.all():
                break
            logits, hidden = self._advance(next_ids, hidden)
        texts = []
        for row in generated.tolist():
            ids = state.token_ids + row
            end = next((i for i, idx in enumerate(ids) if idx in self.stop_ids), len(ids))
            texts.append(self.text(ids[:end]))
        return texts


class PyTorchTextGenerator(TextGenerator):
    """The seed's name for :class:`TextGenerator`."""
