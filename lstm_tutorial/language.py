"""The course's two languages, English and Korean: the panel's words, and Hangul in charts.

The Korean notebooks (``notebooks/ko``) call ``set_language("ko")`` once, after
the setup cell: from then on the panel speaks Korean (the blog post's own words
where it has them: 프롬프트, 최대 토큰, 온도, 텍스트 생성) and matplotlib
writes Hangul with NanumSquare (regular and bold), fonts shipped in the package (SIL Open Font
Licence 1.1, ``lstm_tutorial/fonts/OFL.txt``), so no system font is needed,
in Colab or anywhere else. Latin letters, digits and symbols stay in
matplotlib's default DejaVu Sans; only the characters it lacks come from
NanumSquare.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl
from matplotlib import font_manager

LANGUAGES = ("en", "ko")
HANGUL_FONTS = [Path(__file__).resolve().parent / "fonts" / name for name in ("NanumSquareR.ttf", "NanumSquareB.ttf")]
HANGUL_FONT_NAME = "NanumSquare"

PANEL_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Interactive text generation",
        "prompt": "Prompt:",
        "max_tokens": "Max tokens:",
        "temperature": "Temperature:",
        "top_k": "Top-k (0=off):",
        "top_p": "Top-p:",
        "seed": "Seed:",
        "seed_placeholder": "empty = random",
        "samples": "Samples:",
        "speed": "Play, ms/word:",
        "generate": "Generate",
        "generate_tooltip": "Write texts from the prompt until <EOS> or Max tokens",
        "step": "Step",
        "step_tooltip": "Add one word",
        "off": "off",
        "settings": "T = {temperature:.1f}, top-k {top_k}, top-p {top_p}",
        "next_word": "Next word after '{word}'",
        "ended": "Text ended: '{word}' was drawn after '{before}'",
        "ended_settings": "from these words, {settings}",
        "p_meaning": "after temperature, top-k and top-p",
        "p_axis": "p {p_meaning}",
        "unk": "<UNK> (rare word)",
        "finished": "The text is finished (&lt;EOS&gt;). Press Generate or Play, or change the prompt.",
        "legend": "Shading and hover (p): the probability each word had when it was drawn, {p_meaning}. "
                  "Top-p renormalises over the words it keeps, so a word that was the only one left reads "
                  "p = 1.000.",
        "status_ended": "{drawn} tokens drawn; the last, {last}, ends the text.",
        "status_max": "{drawn} tokens drawn: stopped at Max tokens, before any &lt;EOS&gt;.",
        "status_so_far": "{drawn} tokens drawn so far.",
        "readable": "Readable:",
        "bad_seed": "seed must be a whole number or empty (random), got {text!r}",
    },
    "ko": {
        "title": "대화형 텍스트 생성기",
        "prompt": "프롬프트:",
        "max_tokens": "최대 토큰:",
        "temperature": "온도:",
        "top_k": "Top-k (0=끔):",
        "top_p": "Top-p:",
        "seed": "시드:",
        "seed_placeholder": "비우면 무작위",
        "samples": "샘플 수:",
        "speed": "재생, ms/단어:",
        "generate": "텍스트 생성",
        "generate_tooltip": "클릭하여 텍스트 생성 (<EOS> 또는 최대 토큰까지)",
        "step": "한 단어",
        "step_tooltip": "단어 하나를 더합니다",
        "off": "끔",
        "settings": "T = {temperature:.1f}, top-k {top_k}, top-p {top_p}",
        "next_word": "'{word}' 다음 단어",
        "ended": "텍스트 끝: '{before}' 다음에 '{word}'이(가) 뽑힘",
        "ended_settings": "이 단어들 중에서, {settings}",
        "p_meaning": "온도, top-k, top-p 적용 후",
        "p_axis": "p ({p_meaning})",
        "unk": "<UNK> (드문 단어)",
        "finished": "텍스트가 끝났습니다 (&lt;EOS&gt;). 텍스트 생성이나 재생을 누르거나 프롬프트를 바꾸세요.",
        "legend": "음영과 마우스 오버(p): 각 단어가 뽑힐 때의 확률({p_meaning}). Top-p는 남긴 단어들로 "
                  "다시 정규화하므로, 혼자 남은 단어는 p = 1.000입니다.",
        "status_ended": "토큰 {drawn}개 생성; 마지막 {last}(으)로 텍스트가 끝납니다.",
        "status_max": "토큰 {drawn}개 생성: &lt;EOS&gt; 전에 최대 토큰에서 멈춤.",
        "status_so_far": "지금까지 토큰 {drawn}개 생성.",
        "readable": "읽기 쉽게:",
        "bad_seed": "시드는 정수이거나 비어 있어야 합니다(무작위): {text!r}",
    },
}

_language = "en"


def check_language(language: str) -> str:
    """``language`` if the course has it ("en" or "ko"); ValueError naming it otherwise."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {language!r}")
    return language


def set_language(language: str) -> None:
    """Speak ``language`` from now on: the panel's words, and for "ko" Hangul in matplotlib charts."""
    global _language
    _language = check_language(language)
    if language == "ko":
        use_hangul_font()


def current_language() -> str:
    """The language :func:`set_language` chose last ("en" until it is called)."""
    return _language


def panel_words(language: str | None = None) -> dict[str, str]:
    """The panel's labels and messages in ``language`` (None: the current language)."""
    return PANEL_WORDS[check_language(language or _language)]


def use_hangul_font() -> None:
    """Let matplotlib write Hangul: DejaVu Sans first, the shipped NanumSquare for what DejaVu lacks."""
    for font in HANGUL_FONTS:  # regular and bold
        font_manager.fontManager.addfont(str(font))
    mpl.rcParams["font.family"] = ["DejaVu Sans", HANGUL_FONT_NAME]  # a list: each glyph from the first that has it
