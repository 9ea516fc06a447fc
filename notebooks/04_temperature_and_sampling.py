# %% [markdown]
# # 4. Temperature and sampling
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lstm-tutorial/lstm-tutorial/blob/main/notebooks/04_temperature_and_sampling.ipynb)
#
# The model gives every word of the vocabulary a probability; how we draw from those probabilities
# decides whether the text is safe and repetitive or varied and wild. We take the blog's
# temperature apart, push it to 0 (greedy), add top-k and top-p, and rebuild the book's tables of
# the most likely next words with the model notebook 5 trained.

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
import math

import matplotlib.pyplot as plt
import numpy as np

from lstm_tutorial.course import trained_generator
from lstm_tutorial.sampling import apply_temperature, next_token_probs


def show(probs: torch.Tensor) -> str:
    """Probabilities as a short, fixed-width string."""
    return "[" + ", ".join(f"{p:.4f}" for p in probs.tolist()) + "]"


# %% [markdown]
# ## 4.1 Temperature divides the scores
#
# The blog's example: the model scores word 1 with 5, word 2 with -3 and word 3 with 10. These
# logits are raw scores; softmax turns them into probabilities. Temperature $T$ divides the scores
# before the softmax:
#
# $$P_i = \frac{\exp(z_i / T)}{\sum_j \exp(z_j / T)}$$
#
# $T < 1$ stretches the gaps between scores (sharpening), $T > 1$ shrinks them (flattening).

# %%
z = torch.tensor([5.0, -3.0, 10.0])
for T in [0.5, 1.0, 2.0, 5.0, 100.0]:
    print(f"T = {T:>5}: {show(torch.softmax(z / T, dim=0))}")

# %% [markdown]
# At $T = 100$ the three words are almost equally likely: the scores hardly matter any more. Dividing
# never changes the order of the words, only how far apart their probabilities are.
#
# ## 4.2 The seed's `probs ** (1 / T)` is the same thing
#
# The seed's `PyTorchTextGenerator.sample_from` gets probabilities, not scores, and sharpens them
# with `probs ** (1 / temperature)`, then renormalises. Since $p_i = e^{z_i} / S$,
# $p_i^{1/T} = e^{z_i / T} / S^{1/T}$: the factor $S^{1/T}$ is the same for every word and the
# renormalisation removes it. Here is the seed's method as a plain function, checked against
# `softmax(z / T)` and against the package.

# %%
def seed_sample_from(probs, temperature=1.0):
    """The seed's PyTorchTextGenerator.sample_from, unchanged (as a function)."""
    probs = probs ** (1 / temperature)
    probs = probs / probs.sum()
    sample_idx = torch.multinomial(probs, 1).item()
    return sample_idx, probs.cpu().numpy()


torch.manual_seed(0)
p = torch.softmax(z, dim=0)
for T in [0.5, 2.0, 5.0]:
    _, seed_probs = seed_sample_from(p, T)
    torch.testing.assert_close(torch.from_numpy(seed_probs), torch.softmax(z / T, dim=0))
    torch.testing.assert_close(apply_temperature(p, T), torch.softmax(z / T, dim=0))
    torch.testing.assert_close(next_token_probs(z, T), torch.softmax(z / T, dim=0))
print("seed's probs ** (1/T), renormalised == softmax(z / T) == the package's apply_temperature / next_token_probs")

# %% [markdown]
# Same numbers, but the seed's way breaks for small $T$. With $T = 0.005$ each probability is raised
# to the power 200: $0.4^{200} \approx 10^{-80}$ is below the smallest float32, so every word
# becomes 0 and `0 / 0` is `nan`. With $T = 0$ the seed divides by zero. The package works on the
# scores instead: for $T < 1$ it computes `softmax((z - max z) / T)` (the largest scaled score is
# exactly 0, so nothing overflows or vanishes to nan), and it treats $T = 0$ as greedy.

# %%
p4 = torch.tensor([0.4, 0.3, 0.2, 0.1])
for T in [0.005, 0.0]:
    try:
        seed_sample_from(p4, T)
    except (RuntimeError, ZeroDivisionError) as error:
        print(f"seed, T = {T}: {type(error).__name__}: {error}")
    print(f"package, T = {T}: {show(apply_temperature(p4, T))}")

# %% [markdown]
# ## 4.3 The model notebook 5 trained
#
# `trained_generator()` loads `best.pt` from notebook 5 (from Google Drive under Colab); if there
# is none it trains the quick preset for a few seconds. It is the seed's `PyTorchTextGenerator`
# (the package calls it `TextGenerator`). `prefill` runs the model over a prompt once and keeps
# the logits for the next word: the `logits[0, -1, :]` of the seed's `generate`.

# %%
# NBVAL_IGNORE_OUTPUT: which model loads (notebook 5's checkpoint or a quick one trained now) depends on the run.
gen = trained_generator()
print(len(gen.idx2token), "words in the vocabulary")

# %%
prompt = "recipe for roasted vegetables | chop 1 /"
logits = gen.prefill(prompt).next_logits  # [vocab]: raw scores for the word after the prompt
probs = torch.softmax(logits, dim=-1)
assert logits.shape == (len(gen.idx2token),)  # one score per vocabulary word

# the seed's sample_from and the package's agree on the real distribution too
torch.manual_seed(0)
for T in [0.5, 1.0, 1.5]:
    _, seed_probs = seed_sample_from(probs, T)
    _, package_probs = gen.sample_from(probs, T)
    np.testing.assert_allclose(seed_probs, package_probs, rtol=1e-4, atol=1e-8)

# %% [markdown]
# Now one next-word distribution of the trained model at five temperatures: the ten most
# likely words after "chop 1 /" keep their order, but at $T = 0.2$ the first one takes nearly
# everything and at $T = 2$ the bars flatten towards the long tail of the vocabulary.

# %%
temperatures = [0.2, 0.5, 1.0, 1.5, 2.0]
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
# ## 4.4 Entropy against temperature
#
# Entropy $H = -\sum_i p_i \log p_i$ measures how spread out a distribution is; $e^H$ is the
# number of equally likely words it is "worth". At $T \to 0$ all the mass sits on one word
# ($H = 0$); as $T$ grows $H$ climbs towards $\log V$, the uniform distribution over all $V$
# words, where the model's knowledge is gone.

# %%
def entropy(p: torch.Tensor) -> float:
    p = p[p > 0]
    return float(-(p * p.log()).sum())


Ts = np.linspace(0.05, 3.0, 60)
H = np.array([entropy(next_token_probs(logits, float(T))) for T in Ts])
assert np.all(np.diff(H) > -1e-4), "entropy grows with temperature"
V = len(gen.idx2token)

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(Ts, H, label="next word after '... chop 1 /'")
ax.axhline(math.log(V), color="gray", linestyle="--", label=f"log V (uniform over {V} words)")
ax.axvline(1.0, color="gray", linewidth=0.8)
ax.set_xlabel("temperature T")
ax.set_ylabel("entropy (nats)")
ax.legend()
plt.show()

# %% [markdown]
# ## 4.5 T -> 0 is greedy
#
# As $T$ shrinks the largest probability goes to 1: the limit always picks the most likely word,
# which is greedy decoding. The package accepts $T = 0$ and means exactly that.

# %%
for T in [1.0, 0.5, 0.2, 0.1, 0.05, 0.0]:
    print(f"T = {T:<4}: {show(next_token_probs(p4.log(), T))}")

# %% [markdown]
# With $T = 0$ generation no longer depends on the random seed. Below, a greedy loop written by
# hand (argmax, then feed the word back with the carried state `(h, c)`, as in notebook 2) is
# checked against the package's `generate(..., temperature=0)`. Then the model writes from
# the same prompt at four temperatures: the greedy text tends to loop, the hot one rambles.

# %%
@torch.no_grad()
def greedy_by_hand(prompt, max_tokens):
    ids = gen.encode_prompt(prompt)
    x = torch.tensor([ids], device=gen.device)
    logits_, hidden = gen.model(x)
    for _ in range(max_tokens):
        next_id = int(logits_[0, -1].argmax())
        ids.append(next_id)
        if next_id in gen.stop_ids:
            break
        logits_, hidden = gen.model(torch.tensor([[next_id]], device=gen.device), hidden)
    return ids


start = "recipe for chocolate ice cream |"
info_a = gen.generate(start, max_tokens=40, temperature=0, seed=1, verbose=False)
info_b = gen.generate(start, max_tokens=40, temperature=0, seed=2, verbose=False)
assert [step["token"] for step in info_a] == [step["token"] for step in info_b]  # the seed does not matter
by_hand = greedy_by_hand(start, 40)
assert gen.tokens(by_hand[len(gen.encode_prompt(start)):]) == [step["token"] for step in info_a]
print("greedy by hand == generate(temperature=0), whatever the seed")

# %%
# NBVAL_IGNORE_OUTPUT: the texts depend on the trained model.
print(f"T = 0 (greedy): {gen.text(by_hand)}\n")
for T in [0.5, 1.0, 1.5]:
    print(f"T = {T}: {gen.sample(start, max_tokens=40, temperature=T, seed=0)[0]}\n")

# %% [markdown]
# ## 4.6 Top-k and top-p
#
# Temperature reshapes the whole distribution but never removes a word, so at $T = 1$ thousands
# of unlikely words still share a good part of the probability, and one of them gets drawn now and
# then. Two common cuts fix that (neither is in the blog; both are options of the package):
#
# - **top-k** keeps the $k$ most likely words and renormalises;
# - **top-p** (nucleus) keeps the smallest set of most likely words whose probabilities add up to at
#   least $p$, so it keeps few words when the model is sure and many when it is not.
#
# A toy next-word distribution after "chop 1 /", with both cuts written by hand and checked against
# `next_token_probs`:

# %%
toy_words = ["2", "4", "3", "the", "cup", "onion"]
toy = torch.tensor([0.45, 0.20, 0.12, 0.10, 0.08, 0.05])


def top_k_by_hand(p, k):
    keep = torch.zeros_like(p, dtype=torch.bool)
    keep[p.topk(k).indices] = True
    return torch.where(keep, p, 0) / p[keep].sum()


def top_p_by_hand(p, top_p):
    order = p.argsort(descending=True)
    mass_before = p[order].cumsum(0) - p[order]  # probability of the words ranked above
    keep = torch.zeros_like(p, dtype=torch.bool)
    keep[order[mass_before < top_p]] = True
    return torch.where(keep, p, 0) / p[keep].sum()


torch.testing.assert_close(top_k_by_hand(toy, 3), next_token_probs(toy.log(), top_k=3))
torch.testing.assert_close(top_p_by_hand(toy, 0.8), next_token_probs(toy.log(), top_p=0.8))
print(f"{'':14}" + "".join(f"{w:>8}" for w in toy_words))
for name, q in [("T = 1", toy), ("top_k = 3", top_k_by_hand(toy, 3)), ("top_p = 0.8", top_p_by_hand(toy, 0.8)),
                ("T = 2, top_k 3", next_token_probs(toy.log(), 2.0, top_k=3))]:
    print(f"{name:14}" + "".join(f"{x:8.3f}" for x in q.tolist()))

# %% [markdown]
# Top-p = 0.8 keeps four words: the first three add up to only 0.77. Temperature is applied first,
# then the cut, so the last row flattens the three survivors.
#
# On the trained model, top-p adapts to how sure the model is: count how many words it keeps after
# our two prompts as the temperature rises (the second prompt starts a recipe's directions, where
# many first words fit).

# %%
prompts = ["recipe for roasted vegetables | chop 1 /", "recipe for chocolate ice cream |"]
fig, ax = plt.subplots(figsize=(6, 3.5))
for text in prompts:
    scores = gen.prefill(text).next_logits
    kept = [int((next_token_probs(scores, float(T), top_p=0.9) > 0).sum()) for T in Ts]
    ax.plot(Ts, kept, label=f"'...{text[-16:]}'")
ax.set_yscale("log")
ax.set_xlabel("temperature T")
ax.set_ylabel("words kept by top-p = 0.9")
ax.legend()
plt.show()

# %% [markdown]
# ## 4.7 The book's tables: the five most likely next words
#
# The book prints the top five next words for two prompts at $T = 1.0$ and $T = 0.2$. After
# "chop 1 /" a recipe model should expect a fraction ("2", "4", "3"); after the `|` that ends a
# title it should expect the first word of the directions, often a verb. At $T = 0.2$ the leaders
# take most of the probability: nearly all of it where the model is sure (after "chop 1 /"), less
# where many words fit. Your numbers depend on how long notebook 5 trained.

# %%
# NBVAL_IGNORE_OUTPUT: the probabilities depend on the trained model.
for text in prompts:
    scores = gen.prefill(text).next_logits
    print(f"\n{text}")
    for T in [1.0, 0.2]:
        tempered = next_token_probs(scores, T)
        best = tempered.topk(5)
        row = "  ".join(f"{gen.idx2token[i]!r:>10}: {p:.3f}" for p, i in zip(best.values.tolist(), best.indices.tolist()))
        print(f"  T = {T}:  {row}")

# %% [markdown]
# ## Summary
#
# - Temperature divides the logits: `softmax(z / T)`, the same as the seed's `probs ** (1/T)`
#   renormalised, but safe for small $T$, and $T = 0$ is greedy.
# - $T < 1$ sharpens (safe, repetitive), $T > 1$ flattens (varied, then gibberish); entropy rises
#   steadily with $T$ from 0 towards $\log V$.
# - Top-k and top-p cut the tail of unlikely words; top-p adapts to how sure the model is.
#
# Next, notebook 5 trains the model these notebooks use, and notebook 6 puts all these knobs on
# sliders.
