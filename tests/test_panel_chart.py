"""What the panel's chart and text say: after <EOS>, about <PAD>, <UNK> and Hangul, and what p means.

test_panel.py drives the controls; these tests check the words and numbers the panel shows.
"""

import html
import re

import pytest
import torch

from lstm_tutorial import SamplingOptions, TextGenerator, Vocab, generation_panel
from lstm_tutorial.panel import BAR_COLOUR, END_COLOUR

BAR = re.compile(r'<div class="lstm-bar"[^>]*>(.*?)</div>')
BAR_WORD = re.compile(r'class="lstm-bar-word"[^>]*>(.*?)</span>')
BAR_P = re.compile(r'class="lstm-bar-p"[^>]*>(.*?)</span>')
BAR_BACKGROUND = re.compile(r"background: (#\w+)")


def bars(panel) -> list[tuple[str, str, float]]:
    """The chart's bars as the HTML draws them, top first: (label as written, bar colour, p as written)."""
    return [(html.unescape(BAR_WORD.search(row)[1]), BAR_BACKGROUND.search(row)[1], float(BAR_P.search(row)[1]))
            for row in BAR.findall(panel.chart.value)]


def chart_text(panel) -> str:
    """The chart's words as the browser shows them (tags dropped, entities read)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", panel.chart.value))


def assert_chart_words_are_the_top_ten(panel, logits, options: SamplingOptions) -> None:
    """The chart's words are the ten most likely next words under ``options`` but <PAD>, with their p."""
    probs = options.probs(logits)
    probs[panel.text_generator.vocab.token2idx["<PAD>"]] = -1
    top = probs.topk(10)
    assert [word for word, _ in panel.chart_words] == [panel.text_generator.vocab.idx2token[i] for i in top.indices]
    assert [p for _, p in panel.chart_words] == pytest.approx(top.values.tolist())


def assert_chart_shows_chart_words(panel) -> None:
    """The chart's HTML bars are ``chart_words``, in order, <UNK> named a rare word and p to 3 decimals."""
    label = {"<UNK>": "<UNK> (rare word)"}
    shown = [(label.get(word, word), round(p, 3)) for word, p in panel.chart_words]
    assert [(word, p) for word, _, p in bars(panel)] == shown


def scores_before_last_word(generator, ids):
    """The scores the last of ``ids`` was drawn from: the whole text but its last word, read at once."""
    with torch.no_grad():
        logits, _ = generator.model(torch.tensor([ids[:-1]], device=generator.device))
    return logits[0, -1]


def generate_until_the_end(panel):
    """Generate with seeds 0, 1, ... until the first text ends at <EOS> (the tiny model ends recipes often;
    it also draws <PAD> now and then, which stops a text too)."""
    panel.max_tokens.value = 500
    for seed in range(50):
        panel.seed.value = str(seed)
        panel.generate_button.click()
        if panel.state.finished[0] and panel.state.token_ids[0][-1] == panel.text_generator.vocab.eos_idx:
            return
    pytest.fail("no text ended at <EOS> in 50 seeds")


def test_after_eos_the_chart_shows_what_eos_was_drawn_from(panel, generator):
    generate_until_the_end(panel)
    ids = panel.state.token_ids[0]
    assert generator.vocab.idx2token[ids[-1]] == "<EOS>" and panel.chart_ended
    expected = SamplingOptions(panel.temperature.value).probs(scores_before_last_word(generator, ids))
    words = dict(panel.chart_words)
    assert "<EOS>" in words
    for word, prob in panel.chart_words:
        assert prob == pytest.approx(expected[generator.vocab.token2idx[word]].item(), abs=1e-5)
    assert "ends the text" in panel.text_view.value
    assert_chart_shows_chart_words(panel)
    assert [word for word, colour, _ in bars(panel) if colour == END_COLOUR] == ["<EOS>"]  # its bar in red
    before = generator.vocab.idx2token[ids[-2]]
    assert f"Text ended: '<EOS>' was drawn after '{before}'" in chart_text(panel)

    # the temperature slider redraws the same position, not the one after <EOS>
    panel.temperature.value = 0.5
    assert panel.chart_ended
    colder = SamplingOptions(0.5).probs(scores_before_last_word(generator, ids))
    eos = generator.vocab.eos_idx
    assert dict(panel.chart_words)["<EOS>"] == pytest.approx(colder[eos].item(), abs=1e-5)
    assert_chart_shows_chart_words(panel)
    assert "T = 0.5" in chart_text(panel)


def test_step_to_the_end_shows_the_same_chart(panel, generator):
    panel.seed.value = "3"
    for _ in range(500):
        panel.step_button.click()
        if panel.state.finished[0]:
            break
    ids = panel.state.token_ids[0]
    assert panel.state.finished[0] and panel.chart_ended
    ended_with = generator.vocab.idx2token[ids[-1]]  # <EOS>, or <PAD>, which stops a text too
    assert ended_with in dict(panel.chart_words)  # the word that ended the text always has its bar
    expected = SamplingOptions().probs(scores_before_last_word(generator, ids))
    assert panel.chart_words[0][1] == pytest.approx(expected.max().item(), abs=1e-5)
    assert [word for word, colour, _ in bars(panel) if colour == END_COLOUR] == [ended_with]
    panel.step_button.click()
    assert "finished" in panel.message.value


def test_an_unfinished_text_shows_the_next_word_and_why_it_stopped(panel):
    panel.max_tokens.value = 10
    panel.seed.value = "0"
    panel.generate_button.click()
    if panel.state.finished[0]:
        pytest.skip("this seed ended early")
    assert not panel.chart_ended
    top = SamplingOptions().probs(panel.state.next_logits[0]).max().item()
    assert panel.chart_words[0][1] == pytest.approx(top)
    assert "stopped at Max tokens" in panel.text_view.value


def test_pad_is_never_a_candidate_and_unk_is_a_rare_word(panel, generator):
    pad = generator.vocab.token2idx["<PAD>"]
    panel.max_tokens.value = 30
    shown = set()
    for temperature in (0.5, 2.0):
        panel.temperature.value = temperature
        for seed in range(5):
            panel.seed.value = str(seed)
            panel.generate_button.click()
            shown.update(word for word, _, _ in bars(panel))
            state = panel.state  # even if the model made <PAD> the favourite next word:
            state.next_logits = state.next_logits.clone()
            state.next_logits[0, pad] = 100.0
            state.finished[0] = False
            panel.redraw_chart()
            shown.update(word for word, _, _ in bars(panel))
            assert len(panel.chart_words) == 10
            assert "<PAD>" not in dict(panel.chart_words) and "&lt;PAD&gt;" not in panel.chart.value
    assert "<UNK> (rare word)" in shown  # the tiny model's 400 words leave many corpus words out
    assert "<UNK>" not in shown and "<PAD>" not in shown


def test_every_slider_value_and_step_redraw_the_chart_as_chart_words(panel):
    assert all(slider.continuous_update for slider in (panel.temperature, panel.top_k, panel.top_p))
    panel.seed.value = "1"
    for _ in range(3):
        panel.step_button.click()
        assert_chart_shows_chart_words(panel)
    logits = panel.state.next_logits[0]
    for temperature in [0.1, 0.2, 0.3, 0.5, 0.8, 1.0, 1.3, 2.0]:  # values a drag passes through
        panel.temperature.value = temperature
        assert_chart_words_are_the_top_ten(panel, logits, SamplingOptions(temperature))
        assert_chart_shows_chart_words(panel)
        assert f"T = {temperature:.1f}, top-k off, top-p off" in chart_text(panel)
    for top_k in [1, 2, 5, 50]:
        panel.top_k.value = top_k
        assert_chart_words_are_the_top_ten(panel, logits, SamplingOptions(2.0, top_k))
        assert sum(p > 0 for _, _, p in bars(panel)) == min(top_k, 10)
        assert f"top-k {top_k}," in chart_text(panel)
    panel.top_k.value = 0
    for top_p in [0.05, 0.5, 0.9]:
        panel.top_p.value = top_p
        assert_chart_words_are_the_top_ten(panel, logits, SamplingOptions(2.0, None, top_p))
        assert_chart_shows_chart_words(panel)
        assert f"top-p {top_p:.2f})" in chart_text(panel)
    assert all(colour == BAR_COLOUR for _, colour, _ in bars(panel))  # red is for the word that ended a text


def first_word_and_favourite_after_it(generator) -> tuple[int, int, int]:
    """A seed whose first word after "recipe for" is not a special token, that word's id, and the id of the
    most likely word after it but the special tokens and itself."""
    for seed in range(50):
        state = generator.prefill("recipe for")
        generator.step(state, SamplingOptions(), generator.random_generator(seed))  # what a Step draws
        drawn = state.token_ids[0][-1]
        if drawn >= 3:
            scores = state.next_logits[0].clone()
            scores[[0, 1, 2, drawn]] = -torch.inf
            return seed, drawn, int(scores.argmax())
    pytest.fail("every seed drew a special token first")


def test_hangul_and_markup_in_words_are_written_as_they_are(generator):
    """The chart and the text are HTML: a word in any script shows as itself, and markup is escaped."""
    seed, first, favourite = first_word_and_favourite_after_it(generator)
    idx2token = list(generator.vocab.idx2token)
    idx2token[first], idx2token[favourite] = "김치찌개", "<b>&"  # the same model, two words renamed
    panel = generation_panel(TextGenerator(generator.model, Vocab(idx2token)))
    panel.seed.value = str(seed)
    panel.step_button.click()
    assert ">김치찌개</span>" in panel.text_view.value and "Readable: recipe for 김치찌개" in panel.text_view.value
    assert "Next word after '김치찌개'" in panel.chart.value
    assert "<b>&" in [word for word, _, _ in bars(panel)]
    assert ">&lt;b&gt;&amp;</span>" in panel.chart.value and "<b>&" not in panel.chart.value


def test_every_p_says_it_is_after_temperature_top_k_and_top_p(panel):
    panel.temperature.value = 0.5
    panel.top_p.value = 0.1
    panel.max_tokens.value = 30
    panel.generate_button.click()
    text = panel.text_view.value
    assert text.count('title="p = ') == text.count("(after temperature, top-k and top-p)") \
        == len(panel.state.picked_probs[0])
    assert "renormalises" in text
    assert 'title="p = 1.000' in text  # top-p 0.1 often leaves one word
    assert "p after temperature, top-k and top-p" in chart_text(panel)  # the chart's axis
