"""The course's two languages: the panel in Korean, Hangul in charts, English unchanged by default."""

import warnings

import matplotlib as mpl
import matplotlib.pyplot as plt
import pytest

from lstm_tutorial import generation_panel, set_language
from lstm_tutorial.language import LANGUAGES, PANEL_WORDS, current_language, panel_words
from lstm_tutorial.panel import chart_label
from lstm_tutorial.vocab import UNK


@pytest.fixture
def english_afterwards():
    with mpl.rc_context():
        yield
        set_language("en")


def test_every_language_has_every_panel_word():
    assert set(PANEL_WORDS) == set(LANGUAGES)
    assert set(PANEL_WORDS["ko"]) == set(PANEL_WORDS["en"])


def test_the_panel_speaks_english_by_default(generator):
    panel = generation_panel(generator)
    assert current_language() == "en"
    assert (panel.prompt.description, panel.temperature.description, panel.generate_button.description) == (
        "Prompt:", "Temperature:", "Generate")


def test_the_korean_panel_uses_the_blog_posts_words(generator):
    panel = generation_panel(generator, language="ko")
    assert (panel.prompt.description, panel.max_tokens.description, panel.temperature.description,
            panel.generate_button.description) == ("프롬프트:", "최대 토큰:", "온도:", "텍스트 생성")
    panel.generate()
    chart_title = "텍스트 끝" if panel.state.finished[0] else "다음 단어"
    assert chart_title in panel.chart.value and "적용 후" in panel.chart.value
    assert "토큰" in panel.text_view.value and "tokens drawn" not in panel.text_view.value
    assert current_language() == "en"  # the argument chose Korean for this panel only


def test_set_language_makes_korean_the_default(generator, english_afterwards):
    set_language("ko")
    assert generation_panel(generator).step_button.description == "한 단어"
    assert chart_label(UNK) == "<UNK> (드문 단어)"


def test_a_bad_seed_is_reported_in_the_panels_language(generator):
    panel = generation_panel(generator, language="ko")
    panel.seed.value = "abc"
    panel.generate_button.click()
    assert "시드" in panel.message.value and "abc" in panel.message.value


def test_unknown_language_is_refused_by_name():
    with pytest.raises(ValueError, match="'fr'"):
        set_language("fr")
    with pytest.raises(ValueError, match="'de'"):
        panel_words("de")


def test_hangul_renders_in_charts_with_the_shipped_font(english_afterwards):
    set_language("ko")
    fig, ax = plt.subplots()
    ax.set_title("온도에 따른 엔트로피 (entropy, T = 0.5)")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)" for an empty box
        fig.canvas.draw()
    plt.close(fig)


def test_without_korean_hangul_would_be_empty_boxes():
    """The check above can fail: DejaVu Sans alone has no Hangul."""
    with mpl.rc_context({"font.family": ["DejaVu Sans"]}):
        fig, ax = plt.subplots()
        ax.set_title("온도")
        with pytest.warns(UserWarning, match="missing from font"):
            fig.canvas.draw()
        plt.close(fig)


def test_bold_hangul_has_its_own_font(english_afterwards, caplog):
    set_language("ko")
    fig, ax = plt.subplots()
    ax.set_title("게이트", fontweight="bold")
    fig.canvas.draw()
    plt.close(fig)
    assert "Failed to find font weight" not in caplog.text


def test_a_panel_keeps_the_language_it_was_made_in(generator, english_afterwards):
    panel = generation_panel(generator)
    set_language("ko")
    panel.generate()
    assert panel.generate_button.description == "Generate"
    assert "p after temperature, top-k and top-p" in panel.chart.value and "적용 후" not in panel.chart.value
    assert "tokens drawn" in panel.text_view.value
