import numpy as np
import pytest
import torch

from lstm_tutorial import LSTMLM, PyTorchTextGenerator, SamplingOptions, TextGenerator, Vocab
from lstm_tutorial.generate import MAX_NEW_TOKENS, MAX_SAMPLES


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
    state = generator.prefill("recipe for")
    probs = generator.step(state, SamplingOptions(temperature=0))
    assert state.token_ids[0][-1] == int(probs[0].argmax())
    assert state.picked_probs == [[1.0]] and state.steps == 1


def test_sample_carries_the_state_between_words(generator):
    """Each sampled text is what greedy decoding from the full prefix gives, word for word."""
    text_ids = generator.prefill("recipe for")
    generator.complete(text_ids, 12, SamplingOptions(temperature=0))
    ids = generator.encode_prompt("recipe for")
    for expected in text_ids.token_ids[0][len(ids):]:
        assert expected == int(rerun_whole_prefix_probs(generator, ids).argmax())
        ids.append(expected)


def eos_loving_generator(after_words: int = 3) -> TextGenerator:
    """A model whose state counts words: after ``after_words`` it can only say <EOS>."""
    vocab = Vocab(["<PAD>", "<UNK>", "<EOS>", "recipe", "for", "soup"])
    model = LSTMLM(len(vocab), 4, 4)
    with torch.no_grad():
        model.fc.weight.zero_()
        model.fc.bias.copy_(torch.tensor([-1e4, -1e4, -1e4, 0.0, 0.0, 0.0]))
    generator = TextGenerator(model, vocab, "cpu")
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
    info = generator.generate("recipe for", max_tokens=50, verbose=False)
    assert [step["token"] for step in info][-1] == "<EOS>"
    assert len(info) == 4  # three words, then <EOS>
    texts = eos_loving_generator(after_words=3).sample("recipe for", num_samples=3, max_tokens=50, seed=0)
    assert all(len(text.split()) == 2 + 3 for text in texts)


def test_sample_respects_top_k_and_top_p(generator):
    """With top_k=1 or a tiny top_p, sampling at any temperature is greedy decoding."""
    greedy = generator.sample("recipe for", max_tokens=15, temperature=0)
    assert generator.sample("recipe for", max_tokens=15, temperature=1.5, top_k=1, seed=3) == greedy
    assert generator.sample("recipe for", max_tokens=15, temperature=1.5, top_p=1e-6, seed=3) == greedy
    assert generator.sample("recipe for", max_tokens=15, temperature=1.5, seed=3) != greedy


def test_the_output_layer_cache_follows_new_weights(trained):
    generator = TextGenerator(LSTMLM.from_config(trained.config, len(trained.vocab)), trained.vocab, "cpu")
    before = generator.sample("recipe for", max_tokens=8, temperature=0)
    generator.model.load_state_dict(trained.model.state_dict())  # weights change after a first use
    assert generator.sample("recipe for", max_tokens=8, temperature=0) == trained.generator.sample(
        "recipe for", max_tokens=8, temperature=0) != before


def test_sample_from_keeps_the_blogs_signature(trained):
    blog_style = PyTorchTextGenerator(trained.model, trained.vocab.idx2token, trained.vocab.token2idx, "cpu")
    probs = torch.tensor([0.7, 0.2, 0.1])
    index, adjusted = blog_style.sample_from(probs, temperature=0.5)
    assert index in (0, 1, 2) and isinstance(adjusted, np.ndarray)
    np.testing.assert_allclose(adjusted, (probs**2 / (probs**2).sum()).numpy(), rtol=1e-5)
    assert blog_style.sample_from(torch.tensor([0.2, 0.7, 0.1]), temperature=0)[0] == 1


def test_the_blogs_generator_name_still_works(trained):
    blog_style = PyTorchTextGenerator(trained.model, trained.vocab.idx2token, trained.vocab.token2idx, "cpu")
    info = blog_style.generate("recipe for", max_tokens=3, temperature=0, verbose=False)
    assert [step["token"] for step in info] == [step["token"] for step in trained.generator.generate(
        "recipe for", max_tokens=3, temperature=0, verbose=False)]
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
