"""The interactive generation panel (ipywidgets).

The panel shows what the model does at each step: the text so far, each
generated word shaded by the probability it had when it was picked, and a bar
chart of the most likely next words, redrawn as you move the temperature.

Every probability it shows is the one the word is drawn with: after
temperature, top-k and top-p (top-p renormalises over the words it keeps, so
a word that was the only one left reads p = 1.000). The chart leaves out
``<PAD>``: it is padding, never a next word in training (the loss ignores it),
so the model gives it next to nothing. It keeps ``<UNK>``, labelled
"(rare word)": a model whose vocabulary misses some words of its corpus
predicts "some rare word" often, and the generator can draw it. A word in
Hangul is drawn with a font that has it where matplotlib knows one (in Colab:
``!apt-get install -y fonts-nanum``, then
``matplotlib.font_manager.fontManager.addfont("/usr/share/fonts/truetype/nanum/NanumGothic.ttf")``),
else labelled "(Korean word)" instead of empty boxes. Once a text
has ended (``<EOS>`` was drawn), the model has nothing left to predict, so the
chart shows the distribution ``<EOS>`` was drawn from, with its bar in red.
Only standard widgets are used, so it runs on ipywidgets 7 (Colab) and 8.
"""

from __future__ import annotations

import html
import io
import re

import ipywidgets as widgets
import torch
from matplotlib.figure import Figure

from .generate import GenerationState, TextGenerator
from .sampling import SamplingOptions
from .vocab import PAD, UNK

CHART_WORDS = 10
P_MEANING = "after temperature, top-k and top-p"  # what every p the panel shows is
CHART_LABELS = {UNK: "<UNK> (rare word)"}  # how the chart names a token, where not by itself
BAR_COLOUR, END_COLOUR = "#ff8c00", "#b00020"
HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")
HANGUL_FONTS = ("NanumGothic", "NanumBarunGothic", "Noto Sans CJK KR", "Noto Sans KR", "Noto Sans CJK JP",
                "Malgun Gothic", "Apple SD Gothic Neo", "AppleGothic")


# (id of matplotlib's font list, its length) -> the answer of _hangul_font for that list
_hangul_font_cache: dict[tuple[int, int], str | None] = {}


def _hangul_font() -> str | None:
    """The first font matplotlib knows that has Hangul, or None.

    The answer is remembered until matplotlib's font list changes: ``fontManager.addfont``
    (how Colab users add NanumGothic) makes it longer, and a rebuilt font manager has a new list.
    """
    from matplotlib import font_manager

    fonts = font_manager.fontManager.ttflist
    key = (id(fonts), len(fonts))
    if key not in _hangul_font_cache:
        known = sorted({font.name for font in fonts})
        preferred = [name for name in HANGUL_FONTS if name in known]
        found = (preferred or [name for name in known if "CJK" in name or "Nanum" in name] or [None])[0]
        _hangul_font_cache.clear()
        _hangul_font_cache[key] = found
    return _hangul_font_cache[key]


def _chart_label(word: str) -> str:
    """How the chart names a token: ``<UNK>`` as a rare word, Hangul only where a font has it."""
    label = CHART_LABELS.get(word, word)
    return "(Korean word)" if HANGUL.search(label) and _hangul_font() is None else label


def _seed_value(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"seed must be a whole number or empty (random), got {text!r}") from None


class GenerationPanel(widgets.VBox):
    """Prompt, sliders, Generate and Step buttons, shaded text and a next-word chart.

    Every control is an attribute (``panel.temperature``, ``panel.generate_button``...)
    so code and tests can drive it like a learner would.
    """

    def __init__(self, text_generator: TextGenerator):
        self.text_generator = text_generator
        self.state: GenerationState | None = None
        self.step_rng = None  # the random generator the Step button draws with
        self.chart_words: list[tuple[str, float]] = []  # what the chart shows, most likely first
        self.chart_ended = False  # whether the chart shows the distribution the first text's end was drawn from
        self._end_logits: torch.Tensor | None = None  # the scores the first text's <EOS> was drawn from
        self._max_tokens: int | None = None  # Generate's limit for the texts shown (None: Step)

        style = {"description_width": "110px"}
        layout = widgets.Layout(width="420px")
        self.prompt = widgets.Text(value="recipe for", description="Prompt:", style=style, layout=layout)
        self.max_tokens = widgets.IntSlider(100, min=10, max=500, step=10, description="Max tokens:", style=style,
                                            layout=layout, continuous_update=False)
        self.temperature = widgets.FloatSlider(1.0, min=0.1, max=2.0, step=0.1, description="Temperature:",
                                               readout_format=".1f", style=style, layout=layout)
        self.top_k = widgets.IntSlider(0, min=0, max=100, description="Top-k (0=off):", style=style, layout=layout,
                                       continuous_update=False)
        self.top_p = widgets.FloatSlider(1.0, min=0.0, max=1.0, step=0.05, description="Top-p:",
                                         readout_format=".2f", style=style, layout=layout, continuous_update=False)
        self.seed = widgets.Text(value="42", placeholder="empty = random", description="Seed:", style=style,
                                 layout=layout)
        self.num_samples = widgets.IntSlider(1, min=1, max=5, description="Samples:", style=style, layout=layout,
                                             continuous_update=False)
        self.generate_button = widgets.Button(description="Generate", button_style="primary", icon="play",
                                              tooltip="Write texts from the prompt until <EOS> or Max tokens")
        self.step_button = widgets.Button(description="Step", icon="forward", tooltip="Add one word")
        self.message = widgets.HTML()
        self.text_view = widgets.HTML()
        self.chart = widgets.Image(format="png")
        self.text_view.add_class("lstm-generated-text")
        self.message.add_class("lstm-message")
        self.chart.add_class("lstm-chart")

        self.generate_button.on_click(lambda _: self._guarded(self.generate))
        self.step_button.on_click(lambda _: self._guarded(self.step))
        for control in (self.temperature, self.top_k, self.top_p):
            control.observe(lambda _: self._guarded(self.redraw_chart), names="value")

        controls = widgets.VBox([self.prompt, self.max_tokens, self.temperature, self.top_k, self.top_p,
                                 self.seed, self.num_samples,
                                 widgets.HBox([self.generate_button, self.step_button])])
        super().__init__([widgets.HTML("<h3>Interactive text generation</h3>"),
                          widgets.HBox([controls, self.chart]), self.message, self.text_view])

    # --- options as the generator wants them
    def _options(self) -> SamplingOptions:
        return SamplingOptions(
            temperature=self.temperature.value,
            top_k=self.top_k.value or None,
            top_p=self.top_p.value if self.top_p.value < 1 else None,
        )

    def _guarded(self, action) -> None:
        """Run a button/slider action; show a ValueError in the panel instead of a traceback."""
        try:
            self.message.value = ""
            action()
        except ValueError as error:
            self.message.value = f'<span style="color:#b00020">&#9888; {html.escape(str(error))}</span>'

    # --- actions
    def generate(self) -> None:
        """Generate ``num_samples`` texts from the prompt as one batch; the chart follows the first.

        Each text stops at ``<EOS>`` (the end of a recipe) or after Max tokens, whichever comes first.
        """
        seed = _seed_value(self.seed.value)
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
        self._show_texts()
        self.redraw_chart()

    def step(self) -> None:
        """Add one word to the current text (starting from the prompt if there is none)."""
        seed = _seed_value(self.seed.value)
        prompt_ids = self.text_generator.encode_prompt(self.prompt.value)
        if self.state is None or self.state.token_ids[0][: self.state.prompt_length] != prompt_ids:
            self.state = self.text_generator.prefill(self.prompt.value)  # a new prompt: start over
            self.step_rng = self.text_generator.random_generator(seed)
            self._end_logits = None
        self._max_tokens = None  # Step goes on past Generate's limit
        if self.state.finished[0]:
            self.message.value = "The text is finished (&lt;EOS&gt;). Press Generate or change the prompt."
            return
        scores_before = self.state.next_logits[0]
        self.text_generator.step(self.state, self._options(), self.step_rng)
        if self.state.finished[0]:
            self._end_logits = scores_before
        self._show_texts()
        self.redraw_chart()

    def redraw_chart(self) -> None:
        """Bar chart of the most likely next words under the current sampling options.

        After the first text has ended, the words ``<EOS>`` was drawn among (it is always shown).
        """
        if self.state is None:
            return
        self.chart_ended = self.state.finished[0] and self._end_logits is not None
        logits = self._end_logits if self.chart_ended else self.state.next_logits[0]
        probs = self._options().probs(logits)
        ranked = probs.clone()
        ranked[self.text_generator.vocab.token2idx[PAD]] = -1.0  # never shown as a candidate
        ids = ranked.topk(min(CHART_WORDS, len(ranked) - 1)).indices.tolist()
        if self.chart_ended and self.state.token_ids[0][-1] not in ids:
            ids[-1] = self.state.token_ids[0][-1]  # the word that ended the text keeps its bar
        self.chart_words = [(self.text_generator.vocab.idx2token[i], probs[i].item()) for i in ids]
        self.chart.value = self._chart_png()

    # --- rendering
    def _show_texts(self) -> None:
        rows = range(len(self.state.token_ids))
        legend = ('<div style="font-size: 80%; color: #555; line-height: 1.4; margin-top: 2px">'
                  f'Shading and hover (p): the probability each word had '
                  f'when it was drawn, {P_MEANING}. Top-p renormalises over the words it keeps, so a word that '
                  f'was the only one left reads p = 1.000.</div>')
        self.text_view.value = "<hr>".join(self._shaded_html(self.state, row) for row in rows) + legend

    def _shaded_html(self, state: GenerationState, row: int) -> str:
        """The prompt in bold, then each new word on a background as dark as its probability."""
        ids = state.token_ids[row]
        tokens = [self.text_generator.vocab.idx2token[idx] for idx in ids]
        prompt = html.escape(self.text_generator.text(ids[: state.prompt_length]))
        spans = []
        for token, prob in zip(tokens[state.prompt_length :], state.picked_probs[row]):
            alpha = 0.12 + 0.78 * prob
            spans.append(f'<span title="p = {prob:.3f} ({P_MEANING})" style="background: rgba(255, 140, 0, '
                         f'{alpha:.2f}); border-radius: 3px; padding: 0 2px">{html.escape(token)}</span>')
        drawn = len(state.picked_probs[row])
        if state.finished[row]:
            status = f"{drawn} tokens drawn; the last, {html.escape(tokens[-1])}, ends the text."
        elif self._max_tokens is not None and drawn >= self._max_tokens:
            status = f"{drawn} tokens drawn: stopped at Max tokens, before any &lt;EOS&gt;."
        else:
            status = f"{drawn} tokens drawn so far."
        return (f'<div style="line-height: 1.9; font-family: sans-serif"><b>{prompt}</b> {" ".join(spans)}</div>'
                f'<div style="font-size: 80%; color: #555; line-height: 1.4; margin-top: 2px">{status} '
                f'Readable: {html.escape(self.text_generator.text(ids))}</div>')

    def _chart_png(self) -> bytes:
        words = [_chart_label(word) for word, _ in self.chart_words][::-1]
        probs = [prob for _, prob in self.chart_words][::-1]
        ids = self.state.token_ids[0]
        end = self.text_generator.vocab.idx2token[ids[-1]] if self.chart_ended else None
        colours = [END_COLOUR if word == end else BAR_COLOUR for word, _ in self.chart_words][::-1]
        hangul_font = _hangul_font()
        fonts = {"fontfamily": ["DejaVu Sans", hangul_font]} if hangul_font else {}
        figure = Figure(figsize=(4.2, 3.4), dpi=90)
        axes = figure.add_subplot()
        axes.barh(range(len(words)), probs, color=colours)
        axes.set_yticks(range(len(words)), words, **fonts)
        for y, prob in enumerate(probs):
            axes.text(min(prob, 1.0) + 0.01, y, f"{prob:.2f}", va="center", fontsize=8)
        axes.set_xlim(0, 1.12)
        axes.set_xlabel(f"p {P_MEANING}", fontsize=9)
        options = self._options()
        settings = f"T = {options.temperature:.1f}, top-k {options.top_k or 'off'}, " \
                   f"top-p {'off' if options.top_p is None else f'{options.top_p:.2f}'}"
        if self.chart_ended:
            previous = _chart_label(self.text_generator.vocab.idx2token[ids[-2]])
            title = f"Text ended: '{end}' was drawn after '{previous}'\nfrom these words ({settings})"
        else:
            last = _chart_label(self.text_generator.vocab.idx2token[ids[-1]])
            title = f"Next word after '{last}'\n({settings})"
        axes.set_title(title, fontsize=9, **fonts)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()


def generation_panel(text_generator: TextGenerator) -> GenerationPanel:
    """The interactive panel for ``text_generator``; display it in any Jupyter front end."""
    return GenerationPanel(text_generator)
