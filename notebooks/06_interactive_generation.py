# %% [markdown]
# # 6. Interactive generation
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lstm-tutorial/lstm-tutorial/blob/main/notebooks/06_interactive_generation.ipynb)
#
# The blog post ends with an ipywidgets panel to play with the trained model. We first build a
# minimal one as the blog post does, then show the package's full panel on the pretrained model and drive it
# from code, so you can see what it shows even where widgets do not render (on GitHub, for instance).
# Nothing is trained here, and no other notebook needs to run first.

# %% tags=["nbval-ignore-output"]
# Setup: under Colab, install the course package from GitHub (a few seconds; nothing is upgraded).
import importlib.util
import os
import subprocess
import sys

REPO_URL = "https://github.com/lstm-tutorial/lstm-tutorial"
if "google.colab" in sys.modules:
    source = os.environ.get("LSTM_TUTORIAL_INSTALL_FROM", f"git+{REPO_URL}")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", source], check=True)
elif importlib.util.find_spec("lstm_tutorial") is None:
    raise SystemExit(f"The course package is missing: run  pip install git+{REPO_URL}  then restart the kernel.")

import torch

from lstm_tutorial import resolve_device

device = resolve_device()  # the GPU when there is one, else the CPU
print("Using", device, torch.cuda.get_device_name() if device.type == "cuda" else "")

# %%
import html
import math
import re

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
from IPython.display import HTML, display

import lstm_tutorial
from lstm_tutorial import (
    PyTorchTextGenerator,
    SamplingOptions,
    generation_panel,
    load_recipes,
    pretrained_model,
)

# %% [markdown]
# ## 6.1 The pretrained model
#
# As in notebook 4, we load the package's model with the book's sizes, trained on 2,617 of the
# course's 3,271 recipes and measured on the other 654, and wrap it in the blog post's
# `PyTorchTextGenerator`. Nothing is trained here. (The larger default model, `pretrained_model()`
# with no name, writes better recipes; exercise 4 puts it in the panel.) Our prompts name dishes the
# corpus has:

# %%
model, vocab, checkpoint = pretrained_model("book", device)
gen = PyTorchTextGenerator(model, vocab.idx2token, vocab.token2idx, device)
print(f"{len(gen.idx2token)} words in the vocabulary; validation perplexity {math.exp(checkpoint['val_loss']):.1f}")
recipes = load_recipes(verbose=False)
for dish in ["banana bread", "pancakes"]:
    count = sum(dish in text.lower().split(" | ")[0] for text in recipes)
    assert count > 0
    print(f"{dish!r}: {count} recipes in the corpus")

# %% [markdown]
# ## 6.2 The blog post's panel
#
# The blog post's last code cell defines `interactive_text_generation_colab(text_generator)`, a panel
# of ipywidgets, Python objects that Jupyter draws as controls:
#
# - `widgets.Text`, a text box for the prompt; its `.value` is what is typed in it;
# - `widgets.IntSlider` for Max tokens and `widgets.FloatSlider` for the temperature;
# - `widgets.Output`, an area to write the generated text into;
# - `widgets.Button`, "Generate"; `button.on_click(f)` makes the kernel call `f(button)` when it is
#   pressed.
#
# The handler, `on_button_clicked`, clears the output, writes "Generating...", and calls `generate`
# with the three values. Its `info` list has an entry per word drawn; the last holds the text before
# the last word (`"prompt"`) and that word (`"token"`, which the package adds). Our function keeps
# the blog post's names and steps, with three changes: a fixed seed, so the same settings write the
# same text; `output.append_stdout` instead of `print` inside `with output:`, so code can read the
# text back from `output.outputs`; and it returns its box, so code can press the button.

# %%
def interactive_text_generation_colab(text_generator: PyTorchTextGenerator) -> widgets.VBox:
    """The blog post's panel: a prompt, Max tokens, a temperature, a Generate button and an output area."""
    prompt_input = widgets.Text(value="recipe for", description="Prompt:")
    max_tokens_slider = widgets.IntSlider(value=100, min=10, max=500, step=10, description="Max tokens:")
    temperature_slider = widgets.FloatSlider(value=1.0, min=0.1, max=2.0, step=0.1, description="Temperature:")
    output = widgets.Output()
    generate_button = widgets.Button(description="Generate", icon="play")

    def on_button_clicked(_) -> None:
        output.outputs = ()  # clear the last text
        output.append_stdout("Generating...\n")
        info = text_generator.generate(prompt_input.value, max_tokens=max_tokens_slider.value,
                                       temperature=temperature_slider.value, seed=0, verbose=False)
        output.append_stdout(f"Generated text:\n{info[-1]['prompt']} {info[-1]['token']}\n")

    generate_button.on_click(on_button_clicked)
    box = widgets.VBox([widgets.HTML("<h3>Interactive text generation</h3>"), prompt_input, max_tokens_slider,
                        temperature_slider, generate_button, output])
    display(box)
    return box


small_panel = interactive_text_generation_colab(gen)

# %% [markdown]
# With a live kernel, type a prompt, move the sliders and press Generate. Code can do the same:
# setting `.value` moves a control, and `button.click()` presses the button. The cell below writes
# 40 tokens from "recipe for banana bread |" at two temperatures and reads back what the handler wrote:

# %%
_, prompt_input, max_tokens_slider, temperature_slider, generate_button, output = small_panel.children
prompt_input.value = "recipe for banana bread |"
max_tokens_slider.value = 40
for T in [0.7, 1.5]:
    temperature_slider.value = T
    generate_button.click()
    written = "".join(entry["text"] for entry in output.outputs)
    assert written.startswith("Generating...\nGenerated text:\nrecipe for banana bread |")
    print(f"T = {T}:\n{written}")

# %% [markdown]
# The text is the tokens joined by spaces, as the blog post prints it ("to a boil . boil the
# chicken"). At $T = 0.7$ it reads like directions, though for a savoury dish; at $T = 1.5$ it
# falls apart. That is all the blog post's
# panel does. The package's `generation_panel` (in `lstm_tutorial/panel.py`) grows from it:
#
# - **Step** adds one word, **Play** one every few milliseconds (section 6.6);
# - a **next-word chart** of the ten most likely next words, redrawn after every word and while a
#   slider moves (6.4, 6.5);
# - **top-k** and **top-p** sliders (notebook 4; section 6.7);
# - a **seed** box (empty means random) and several samples at once;
# - each new word is **shaded by its probability**, the p it was drawn with;
# - **errors** (an unknown prompt, a seed that is not a number) show up in the panel, not as a
#   traceback (6.9).
#
# ## 6.3 The package's panel
#
# This is the blog post's last cell. It calls `interactive_text_generation_colab` under Colab, and
# elsewhere `interactive_text_generation`, which the blog post never defines. The package's two
# (written `lstm_tutorial.` here, as ours of 6.2 has the first name) show and return
# `generation_panel(gen)` in any Jupyter front end. Every p it shows is the one the word is drawn
# with, **after temperature, top-k and top-p**, as the chart's axis says.

# %%
if "google.colab" in sys.modules:
    panel = lstm_tutorial.interactive_text_generation_colab(gen)
else:
    panel = lstm_tutorial.interactive_text_generation(gen)

# %% [markdown]
# ## 6.4 Generate: Max tokens is a limit, `<EOS>` ends a recipe
#
# Every control is an attribute of the panel, so code can set the sliders and press the buttons like
# a learner would. Max tokens is only an upper limit: a text also stops when the model draws `<EOS>`,
# the token that ends every recipe in the corpus, as the blog post's `generate` does. First Max tokens
# = 20, at $T = 0.7$ with seed 42:

# %%
def show_texts(panel) -> None:
    """What the panel shows under its buttons: per text, why it stopped, and the readable text."""
    generator = panel.text_generator
    for row, ids in enumerate(panel.state.token_ids):
        drawn = generator.idx2token[ids[-1]]
        new = len(ids) - panel.state.prompt_length
        why = f"ended at {drawn}" if panel.state.finished[row] else f"stopped at Max tokens, last word {drawn!r}"
        print(f"{new} tokens, {why}:\n{generator.text(ids)}\n")


def show_chart_words(panel) -> None:
    where = "the words <EOS> was drawn from" if panel.chart_ended else "next word"
    print(f"chart ({where}): " + ", ".join(f"{word} {p:.3f}" for word, p in panel.chart_words))


panel.prompt.value = "recipe for banana bread |"
panel.temperature.value = 0.7
panel.seed.value = "42"
panel.max_tokens.value = 20
panel.generate_button.click()
show_texts(panel)
show_chart_words(panel)
display(HTML(panel.chart.value))

# %% [markdown]
# The text stopped at the limit in the middle of a sentence, "remove pan from", and the chart shows
# the candidates for the 21st word: "heat" at 0.807, then "the" at 0.109. The chart's title names the
# settings, and its axis says what the probabilities are: after temperature, top-k and top-p (here
# only $T = 0.7$ is on).
#
# Now the same with Max tokens = 200:

# %%
panel.max_tokens.value = 200
panel.generate_button.click()
show_texts(panel)
show_chart_words(panel)
display(HTML(panel.text_view.value))
display(HTML(panel.chart.value))

# %% [markdown]
# With room for 200 tokens the same seed draws the same first 20 words and goes on until the model
# draws `<EOS>`, after 53 tokens: Max tokens is a limit, not a length. The line under the shaded
# text says why it stopped ("53 tokens drawn; the last, <EOS>, ends the text"), and `<EOS>` is its
# last shaded word (hover over it for its p). After `<EOS>` there is nothing left to predict (the
# model never saw a word after the end of a recipe), so the chart shows instead the distribution
# `<EOS>` was drawn from, after "season with salt and mix.", with the `<EOS>` bar in red: ending
# (0.124) was nearly as likely as "serve" (0.142).
#
# The panel uses the package's generator, nothing of its own: with the same seed, `sample(...)`
# writes the same words, and the chart's bars are `SamplingOptions(...).probs` of the scores `<EOS>`
# was drawn from (the model run over the text without its last word), `<PAD>` left out (section 6.8).

# %%
options = SamplingOptions(temperature=panel.temperature.value)
ids = panel.state.token_ids[0]
assert gen.sample(panel.prompt.value, max_tokens=200, temperature=options.temperature, seed=42)[0] == gen.text(ids)
assert panel.state.finished[0] and panel.chart_ended and gen.vocab.idx2token[ids[-1]] == "<EOS>"
with torch.no_grad():
    logits, _ = gen.model(torch.tensor([ids[:-1]], device=gen.device))  # the text up to the word before <EOS>
probs = options.probs(logits[0, -1])
probs[gen.vocab.token2idx["<PAD>"]] = -1  # never a candidate
top10 = probs.topk(10)
assert [word for word, _ in panel.chart_words] == [gen.vocab.idx2token[i] for i in top10.indices.tolist()]
torch.testing.assert_close(torch.tensor([p for _, p in panel.chart_words]), top10.values)
print(f"panel text == sample(..., seed=42); chart == top 10 of SamplingOptions(T = {options.temperature}).probs "
      "before <EOS>")

# %% [markdown]
# ## 6.5 The temperature slider redraws the chart
#
# Moving the temperature slider does not generate anything: it redraws the chart for the same
# position under the new temperature (notebook 4), at every value the slider passes while you drag
# it. Back to the 20-token text, whose next word is still open, at three temperatures side by side:

# %%
panel.max_tokens.value = 20
panel.generate_button.click()
charts = []
for T in [0.2, 1.0, 2.0]:
    panel.temperature.value = T
    charts.append(panel.chart.value)
    print(f"T = {T}: " + ", ".join(f"{word} {p:.3f}" for word, p in panel.chart_words[:5]))
display(HTML('<div style="display: flex; gap: 24px">' + "".join(charts) + "</div>"))

# %% [markdown]
# At $T = 0.2$ "heat" takes almost everything (0.999); at $T = 1$, the model's own distribution, it
# has 0.555, with "the" (0.136) and "pan" (0.070) behind; at $T = 2$ the bars flatten ("heat"
# 0.058, the tenth word 0.006) because the probability spreads over the whole vocabulary.
#
# ## 6.6 Step and Play: one word at a time
#
# **Step** is the blog post's walk through `generate` (`[5, 10, 2]` -> pick 15 -> `[5, 10, 2, 15]`
# -> ...) made visible: each press draws one word from the chart's distribution, appends it to the
# token ids and feeds only that word to the LSTM, carrying `(h, c)` (notebook 2). A new prompt starts
# a new text, drawn with the panel's seed.

# %%
panel.prompt.value = "recipe for pancakes |"  # a new prompt: the next Step starts from it
panel.temperature.value = 1.0
for _ in range(6):
    panel.step_button.click()
    state = panel.state
    picked = gen.vocab.idx2token[state.token_ids[0][-1]]
    print(f"picked {picked!r:12} p = {state.picked_probs[0][-1]:.4f}   token ids {state.token_ids[0]}")
print("\n" + gen.text(panel.state.token_ids[0]))

# %% [markdown]
# Six Steps with seed 42 write the same six words as Generate (or `sample`) with seed 42 and
# six tokens. And carrying the state gives the same next-word scores as the blog post's way, which
# feeds the whole text again for every word and keeps `logits[0, -1, :]`:

# %%
assert gen.sample("recipe for pancakes |", max_tokens=6, temperature=1.0, seed=42)[0] == gen.text(panel.state.token_ids[0])
with torch.no_grad():
    logits, _ = gen.model(torch.tensor([panel.state.token_ids[0]], device=gen.device))
torch.testing.assert_close(logits[0, -1], panel.state.next_logits[0], rtol=1e-4, atol=1e-4)
print("six Steps == sample(max_tokens=6, seed=42)")
print("one word at a time with (h, c) == the whole text at once")

# %% [markdown]
# **Play** presses Step for you: while it plays, the browser adds one to its counter,
# `panel.play.value`, every "Play, ms/word" milliseconds, and the panel answers each tick with one
# word and a new chart. The counter is the number of words drawn, so Play goes on from where Step
# left the text, and stops at `<EOS>` or Max tokens; its ■ button goes back to the prompt. Code can
# tick it as the browser does: four ticks from 6 words,

# %%
panel.speed.value = 200  # ms per word
print(f"Play: a tick every {panel.play.interval} ms; counter at {panel.play.value}, stops at {panel.play.max} "
      "(Max tokens)")
for tick in range(7, 11):
    panel.play.value = tick  # what the browser does every 200 ms while Play plays
    picked = gen.vocab.idx2token[panel.state.token_ids[0][-1]]
    word, p = panel.chart_words[0]
    print(f"tick {tick}: picked {picked!r:10} the chart shows the words after it, {word!r} first ({p:.3f})")
assert gen.sample("recipe for pancakes |", max_tokens=10, temperature=1.0, seed=42)[0] == gen.text(panel.state.token_ids[0])
display(HTML(panel.text_view.value))
display(HTML(panel.chart.value))

# %% [markdown]
# Four ticks, four words: the text now has the ten words that `sample` writes with seed 42 and
# `max_tokens=10`, and after every word the chart shows the words that may follow it. Left to play,
# it would stop ten ticks later, at Max tokens = 20, unless it drew `<EOS>` first.
#
# ## 6.7 Top-p, and why many words read p = 1.000
#
# Three samples from "recipe for pancakes |" at $T = 1$ with top-p = 0.8: at every step only the most
# likely words that together hold 80% of the probability can be drawn (notebook 4). The three texts
# are drawn as one batch with seed 42; the chart follows the first.

# %%
panel.temperature.value = 1.0
panel.top_p.value = 0.8
panel.num_samples.value = 3
panel.max_tokens.value = 60
panel.generate_button.click()
show_texts(panel)
show_chart_words(panel)
picked = [p for row in panel.state.picked_probs for p in row]
print(f"\n{sum(p == 1.0 for p in picked)} of the {len(picked)} words drawn read p = 1.000")

# %% [markdown]
# The three texts stay with cooking (preheat the oven, combine the flour, line a muffin tin...),
# though none sticks to pancakes, and all three use the 60 tokens. And 22 of the 180 words drawn read
# p = 1.000.
#
# Why 1.000? Top-p renormalises: it keeps the smallest set of leading words that holds 0.8 and
# divides their probabilities by their sum. Where the favourite alone holds 0.8 or more, it is the
# only word kept, and after dividing by itself its p is exactly 1. The shaded p is the probability
# *after* temperature, top-k and top-p, the one the word was really drawn with; here it is next to
# the probability the model gave the word at $T = 1$ before the cut, for the first text's words:

# %%
ids = panel.state.token_ids[0]
start = panel.state.prompt_length
top_p = SamplingOptions(1.0, top_p=0.8)
with torch.no_grad():
    logits, _ = gen.model(torch.tensor([ids[:-1]], device=gen.device))  # scores for every position of the first text
print(f"{'word':>10}  {'p at T = 1':>10}  {'words kept':>10}  {'mass kept':>9}  {'p after top-p 0.8':>17}")
for i, (idx, shown) in enumerate(zip(ids[start:start + 12], panel.state.picked_probs[0])):
    before_cut = torch.softmax(logits[0, start - 1 + i], dim=-1)  # the distribution word i was drawn from
    kept = top_p.probs(logits[0, start - 1 + i]) > 0
    mass = float(before_cut[kept].sum())
    assert mass >= 0.8 and math.isclose(shown, before_cut[idx] / mass, rel_tol=1e-4)
    print(f"{gen.idx2token[idx]:>10}  {before_cut[idx]:10.3f}  {int(kept.sum()):>10}  {mass:9.3f}  {shown:17.3f}")

# %% [markdown]
# Where the model is sure ("to" after "preheat oven", 0.979 at $T = 1$; "°" and "f" after "350"),
# top-p keeps that one word and its p reads 1.000. Elsewhere each kept word's p is divided by the
# mass the kept words hold together (the cell checks it). That mass is at least 0.8, since top-p adds
# words until they reach it, and often more, because the last word added overshoots. For "preheat"
# the 14 words kept hold 0.803, and its 0.189 grows to 0.236; for "oven" a nucleus of 2 words holds
# 0.881, so its 0.650 grows only to 0.737, by 1 / 0.881 and not 1 / 0.8. The chart's bars are after
# the cut too: a word outside the nucleus has a bar of 0.
#
# ## 6.8 What the chart shows of `<PAD>`, `<UNK>` and Hangul
#
# The vocabulary starts with three special tokens, and the chart shows only real candidates:
#
# - `<PAD>` fills short recipes of a batch up to the longest. It is never a next word in training
#   (the loss ignores it), so the model gives it next to nothing. The chart leaves it out.
# - `<UNK>` stands for every word outside the vocabulary. A model whose vocabulary misses words of
#   its corpus learns to predict it (notebook 5's quick preset keeps 3,000 words), so the chart keeps
#   it, labelled "<UNK> (rare word)". The pretrained vocabulary holds every word of its corpus (8,203,
#   under the 10,000 limit), so this model never saw `<UNK>` as a target.
# - `<EOS>` ends a recipe: a real next word (section 6.4).
#
# The numbers, after "recipe for" (8,203 words to rank):

# %%
scores = gen.prefill("recipe for").next_logits[0]
probs = torch.softmax(scores, dim=-1)
for token in ["<PAD>", "<UNK>", "<EOS>"]:
    p = probs[gen.vocab.token2idx[token]]
    print(f"{token}: p = {p:.1e}, rank {int((probs > p).sum()) + 1} of {len(probs)}")
unknown = sum(gen.vocab.encode(text).count(gen.vocab.unk_idx) for text in recipes)
print(f"<UNK> in the encoded corpus: {unknown} times")

# %% [markdown]
# All three special tokens sit far down the ranking after "recipe for" (`<PAD>` 7,111th, `<UNK>`
# 6,948th, `<EOS>` 6,367th of 8,203, each below 1e-6), and `<UNK>` never occurs in the encoded corpus.
# So with this model neither `<PAD>` nor `<UNK>` reaches the chart; with a smaller vocabulary
# `<UNK>` would.
#
# The corpus has a few Korean dishes, and the vocabulary their Korean names in Hangul. The chart is
# HTML, so the browser writes them in its own fonts, as it writes every script. The chart draws
# `panel.state`, so we can hand it the state after a prompt directly:

# %%
panel.top_p.value = 1.0
panel.num_samples.value = 1
panel.state = gen.prefill("recipe for dolsot bibimbap (")
panel.redraw_chart()
print("chart words:", ", ".join(f"{word} {p:.3f}" for word, p in panel.chart_words[:4]))
display(HTML(panel.chart.value))

# %% [markdown]
# The favourite after "dolsot bibimbap (" is the dish's name in Hangul, 돌솥비빔밥 (0.094), as the
# corpus's title has it.

# %% [markdown]
# ## 6.9 Mistakes show up in the panel
#
# A prompt with no known word, or a seed that is not a number, gives a message in the panel instead
# of a traceback. (The blog post's generator silently turned unknown words into `<UNK>`.)

# %%
def message_text() -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", panel.message.value))


panel.prompt.value = "zzzz qqqq"
panel.generate_button.click()
print(message_text())

panel.prompt.value = "recipe for banana bread |"
panel.seed.value = "forty-two"
panel.generate_button.click()
print(message_text())

# back to a working panel
panel.seed.value = "42"
panel.temperature.value = 0.7
panel.max_tokens.value = 100
panel.generate_button.click()
assert panel.message.value == ""
show_texts(panel)


# %% [markdown]
# ## Summary
#
# - A panel is a few widgets and a callback: the blog post's `interactive_text_generation_colab` has
#   a `Text`, an `IntSlider`, a `FloatSlider`, a `Button` whose `on_click` handler runs `generate`,
#   and an `Output` to write into.
# - The package's `generation_panel` adds top-k, top-p, a seed, Step and Play, shaded words and a
#   next-word chart that follows every word and slider.
# - A text stops at `<EOS>` or at Max tokens, whichever comes first; after `<EOS>` the chart shows what
#   `<EOS>` was drawn from.
# - Every p shown is after temperature, top-k and top-p; top-p divides the kept words' p by the mass
#   they hold, so a word that was the only one left reads 1.000.
# - Every control is an attribute, so code can drive it: the text it writes is the generator's, and its
#   chart is `SamplingOptions(...).probs` of the position it names.
#
# ## Exercises
#
# **1. Build: a top-k slider and a seed box for the blog post's panel.** Add to the function of section
# 6.2 an `IntSlider` for top-k (0 = off) and a `Text` box for the seed (empty = random), and pass both
# to `generate`. Then predict: at $T = 1.5$, where 6.2's text fell apart, does top-k = 10 bring it
# back to cooking? Write your own first; the cell below is one way, pressed with top-k off and 10.

# %%
def panel_with_top_k_and_seed(text_generator: PyTorchTextGenerator) -> widgets.VBox:
    """Section 6.2's panel with a top-k slider (0 = off) and a seed box (empty = random)."""
    prompt_input = widgets.Text(value="recipe for", description="Prompt:")
    max_tokens_slider = widgets.IntSlider(value=100, min=10, max=500, step=10, description="Max tokens:")
    temperature_slider = widgets.FloatSlider(value=1.0, min=0.1, max=2.0, step=0.1, description="Temperature:")
    top_k_slider = widgets.IntSlider(value=0, min=0, max=100, description="Top-k (0=off):")
    seed_input = widgets.Text(value="", placeholder="empty = random", description="Seed:")
    output = widgets.Output()
    generate_button = widgets.Button(description="Generate", icon="play")

    def on_button_clicked(_) -> None:
        output.outputs = ()
        seed = seed_input.value.strip()
        info = text_generator.generate(prompt_input.value, max_tokens=max_tokens_slider.value,
                                       temperature=temperature_slider.value, top_k=top_k_slider.value or None,
                                       seed=int(seed) if seed else None, verbose=False)
        output.append_stdout(f"{info[-1]['prompt']} {info[-1]['token']}\n")

    generate_button.on_click(on_button_clicked)
    box = widgets.VBox([prompt_input, max_tokens_slider, temperature_slider, top_k_slider, seed_input,
                        generate_button, output])
    display(box)
    return box


prompt_input, max_tokens_slider, temperature_slider, top_k_slider, seed_input, generate_button, output = (
    panel_with_top_k_and_seed(gen).children)
prompt_input.value = "recipe for banana bread |"
max_tokens_slider.value = 40
temperature_slider.value = 1.5
seed_input.value = "0"
for k in [0, 10]:
    top_k_slider.value = k
    generate_button.click()
    print(f"top-k {k or 'off'}: {output.outputs[0]['text'].strip()}")

# %% [markdown]
# <details><summary>Solution</summary>
#
# Each new control is a widget in the box and an argument to `generate`: top-k 0 becomes
# `top_k=None` (off), an empty seed `seed=None` (a new text at every press). With seed 0 and top-k
# off the panel writes 6.2's $T = 1.5$ text again. With top-k = 10 it is back in a kitchen ("combine
# all of the ingredients in a glass of dough . mix the butter and mix well with the sugar until
# stiff..."), odd in places but cooking: top-k cuts the long tail that $T = 1.5$ had fattened. A
# seed like "forty-two" makes `int` raise a ValueError in the handler; the package's panel shows it
# instead (section 6.9).
#
# </details>
#
# **2. Build: a recipe word by word, and the probability of each word.** Drive the package's panel
# from code: set a new prompt and seed, call `panel.step()` (what the Step button runs) until the
# text ends or has 40 words, and plot the p of each word drawn, the shading of the panel as a bar
# chart. Predict first: will most words be drawn with p above 0.5, or below?

# %%
panel.prompt.value = "recipe for pancakes |"  # a new prompt: the next step starts a new text
panel.seed.value = "1"
panel.temperature.value = 0.8
panel.top_p.value = 1.0
panel.num_samples.value = 1
for _ in range(40):
    panel.step()
    if panel.state.finished[0]:
        break
state = panel.state
words = [gen.idx2token[idx] for idx in state.token_ids[0][state.prompt_length:]]
probs = state.picked_probs[0]
assert gen.text(state.token_ids[0]) == gen.sample(panel.prompt.value, max_tokens=len(words), temperature=0.8, seed=1)[0]
print(gen.text(state.token_ids[0]))
fig, ax = plt.subplots(figsize=(11, 3))
ax.bar(range(len(words)), probs, color="#ff8c00")
ax.set_xticks(range(len(words)), words, rotation=90)
ax.set(ylim=(0, 1), ylabel="p when drawn", title=f"'{panel.prompt.value}', T = 0.8, seed 1")
plt.show()
print(f"{sum(p > 0.5 for p in probs)} of {len(probs)} words drawn with p > 0.5; the least likely: "
      + ", ".join(f"{word!r} {p:.3f}" for p, word in sorted(zip(probs, words))[:3]))

# %% [markdown]
# <details><summary>Solution</summary>
#
# Most are below: only 13 of the 35 tokens drawn have p above 0.5. The tall bars are words the text
# has settled ("to" after "preheat oven", "°" after "400", "sides" after "both"); the short ones are
# choices where the model spreads its bets, above all at the start of a sentence ("melt", "add",
# "drain"). The least likely word, "drain" (0.018), starts the last sentence, after which `<EOS>`
# ends the recipe. The loop is what Step does at each press, and Play at each tick.
#
# </details>
#
# **3. Predict, then run: more or fewer 1.000s?** In section 6.7, 22 of the 180 words drawn with
# top-p = 0.8 read p = 1.000. With top-p = 0.5, will more or fewer of them? And with top-p off?

# %%
panel.prompt.value = "recipe for pancakes |"
panel.seed.value = "42"
panel.temperature.value = 1.0
panel.num_samples.value = 3
panel.max_tokens.value = 60
for top_p in [0.5, 0.8, 1.0]:
    panel.top_p.value = top_p
    panel.generate_button.click()
    picked = [p for row in panel.state.picked_probs for p in row]
    lengths = [len(row) for row in panel.state.picked_probs]
    print(f"top-p {top_p}: {sum(p == 1.0 for p in picked):>3} of the {len(picked)} words drawn read p = 1.000; "
          f"texts of {lengths} tokens, ended at <EOS>: {panel.state.finished}")

# %% [markdown]
# <details><summary>Solution</summary>
#
# More: 41 of the 138 words drawn with top-p = 0.5, 22 of 180 with 0.8, none of 168 with top-p off.
# A word reads 1.000 when the favourite alone holds at least top-p, which 0.5 asks far more often
# than 0.8; with top-p off nothing is cut. The totals are the lengths of the three texts, and a text
# stops early when it draws `<EOS>`: with top-p 0.8 none does (60 + 60 + 60 = 180); with 0.5 the
# first and third end after 52 and 26 tokens (138); with top-p off the first ends after 48, and the
# third draws `<EOS>` as its 60th token (168). With the same seed a different cut draws different
# words, so which texts end, and when, changes with top-p in no order. Compare the shares, then:
# 30%, 12% and 0%.
#
# </details>
#
# **4. Change this: the package's default model in the panel.** Build the panel on the package's
# default model, `pretrained_model()` with no name (two LSTM layers of 256, the embedding's matrix
# reused as the output layer, trained on long streams of text), instead of the book-size model. With
# the settings of section 6.4 (seed 42, $T = 0.7$, Max tokens 200), how do the texts differ? Are the
# words drawn with higher p?

# %%
default_model, default_vocab, default_checkpoint = pretrained_model(device=device)
better = generation_panel(PyTorchTextGenerator(default_model, default_vocab.idx2token, default_vocab.token2idx, device))
for name, each, ckpt in [("book", panel, checkpoint), ("default", better, default_checkpoint)]:
    each.prompt.value = "recipe for banana bread |"
    each.seed.value = "42"
    each.temperature.value = 0.7
    each.max_tokens.value = 200
    each.top_p.value = 1.0
    each.num_samples.value = 1
    each.generate_button.click()
    probs = each.state.picked_probs[0]
    print(f"{name} model, validation perplexity {math.exp(ckpt['val_loss']):.1f}; "
          f"mean p of the words drawn {sum(probs) / len(probs):.3f}")
    show_texts(each)

# %% [markdown]
# <details><summary>Solution</summary>
#
# The default model's text stays a recipe for something baked to its end ("preheat oven to 425°f.
# line a baking sheet with parchment paper. ... bake for 45 minutes."), though it is no more banana
# bread than the book model's, which goes from melting butter to pork and carrots. The words it draws
# have a higher mean p, 0.494 against 0.449: a model with a lower validation perplexity (20.6 against
# 35.3) is surer of the next word, so at the same temperature its charts are more peaked.
# (`display(better)` shows its panel, to play with.)
#
# </details>
