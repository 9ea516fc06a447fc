"""What the panel's chart and text say: after <EOS>, about <PAD>, <UNK> and Hangul, and what p means.

test_panel.py drives the controls; these tests check the words and numbers the panel shows.
"""

import pytest
import torch
from matplotlib import font_manager

from lstm_tutorial import SamplingOptions
from lstm_tutorial import panel as panel_module


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

    # the temperature slider redraws the same position, not the one after <EOS>
    panel.temperature.value = 0.5
    assert panel.chart_ended
    colder = SamplingOptions(0.5).probs(scores_before_last_word(generator, ids))
    eos = generator.vocab.eos_idx
    assert dict(panel.chart_words)["<EOS>"] == pytest.approx(colder[eos].item(), abs=1e-5)


@pytest.mark.slow  # draws a matplotlib chart for every word: seconds
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
            shown.update(word for word, _ in panel.chart_words)
            state = panel.state  # even if the model made <PAD> the favourite next word:
            state.next_logits = state.next_logits.clone()
            state.next_logits[0, pad] = 100.0
            state.finished[0] = False
            panel.redraw_chart()
            shown.update(word for word, _ in panel.chart_words)
            assert len(panel.chart_words) == 10
    assert "<PAD>" not in shown
    assert "<UNK>" in shown  # the tiny model's 400 words leave many corpus words out
    assert panel_module._chart_label("<UNK>") == "<UNK> (rare word)"


def test_hangul_is_drawn_with_a_font_that_has_it_or_named(monkeypatch):
    monkeypatch.setattr(panel_module, "_hangul_font", lambda: None)
    assert panel_module._chart_label("김치찌개") == "(Korean word)"
    assert panel_module._chart_label("kimchi") == "kimchi"
    monkeypatch.setattr(panel_module, "_hangul_font", lambda: "NanumGothic")
    assert panel_module._chart_label("김치찌개") == "김치찌개"


def test_the_hangul_font_is_looked_up_once_until_a_font_is_added(monkeypatch):
    fonts = [font_manager.FontEntry(name="DejaVu Sans")]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", fonts)
    assert panel_module._hangul_font() is None
    fonts[0] = font_manager.FontEntry(name="NanumGothic")  # as many fonts as before: no new lookup
    assert panel_module._hangul_font() is None
    fonts.append(font_manager.FontEntry(name="Noto Sans KR"))  # what fontManager.addfont does
    assert panel_module._hangul_font() == "NanumGothic"


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
