# %% [markdown]
# # 6. Interactive generation
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lstm-tutorial/lstm-tutorial/blob/main/notebooks/06_interactive_generation.ipynb)
#
# The blog ends with an ipywidgets panel to play with the trained model. Here is the package's
# version of that panel on the model notebook 5 trained, then the same panel driven from code, so
# you can see what it shows even where widgets do not render (on GitHub, for instance).

# %%
# NBVAL_IGNORE_OUTPUT: the device depends on the machine.
# Setup: under Colab, install the course package from GitHub; elsewhere it is already installed.
import subprocess
import sys

REPO_URL = "https://github.com/lstm-tutorial/lstm-tutorial"
if "google.colab" in sys.modules:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", f"git+{REPO_URL}"], check=True)

import torch
from lstm_tutorial import default_device

device = default_device()
print("Using", device, torch.cuda.get_device_name() if device.type == "cuda" else "")

# %%
import html
import io
import re

import matplotlib.pyplot as plt
from IPython.display import HTML, Image, display

from lstm_tutorial import interactive_text_generation, interactive_text_generation_colab
from lstm_tutorial.course import trained_generator
from lstm_tutorial.sampling import next_token_probs

# %% [markdown]
# ## 6.1 The trained model
#
# `trained_generator()` loads `best.pt` from notebook 5 (from Google Drive under Colab), or trains
# the quick preset for a few seconds if there is none. Run notebook 5 first for a better model.

# %%
# NBVAL_IGNORE_OUTPUT: which model loads (notebook 5's checkpoint or a quick one trained now) depends on the run.
gen = trained_generator()

# %% [markdown]
# ## 6.2 The panel
#
# This is the seed's last cell. Under Colab it calls `interactive_text_generation_colab`, elsewhere
# `interactive_text_generation`, which the seed calls but never defines: the package's shows the
# same panel in any Jupyter front end (and asks for prompts in a plain terminal). Both return the
# panel; `generation_panel(gen)` builds one without displaying it.
#
# The seed's panel had a prompt, a max-tokens slider, a temperature slider and a button. This one
# adds top-k, top-p, a seed (empty means random), several samples at once, and a **Step** button
# that adds one word at a time. Each generated word is shaded by the probability it had when it was
# picked (hover over it for the number), and the chart shows the ten most likely next words. Moving
# the temperature redraws the chart at once. With a live kernel, try it: the cells below do
# the same from code.

# %%
if "google.colab" in sys.modules:
    panel = interactive_text_generation_colab(gen)
else:
    panel = interactive_text_generation(gen)

# %% [markdown]
# ## 6.3 Generate, from code
#
# Every control is an attribute of the panel, so code can set the sliders and press the buttons
# like a learner would. Generate 40 words at $T = 0.7$ with seed 42, then read what the panel shows:
# the text (as the shaded HTML, and readable), and the words of the chart with their probabilities.

# %%
# NBVAL_IGNORE_OUTPUT: the text and the chart depend on the trained model.
panel.prompt.value = "recipe for chocolate ice cream |"
panel.max_tokens.value = 40
panel.temperature.value = 0.7
panel.seed.value = "42"
panel.generate_button.click()

print(gen.text(panel.state.token_ids), "\n")
display(HTML(panel.text_view.value))
print(f"next word after {gen.idx2token[panel.state.token_ids[-1]]!r}:")
for word, prob in panel.chart_words:
    print(f"  {word:>12}  {prob:.3f}")
display(Image(panel.chart.value))

# %% [markdown]
# The panel uses the package's generator, nothing of its own: with the same seed,
# `generate(...)` writes the same words, and the chart is the top ten of `next_token_probs` after
# the last word.

# %%
options = dict(temperature=panel.temperature.value, top_k=None, top_p=None)
info = gen.generate(panel.prompt.value, max_tokens=40, seed=42, verbose=False, **options)
assert [step["token"] for step in info] == gen.tokens(panel.state.token_ids[panel.state.prompt_length :])
top10 = next_token_probs(panel.state.next_logits, **options).topk(10)
assert [word for word, _ in panel.chart_words] == [gen.idx2token[i] for i in top10.indices.tolist()]
print("panel text == generate(..., seed=42); panel chart == top 10 of next_token_probs")

# %% [markdown]
# ## 6.4 The temperature slider redraws the chart
#
# Moving the temperature slider does not generate anything: it redraws the chart for the same next
# word under the new temperature (notebook 4). At $T = 0.2$ the favourite takes almost everything;
# at $T = 2$ the ten bars shrink because the probability spreads over the whole vocabulary.

# %%
# NBVAL_IGNORE_OUTPUT: the probabilities depend on the trained model.
charts = {}
for T in [0.2, 1.0, 2.0]:
    panel.temperature.value = T
    charts[T] = panel.chart.value
    print(f"T = {T}: " + ", ".join(f"{word} {prob:.2f}" for word, prob in panel.chart_words[:5]))

fig, axes = plt.subplots(1, 3, figsize=(15, 4))
for ax, (T, png) in zip(axes, charts.items()):
    ax.imshow(plt.imread(io.BytesIO(png), format="png"))
    ax.axis("off")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 6.5 Step: one word at a time
#
# **Step** is the blog's walk-through of `generate` (`[5, 10, 2]` -> pick 15 -> `[5, 10, 2, 15]`
# -> ...) made visible: each press draws one word from the chart's distribution, appends it to the
# token ids and feeds only that word to the LSTM, carrying `(h, c)` (notebook 2). A new prompt
# starts a new text, drawn with the panel's seed.

# %%
# NBVAL_IGNORE_OUTPUT: the words depend on the trained model.
panel.prompt.value = "recipe for"  # a new prompt: the next Step starts from it
panel.temperature.value = 1.0
for _ in range(6):
    panel.step_button.click()
    state = panel.state
    picked = gen.idx2token[state.token_ids[-1]]
    print(f"picked {picked!r:14} p = {state.picked_probs[-1]:.4f}   token ids {state.token_ids}")
print("\n" + gen.text(panel.state.token_ids))

# %% [markdown]
# Six Steps with seed 42 write the same six words as Generate (or `generate`) with seed 42 and
# six tokens. And carrying the state gives the same next-word scores as the seed's way, which
# feeds the whole text again for every word and keeps `logits[0, -1, :]`:

# %%
info = gen.generate("recipe for", max_tokens=6, temperature=1.0, seed=42, verbose=False)
assert [step["token"] for step in info] == gen.tokens(panel.state.token_ids[panel.state.prompt_length :])
with torch.no_grad():
    logits, _ = gen.model(torch.tensor([panel.state.token_ids], device=gen.device))
torch.testing.assert_close(logits[0, -1], panel.state.next_logits, rtol=1e-4, atol=1e-4)
print("six Steps == generate(max_tokens=6, seed=42)")
print("one word at a time with (h, c) == the whole text at once")

# %% [markdown]
# ## 6.6 Top-p and several samples
#
# Three samples from "recipe for" at $T = 1$ with top-p = 0.8: at every step only the most likely
# words that together hold 80% of the probability can be drawn, so the rare words that derail a
# text are cut. Sample $i$ uses seed 42 + $i$; the chart follows the first, and words cut by top-p
# have probability 0 in it.

# %%
# NBVAL_IGNORE_OUTPUT: the texts depend on the trained model.
panel.temperature.value = 1.0
panel.top_p.value = 0.8
panel.num_samples.value = 3
panel.generate_button.click()

for readable in re.findall(r"Readable: (.*?)</div>", panel.text_view.value):
    print(html.unescape(readable), "\n")
print("chart:", ", ".join(f"{word} {prob:.2f}" for word, prob in panel.chart_words))
display(HTML(panel.text_view.value))

# %% [markdown]
# ## 6.7 Mistakes show up in the panel
#
# A prompt with no known word, or a seed that is not a number, gives a message in the panel instead
# of a traceback. (The seed's generator silently turned unknown words into `<UNK>`.)

# %%
def message_text() -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", panel.message.value))


panel.prompt.value = "zzzz qqqq"
panel.generate_button.click()
print(message_text())

panel.prompt.value = "recipe for"
panel.seed.value = "forty-two"
panel.generate_button.click()
print(message_text())

# back to a working panel
panel.seed.value = "42"
panel.generate_button.click()
assert panel.message.value == ""

# %% [markdown]
# ## Summary
#
# - `interactive_text_generation_colab(gen)` (or `generation_panel(gen)`) is the blog's panel with
#   top-k, top-p, seeds, several samples, a Step button, shaded words and a next-word chart.
# - Every control is an attribute, so code can drive it: the text it writes is the generator's,
#   and its chart is `next_token_probs` after the last word.
