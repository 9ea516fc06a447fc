import numpy as np
import pytest
import torch

from lstm_tutorial import PyTorchTextGenerator, TextGenerator


def rerun_whole_prefix_probs(generator, token_ids):
    """The seed's way: run the model over every token so far, keep the last position."""
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


def test_info_has_the_seeds_keys_one_entry_per_step(generator):
    info = generator.generate("recipe for", max_tokens=5, temperature=1.0, seed=0, verbose=False)
    assert 1 <= len(info) <= 5
    assert info[0]["prompt"] == "recipe for"
    assert info[0]["word_probs"].shape == (len(generator.idx2token),)
    assert info[1]["prompt"] == "recipe for " + info[0]["token"] if len(info) > 1 else True
    assert 0 < info[0]["prob"] <= 1


def test_generate_prints_the_text_as_the_seed_does(generator, capsys):
    generator.generate("recipe for", max_tokens=3, temperature=0, verbose=True)
    out = capsys.readouterr().out
    assert "Generated text:" in out and "recipe for" in out


def test_greedy_is_deterministic_and_picks_the_most_likely_word(generator):
    first = generator.generate("recipe for", max_tokens=20, temperature=0, verbose=False)
    second = generator.generate("recipe for", max_tokens=20, temperature=0, verbose=False)
    assert [s["token"] for s in first] == [s["token"] for s in second]
    assert all(s["prob"] == 1.0 for s in first)
    assert first[0]["token"] == generator.idx2token[int(first[0]["word_probs"].argmax())]


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
    next_id, probs = generator.step(state, temperature=0)
    assert state.token_ids[-1] == next_id == int(probs.argmax())
    assert state.picked_probs == [1.0]


def test_sample_from_keeps_the_seed_signature(generator):
    probs = torch.tensor([0.7, 0.2, 0.1])
    index, adjusted = generator.sample_from(probs, temperature=0.5)
    assert index in (0, 1, 2) and isinstance(adjusted, np.ndarray)
    np.testing.assert_allclose(adjusted, (probs**2 / (probs**2).sum()).numpy(), rtol=1e-5)
    assert generator.sample_from(probs, temperature=0)[0] == 0


def test_seed_name_still_works(trained):
    seed_style = PyTorchTextGenerator(trained.model, trained.vocab.idx2token, trained.vocab.token2idx, "cpu")
    assert isinstance(seed_style, TextGenerator)
    assert seed_style.generate("recipe for", max_tokens=3, verbose=False)


@pytest.mark.parametrize(
    "prompt, options, message",
    [
        ("", {}, "prompt '' is empty"),
        ("   ", {}, "is empty"),
        ("zzqx blorf", {}, "no word of prompt 'zzqx blorf' is in the vocabulary"),
        ("recipe for", {"max_tokens": 0}, "max_tokens must be at least 1, got 0"),
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
