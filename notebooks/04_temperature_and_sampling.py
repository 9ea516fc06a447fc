# %% [markdown]
# # 4. Temperature and sampling
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lstm-tutorial/lstm-tutorial/blob/main/notebooks/04_temperature_and_sampling.ipynb)
#
# The model gives every word of the vocabulary a probability; how we draw from those probabilities
# decides whether the text is safe and repetitive or varied and wild. We take the blog post's
# temperature apart, push it to 0 (greedy decoding), add top-k and top-p, and rebuild the book's
# tables of the most likely next words, all with the pretrained model that ships with the package:
# nothing is trained here, and no other notebook needs to run first.

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
import math
from collections import Counter

import matplotlib.pyplot as plt
import numpy as np
import torch

from lstm_tutorial import PyTorchTextGenerator, SamplingOptions, load_recipes, pretrained_model, tokenize
from lstm_tutorial.blog import apply_temperature
from lstm_tutorial.sampling import draw, next_token_probs


def show(probs: torch.Tensor) -> str:
    """Probabilities as a short, fixed-width string."""
    return "[" + ", ".join(f"{p:.4f}" for p in probs.tolist()) + "]"


# %% [markdown]
# ## 4.1 Temperature divides the scores
#
# The blog post's example: the model scores word 1 with 5, word 2 with -3 and word 3 with 10. These
# scores are the **logits**, raw numbers of any size; softmax turns them into probabilities.
# Temperature $T$ divides the logits before the softmax:
#
# $$P_i = \frac{\exp(z_i / T)}{\sum_j \exp(z_j / T)}$$
#
# $T < 1$ stretches the gaps between scores (sharpening), $T > 1$ shrinks them (flattening).

# %%
z = torch.tensor([5.0, -3.0, 10.0])
for T in [0.5, 1.0, 2.0, 5.0, 100.0]:
    p = torch.softmax(z / T, dim=0)
    assert p.argsort().tolist() == [1, 0, 2]  # the order of the words never changes
    print(f"T = {T:>5}: {show(p)}")

# %% [markdown]
# At $T = 100$ the three words are almost equally likely: the scores hardly matter any more. Dividing
# never changes the order of the words (the assert), only how far apart their probabilities are.
#
# ## 4.2 The blog post's `probs ** (1 / T)` is the same thing
#
# The blog post's `PyTorchTextGenerator.sample_from` gets probabilities, not scores, and sharpens
# them with `probs ** (1 / temperature)`, then renormalises. Since $p_i = e^{z_i} / S$,
# $p_i^{1/T} = e^{z_i / T} / S^{1/T}$: the factor $S^{1/T}$ is the same for every word and the
# renormalisation removes it. Here is the blog post's method as a function, checked against
# `softmax(z / T)` and the package. It draws with notebook 3's `draw(probs, generator)` (cumulative
# sum, a uniform $u$, `torch.searchsorted`) where the blog post calls `torch.multinomial`: the same
# distribution, and with a seed the same word as the package (section 4.3 checks it).

# %%
def sample_from(probs: torch.Tensor, temperature: float = 1.0, generator: torch.Generator | None = None):
    """The blog post's PyTorchTextGenerator.sample_from as a function, drawing with `draw`."""
    probs = probs ** (1 / temperature)
    probs = probs / probs.sum()
    sample_idx = int(draw(probs, generator))
    return sample_idx, probs.cpu().numpy()


p = torch.softmax(z, dim=0)
for T in [0.5, 2.0, 5.0]:
    _, blog_probs = sample_from(p, T)
    torch.testing.assert_close(torch.from_numpy(blog_probs), torch.softmax(z / T, dim=0))
    torch.testing.assert_close(apply_temperature(p, T), torch.softmax(z / T, dim=0))
    torch.testing.assert_close(next_token_probs(z, T), torch.softmax(z / T, dim=0))
print("the blog post's probs ** (1/T), renormalised == softmax(z / T) == the package's apply_temperature / next_token_probs")

# %% [markdown]
# Same numbers, but the blog post's way breaks for small $T$. At $T = 0.005$ each probability is
# raised to the power 200: $0.4^{200} \approx 10^{-80}$ is below the smallest float32, so every word
# becomes 0 and `0 / 0` is `nan`. At $T = 0$ it divides by zero. The package works on the scores:
# for $T < 1$ it computes `softmax((z - max z) / T)` (the largest scaled score is exactly 0, so
# nothing overflows), and $T = 0$ is greedy (section 4.6).

# %%
p4 = torch.tensor([0.4, 0.3, 0.2, 0.1])
for T in [0.005, 0.0]:
    try:
        print(f"blog post, T = {T}: {show(torch.from_numpy(sample_from(p4, T)[1]))}")
    except ZeroDivisionError as error:
        print(f"blog post, T = {T}: {type(error).__name__}: {error}")
    print(f"package,   T = {T}: {show(apply_temperature(p4, T))}")

# %% [markdown]
# ## 4.3 The pretrained model, and prefill
#
# From here on the numbers come from the model shipped inside the package: the book's architecture
# (embedding 100, LSTM with 128 hidden units) trained on 2,617 of the course's 3,271 recipes, with a
# validation perplexity of 35.3 on the other 654. `pretrained_model("book")` gives the model, its
# vocabulary and its checkpoint. We build the blog post's `PyTorchTextGenerator` from the model,
# `idx2token` and `token2idx`, as the blog post does, and check that our `sample_from` of section 4.2
# draws the same word as its `sample_from` with the same seed.
#
# **Prefill** means running the model over the whole prompt once, keeping the LSTM state and the
# logits for the word after it (the blog post's `logits[0, -1, :]`); generation then continues one
# word at a time from that state.

# %%
model, vocab, checkpoint = pretrained_model("book", "cpu")
gen = PyTorchTextGenerator(model, vocab.idx2token, vocab.token2idx, "cpu")
V = len(gen.idx2token)
print(f"{V} words in the vocabulary; validation perplexity {math.exp(checkpoint['val_loss']):.1f}")

# %% [markdown]
# Our prompts start with dishes the corpus really has (a prompt for a dish it never saw makes the
# model wander to whatever it knows). Each recipe is one string, "Recipe for {title} | {directions}":

# %%
recipes = load_recipes(verbose=False)
for dish in ["banana bread", "pancakes", "chicken curry"]:
    titles = [text.split(" | ")[0].removeprefix("Recipe for ") for text in recipes if dish in text.lower().split(" | ")[0]]
    assert titles, dish
    print(f"{dish!r}: {len(titles)} recipes, e.g. {titles[:2]}")

# %%
prompt = "recipe for banana bread | preheat the oven to"
state = gen.prefill(prompt)
logits = state.next_logits[0]  # [vocab]: raw scores for the word after the prompt
probs = torch.softmax(logits, dim=-1)
assert logits.shape == (V,)  # one score per vocabulary word

# our sample_from and the package's agree on the real distribution, and with one seed on the word drawn
print(f"{prompt!r}: logits {tuple(logits.shape)}")
for T in [0.5, 1.0, 1.5]:
    ours, blog_probs = sample_from(probs, T, torch.Generator().manual_seed(0))
    package, package_probs = gen.sample_from(probs, T, gen.random_generator(0))
    np.testing.assert_allclose(blog_probs, package_probs, rtol=1e-4, atol=1e-8)
    assert ours == package
    print(f"T = {T}, seed 0: sample_from draws {gen.idx2token[ours]!r}, the package's sample_from too")

# %% [markdown]
# ## 4.4 One next word at five temperatures
#
# The five most likely words after "preheat the oven to" at five temperatures, as a table, then the
# ten most likely as bars:

# %%
temperatures = [0.2, 0.5, 1.0, 1.5, 2.0]
for T in temperatures:
    best = next_token_probs(logits, T).topk(5)
    row = "  ".join(f"{gen.idx2token[i]:>4} {p:.3f}" for p, i in zip(best.values.tolist(), best.indices.tolist()))
    print(f"T = {T}: {row}   top 5 hold {best.values.sum():.3f}")

# dividing the logits by T raises the ratio of two probabilities to the power 1/T
p180, p350 = (next_token_probs(logits, 1.0)[gen.token2idx[w]].item() for w in ["180", "350"])
q180, q350 = (next_token_probs(logits, 0.2)[gen.token2idx[w]].item() for w in ["180", "350"])
assert math.isclose(q180 / q350, (p180 / p350) ** (1 / 0.2), rel_tol=1e-4)
print(f"\n180 / 350: {p180 / p350:.3f} at T = 1, {q180 / q350:.3f} = {p180 / p350:.3f} ** 5 at T = 0.2")

# %%
top = probs.topk(10)
words = [gen.idx2token[i] for i in top.indices.tolist()]
fig, axes = plt.subplots(1, len(temperatures), figsize=(16, 3.2), sharey=True)
for ax, T in zip(axes, temperatures):
    tempered = next_token_probs(logits, T)[top.indices]
    ax.bar(range(10), tempered.cpu().numpy(), color="tab:orange")
    ax.set_xticks(range(10), words, rotation=60)
    ax.set_title(f"T = {T}")
axes[0].set_ylabel("probability")
fig.suptitle(f"Next word after '{prompt}'")
plt.tight_layout()
plt.show()

# %% [markdown]
# At $T = 1$ the leaders are 180 and 350 (0.309 and 0.224): the corpus gives oven temperatures in
# °C and °F, and the model hedges. Lowering $T$ does not hand everything to the first: at $T = 0.2$,
# 180 takes 0.833 and 350 keeps 0.167. Dividing the logits by $T$ multiplies the gap between two
# scores by $1/T$, so the ratio of two probabilities is raised to the power $1/T$: 1.380 becomes
# $1.380^5 \approx 5.0$ = 0.833 / 0.167 (the check above), while the words far behind vanish
# (exercise 4 asks when 180 gets nearly everything). At $T = 2$ the bars flatten: the top five hold
# only 0.141, the rest is spread over thousands of words.

# %% [markdown]
# ## 4.5 Entropy against temperature
#
# **Entropy** $H = -\sum_i p_i \ln p_i$ measures how spread out a distribution is. With the natural
# log its unit is the **nat**; $e^H$ is the number of equally likely words the distribution is
# "worth". One certain word has $H = 0$; two words at 0.5 each have $H = \ln 2 \approx 0.69$; the
# uniform distribution over all $V$ words has the largest, $\ln V$, where the model's knowledge is
# gone. Three contexts: the oven temperature of section 4.4 (two leaders), the word after "to 350"
# (the model is sure), and the ingredient after "add the" (many words fit).

# %%
def entropy(p: torch.Tensor) -> float:
    p = p[p > 0]
    return max(0.0, -float((p * p.log()).sum()))  # max: an exact 1 gives -0.0


contexts = {
    "sure": "recipe for banana bread | preheat the oven to 350",
    "two leaders": "recipe for banana bread | preheat the oven to",
    "many fit": "recipe for chicken curry | add the",
}
context_logits = {name: gen.prefill(text).next_logits[0] for name, text in contexts.items()}
for name, scores in context_logits.items():
    best = torch.softmax(scores, -1).topk(3)
    leaders = ", ".join(f"{gen.idx2token[i]} {p:.3f}" for p, i in zip(best.values.tolist(), best.indices.tolist()))
    print(f"{name:>12} ('...{contexts[name][-22:]}'): {leaders}")

table_Ts = [0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 3.0]
print(f"\n{'H (nats) at T =':>16}" + "".join(f"{T:>7}" for T in table_Ts))
for name, scores in context_logits.items():
    print(f"{name:>16}" + "".join(f"{entropy(next_token_probs(scores, T)):7.3f}" for T in table_Ts))
print(f"ln 2 = {math.log(2):.3f}, ln 3 = {math.log(3):.3f}, ln V = {math.log(V):.3f}\n")
for T in [0.1, 0.02]:
    best = next_token_probs(context_logits["many fit"], T).topk(3)
    print(f"many fit at T = {T}: " + ", ".join(f"{gen.idx2token[i]} {p:.3f}" for p, i in
                                               zip(best.values.tolist(), best.indices.tolist())))

# %%
Ts = np.geomspace(0.02, 3.0, 60)
fig, ax = plt.subplots(figsize=(7, 4))
for name, scores in context_logits.items():
    H = np.array([entropy(next_token_probs(scores, float(T))) for T in Ts])
    assert np.all(np.diff(H) > -1e-4), "entropy grows with temperature"
    ax.plot(Ts, H, label=f"{name}: '...{contexts[name][-16:]}'")
ax.axhline(math.log(V), color="gray", linestyle="--", label=f"ln V (uniform over {V} words)")
ax.axhline(math.log(3), color="gray", linestyle="-.", label="ln 3 (three words at 1/3)")
ax.axhline(math.log(2), color="gray", linestyle=":", label="ln 2 (two words at 0.5)")
ax.axvline(1.0, color="gray", linewidth=0.8)
ax.set_xscale("log")
ax.set_xlabel("temperature T (log scale)")
ax.set_ylabel("entropy (nats)")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# Every curve rises with $T$ (the assert) towards $\ln V = 9.012$ (7.6 to 8.2 at $T = 3$). Towards
# $T \to 0$ they fall, the faster the further apart the leaders are:
#
# - **sure** ("°" at 0.995): $H$ is 0.053 at $T = 1$, 0.000 from $T = 0.5$ down;
# - **two leaders**: 0.453 at $T = 0.2$ (the uneven 0.833 / 0.167 split of section 4.4, below
#   $\ln 2$), about 0 (0.012) only at $T = 0.05$;
# - **many fit**: water, oil and onion are nearly tied at $T = 1$ (0.039, 0.038, 0.037), and ratios
#   this close to 1 stay close when raised to the power $1/T$: the curve flattens near
#   $\ln 3 = 1.099$ (1.199 at $T = 0.1$, the three holding 0.975), and at $T = 0.02$ it is still
#   0.603 (water 0.795, oil 0.169).
#
# $H \to 0$ as $T \to 0$, but where words are nearly tied only a tiny $T$ lets one take everything.

# %% [markdown]
# ## 4.6 T -> 0 is greedy decoding
#
# **Greedy decoding** always picks the single most likely next word (the argmax of the logits), with
# no randomness at all. As $T$ shrinks the largest probability goes to 1, so greedy is the limit
# $T \to 0$; the package accepts $T = 0$ and means exactly that.

# %%
for T in [1.0, 0.5, 0.2, 0.1, 0.05, 0.0]:
    print(f"T = {T:<4}: {show(next_token_probs(p4.log(), T))}")

# %% [markdown]
# With $T = 0$ generation no longer depends on the seed. A greedy loop by hand (prefill the prompt,
# then argmax and feed that word back with the carried state `(h, c)`, as in notebook 2), checked
# against the package's `generate(..., temperature=0)`:

# %%
@torch.no_grad()
def greedy_by_hand(prompt, max_tokens):
    ids = gen.encode_prompt(prompt)
    logits_, hidden = model(torch.tensor([ids]))  # prefill: the whole prompt at once
    next_logits = logits_[0, -1]
    for _ in range(max_tokens):
        next_id = int(next_logits.argmax())
        ids.append(next_id)
        if next_id in gen.stop_ids:  # <EOS> (or <PAD>) ends the text
            break
        step_logits, hidden = model.step(torch.tensor([next_id]), hidden)  # one word, carrying (h, c)
        next_logits = step_logits[0]
    return ids


start = "recipe for banana bread |"
info_a = gen.generate(start, max_tokens=60, temperature=0, seed=1, verbose=False)
info_b = gen.generate(start, max_tokens=60, temperature=0, seed=2, verbose=False)
assert [step["token"] for step in info_a] == [step["token"] for step in info_b]  # the random seed does not matter
by_hand = greedy_by_hand(start, 60)
assert [gen.idx2token[i] for i in by_hand[len(gen.encode_prompt(start)):]] == [step["token"] for step in info_a]
print("greedy by hand == generate(temperature=0), whatever the random seed\n")
print(f"T = 0 (greedy): {gen.text(by_hand)}")

# %% [markdown]
# Greedy starts like a real recipe ("preheat oven to 350°f (175°c). combine the flour, baking
# powder, and salt in a bowl.") and then loops on "add the onion and cook until the onion is
# tender": inside that sentence the most likely words lead back into it. The most likely word at each
# step does not make the most likely, let alone the best, text.
#
# Now three temperatures, each with a fixed seed so the text is the same every run (a text ends when
# the model draws `<EOS>`, which ends every recipe, or after 60 tokens):

# %%
for T in [0.5, 1.0, 1.5]:
    text = gen.sample(start, max_tokens=60, temperature=T, seed=0)[0]
    info = gen.generate(start, max_tokens=60, temperature=T, seed=0, verbose=False)  # same seed, same words
    ending = "ended at <EOS>" if info[-1]["token"] == "<EOS>" else "stopped at 60 tokens"
    print(f"T = {T} ({len(info)} tokens, {ending}): {text}\n")

counts = Counter(token for text in recipes for token in tokenize(text))
print("times in the corpus: " + ", ".join(f"{word} {counts[word]}" for word in ["banana", "garlic", "chicken"]))

# %% [markdown]
# At $T = 0.5$ the text is fluent but runs on a pattern (add the garlic ... add the chicken ... add
# the catfish) and uses all 60 tokens. At $T = 1.0$, the distribution the model learned, it is more
# varied, mostly grammatical, and ends by itself after 45 tokens. At $T = 1.5$ the sentences fall
# apart ("a blender eyes around nigerian jam"). None is really a banana bread recipe: the title
# steers the first words at most, and this small model soon drifts to what its corpus says most
# often: "garlic" and "chicken" each occur about ten times as often as "banana".
#
# ## 4.7 The blog post's `generate`, written out
#
# The package reads the prompt once and then carries the LSTM state (prefill, section 4.3). The blog
# post's `PyTorchTextGenerator.generate` is simpler: at every step it runs the model over the whole
# text so far. Here it is in our code, with its names and steps:
#
# 1. encode the prompt word by word (`lower().split()`), an unknown word becoming `<UNK>`;
# 2. up to `max_tokens` times: run the model over the tokens so far, take the softmax of the last
#    row of logits, draw the next word with `sample_from` at the temperature (section 4.2), append to
#    the `info` list a dict with the text so far (`"prompt"`) and the distribution drawn from
#    (`"word_probs"`), and append the word;
# 3. stop at `<EOS>` or `<PAD>`.
#
# The blog post has no seed; we seed a `torch.Generator` with `seed`, as the package does, so a run
# can be repeated.

# %%
class BlogTextGenerator:
    """The blog post's PyTorchTextGenerator in our code: sample_from (section 4.2) and generate."""

    def __init__(self, model, idx2token: list[str], token2idx: dict[str, int]):
        self.model = model.eval()
        self.idx2token = idx2token
        self.token2idx = token2idx

    @torch.no_grad()
    def generate(self, start_prompt: str, max_tokens: int = 100, temperature: float = 1.0,
                 seed: int | None = None, verbose: bool = True) -> list[dict]:
        generator = None if seed is None else torch.Generator().manual_seed(seed)
        unk = self.token2idx["<UNK>"]
        tokens = [self.token2idx.get(word, unk) for word in start_prompt.lower().split()]
        stop_tokens = {self.token2idx["<EOS>"], self.token2idx["<PAD>"]}
        info = []
        for _ in range(max_tokens):
            logits, _ = self.model(torch.tensor([tokens]))  # the whole text so far, at every step
            probs = torch.softmax(logits[0, -1], dim=-1)  # last row: the word after the last token
            next_token, word_probs = sample_from(probs, temperature, generator)
            info.append({"prompt": " ".join(self.idx2token[idx] for idx in tokens), "word_probs": word_probs})
            tokens.append(next_token)
            if next_token in stop_tokens:
                break
        if verbose:
            print(f"\nGenerated text:\n{' '.join(self.idx2token[idx] for idx in tokens)}\n")
        return info


blog_gen = BlogTextGenerator(model, vocab.idx2token, vocab.token2idx)
info = blog_gen.generate(start, max_tokens=60, temperature=1.0, seed=0)

# %% [markdown]
# That is the $T = 1$ text of section 4.6 word for word ("fry potatoes ... a lobster ..."), printed
# as the blog post prints it: tokens joined by spaces, with the `<EOS>` that stopped it. The
# package's `PyTorchTextGenerator(model, idx2token, token2idx).generate` carries $(h, c)$ instead;
# its `seed=` seeds a `torch.Generator` for `draw`, as ours does, so with one seed both must take the
# same steps. The check compares every step's `"prompt"` (the text so far, so the words drawn) and
# `"word_probs"`, at three temperatures and for two prompts:

# %%
for text in [start, "recipe for matcha banana bread |"]:
    for T in [0.5, 1.0, 1.5]:
        ours = blog_gen.generate(text, max_tokens=60, temperature=T, seed=0, verbose=False)
        package = gen.generate(text, max_tokens=60, temperature=T, seed=0, verbose=False)
        assert [step["prompt"] for step in ours] == [step["prompt"] for step in package]  # the same words
        for mine, theirs in zip(ours, package):
            np.testing.assert_allclose(mine["word_probs"], theirs["word_probs"], rtol=1e-4, atol=1e-7)
        print(f"{text!r}, T = {T}, seed 0: the same {len(ours)} steps, prompts and word_probs")

# %% [markdown]
# Six runs, the same steps, words and distributions: carrying the state changes the cost, not the
# text. The second prompt has a word the vocabulary lacks, "matcha"; split word by word it becomes
# `<UNK>`, which the model reads like any other token. That run, and the first entries of its `info`
# list (each `word_probs` shown by its size, sum and three leaders):

# %%
info = blog_gen.generate("recipe for matcha banana bread |", max_tokens=20, temperature=1.0, seed=0)
assert "matcha" not in blog_gen.token2idx and info[0]["prompt"] == "recipe for <UNK> banana bread |"
for step in info[:3]:
    word_probs = torch.from_numpy(step["word_probs"])
    best = word_probs.topk(3)
    leaders = ", ".join(f"{blog_gen.idx2token[i]} {p:.3f}" for p, i in zip(best.values.tolist(), best.indices.tolist()))
    print(f"{{'prompt': {step['prompt']!r}, 'word_probs': {len(word_probs)} numbers, sum {word_probs.sum():.3f}}}"
          f"\n    most likely: {leaders}")

# %% [markdown]
# Each prompt is the one before plus the word drawn: "cut", not the leader "in" (0.141); after "cut
# soy", "sauce" leads with 0.642, but the draw gives "into" (0.084).
#
# ## 4.8 Top-k and top-p
#
# Temperature reshapes the distribution but never removes a word: the thousands of unlikely words
# keep their small shares, and now and then one is drawn ("lobster" at $T = 1$; even at $T = 0.5$,
# "catfish"). Two common cuts (not in the blog post; options of the package's
# `SamplingOptions(temperature, top_k, top_p)`):
#
# - **top-k** keeps the $k$ most likely words and renormalises them to sum 1;
# - **top-p** (**nucleus sampling**) keeps the smallest set of most likely words whose probabilities
#   add up to at least $p$, and renormalises: few words when the model is sure, many when it is not.
#
# Temperature comes first, then the cut. Both by hand on a toy distribution, checked against
# `SamplingOptions.probs` on it and on the model's real distributions:

# %%
toy_words = ["2", "4", "3", "the", "cup", "onion"]
toy = torch.tensor([0.45, 0.20, 0.12, 0.10, 0.08, 0.05])


def top_k_by_hand(p, k):
    keep = torch.zeros_like(p, dtype=torch.bool)
    keep[p.topk(k).indices] = True
    return torch.where(keep, p, 0) / p[keep].sum()


def top_p_by_hand(p, top_p):
    order = p.argsort(descending=True)
    mass_before = p[order].cumsum(0) - p[order]  # probability of the words ranked above each word
    keep = torch.zeros_like(p, dtype=torch.bool)
    keep[order[mass_before < top_p]] = True  # keep a word while those above it hold less than top_p
    return torch.where(keep, p, 0) / p[keep].sum()


torch.testing.assert_close(top_k_by_hand(toy, 3), SamplingOptions(top_k=3).probs(toy.log()))
torch.testing.assert_close(top_p_by_hand(toy, 0.8), SamplingOptions(top_p=0.8).probs(toy.log()))
print(f"{'':15}" + "".join(f"{w:>8}" for w in toy_words))
for name, q in [("T = 1", toy), ("top_k = 3", top_k_by_hand(toy, 3)), ("top_p = 0.8", top_p_by_hand(toy, 0.8)),
                ("T = 2, top_k 3", SamplingOptions(2.0, top_k=3).probs(toy.log()))]:
    print(f"{name:15}" + "".join(f"{x:8.3f}" for x in q.tolist()))

# the same on the model's three real distributions, with temperature first
checked = 0
for scores in context_logits.values():
    for T in [0.5, 1.0, 1.5]:
        tempered = SamplingOptions(T).probs(scores)
        for k in [1, 5, 50]:
            torch.testing.assert_close(top_k_by_hand(tempered, k), SamplingOptions(T, top_k=k).probs(scores))
            checked += 1
        for top_p in [0.5, 0.9, 0.99]:
            torch.testing.assert_close(top_p_by_hand(tempered, top_p), SamplingOptions(T, top_p=top_p).probs(scores))
            checked += 1
print(f"\nhand-written top-k and top-p == SamplingOptions on {checked} real distributions")

# %% [markdown]
# Top-p = 0.8 keeps four words: the first three add up to only 0.77, so the fourth, "the", is needed
# to reach 0.8, and the four are renormalised ("2": 0.45 / 0.87 = 0.517). Top-k = 3 keeps three
# whatever their share. In the last row temperature first flattens the toy distribution, then the cut
# keeps three. (Where words tie with the $k$-th, the package keeps them all and the hand version
# exactly $k$; real scores do not tie, so the 54 checks agree.)
#
# ## 4.9 Top-p adapts to how sure the model is
#
# How many words does top-p = 0.9 keep in our three contexts as the temperature rises?

# %%
kept = {name: [int((SamplingOptions(float(T), top_p=0.9).probs(scores) > 0).sum()) for T in Ts]
        for name, scores in context_logits.items()}
for name, scores in context_logits.items():
    counts = [int((SamplingOptions(T, top_p=0.9).probs(scores) > 0).sum()) for T in [0.5, 1.0, 1.5, 2.0]]
    print(f"{name:>12}: top-p 0.9 keeps " + " / ".join(f"{n:>4}" for n in counts) + " words at T = 0.5 / 1 / 1.5 / 2")

fig, ax = plt.subplots(figsize=(7, 4))
for name, counts in kept.items():
    ax.plot(Ts, counts, label=f"{name}: '...{contexts[name][-16:]}'")
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("temperature T (log scale)")
ax.set_ylabel("words kept by top-p = 0.9")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# The same top-p = 0.9 keeps a single word where the model is sure ("°", at $T$ = 0.5 and 1; 8 at
# 1.5), 2, 19 and 473 words after "preheat the oven to", and 27, 240 and 824 after "add the": it adapts
# to the model's certainty, where top-k keeps the same number everywhere. But it cannot undo a high
# temperature: at $T = 2$ it keeps 814 to 2,022 words in every context, because the flattened tail
# holds so much probability. That is why top-p is usually paired with $T \le 1$.
#
# ## 4.10 The book's tables: the five most likely next words
#
# The book prints the five most likely next words for two prompts at $T = 1.0$ and $T = 0.2$. Its
# prompts ("recipe for roasted vegetables | chop 1 /" and "recipe for chocolate ice cream |") name
# dishes our corpus lacks, so we use dishes it has, in the same places: after "1 /" a denominator
# should follow; after the `|` that ends a title, the first word of the directions; and after "add
# the", an ingredient, where many words fit.

# %%
table_prompts = ["recipe for banana bread | add 1 /", "recipe for chicken curry |", "recipe for chicken curry | add the"]
for text in table_prompts:
    scores = gen.prefill(text).next_logits[0]
    print(f"\n{text}")
    for T in [1.0, 0.2]:
        best = next_token_probs(scores, T).topk(5)
        row = "  ".join(f"{gen.idx2token[i]!r:>10}: {p:.3f}" for p, i in zip(best.values.tolist(), best.indices.tolist()))
        print(f"  T = {T}: {row}   (sum {best.values.sum():.3f})")

# %% [markdown]
# The book's point holds: after "1 /" the five leaders are denominators (2, 4, 3, 8, 1) and hold
# 0.916 at $T = 1$; after the `|`, words that start directions (combine, preheat, in, heat, boil)
# hold 0.471. At $T = 0.2$ the leaders take almost everything where one or two words lead: 1.000
# after "1 /", 0.997 after the `|`. After "add the" the top five hold 0.166 at $T = 1$ and still only
# 0.866 at $T = 0.2$: water, oil and onion, nearly tied, keep sharing it (0.306, 0.263, 0.225).
#
# ## Summary
#
# - Temperature divides the logits: `softmax(z / T)`, the same as the blog post's `probs ** (1/T)`
#   renormalised, but safe for small $T$, and $T = 0$ is greedy decoding.
# - $T < 1$ sharpens (safe, repetitive), $T > 1$ flattens (varied, then gibberish). Entropy rises
#   with $T$ from 0 towards $\ln V$; where several words are nearly tied it stays near the log of
#   their number ($\ln 3$ for water, oil and onion) until $T$ is very small.
# - The blog post's `generate` runs the model over the whole text at every step and keeps an `info`
#   list; with the same seed it writes what the package writes from a carried state.
# - Top-k keeps a fixed number of words, top-p (nucleus) a fixed share of the probability, so it keeps
#   few words where the model is sure and many where it is not.
#
# Notebook 5 trains a model like this one; notebook 6 puts all these knobs on sliders.
#
# ## Exercises
#
# **1. Predict, then run: which temperature makes the chart flat?** At $T = 2$ the bars of section
# 4.4 look almost flat. Is the distribution after "preheat the oven to" close to uniform there? Guess
# its entropy at $T$ = 2, 10, 100 and 1000 as a share of $\ln V = 9.012$, then run the cell.

# %%
for T in [2, 10, 100, 1000]:
    q = next_token_probs(logits, T)
    H_T = entropy(q)
    print(f"T = {T:>4}: H = {H_T:.3f} = {H_T / math.log(V):.3f} of ln V, worth e^H = {math.exp(H_T):4.0f} words; "
          f"largest p = {q.max():.5f}, uniform 1/V = {1 / V:.5f}")

# %% [markdown]
# <details><summary>Solution</summary>
#
# The shares are 0.749 at $T = 2$, 0.994 at $T = 10$, and 1.000 (to three decimals) at 100 and
# 1000. So not at $T = 2$: $H$ is worth about 853 equally likely words out of 8,203, and 180 is still
# about 391 times (0.04765 × 8,203) as likely as under the uniform distribution; the bars look flat
# because all ten shrink together. At $T = 10$, 7,747 words; at 1000, all 8,203: a large $T$ brings
# every logit close to 0, and what the model learned is gone.
#
# </details>
#
# **2. Predict, then run: is top-k = 1 the same as greedy?** `sample(..., temperature=1, top_k=1)`
# draws at random, with a seed. Will it write the greedy text of section 4.6 for every seed? And a
# tiny top-p, 0.01?

# %%
greedy_text = gen.sample(start, max_tokens=60, temperature=0)[0]
for seed in range(3):
    same_k = gen.sample(start, max_tokens=60, temperature=1.0, top_k=1, seed=seed)[0] == greedy_text
    same_p = gen.sample(start, max_tokens=60, temperature=1.0, top_p=0.01, seed=seed)[0] == greedy_text
    print(f"seed {seed}: top_k = 1 writes the greedy text: {same_k};  top_p = 0.01: {same_p}")

# %% [markdown]
# <details><summary>Solution</summary>
#
# Yes for both, whatever the seed. Top-k = 1 keeps only the most likely word, at probability 1, so
# the draw has one choice: greedy decoding. Top-p = 0.01 keeps the smallest set of leading words that
# holds 0.01, and the first word alone does. (Only an exact tie for first place could differ.)
#
# </details>
#
# **3. Change this: make the blog post's `probs ** (1 / T)` safe.** The cell below holds the blog
# post's arithmetic. Rewrite `my_tempered` so that the check prints OK for every $T$, including
# 0.005 (where the blog post's version gives nan) and 0 (greedy).

# %%
def my_tempered(probs, temperature):
    """Exercise: the blog post's way. Make it work for small T and for T = 0."""
    probs = probs ** (1 / temperature)
    return probs / probs.sum()


for T in [2.0, 0.5, 0.005, 0.0]:
    try:
        mine = my_tempered(p4, T)
        verdict = "OK" if torch.allclose(mine, apply_temperature(p4, T), atol=1e-6) else f"differs: {show(mine)}"
    except ZeroDivisionError as error:
        verdict = f"ZeroDivisionError: {error}"
    print(f"T = {T}: {verdict}")

# %% [markdown]
# <details><summary>Solution</summary>
#
# Work with logs, as the package does: $p^{1/T}$ renormalised is `softmax(log p / T)`, and
# `torch.softmax` subtracts the largest value before exponentiating, so nothing underflows to
# `0 / 0`. $T = 0$ is the limit, all probability on the largest:
#
# ```python
# def my_tempered(probs, temperature):
#     if temperature == 0:
#         return torch.nn.functional.one_hot(probs.argmax(), len(probs)).float()
#     return torch.softmax(torch.log(probs) / temperature, dim=-1)
# ```
#
# </details>
#
# **4. Predict, then run: when does 180 take 99%?** After "preheat the oven to", 180 and 350 have a
# probability ratio of 1.380 at $T = 1$. Ignoring the other words, below which temperature does 180
# get at least 0.99? Work it out with the rule of section 4.4, then run the cell.

# %%
for T in [0.1, 0.09, 0.08, 0.07, 0.06]:
    print(f"T = {T}: p(180) = {next_token_probs(logits, T)[gen.token2idx['180']]:.4f}")

# %% [markdown]
# <details><summary>Solution</summary>
#
# 180 needs about 99 times the probability of 350, and the ratio at temperature $T$ is
# $1.380^{1/T}$, so $1/T \ge \ln 99 / \ln 1.380 = 4.595 / 0.322 \approx 14.3$, that is
# $T \le 0.07$. The cell agrees: p(180) is 0.9615 at $T = 0.1$ and 0.9900 at $T = 0.07$, 14 times
# below $T = 1$.
#
# </details>
#
# **5. Which word was the surprise?** The `info` list of section 4.7 keeps every distribution the
# blog post's `generate` drew from. In the $T = 1$ text (seed 0), which three drawn words had the
# smallest probability when drawn, and how small? The word drawn at step $i$ is the last word of the
# prompt of step $i + 1$. Guess from the text first (is "lobster" one?), then run the cell.

# %%
info = blog_gen.generate(start, max_tokens=60, temperature=1.0, seed=0, verbose=False)
drawn = [step["prompt"].split()[-1] for step in info[1:]]
picked_probs = [float(step["word_probs"][blog_gen.token2idx[word]]) for step, word in zip(info, drawn)]
for i in sorted(range(len(drawn)), key=picked_probs.__getitem__)[:3]:
    print(f"step {i:>2}: {drawn[i]!r} had p = {picked_probs[i]:.5f} (1 in {1 / picked_probs[i]:,.0f}) "
          f"after '...{info[i]['prompt'][-30:]}'")
print(f"median p of a drawn word: {np.median(picked_probs):.3f}")

# %% [markdown]
# <details><summary>Solution</summary>
#
# "lobster" is the biggest surprise: $p = 0.00004$, 1 chance in 25,663, after "shake the dough in
# a". Next come "shake" (0.00047, 1 in 2,111) and "whisking" (0.00324, 1 in 308), while the median
# drawn word had 0.121. Each of the thousands of tail words is unlikely, but together they hold
# enough that a 45-token text at $T = 1$ draws a few: what top-k and top-p (section 4.8) cut away.
#
# </details>
