# %% [markdown]
# # 6. Interactive generation
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lstm-tutorial/lstm-tutorial/blob/main/notebooks/06_interactive_generation.ipynb)
#
# The blog post ends with an ipywidgets panel to play with the trained model. We first build a
# minimal one in ten lines, then show the package's full panel on the pretrained model and drive it
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
import re

import ipywidgets as widgets
import torch
from IPython.display import HTML, display

from lstm_tutorial import (
    SamplingOptions,
    interactive_text_generation,
    interactive_text_generation_colab,
    load_recipes,
    pretrained_generator,
)

# %% [markdown]
# ## 6.1 The pretrained model
#
# `pretrained_generator("book")` loads the model shipped inside the package with the book's
# architecture, as a `TextGenerator`: the blog post's model, trained on 2,617 of the course's 3,271
# recipes (the other 654 measure it: validation perplexity 35.3). Nothing is trained here, and no
# other notebook has to run first. (The package's default model, `pretrained_generator()`, is larger
# and writes better recipes, at validation perplexity 20.6; exercise 5 puts it in the panel.) Our
# prompts name dishes the corpus has:

# %%
gen = pretrained_generator("book")
recipes = load_recipes(verbose=False)
for dish in ["banana bread", "pancakes"]:
    count = sum(dish in text.lower().split(" | ")[0] for text in recipes)
    assert count > 0
    print(f"{dish!r}: {count} recipes in the corpus")
print(f"{len(gen.vocab.idx2token)} words in the vocabulary")

# %% [markdown]
# ## 6.2 A panel in ten lines
#
# The blog post's panel is built from ipywidgets, Python objects that Jupyter draws as controls.
# Four kinds are enough:
#
# - `widgets.Text`: a text box (the prompt); its `.value` is what is typed in it;
# - `widgets.FloatSlider`: a slider for a number (the temperature);
# - `widgets.Button`: a button; `button.on_click(f)` makes the kernel call `f(button)` when it is
#   pressed;
# - `widgets.Output`: an area the callback writes its text into.
#
# Here they are, with the pretrained generator, in ten lines. The callback empties the output area
# and appends the new text with `append_stdout` (rather than `print` inside `with output:`, as the
# blog post does), so code can read it back from `output.outputs`. The random seed is fixed, so the
# same temperature always gives the same text.

# %%
prompt = widgets.Text(value="recipe for banana bread |", description="Prompt:")
temperature = widgets.FloatSlider(value=0.7, min=0.1, max=2.0, step=0.1, description="Temperature:")
button = widgets.Button(description="Generate")
output = widgets.Output()


def on_click(_):
    text = gen.sample(prompt.value, max_tokens=40, temperature=temperature.value, seed=0)[0]
    output.outputs = ()  # clear the last text
    output.append_stdout(text + "\n")


button.on_click(on_click)
display(widgets.VBox([prompt, temperature, button, output]))

# %% [markdown]
# With a live kernel, type a prompt, move the slider and press Generate. Code can do the same:
# setting `.value` moves a control, and `button.click()` presses the button, so the cell below runs
# the callback twice and reads what it wrote into the output area.

# %%
for T in [0.7, 1.5]:
    temperature.value = T
    button.click()
    written = output.outputs[0]["text"]
    assert written == gen.sample(prompt.value, max_tokens=40, temperature=T, seed=0)[0] + "\n"
    print(f"T = {T}: {written}")

# %% [markdown]
# At $T = 0.7$ the text reads like directions, though for a savoury dish ("bring a pot of water to
# a boil. boil the chicken..."); at $T = 1.5$ it falls apart (it is notebook 4's $T = 1.5$ text for
# seed 0, cut at 40 tokens). That is all the blog post's panel does. What it cannot show is why the
# model wrote each word: the package's panel does.
#
# ## 6.3 The package's panel
#
# This is the blog post's last cell. Under Colab it calls `interactive_text_generation_colab`,
# elsewhere `interactive_text_generation`, which the blog post calls but never defines: the package's
# shows the same panel in any Jupyter front end (and asks for prompts in a plain terminal). Both
# return the panel; `generation_panel(gen)` builds one without displaying it.
#
# On top of the ten-line panel it has a Max tokens slider (as in the blog post), top-k and top-p
# (notebook 4), a seed (empty means random), several samples at once, a **Step** button that adds
# one word at a time, and **Play** (▶), which adds a word every "Play, ms/word" milliseconds until
# the text ends, unless you pause it. Every new word is shaded by **p**, the probability it had when it
# was drawn, and the chart beside the controls shows the ten most likely next words as bars. Every p
# it shows is the probability the word is drawn with, that is **after temperature, top-k and top-p**;
# the hover text and the chart's axis say so. The chart is HTML, which the browser redraws in a
# moment, so it follows the temperature, top-k and top-p sliders while you drag them, and Play word
# by word.

# %%
if "google.colab" in sys.modules:
    panel = interactive_text_generation_colab(gen)
else:
    panel = interactive_text_generation(gen)

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
    for row, ids in enumerate(panel.state.token_ids):
        drawn = gen.vocab.idx2token[ids[-1]]
        new = len(ids) - panel.state.prompt_length
        why = f"ended at {drawn}" if panel.state.finished[row] else f"stopped at Max tokens, last word {drawn!r}"
        print(f"{new} tokens, {why}:\n{gen.text(ids)}\n")


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
# draws `<EOS>`, after 53 tokens: Max tokens is a limit, not a length. The line under the shaded text
# says why it stopped ("53 tokens drawn; the last, <EOS>, ends the text"), and `<EOS>` is its last
# shaded word (hover over it for its p). After `<EOS>` there is nothing left to predict: in training
# the model never saw a word after the end of a recipe, so its scores there mean nothing. The chart
# shows instead the distribution `<EOS>` was drawn from, after "season with salt and mix.", with the
# `<EOS>` bar in red: ending (0.124) was nearly as likely as "serve" (0.142).
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
    logits, _ = gen.model(torch.tensor([ids[:-1]]))  # the text up to the word before <EOS>
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
# has 0.555, with "the" (0.136) and "pan" (0.070) behind; at $T = 2$ all ten bars shrink ("heat"
# 0.058) because the probability spreads over the whole vocabulary.
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
    logits, _ = gen.model(torch.tensor([panel.state.token_ids[0]]))
torch.testing.assert_close(logits[0, -1], panel.state.next_logits[0], rtol=1e-4, atol=1e-4)
print("six Steps == sample(max_tokens=6, seed=42)")
print("one word at a time with (h, c) == the whole text at once")

# %% [markdown]
# **Play** presses Step for you. While it plays, the browser adds one to its counter,
# `panel.play.value`, every "Play, ms/word" milliseconds (that slider sets the Play widget's
# `interval`), and the panel answers each tick with one word and a new chart. The counter is the
# number of words drawn, so Play goes on from where Step left the text. It stops when the text ends
# at `<EOS>` or has Max tokens words; pressed again then, it starts a new text from the prompt (with
# the same seed, the same text), and its ■ button goes back to the prompt at any time. Code can tick
# it as the browser does: four ticks from 6 words,

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
# likely words that together hold 80% of the probability can be drawn (notebook 4), so the rare words
# that derail a text are cut. The three texts are drawn together as one batch with seed 42; the chart
# follows the first.

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
with torch.no_grad():
    logits, _ = gen.model(torch.tensor([ids[:-1]]))  # scores for every position of the first text
before_cut = torch.softmax(logits[0, start - 1:], dim=-1)  # row i: the distribution word i was drawn from
print(f"{'word':>12}  {'p at T = 1':>10}  {'words kept':>10}  {'p after top-p 0.8':>17}")
for i, (idx, shown) in enumerate(zip(ids[start:start + 12], panel.state.picked_probs[0])):
    kept = int((SamplingOptions(1.0, top_p=0.8).probs(logits[0, start - 1 + i]) > 0).sum())
    print(f"{gen.vocab.idx2token[idx]:>12}  {before_cut[i, idx]:10.3f}  {kept:>10}  {shown:17.3f}")

# %% [markdown]
# Where the model is sure ("to" after "preheat oven", 0.979 at $T = 1$; "°" and "f" after "350"),
# top-p keeps that one word and its p reads 1.000. Elsewhere the kept words share the 0.8 and each p
# grows by about 1 / 0.8: "preheat" has 0.189 before the cut and 0.236 after it, among 14 words kept.
# The chart's bars are after the cut too: a word outside the nucleus has a bar of 0.
#
# ## 6.8 What the chart shows of `<PAD>`, `<UNK>` and Hangul
#
# The vocabulary starts with three special tokens. The chart treats them so that its bars are real
# candidates for the next word:
#
# - `<PAD>` fills the short recipes of a batch up to the longest. It is never a next word in training
#   (the loss ignores it), so the model gives it next to nothing, and the generator stops if it is
#   ever drawn. The chart leaves it out.
# - `<UNK>` stands for every word outside the vocabulary. A model whose vocabulary misses words of
#   its corpus learns to predict it (notebook 5's quick preset keeps 3,000 words), and the generator
#   can draw it, so the chart keeps it, labelled "<UNK> (rare word)". The pretrained model's
#   vocabulary holds every word of its corpus (8,203 words, under the 10,000 limit), so it never saw
#   `<UNK>` as a target and gives it next to nothing too.
# - `<EOS>` ends a recipe; it is a real next word, and after it the chart shows what it was drawn
#   from (section 6.4).
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
# So with this model neither `<PAD>` nor `<UNK>` reaches the chart. With a smaller vocabulary
# `<UNK>` would, labelled as a rare word, and `<PAD>` still would not (the package's tests check both
# with a model of 400 words).
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
# - A panel is a few widgets and a callback: a `Text`, a `FloatSlider`, a `Button` whose `on_click`
#   runs the generator, and an `Output` to write into.
# - The package's panel (`interactive_text_generation_colab(gen)`, or `generation_panel(gen)`) adds
#   Max tokens, top-k, top-p, seeds, several samples, Step and Play, shaded words and a next-word chart
#   that follows every word and every slider value.
# - A text stops at `<EOS>` or at Max tokens, whichever comes first; after `<EOS>` the chart shows what
#   `<EOS>` was drawn from.
# - Every p shown is after temperature, top-k and top-p; under top-p a word that was the only one
#   left reads 1.000.
# - Every control is an attribute, so code can drive it: the text it writes is the generator's, and its
#   chart is `SamplingOptions(...).probs` of the position it names.
#
# ## Exercises
#
# **1. Predict, then run: which temperature makes the chart flat?** The 20-token text of section 6.5
# ends "remove pan from". Drag the Temperature slider to its right end, 2.0: will the ten bars be
# about equal? Guess the top bar and the share the ten bars hold together at $T$ = 0.5, 1.0, 1.5 and
# 2.0, then run the cell.

# %%
panel.prompt.value = "recipe for banana bread |"
panel.seed.value = "42"
panel.top_p.value = 1.0
panel.num_samples.value = 1
panel.temperature.value = 0.7
panel.max_tokens.value = 20
panel.generate_button.click()
for T in [0.5, 1.0, 1.5, 2.0]:
    panel.temperature.value = T
    word, top = panel.chart_words[0]
    print(f"T = {T}: top bar {word!r} {top:.3f}, the ten bars hold {sum(p for _, p in panel.chart_words):.3f}")

# %% [markdown]
# <details><summary>Solution</summary>
#
# No value of the slider makes it flat. At $T = 2.0$ "heat" still has 0.058, about 475 times the
# $1 / 8{,}203 = 0.00012$ of a uniform distribution (notebook 4's first exercise goes further). What
# changes is that the ten bars together hold only 0.164 at $T = 2$ (0.999 at $T = 0.5$): they shrink
# together while the probability moves to thousands of words off the chart.
#
# </details>
#
# **2. Predict, then run: more or fewer 1.000s?** In section 6.7, 22 of the 180 words drawn with
# top-p = 0.8 read p = 1.000. With top-p = 0.5, will more or fewer of them? And with top-p off?

# %%
panel.prompt.value = "recipe for pancakes |"
panel.temperature.value = 1.0
panel.num_samples.value = 3
panel.max_tokens.value = 60
for top_p in [0.5, 0.8, 1.0]:
    panel.top_p.value = top_p
    panel.generate_button.click()
    picked = [p for row in panel.state.picked_probs for p in row]
    print(f"top-p {top_p}: {sum(p == 1.0 for p in picked):>3} of the {len(picked)} words drawn read p = 1.000")

# %% [markdown]
# <details><summary>Solution</summary>
#
# More: 41 of 138 words with top-p = 0.5, 22 of 180 with 0.8, none with top-p off. A word reads
# 1.000 when the favourite alone holds at least top-p, so only it is kept; the favourite reaches 0.5
# alone far more often than 0.8. With top-p off nothing is cut and every p stays below 1. (The totals
# differ because with top-p = 0.5 some texts draw `<EOS>` before 60 tokens.)
#
# </details>
#
# **3. Predict, then run: after `<EOS>`, what does the temperature do to its bar?** The 200-token text
# of section 6.4 ended at `<EOS>`, drawn at $T = 0.7$ with p = 0.124, second to "serve" (0.142). With
# the text ended, move the slider to 0.2, then to 1.5: does the `<EOS>` bar grow or shrink?

# %%
panel.prompt.value = "recipe for banana bread |"
panel.top_p.value = 1.0
panel.num_samples.value = 1
panel.temperature.value = 0.7
panel.max_tokens.value = 200
panel.generate_button.click()
for T in [0.2, 0.7, 1.5]:
    panel.temperature.value = T
    bars = dict(panel.chart_words)
    print(f"T = {T}: <EOS> {bars['<EOS>']:.3f}, top bar {panel.chart_words[0][0]!r} {panel.chart_words[0][1]:.3f}")
panel.temperature.value = 0.7  # leave the panel as section 6.4 set it

# %% [markdown]
# <details><summary>Solution</summary>
#
# It grows when colder and shrinks when hotter: at $T = 0.2$ `<EOS>` has 0.294 (and "serve" 0.464):
# the two leaders take most of what the other words lose, as the two leaders of notebook 4 did. At
# $T = 1.5$ it has 0.031, as the long tail takes the probability. The chart redraws the position
# `<EOS>` was drawn at, not the one after it.
#
# </details>
#
# **4. Change this: the blog post's Max tokens slider in the ten-line panel.** Add an `IntSlider` for
# the number of tokens (10 to 500, step 10, as in the blog post) to the panel of section 6.2, and make
# the output say whether the text ended at `<EOS>` or at the limit.
#
# <details><summary>Solution</summary>
#
# ```python
# max_tokens = widgets.IntSlider(value=100, min=10, max=500, step=10, description="Max tokens:")
#
# def on_click(_):
#     state = gen.prefill(prompt.value)
#     gen.complete(state, max_tokens.value, SamplingOptions(temperature.value), gen.random_generator(0))
#     why = "ended at <EOS>" if state.finished[0] else f"stopped after {max_tokens.value} tokens"
#     output.outputs = ()
#     output.append_stdout(f"{gen.text(state.token_ids[0])}\n({why})\n")
#
# button = widgets.Button(description="Generate")
# button.on_click(on_click)
# display(widgets.VBox([prompt, temperature, max_tokens, button, output]))
# ```
#
# `gen.sample` returns only the text; `prefill` and `complete` (the loop every caller of the package
# uses) return the state, whose `finished` says whether `<EOS>` was drawn. A new `Button` is made
# because `on_click` adds a callback: on the old button both would run.
#
# </details>
#
# **5. Change this: the package's default model in the panel.** Build the panel of section 6.3 on
# `pretrained_generator()` (no name: two LSTM layers of 256, the embedding's matrix reused as the
# output layer, trained on long streams of text) instead of the book-size model. With the same seed
# and temperature, how do the texts and the next-word charts differ?
#
# <details><summary>Solution</summary>
#
# ```python
# better = generation_panel(pretrained_generator())
# display(better)
# ```
#
# Its texts keep to a recipe longer and its sentences break less often; its charts are usually more
# peaked, because a model with a lower perplexity is surer of the next word (at validation perplexity
# 20.6 against 35.3, it spreads its bets over about 21 words instead of 35). Being surer, it also
# repeats phrases of its training recipes more often (`benchmarks/quality.py` counts the samples that
# copy a run of 12 or more tokens).
#
# </details>
