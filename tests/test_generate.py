import numpy as np
import pytest
import torch

from lstm_tutorial import LSTMLM, PyTorchTextGenerator, SamplingOptions, TextGenerator, Vocab
from lstm_tutorial.generate import MAX_NEW_TOKENS, MAX_SAMPLES, check_max_tokens
from lstm_tutorial.sampling import draw


def blog_generator(generator: TextGenerator) -> PyTorchTextGenerator:
    """The blog post's generator (with ``generate`` and its ``info``) for the same model and vocabulary."""
    return PyTorchTextGenerator(generator.model, generator.vocab.idx2token, generator.vocab.token2idx, "cpu")


@pytest.fixture
def generator(trained) -> PyTorchTextGenerator:
    """The tiny trained model's generator, as the blog post's class: every TextGenerator method, and ``generate``."""
    return blog_generator(trained.generator)


def rerun_whole_prefix_probs(generator, token_ids):
    """The blog post's way: run the model over every token so far, keep the last position."""
    with torch.no_grad():
        logits, _ = generator.model(torch.tensor([token_ids]))
    return torch.softmax(logits[0, -1], dim=0)


def test_carried_state_gives_the_same_distribution_as_rerunning_the_prefix(generator):
    info = generator.generate("recipe for", max_tokens=40, temperature=1.0, seed=3, verbose=False)
    ids = generator.encode_prompt("recipe for")
    for step in info:
        expected = rerun_whole_prefix_probs(generator, ids)
        np.testing.assert_allclose(step["word_probs"], expected.numpy(), rtol=1e-4, atol=1e-6)
        ids.append(generator.token2idx[step["token"]])


def test_info_has_the_blogs_keys_one_entry_per_step(generator):
    info = generator.generate("recipe for", max_tokens=5, temperature=1.0, seed=0, verbose=False)
    assert len(info) == 5
    assert info[0]["prompt"] == "recipe for"
    assert info[0]["word_probs"].shape == (len(generator.idx2token),)
    assert info[1]["prompt"] == "recipe for " + info[0]["token"]
    picked = generator.token2idx[info[0]["token"]]
    assert info[0]["prob"] == pytest.approx(float(info[0]["word_probs"][picked]))


def test_generate_prints_the_text_as_the_blog_does(generator, capsys):
    generator.generate("recipe for", max_tokens=3, temperature=0, verbose=True)
    out = capsys.readouterr().out
    assert "Generated text:" in out and "recipe for" in out


def test_greedy_is_deterministic_and_picks_the_most_likely_word(generator):
    first = generator.generate("recipe for", max_tokens=20, temperature=0, verbose=False)
    second = generator.generate("recipe for", max_tokens=20, temperature=0, verbose=False)
    assert [s["token"] for s in first] == [s["token"] for s in second]
    assert all(s["prob"] == 1.0 for s in first)
    ids = generator.encode_prompt("recipe for")
    for step in first:  # each word is the argmax of the model's own distribution
        assert step["token"] == generator.idx2token[int(rerun_whole_prefix_probs(generator, ids).argmax())]
        ids.append(generator.token2idx[step["token"]])


def test_same_seed_same_text_other_seed_other_text(generator):
    a = generator.sample("recipe for", max_tokens=30, temperature=1.5, seed=1)
    assert a == generator.sample("recipe for", max_tokens=30, temperature=1.5, seed=1)
    assert a != generator.sample("recipe for", max_tokens=30, temperature=1.5, seed=2)


def test_batched_samples_each_match_the_prompt(generator):
    texts = generator.sample("recipe for", num_samples=4, max_tokens=15, temperature=1.0, seed=0)
    assert len(texts) == 4
    assert all(text.startswith("recipe for") for text in texts)
    assert len(set(texts)) > 1


def test_prompt_is_tokenized_like_the_training_text(generator):
    assert generator.encode_prompt("Recipe for soup.") == generator.encode_prompt("recipe for soup .")


def test_step_by_step_with_prefill(generator):
    """prefill reads the prompt once; each step picks a word and feeds it to the model."""
    state = generator.prefill("recipe for")
    prompt_ids = generator.encode_prompt("recipe for")
    model_probs = rerun_whole_prefix_probs(generator, prompt_ids)  # the model's own next-word distribution
    generator.step(state, SamplingOptions(temperature=0))  # greedy: the most likely word
    assert state.token_ids == [prompt_ids + [int(model_probs.argmax())]]
    assert state.picked_probs == [[1.0]] and state.steps == 1 and state.prompt_length == len(prompt_ids)

    # the next step, at T = 1, draws from the model's distribution after prompt + that word
    probs = generator.step(state, SamplingOptions(temperature=1.0), torch.Generator().manual_seed(0))
    expected = rerun_whole_prefix_probs(generator, state.token_ids[0][:-1])
    torch.testing.assert_close(probs[0], expected, rtol=1e-4, atol=1e-6)
    picked = state.token_ids[0][-1]
    assert state.picked_probs[0][-1] == pytest.approx(float(expected[picked]), rel=1e-4)
    assert state.steps == 2 and len(state.token_ids[0]) == len(prompt_ids) + 2


def test_sample_carries_the_state_between_words(generator):
    """Each sampled text is what greedy decoding from the full prefix gives, word for word."""
    text_ids = generator.prefill("recipe for")
    generator.complete(text_ids, 12, SamplingOptions(temperature=0))
    ids = generator.encode_prompt("recipe for")
    for expected in text_ids.token_ids[0][len(ids):]:
        assert expected == int(rerun_whole_prefix_probs(generator, ids).argmax())
        ids.append(expected)


def slow_sample(generator, prompt, max_tokens, seed):
    """The blog post's way to sample at T = 1: re-run the model over the whole text for every word."""
    random = torch.Generator().manual_seed(seed)
    ids = generator.encode_prompt(prompt)
    for _ in range(max_tokens):
        ids.append(int(draw(rerun_whole_prefix_probs(generator, ids)[None], random)))
        if ids[-1] == generator.vocab.eos_idx:
            break
    return generator.text(ids)


@pytest.mark.parametrize("seed", [0, 11])
def test_a_seeded_sample_is_what_rerunning_the_whole_text_draws(generator, seed):
    """sample() reads the prompt once and carries the LSTM state; with the same random numbers
    it writes exactly the text the slow way writes."""
    fast = generator.sample("recipe for", max_tokens=25, temperature=1.0, seed=seed)[0]
    assert fast == slow_sample(generator, "recipe for", 25, seed)
    assert len(fast.split()) > 5


def test_every_text_of_a_batch_starts_from_the_prompts_state(generator):
    greedy = generator.sample("recipe for", max_tokens=12, temperature=0)[0]
    assert generator.sample("recipe for", num_samples=3, max_tokens=12, temperature=0) == [greedy] * 3


def eos_loving_generator(after_words: int = 3) -> TextGenerator:
    """A model whose state counts words: after ``after_words`` it can only say <EOS>."""
    vocab = Vocab(["<PAD>", "<UNK>", "<EOS>", "recipe", "for", "soup"])
    model = LSTMLM(len(vocab), 4, 4)
    with torch.no_grad():
        model.fc.weight.zero_()
        model.fc.bias.copy_(torch.tensor([-1e4, -1e4, -1e4, 0.0, 0.0, 0.0]))
    generator = TextGenerator(model, vocab)
    original_step = model.step
    calls = {"n": 0}

    def step(token_ids, hidden):
        calls["n"] += 1
        logits, hidden = original_step(token_ids, hidden)
        if calls["n"] >= after_words:
            logits = torch.full_like(logits, -1e4)
            logits[:, vocab.eos_idx] = 0.0
        return logits, hidden

    model.step = step
    return generator


def test_generation_stops_at_eos():
    generator = eos_loving_generator(after_words=3)
    info = blog_generator(generator).generate("recipe for", max_tokens=50, verbose=False)
    assert [step["token"] for step in info][-1] == "<EOS>"
    assert len(info) == 4  # three words, then <EOS>
    texts = eos_loving_generator(after_words=3).sample("recipe for", num_samples=3, max_tokens=50, seed=0)
    assert all(len(text.split()) == 2 + 3 for text in texts)


class BigramLM(LSTMLM):
    """A stand-in model whose next-word scores depend only on the last word: ``scores[last word]``."""

    def __init__(self, scores: torch.Tensor):
        super().__init__(scores.size(0), 1, 1)
        self.scores = scores

    def forward(self, x, hidden=None):
        return self.scores[x], self.init_hidden(x.size(0))

    def step(self, token_ids, hidden):
        return self.scores[token_ids], hidden


SOUP_VOCAB = Vocab(["<PAD>", "<UNK>", "<EOS>", "recipe", "for", "soup", "salad", "stew"])


def soup_generator() -> TextGenerator:
    """After "for": soup 50%, salad 30%, stew 20%; after each dish: the same dish or <EOS>, 50/50;
    after <EOS>: "recipe" (a generator that ignored <EOS> would start a second recipe)."""
    next_word = {"recipe": {"for": 1.0}, "for": {"soup": 0.5, "salad": 0.3, "stew": 0.2},
                 "soup": {"soup": 0.5, "<EOS>": 0.5}, "salad": {"salad": 0.5, "<EOS>": 0.5},
                 "stew": {"stew": 0.5, "<EOS>": 0.5}, "<EOS>": {"recipe": 1.0}}
    probs = torch.zeros(len(SOUP_VOCAB), len(SOUP_VOCAB))
    for word, followers in next_word.items():
        for follower, p in followers.items():
            probs[SOUP_VOCAB.token2idx[word], SOUP_VOCAB.token2idx[follower]] = p
    probs[:, SOUP_VOCAB.unk_idx] += (probs.sum(1) == 0).float()  # rows never used
    return TextGenerator(BigramLM(probs.log()), SOUP_VOCAB)


def test_each_text_of_a_batch_stops_at_its_own_eos():
    generator = soup_generator()
    random = torch.Generator().manual_seed(0)
    state = generator.complete(generator.prefill("recipe for", num_texts=40), 30, generator=random)
    lengths = set()
    for ids in state.token_ids:
        words = [SOUP_VOCAB.idx2token[i] for i in ids]
        assert words[-1] == "<EOS>" and words.count("<EOS>") == 1 and words.count("recipe") == 1
        dish = words[2]
        assert words[2:-1] == [dish] * (len(words) - 3)
        lengths.add(len(words))
    assert len(lengths) >= 3  # texts of different lengths: each stopped on its own
    assert all(state.finished) and state.done and state.steps == max(lengths) - 2
    texts = generator.sample("recipe for", num_samples=40, max_tokens=30, seed=0)
    assert all(text.count("recipe") == 1 for text in texts)


def test_a_text_without_eos_ends_after_max_tokens():
    generator = soup_generator()
    random = torch.Generator().manual_seed(1)
    state = generator.complete(generator.prefill("recipe for", num_texts=40), 3, generator=random)
    assert state.steps == 3
    for ids, finished in zip(state.token_ids, state.finished):
        ended = ids[-1] == SOUP_VOCAB.eos_idx
        assert finished == ended
        assert len(ids) == 2 + 3 if not ended else len(ids) <= 2 + 3
    assert 0 < sum(state.finished) < 40  # some texts ended, some ran out of words


def test_sample_draws_only_the_words_top_k_and_top_p_keep():
    generator = soup_generator()

    def dishes(**options):
        texts = generator.sample("recipe for", num_samples=100, max_tokens=3, seed=0, **options)
        return {text.split()[2] for text in texts}

    assert dishes() == {"soup", "salad", "stew"}
    assert dishes(top_k=2) == {"soup", "salad"}
    assert dishes(top_p=0.7) == {"soup", "salad"}  # 0.5 alone does not reach 0.7
    assert dishes(top_p=0.5) == {"soup"}
    assert dishes(top_k=2, temperature=5.0) == {"soup", "salad"}


def test_sample_respects_top_k_and_top_p(generator):
    """With top_k=1 or a tiny top_p, sampling at any temperature is greedy decoding."""
    greedy = generator.sample("recipe for", max_tokens=15, temperature=0)
    assert generator.sample("recipe for", max_tokens=15, temperature=1.5, top_k=1, seed=3) == greedy
    assert generator.sample("recipe for", max_tokens=15, temperature=1.5, top_p=1e-6, seed=3) == greedy
    assert generator.sample("recipe for", max_tokens=15, temperature=1.5, seed=3) != greedy


def test_the_output_layer_cache_follows_new_weights(trained):
    generator = TextGenerator(LSTMLM.from_config(trained.config, len(trained.vocab)), trained.vocab)
    before = generator.sample("recipe for", max_tokens=8, temperature=0)
    generator.model.load_state_dict(trained.model.state_dict())  # weights change after a first use
    assert generator.sample("recipe for", max_tokens=8, temperature=0) == trained.generator.sample(
        "recipe for", max_tokens=8, temperature=0) != before


def test_sample_from_keeps_the_blogs_signature(trained):
    blog_style = PyTorchTextGenerator(trained.model, trained.vocab.idx2token, trained.vocab.token2idx, "cpu")
    probs = torch.tensor([0.7, 0.2, 0.1])
    index, adjusted = blog_style.sample_from(probs, temperature=0.5)
    assert isinstance(index, int) and isinstance(adjusted, np.ndarray)
    np.testing.assert_allclose(adjusted, (probs**2 / (probs**2).sum()).numpy(), rtol=1e-5)
    assert blog_style.sample_from(torch.tensor([0.2, 0.7, 0.1]), temperature=0)[0] == 1
    assert blog_style.sample_from(torch.tensor([0.0, 0.0, 1.0]), temperature=0.5)[0] == 2
    random = torch.Generator().manual_seed(0)
    picks = [blog_style.sample_from(probs, 0.5, random)[0] for _ in range(3000)]
    frequencies = np.bincount(picks, minlength=3) / len(picks)
    np.testing.assert_allclose(frequencies, adjusted, atol=0.03)  # about [0.91, 0.07, 0.02]


def test_the_blogs_generator_name_still_works(trained):
    blog_style = PyTorchTextGenerator(trained.model, trained.vocab.idx2token, trained.vocab.token2idx, "cpu")
    info = blog_style.generate("recipe for", max_tokens=3, temperature=0, verbose=False)
    assert [step["token"] for step in info] == trained.generator.sample(
        "recipe for", max_tokens=3, temperature=0)[0].split()[2:]
    with pytest.raises(ValueError, match="token2idx does not match idx2token"):
        PyTorchTextGenerator(trained.model, trained.vocab.idx2token, {"<PAD>": 1}, "cpu")


@pytest.mark.parametrize(
    "prompt, options, message",
    [
        ("", {}, "prompt '' is empty"),
        ("   ", {}, "is empty"),
        ("zzqx blorf", {}, "no word of prompt 'zzqx blorf' is in the vocabulary"),
        ("recipe for", {"max_tokens": 0}, "max_tokens must be a whole number from 1 to 5000, got 0"),
        ("recipe for", {"max_tokens": 10**9}, "max_tokens must be a whole number from 1 to 5000, got 1000000000"),
        ("recipe for", {"temperature": -1}, "temperature"),
        ("recipe for", {"top_k": 0}, "top_k"),
        ("recipe for", {"top_p": 0}, "top_p"),
    ],
)
def test_bad_input_raises_value_error_naming_it(generator, prompt, options, message):
    with pytest.raises(ValueError, match=message):
        generator.generate(prompt, verbose=False, **options)
    with pytest.raises(ValueError, match=message):
        generator.sample(prompt, **options)


def test_huge_sample_requests_get_a_clear_limit(generator):
    with pytest.raises(ValueError, match=f"num_samples must be a whole number from 1 to {MAX_SAMPLES}, got 1000000"):
        generator.sample("recipe for", num_samples=10**6)
    assert MAX_NEW_TOKENS == 5000


def soup_forever_generator() -> TextGenerator:
    """After "for": soup; after soup or salad: soup 75%, salad 25%; never <EOS>."""
    probs = torch.zeros(len(SOUP_VOCAB), len(SOUP_VOCAB))
    ids = SOUP_VOCAB.token2idx
    probs[:, ids["soup"]] = 1.0
    for dish in ("soup", "salad"):
        probs[ids[dish], ids["soup"]], probs[ids[dish], ids["salad"]] = 0.75, 0.25
    return TextGenerator(BigramLM(probs.log()), SOUP_VOCAB)


def test_generate_defaults_to_100_words_at_temperature_1_and_prints_them(capsys):
    info = blog_generator(soup_forever_generator()).generate("recipe for", seed=0)
    assert len(info) == 100
    for step in info[1:]:  # after each dish the model's own odds: 3 to 1
        np.testing.assert_allclose(step["word_probs"][[5, 6]], [0.75, 0.25], rtol=1e-5)
    text = " ".join(["recipe", "for"] + [step["token"] for step in info])
    assert f"\nGenerated text:\n{text}\n" in capsys.readouterr().out
    assert len(soup_forever_generator().sample("recipe for")[0].split()) == 2 + 100  # sample() too


def test_generate_and_sample_with_the_same_seed_write_the_same_text(generator):
    tokens = [step["token"] for step in generator.generate("recipe for", max_tokens=20, seed=4, verbose=False)]
    assert tokens == [step["token"] for step in generator.generate("recipe for", max_tokens=20, seed=4,
                                                                   verbose=False)]
    assert generator.text(generator.encode_prompt("recipe for") + [generator.token2idx[t] for t in tokens]) == \
        generator.sample("recipe for", max_tokens=20, seed=4)[0]
    other = [step["token"] for step in generator.generate("recipe for", max_tokens=20, seed=5, verbose=False)]
    assert other != tokens


def test_max_tokens_is_a_whole_number_from_1_to_5000():
    for fine in (1, 2, 4999, 5000):
        check_max_tokens(fine)
    for wrong in (0, 5001, True, 2.5, "10"):
        with pytest.raises(ValueError, match=f"max_tokens must be a whole number from 1 to 5000, got {wrong!r}"):
            check_max_tokens(wrong)
    assert len(blog_generator(soup_forever_generator()).generate("recipe for", max_tokens=1, verbose=False)) == 1


def test_each_text_of_a_batch_has_the_probabilities_of_its_own_words(generator):
    """picked_probs[row]: for each new word of that row, its probability (after the sampling options)
    given the words of that same row before it."""
    options = SamplingOptions(temperature=0.8, top_k=50)
    state = generator.complete(generator.prefill("recipe for", 3), 15, options, generator.random_generator(5))
    assert len({tuple(ids) for ids in state.token_ids}) == 3  # three different texts
    for ids, picked_probs in zip(state.token_ids, state.picked_probs):
        new_words = ids[state.prompt_length:]
        assert len(picked_probs) == len(new_words)
        with torch.no_grad():
            logits, _ = generator.model(torch.tensor([ids[:-1]], device=generator.device))
        before_each_new_word = options.probs(logits[0, state.prompt_length - 1:])
        expected = before_each_new_word[range(len(new_words)), new_words]
        assert picked_probs == pytest.approx(expected.tolist(), rel=1e-4, abs=1e-6)


def test_generation_right_after_a_training_epoch_has_no_dropout(trained):
    """A training epoch leaves the model in train mode, where dropout is on; generating must not use it."""
    generator = TextGenerator(trained.model, trained.vocab)
    trained.model.eval()
    expected_logits = generator.prefill("recipe for").next_logits.clone()
    expected_text = generator.sample("recipe for", max_tokens=20, seed=3)
    for _ in range(3):
        trained.model.train()  # as train_epoch leaves it
        torch.testing.assert_close(generator.prefill("recipe for").next_logits, expected_logits, rtol=0, atol=0)
        trained.model.train()
        assert generator.sample("recipe for", max_tokens=20, seed=3) == expected_text
