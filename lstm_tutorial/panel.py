"""The interactive generation panel (ipywidgets).

The panel shows what the model does at each step: the text so far, each
generated word shaded by the probability it had when it was picked, and a bar
chart of the most likely next words, redrawn as you move the temperature,
top-k or top-p. Step adds one word; Play adds one every "ms per word" and the
chart follows every word.

The chart is HTML (a ``<div>`` per bar), not a picture: redrawing it takes well
under a millisecond, so it keeps up with a slider while it is dragged, and every
word, in Hangul or any other script, is written in the browser's own fonts.

Every probability it shows is the one the word is drawn with: after
temperature, top-k and top-p (top-p renormalises over the words it keeps, so
a word that was the only one left reads p = 1.000). The chart leaves out
``<PAD>``: it is padding, never a next word in training (the loss ignores it),
so the model gives it next to nothing. It keeps ``<UNK>``, labelled
"(rare word)": a model whose vocabulary misses some words of its corpus
predicts "some rare word" often, and the generator can draw it. Once a text
has ended (``<EOS>`` was drawn), the model has nothing left to predict, so the
chart shows the distribution ``<EOS>`` was drawn from, with its bar in red.

Play's counter is the number of words drawn. It stops when the text ends at
``<EOS>`` or has Max tokens new words; pressing it again then starts a new
text from the prompt, drawn with the seed (so the same text again, unless the
seed is empty or changed). Its stop button (■) also goes back to the prompt.
Only standard widgets are used, so it runs on ipywidgets 7 (Colab) and 8.
Its words come from :mod:`lstm_tutorial.language`: English, or Korean after
``set_language("ko")`` (or ``generation_panel(generator, language="ko")``).
"""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as widgets
import torch

from .generate import GenerationState, TextGenerator
from .language import current_language, panel_words
from .sampling import SamplingOptions
from .vocab import PAD, UNK

CHART_WORDS = 10
BAR_COLOUR, END_COLOUR = "#ff8c00", "#b00020"
BAR_PX = 190  # the length of a bar of p = 1
PLAY_MS = 300  # Play's default speed, in ms per word

SMALL_GREY = "font-size: 80%; color: #555; line-height: 1.4"
WORD_STYLE = "border-radius: 3px; padding: 0 2px"


def _seed_value(text: str, words: dict[str, str]) -> int | None:
    text = text.strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise ValueError(words["bad_seed"].format(text=text)) from None


def chart_label(token: str, language: str | None = None) -> str:
    """How the chart names a token: ``<UNK>`` as a rare word, every other token as itself."""
    return panel_words(language)["unk"] if token == UNK else token


def bar_html(token: str, prob: float, colour: str = BAR_COLOUR, language: str | None = None) -> str:
    """One row of the chart: the token's label, a bar as long as its p, and p."""
    label = html.escape(chart_label(token, language))
    return (f'<div class="lstm-bar" style="display: flex; align-items: center; height: 21px">'
            f'<span class="lstm-bar-word" title="{label}" style="width: 130px; padding-right: 6px; '
            f'text-align: right; overflow: hidden; text-overflow: ellipsis; white-space: nowrap">{label}</span>'
            f'<span style="width: {BAR_PX * min(prob, 1.0):.1f}px; height: 15px; background: {colour}"></span>'
            f'<span class="lstm-bar-p" style="padding-left: 4px; font-size: 85%">{prob:.3f}</span></div>')


def chart_html(title: str, settings: str, words: list[tuple[str, float]], end_token: str | None = None,
               language: str | None = None) -> str:
    """The next-word chart: a title, a bar per ``(token, p)``, most likely first, and the p axis.

    ``end_token``'s bar, if any, is drawn in red: the word that ended the text.
    """
    panel_text = panel_words(language)
    p_axis = panel_text["p_axis"].format(p_meaning=panel_text["p_meaning"])
    bars = "".join(bar_html(token, prob, END_COLOUR if token == end_token else BAR_COLOUR, language)
                   for token, prob in words)
    ticks = "".join(f'<span style="position: absolute; left: {BAR_PX * x - 8:.0f}px">{x:g}</span>'
                    for x in (0, 0.5, 1))
    axis = (f'<div style="margin-left: 136px; width: {BAR_PX}px; border-top: 1px solid #888; position: relative; '
            f'height: 1.3em; {SMALL_GREY}">{ticks}</div>'
            f'<div style="text-align: center; {SMALL_GREY}">{p_axis}</div>')
    return (f'<div style="width: 380px; font-family: sans-serif; font-size: 13px">'
            f'<div class="lstm-chart-title" style="text-align: center; font-weight: bold">'
            f'{html.escape(title, quote=False)}</div>'
            f'<div style="text-align: center; margin-bottom: 4px; {SMALL_GREY}">'
            f'({html.escape(settings, quote=False)})</div>'
            f'{bars}{axis}</div>')


def word_html(token: str, prob: float, language: str | None = None) -> str:
    """A generated word on a background as dark as its probability, which its hover text gives."""
    return (f'<span title="p = {prob:.3f} ({panel_words(language)["p_meaning"]})" style="background: rgba(255, 140, 0, '
            f'{0.12 + 0.78 * prob:.2f}); {WORD_STYLE}">{html.escape(token)}</span>')


class GenerationPanel(widgets.VBox):
    """Prompt, sliders, Generate, Step and Play, shaded text and a next-word chart.

    Every control is an attribute (``panel.temperature``, ``panel.generate_button``,
    ``panel.play``...) so code and tests can drive it like a learner would.
    """

    def __init__(self, text_generator: TextGenerator, language: str | None = None):
        self.text_generator = text_generator
        self.language = language or current_language()  # fixed here: set_language later leaves this panel as it is
        self.words = words = panel_words(self.language)
        self.state: GenerationState | None = None
        self.step_rng = None  # the random generator Step and Play draw with
        self.chart_words: list[tuple[str, float]] = []  # what the chart shows, most likely first
        self.chart_ended = False  # whether the chart shows the distribution the first text's end was drawn from
        self._end_logits: torch.Tensor | None = None  # the scores the first text's <EOS> was drawn from
        self._max_tokens: int | None = None  # the limit the status line names (None: Step, which has none)
        self._moving_play = False  # True while the panel itself moves Play's counter: not a tick

        style = {"description_width": "110px"}
        layout = widgets.Layout(width="420px")
        self.prompt = widgets.Text(value="recipe for", description=words["prompt"], style=style, layout=layout)
        self.max_tokens = widgets.IntSlider(100, min=10, max=500, step=10, description=words["max_tokens"],
                                            style=style, layout=layout, continuous_update=False)
        self.temperature = widgets.FloatSlider(1.0, min=0.1, max=2.0, step=0.1, description=words["temperature"],
                                               readout_format=".1f", style=style, layout=layout)
        self.top_k = widgets.IntSlider(0, min=0, max=100, description=words["top_k"], style=style, layout=layout)
        self.top_p = widgets.FloatSlider(1.0, min=0.0, max=1.0, step=0.05, description=words["top_p"],
                                         readout_format=".2f", style=style, layout=layout)
        self.seed = widgets.Text(value="42", placeholder=words["seed_placeholder"], description=words["seed"],
                                 style=style, layout=layout)
        self.num_samples = widgets.IntSlider(1, min=1, max=5, description=words["samples"], style=style,
                                             layout=layout, continuous_update=False)
        self.speed = widgets.IntSlider(PLAY_MS, min=50, max=1000, step=50, description=words["speed"],
                                       style=style, layout=layout)
        self.generate_button = widgets.Button(description=words["generate"], button_style="primary", icon="play",
                                              tooltip=words["generate_tooltip"])
        self.step_button = widgets.Button(description=words["step"], icon="forward", tooltip=words["step_tooltip"])
        self.play = widgets.Play(0, min=0, max=self.max_tokens.value, interval=PLAY_MS, show_repeat=False)
        widgets.link((self.speed, "value"), (self.play, "interval"))
        self.message = widgets.HTML()
        self.text_view = widgets.HTML()
        self.chart = widgets.HTML()
        self.text_view.add_class("lstm-generated-text")
        self.message.add_class("lstm-message")
        self.chart.add_class("lstm-chart")

        self.generate_button.on_click(lambda _: self._guarded(self.generate))
        self.step_button.on_click(lambda _: self._guarded(self.step))
        self.play.observe(self._on_play_value, names="value")
        self.max_tokens.observe(lambda _: self._move_play(), names="value")
        for control in (self.temperature, self.top_k, self.top_p):
            control.observe(lambda _: self._guarded(self.redraw_chart), names="value")

        controls = widgets.VBox([self.prompt, self.max_tokens, self.temperature, self.top_k, self.top_p,
                                 self.seed, self.num_samples, self.speed,
                                 widgets.HBox([self.generate_button, self.step_button, self.play])])
        super().__init__([widgets.HTML(f"<h3>{words['title']}</h3>"),
                          widgets.HBox([controls, self.chart]), self.message, self.text_view])

    # --- options as the generator wants them
    def _options(self) -> SamplingOptions:
        return SamplingOptions(
            temperature=self.temperature.value,
            top_k=self.top_k.value or None,
            top_p=self.top_p.value if self.top_p.value < 1 else None,
        )

    def _guarded(self, action: Callable[[], None]) -> bool:
        """Run a button/slider action; show a ValueError in the panel instead of a traceback.

        Returns whether the action ran without one.
        """
        try:
            self.message.value = ""
            action()
            return True
        except ValueError as error:
            self.message.value = f'<span style="color:#b00020">&#9888; {html.escape(str(error))}</span>'
            return False

    # --- actions
    def generate(self) -> None:
        """Generate ``num_samples`` texts from the prompt as one batch; the chart follows the first.

        Each text stops at ``<EOS>`` (the end of a recipe) or after Max tokens, whichever comes first.
        """
        seed = _seed_value(self.seed.value, self.words)
        state = self.text_generator.prefill(self.prompt.value, self.num_samples.value)
        scores_before = [state.next_logits[0]]  # the scores the first text's next word is drawn from
        end_logits = []

        def remember(state: GenerationState, probs: torch.Tensor) -> None:
            if state.finished[0] and not end_logits:
                end_logits.append(scores_before[0])
            scores_before[0] = state.next_logits[0]

        rng = self.text_generator.random_generator(seed)
        self.text_generator.complete(state, self.max_tokens.value, self._options(), rng, on_step=remember)
        self.state, self._end_logits, self._max_tokens = state, (end_logits or [None])[0], self.max_tokens.value
        self.step_rng = rng  # Step goes on drawing from the seeded generator, where Generate left it
        self._show()
        self._move_play()

    def step(self) -> None:
        """Add one word to the current text (starting from the prompt if there is none)."""
        self._max_tokens = None  # Step goes on past Max tokens
        self._add_word()
        self._move_play()

    def start_again(self) -> None:
        """Start a new text from the prompt, drawn with the seed: what Play does after the end."""
        self._new_text(_seed_value(self.seed.value, self.words))
        self._max_tokens = self.max_tokens.value
        self._show()

    def redraw_chart(self) -> None:
        """Bar chart of the most likely next words under the current sampling options.

        After the first text has ended, the words ``<EOS>`` was drawn among (it is always shown).
        """
        if self.state is None:
            return
        self.chart_ended = self.state.finished[0] and self._end_logits is not None
        logits = self._end_logits if self.chart_ended else self.state.next_logits[0]
        options = self._options()
        probs = options.probs(logits)
        ranked = probs.clone()
        ranked[self.text_generator.vocab.token2idx[PAD]] = -1.0  # never shown as a candidate
        ids = ranked.topk(min(CHART_WORDS, len(ranked) - 1)).indices.tolist()
        if self.chart_ended and self.state.token_ids[0][-1] not in ids:
            ids[-1] = self.state.token_ids[0][-1]  # the word that ended the text keeps its bar
        token = self.text_generator.vocab.idx2token
        self.chart_words = [(token[i], p) for i, p in zip(ids, probs[ids].tolist())]
        self.chart.value = self._chart_html(options)

    def _chart_html(self, options: SamplingOptions) -> str:
        """The chart of ``chart_words``, titled with the word they follow (or end) and the settings."""
        token = self.text_generator.vocab.idx2token
        text = self.state.token_ids[0]
        last = token[text[-1]]
        words, language = self.words, self.language
        off = words["off"]
        settings = words["settings"].format(temperature=options.temperature, top_k=options.top_k or off,
                                            top_p=off if options.top_p is None else f"{options.top_p:.2f}")
        if not self.chart_ended:
            return chart_html(words["next_word"].format(word=chart_label(last, language)), settings,
                              self.chart_words, language=language)
        return chart_html(words["ended"].format(word=last, before=chart_label(token[text[-2]], language)),
                          words["ended_settings"].format(settings=settings), self.chart_words, end_token=last,
                          language=language)

    # --- Step and Play
    def _new_text(self, seed: int | None) -> None:
        self.state = self.text_generator.prefill(self.prompt.value)
        self.step_rng = self.text_generator.random_generator(seed)
        self._end_logits = None

    def _add_word(self) -> None:
        """One word more for the current text, or for a new one if the prompt has changed."""
        seed = _seed_value(self.seed.value, self.words)
        prompt_ids = self.text_generator.encode_prompt(self.prompt.value)
        if self.state is None or self.state.token_ids[0][: self.state.prompt_length] != prompt_ids:
            self._new_text(seed)
        if self.state.finished[0]:
            self.message.value = self.words["finished"]
            return
        scores_before = self.state.next_logits[0]
        self.text_generator.step(self.state, self._options(), self.step_rng)
        if self.state.finished[0]:
            self._end_logits = scores_before
        self._show()

    def _play_tick(self) -> None:
        """Play's counter went up: one word more, as Step adds it, unless the text has stopped."""
        self._max_tokens = self.max_tokens.value
        if not self._stopped():
            self._add_word()
        self._move_play()

    def _stopped(self) -> bool:
        """Whether the first text has ended or has Max tokens new words (with none, it has not)."""
        return self.state is not None and (self.state.finished[0] or self.state.steps >= self.max_tokens.value)

    def _on_play_value(self, change: dict) -> None:
        if self._moving_play:
            return
        # The front end puts the counter back to 0 when Play is pressed at the end, or stop (■) is.
        action = self.start_again if change["new"] == self.play.min else self._play_tick
        if not self._guarded(action):
            self._move_play(stop=True)

    def _move_play(self, stop: bool = False) -> None:
        """Set Play's counter to the words drawn, or to its max once the text has stopped (or ``stop``).

        A playing Play stops when its counter would pass max, on ipywidgets 7 and 8 alike.
        """
        self._moving_play = True
        try:
            self.play.max = self.max_tokens.value
            drawn = self.state.steps if self.state else 0
            self.play.value = self.play.max if stop or self._stopped() else drawn
        finally:
            self._moving_play = False

    # --- rendering
    def _show(self) -> None:
        self._show_texts()
        self.redraw_chart()

    def _show_texts(self) -> None:
        rows = range(len(self.state.token_ids))
        legend = (f'<div style="{SMALL_GREY}; margin-top: 2px">'
                  f'{self.words["legend"].format(p_meaning=self.words["p_meaning"])}</div>')
        self.text_view.value = "<hr>".join(self._shaded_html(self.state, row) for row in rows) + legend

    def _shaded_html(self, state: GenerationState, row: int) -> str:
        """The prompt in bold, then each new word on a background as dark as its probability."""
        ids = state.token_ids[row]
        tokens = [self.text_generator.vocab.idx2token[idx] for idx in ids]
        prompt = html.escape(self.text_generator.text(ids[: state.prompt_length]))
        new_words = " ".join(word_html(token, prob, self.language)
                             for token, prob in zip(tokens[state.prompt_length :], state.picked_probs[row]))
        drawn = len(state.picked_probs[row])
        if state.finished[row]:
            status = self.words["status_ended"].format(drawn=drawn, last=html.escape(tokens[-1]))
        elif self._max_tokens is not None and drawn >= self._max_tokens:
            status = self.words["status_max"].format(drawn=drawn)
        else:
            status = self.words["status_so_far"].format(drawn=drawn)
        return (f'<div style="line-height: 1.9; font-family: sans-serif"><b>{prompt}</b> {new_words}</div>'
                f'<div style="{SMALL_GREY}; margin-top: 2px">{status} '
                f'{self.words["readable"]} {html.escape(self.text_generator.text(ids))}</div>')


def generation_panel(text_generator: TextGenerator, language: str | None = None) -> GenerationPanel:
    """The interactive panel for ``text_generator``; display it in any Jupyter front end.

    ``language``: "en" or "ko"; None means the one :func:`lstm_tutorial.set_language` chose (English by default).
    """
    return GenerationPanel(text_generator, language)
