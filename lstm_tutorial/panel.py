"""The interactive generation panel (ipywidgets).

The panel shows what the model does at each step: the text so far, each
generated word shaded by the probability it had when it was picked, and a bar
chart of the most likely next words, redrawn as you move the temperature.
"""

from __future__ import annotations

import html
import io

import ipywidgets as widgets
from matplotlib.figure import Figure

from .generate import GenerationState, TextGenerator
from .sampling import SamplingOptions

CHART_WORDS = 10


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
        self.generate_button = widgets.Button(description="Generate", button_style="primary", icon="play")
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
        """Generate ``num_samples`` texts from the prompt as one batch; the chart follows the first."""
        seed = _seed_value(self.seed.value)
        state = self.text_generator.prefill(self.prompt.value, self.num_samples.value)
        self.text_generator.complete(state, self.max_tokens.value, self._options(),
                                     self.text_generator.random_generator(seed))
        self.state = state
        self.text_view.value = "<hr>".join(self._shaded_html(state, row) for row in range(len(state.token_ids)))
        self.redraw_chart()

    def step(self) -> None:
        """Add one word to the current text (starting from the prompt if there is none)."""
        seed = _seed_value(self.seed.value)
        prompt_ids = self.text_generator.encode_prompt(self.prompt.value)
        if self.state is None or self.state.token_ids[0][: self.state.prompt_length] != prompt_ids:
            self.state = self.text_generator.prefill(self.prompt.value)
            self.step_rng = self.text_generator.random_generator(seed)
        if self.state.finished[0]:
            self.message.value = "The text is finished (&lt;EOS&gt;). Press Generate or change the prompt."
            return
        self.text_generator.step(self.state, self._options(), self.step_rng)
        self.text_view.value = self._shaded_html(self.state, 0)
        self.redraw_chart()

    def redraw_chart(self) -> None:
        """Bar chart of the most likely next words under the current sampling options."""
        if self.state is None:
            return
        probs = self._options().probs(self.state.next_logits[0])
        top = probs.topk(CHART_WORDS)
        self.chart_words = [(self.text_generator.idx2token[i], p) for p, i in
                            zip(top.values.tolist(), top.indices.tolist())]
        self.chart.value = self._chart_png()

    # --- rendering
    def _shaded_html(self, state: GenerationState, row: int) -> str:
        """The prompt in bold, then each new word on a background as dark as its probability."""
        ids = state.token_ids[row]
        tokens = [self.text_generator.idx2token[idx] for idx in ids]
        prompt = html.escape(self.text_generator.text(ids[: state.prompt_length]))
        spans = []
        for token, prob in zip(tokens[state.prompt_length :], state.picked_probs[row]):
            alpha = 0.12 + 0.78 * prob
            spans.append(f'<span title="p = {prob:.3f}" style="background: rgba(255, 140, 0, {alpha:.2f}); '
                         f'border-radius: 3px; padding: 0 2px">{html.escape(token)}</span>')
        return (f'<div style="line-height: 1.9; font-family: sans-serif"><b>{prompt}</b> {" ".join(spans)}</div>'
                f'<div style="font-size: 80%; color: #555">Readable: {html.escape(self.text_generator.text(ids))}</div>')

    def _chart_png(self) -> bytes:
        words = [word for word, _ in self.chart_words][::-1]
        probs = [prob for _, prob in self.chart_words][::-1]
        figure = Figure(figsize=(4.2, 3.2), dpi=90)
        axes = figure.add_subplot()
        axes.barh(words, probs, color="#ff8c00")
        axes.set_xlim(0, 1)
        axes.set_xlabel("probability")
        last_word = self.text_generator.idx2token[self.state.token_ids[0][-1]]
        axes.set_title(f"Next word after '{last_word}' (T = {self.temperature.value:.1f})", fontsize=10)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()


def generation_panel(text_generator: TextGenerator) -> GenerationPanel:
    """The interactive panel for ``text_generator``; display it in any Jupyter front end."""
    return GenerationPanel(text_generator)
