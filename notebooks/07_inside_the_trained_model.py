# %% [markdown]
# # 7. Inside the trained model
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lstm-tutorial/lstm-tutorial/blob/main/notebooks/07_inside_the_trained_model.ipynb)
#
# The other notebooks treat the trained model from the outside: words in, probabilities out. Here we
# open it. What did its word vectors learn? What do its gates and its cell memory do while it reads a
# real recipe, and does any single unit track something we can name? How much does the carried state
# matter? And when it writes, does it write new text or quote its training recipes?
#
# Everything here uses the pretrained model shipped in the package (the book's sizes: embeddings of
# 100 numbers, 128 hidden units, a vocabulary of 8,203 words); nothing is trained.

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

# %% [markdown]
# We load the model, its vocabulary and its checkpoint (which records how it was trained), the
# corpus it was trained on, and the 177 held-out recipes: real recipes that are in no corpus, so the
# model has never seen them.

# %%
import math

import matplotlib.pyplot as plt
import torch.nn.functional as F
from tqdm.auto import tqdm

from lstm_tutorial import LSTMLM, TextGenerator, TrainConfig, load_recipes, pretrained_model, tokenize
from lstm_tutorial.baselines import CopyFinder
from lstm_tutorial.data import encode_recipes

model, vocab, checkpoint = pretrained_model("book", "cpu")  # in eval mode: dropout is off
config = TrainConfig.from_dict(checkpoint["config"])
corpus = load_recipes(verbose=False)  # the default corpus: the model's training and validation recipes
heldout = load_recipes("heldout", verbose=False)
print(model)
print(f"{len(vocab):,} words; validation perplexity {math.exp(checkpoint['val_loss']):.1f}; "
      f"{len(corpus):,} corpus recipes, {len(heldout)} held-out recipes")

# %% [markdown]
# ## 7.1 Nearest neighbours in the embedding table
#
# `nn.Embedding` (notebook 1) is a table with one row of 100 numbers per word: the word's
# **embedding**, or word vector. If training gave words that are used alike similar rows, we could read
# meaning off the table. To compare two rows we use the **cosine similarity**: their dot product
# divided by the product of their lengths, which is the cosine of the angle between them: 1 for the
# same direction, 0 for perpendicular, -1 for opposite. A word's **nearest neighbours** are the words
# whose rows have the highest cosine similarity with its row.
#
# We search among the 2,000 most frequent words (the vocabulary is sorted by frequency, after the
# three special tokens `<PAD>`, `<UNK>` and `<EOS>`): a word seen only a few times has had little
# chance to move its row.

# %%
FREQUENT = torch.arange(3, 2003)  # ids of the 2,000 most frequent words
WORDS = ["butter", "oil", "oven", "minutes", "chicken", "sugar", "bake", "stir", "onion", "350"]


def neighbours(vectors: torch.Tensor, word: str, k: int = 6) -> list[tuple[str, float]]:
    """The k frequent words whose rows of `vectors` have the highest cosine similarity with `word`'s row."""
    unit = F.normalize(vectors.detach(), dim=1)  # every row divided by its length
    word_id = vocab.token2idx[word]
    similarity = unit[FREQUENT] @ unit[word_id]  # [2000]: a dot product of unit vectors is the cosine
    similarity[FREQUENT == word_id] = -1.0  # leave out the word itself
    best = similarity.topk(k)
    return [(vocab.idx2token[FREQUENT[i]], s) for s, i in zip(best.values.tolist(), best.indices.tolist())]


def show_neighbours(vectors: torch.Tensor, words: list[str] = WORDS) -> None:
    for word in words:
        print(f"{word:>8}: " + ", ".join(f"{other} {s:.2f}" for other, s in neighbours(vectors, word)))


show_neighbours(model.embedding.weight)

# %% [markdown]
# Mostly noise. A few neighbours make sense (`stir`: `fold`, `whisk`; `onion`: `garlic`; `350`: other
# numbers, `375` and `400` among them), but `butter`'s nearest words are `bowls`, `course` and
# `burgers`, `oven`'s is `wait`, and the similarities are low, between 0.26 and 0.48. Why?
#
# `nn.Embedding` starts every row as 100 random numbers from a standard normal distribution, so
# each row starts with a length of about $\sqrt{100} = 10$. We can rebuild that start exactly: the
# trainer seeds torch with `config.seed` and then builds the model (the vocabulary and the batches,
# made in between, draw no random numbers from torch), so doing the same gives the untrained model
# the pretrained one began as; the check below confirms it. Two random 100-number vectors have a cosine
# similarity near 0 (give or take 0.1), and the best of 2,000 such cosines is about 0.3: the level of
# the similarities above.

# %%
torch.manual_seed(config.seed)  # what Trainer.from_texts does before it builds the model
start = LSTMLM.from_config(config, len(vocab))  # the same random start, untrained
trained_rows, start_rows = model.embedding.weight.detach(), start.embedding.weight.detach()

own_start = F.cosine_similarity(trained_rows, start_rows, dim=1)
other_start = F.cosine_similarity(trained_rows, start_rows.roll(1, dims=0), dim=1)  # another word's start
print(f"cosine(trained row, its own start row):      mean {own_start.mean():.3f} "
      f"(2,000 most frequent words: {own_start[FREQUENT].mean():.3f})")
print(f"cosine(trained row, another word's start):   mean {other_start.mean():.3f}")
print(f"row length: at the start {start_rows.norm(dim=1).mean():.2f}, trained {trained_rows.norm(dim=1).mean():.2f}; "
      f"moved by {(trained_rows - start_rows).norm(dim=1).mean():.2f}")

random_rows = F.normalize(torch.randn(2001, 100, generator=torch.Generator().manual_seed(0)), dim=1)
print(f"best cosine of one random vector among 2,000 others: {(random_rows[1:] @ random_rows[0]).max():.2f}")
assert own_start.mean() > 0.9 and other_start.abs().mean() < 0.1

# %% [markdown]
# Each trained row still points almost where its random start pointed (mean cosine 0.95; 0.91 for the
# 2,000 most frequent words, which moved a little more), while it has cosine 0.00 with another word's
# start: training moved the rows by about 3 while they are about 10 long. Roughly why: Adam moves each
# number by about the learning rate (0.003) per step, give or take a small factor, and a word's row
# gets a gradient only from the batches that contain the word. So the similarities between rows are mostly the similarities between
# their random starts, and the best of 2,000 random cosines (0.30) is about what we saw.
#
# The model still works: a random row is still a distinct code for its word, and the LSTM's input
# weights learn to read whatever the rows carry. The embedding table is simply not where this model
# keeps its sense of which words are alike.
#
# ## 7.2 The output layer's word vectors
#
# There is a second table with a row per word: the output layer `fc`, whose weight is
# `[8203, 128]`. The logit of word $w$ is $h \cdot W_w + b_w$ (notebook 3), so two words that fit the
# same places must get high scores from the same $h$: their rows must point the same way. And every
# row is trained at every position, not only when its word appears: the softmax gives every word of
# the vocabulary some probability, and the loss pushes all of them.

# %%
show_neighbours(model.fc.weight)

fc_own_start = F.cosine_similarity(model.fc.weight.detach(), start.fc.weight.detach(), dim=1)
print(f"\ncosine(trained output row, its own start row): mean {fc_own_start.mean():.3f}")
assert fc_own_start.mean() < 0.5

# %% [markdown]
# Here most neighbours make sense to a cook: `butter` is next to `margarine`, `oil` next to
# `olive`, `palm`, `vegetable` and `ghee`; `oven` next to `smoker`, `refrigerator` and `broiler`
# (places you put food); `minutes` next to `seconds`, `hours` and `days`; `chicken` next to `pork`,
# `shrimp`, `fish`; `bake` next to other instructions; `350` next to `375`, `400`, `325`. These rows
# moved far from their small random start (mean cosine 0.12 with it).
#
# The neighbours are words that fit the same places in a sentence, which is not always what a cook
# would put together: `sugar`'s are other ingredients, but not sweet ones (`mustard`, `vanilla`, `cocoa`,
# `cornstarch`), and `minutes` is also near `inches` and `oz`: like it, words that follow a number.
#
# ## 7.3 A map of words in two dimensions
#
# We cannot look at 128 dimensions, but we can look at the two along which a set of words spreads
# the most. That is **principal component analysis** (PCA): centre the rows (subtract their mean),
# take the singular value decomposition $X = U S V^T$; the first two rows of $V^T$ are the two
# directions of largest spread, and $X V_{:2}$ are the words' coordinates along them. The squares of
# the singular values say how much of the spread each direction holds.
#
# We pick 50 frequent words in four groups and draw both tables' rows. A 2-D picture can hide what
# the full dimensions hold, so we also count, in all dimensions, how many words have their nearest
# neighbour (among these 50) in their own group.

# %%
GROUPS = {
    "ingredients": ["butter", "oil", "sugar", "flour", "salt", "chicken", "beef", "pork", "onion", "garlic", "milk",
                    "rice", "eggs", "tomatoes"],
    "units": ["cup", "cups", "teaspoon", "tablespoon", "tbsp", "tsp", "minutes", "hours", "seconds", "inch",
              "g", "ml"],
    "verbs": ["stir", "bake", "boil", "chop", "mix", "add", "pour", "simmer", "fry", "whisk", "serve", "cut"],
    "numbers": ["1", "2", "3", "4", "5", "6", "10", "12", "15", "20", "30", "350"],
}
chosen = [word for words in GROUPS.values() for word in words]
group_of = [group for group, words in GROUPS.items() for _ in words]
chosen_ids = torch.tensor([vocab.token2idx[word] for word in chosen])
assert int(chosen_ids.max()) < 2003, "all frequent words"


def pca_2d(vectors: torch.Tensor) -> tuple[torch.Tensor, float]:
    """The chosen words' coordinates along their two directions of largest spread, and the share of spread they hold."""
    X = vectors.detach()[chosen_ids]
    X = X - X.mean(dim=0)
    _, S, Vh = torch.linalg.svd(X, full_matrices=False)
    return X @ Vh[:2].T, float((S[:2] ** 2).sum() / (S ** 2).sum())


def same_group_neighbours(vectors: torch.Tensor) -> dict[str, int]:
    """Per group, how many of its words have their nearest chosen word (cosine, all dimensions) in the group."""
    unit = F.normalize(vectors.detach()[chosen_ids], dim=1)
    similarity = (unit @ unit.T).fill_diagonal_(-2.0)
    nearest = similarity.argmax(dim=1).tolist()
    return {group: sum(group_of[i] == group_of[j] == group for i, j in enumerate(nearest)) for group in GROUPS}


fig, axes = plt.subplots(1, 2, figsize=(14, 6.5))
colours = dict(zip(GROUPS, ["tab:green", "tab:blue", "tab:red", "tab:purple"]))
for ax, (name, vectors) in zip(axes, [("embedding table (input)", model.embedding.weight),
                                      ("output layer rows", model.fc.weight)]):
    points, share = pca_2d(vectors)
    for group in GROUPS:
        mask = torch.tensor([g == group for g in group_of])
        ax.scatter(points[mask, 0], points[mask, 1], color=colours[group], label=group, s=18)
    for (x, y), word, group in zip(points.tolist(), chosen, group_of):
        ax.annotate(word, (x, y), fontsize=8, color=colours[group], xytext=(3, 2), textcoords="offset points")
    same = same_group_neighbours(vectors)
    ax.set_title(f"{name}: 2 directions hold {share:.0%} of the spread")
    ax.set_xlabel("first principal direction")
    ax.set_ylabel("second principal direction")
    print(f"{name}: the two directions hold {share:.1%} of the spread; {sum(same.values())} of {len(chosen)} "
          "words have their nearest neighbour in their own group (" + ", ".join(
              f"{group} {count} of {len(GROUPS[group])}" for group, count in same.items()) + ")")
axes[0].legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# With four groups of 12 to 14 words, a nearest neighbour picked at random would be in the same group
# about a quarter of the time (some 12 of the 50). The embedding table does better than chance, 33 of
# 50, mostly thanks to the numbers (11 of 12; they sit apart on one side of its map) and the
# ingredients (11 of 14); its units (4 of 12) and verbs (7 of 12) are mixed in with the rest. The
# output layer gets all 50, and its map shows the four groups apart, each in its own region. (The two directions are found without the group labels; the colours are added
# afterwards. Left and right, up and down have no meaning of their own: SVD may flip either
# direction.)
#
# ## 7.4 The gates and the cell state over a real recipe
#
# Notebook 2 wrote one LSTM step by hand. At step $t$ the LSTM reads the word vector $x_t$ and its
# previous output $h_{t-1}$ and computes four vectors of 128 numbers:
#
# - the input gate $i_t = \sigma(\cdot)$, between 0 and 1: how much of the candidate to write;
# - the forget gate $f_t = \sigma(\cdot)$: how much of the old cell state to keep;
# - the candidate $g_t = \tanh(\cdot)$, between -1 and 1: what to write;
# - the output gate $o_t = \sigma(\cdot)$: how much of the memory to show;
#
# each from $W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh}$ (PyTorch stacks the four in the order
# i, f, g, o). Then the **cell state** (the LSTM's long-term memory) is $c_t = f_t \odot c_{t-1} + i_t
# \odot g_t$ and the output is $h_t = o_t \odot \tanh(c_t)$ ($\odot$: element by element). Each of the
# 128 positions of these vectors is a **unit**.
#
# `nn.LSTM` runs all the steps inside one call and returns only $h$ and the last $c$. To see the gates
# we run the trained model's LSTM ourselves, one step at a time, and check that we get exactly what
# `nn.LSTM` and `torch.lstm_cell` (PyTorch's one-step function, which the package's generator uses)
# give.

# %%
def trace(ids: list[int]) -> dict[str, torch.Tensor]:
    """Run the model's LSTM over `ids` one step at a time from zeros; i, f, g, o, c and h at every step, each [steps, 128]."""
    lstm = model.lstm
    h, c = torch.zeros(lstm.hidden_size), torch.zeros(lstm.hidden_size)
    steps = {name: [] for name in "ifgoch"}
    with torch.no_grad():
        for x_t in model.embedding(torch.tensor(ids)):
            gates = lstm.weight_ih_l0 @ x_t + lstm.bias_ih_l0 + lstm.weight_hh_l0 @ h + lstm.bias_hh_l0
            i, f, g, o = gates.chunk(4)  # each [128], in PyTorch's order
            i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
            c = f * c + i * g  # keep part of the memory, write part of the candidate
            h = o * torch.tanh(c)  # show part of the memory
            for name, value in zip("ifgoch", (i, f, g, o, c, h)):
                steps[name].append(value)
    return {name: torch.stack(values) for name, values in steps.items()}


kheer = next(text for text in heldout if text.startswith("Recipe for Kheer"))
kheer_ids = vocab.encode(kheer)
kheer_tokens = tokenize(kheer)
kheer_steps = trace(kheer_ids)

lstm = model.lstm
with torch.no_grad():
    output, (h_n, c_n) = lstm(model.embedding(torch.tensor([kheer_ids])))
    h, c = torch.zeros(1, 128), torch.zeros(1, 128)
    for x_t in model.embedding(torch.tensor(kheer_ids)):
        h, c = torch.lstm_cell(x_t[None], (h, c), lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0, lstm.bias_hh_l0)
torch.testing.assert_close(kheer_steps["h"], output[0])  # every step's h
torch.testing.assert_close(kheer_steps["c"][-1], c_n[0, 0])  # the last c
torch.testing.assert_close((kheer_steps["h"][-1], kheer_steps["c"][-1]), (h[0], c[0]))
print(f"{len(kheer_ids)} tokens ({sum(i == vocab.unk_idx for i in kheer_ids)} unknown to the model): "
      "h at every step and the final c match nn.LSTM and torch.lstm_cell")
print(kheer)

# %% [markdown]
# The recipe for kheer (an Indian rice pudding) is one of the held-out recipes: the model has never
# seen it. It has a title with a parenthesis, numbers and a parenthesis in its directions. Below, each
# heatmap (a grid coloured by value) has one row per unit and one column per token; the colour is the
# value after reading that token. The cell state's colours stop at ±10: larger values get the end
# colours.

# %%
fig, axes = plt.subplots(4, 1, figsize=(16, 17), sharex=True)
for ax, (name, title) in zip(axes, [("i", "input gate i"), ("f", "forget gate f"), ("o", "output gate o"),
                                    ("c", "cell state c")]):
    colours = dict(cmap="RdBu_r", vmin=-10, vmax=10) if name == "c" else dict(cmap="viridis", vmin=0, vmax=1)
    image = ax.imshow(kheer_steps[name].T, aspect="auto", interpolation="nearest", **colours)
    ax.set_ylabel("unit")
    ax.set_title(f"{title}, after reading each token")
    fig.colorbar(image, ax=ax, pad=0.01)
axes[-1].set_xticks(range(len(kheer_tokens)), kheer_tokens, rotation=90, fontsize=8)
plt.tight_layout()
plt.show()

for name in "ifo":
    values = kheer_steps[name]
    print(f"{name}: mean {values.mean():.2f}; below 0.1: {(values < 0.1).float().mean():.0%}, "
          f"above 0.9: {(values > 0.9).float().mean():.0%}")
c_abs = kheer_steps["c"].abs()
print(f"c: from {kheer_steps['c'].min():.1f} to {kheer_steps['c'].max():.1f}; mean |c| after 10 tokens "
      f"{c_abs[9].mean():.1f}, after 40 {c_abs[39].mean():.1f}, after all {len(kheer_ids)} {c_abs[-1].mean():.1f}")

# %% [markdown]
# What the heatmaps show:
#
# - The forget gate is mostly open: 79% of its values are above 0.9 (mean 0.88), so most units keep
#   most of their memory from one token to the next. Its dark cells are units that wipe their
#   memory, and some tokens make many units do so at once (below).
# - The input gate is open most of the time too (mean 0.70, 54% of its values above 0.9).
# - The output gate is the most on-or-off: 41% of its values are below 0.1 and 36% above 0.9. At each
#   token it picks which units show their memory in $h$.
# - The cell state grows along the recipe. With $f$ near 1, $c_t \approx c_{t-1} + i_t g_t$ adds up
#   what is written, so many units drift steadily away from 0: the mean $|c|$ is 3.6 after 10
#   tokens, 7.4 after 40 and 9.3 after all 71, and the extremes reach -39 and 50 (the horizontal
#   bands at the right of the bottom heatmap). Where $|c|$ is large, $\tanh(c)$ is $\pm 1$ and $h$
#   shows only $\pm o$. A unit that adds about the same amount at every token counts the tokens
#   read: we meet one in section 7.5.
#
# The same trace over all 177 held-out recipes (cut to their first 200 tokens, as in training) shows
# which tokens make the most units forget: for each token that occurs at least 30 times, the share of
# units whose forget gate drops below 0.5 when they read it.

# %%
traces, token_lists = [], []
for seq in tqdm(encode_recipes(heldout, vocab, config.max_len), desc="held-out recipes"):
    ids = seq[:-1]  # the model's inputs: everything but the final target
    traces.append(trace(ids))
    token_lists.append([vocab.idx2token[i] for i in ids])
all_tokens = [token for tokens in token_lists for token in tokens]
forgetting = torch.cat([steps["f"] for steps in traces]).lt(0.5).float().mean(dim=1)  # [tokens]
print(f"{len(all_tokens):,} tokens of {len(traces)} held-out recipes; on average {forgetting.mean():.1%} "
      "of the units forget at a token")

by_token = {}
for token, share in zip(all_tokens, forgetting.tolist()):
    by_token.setdefault(token, []).append(share)
ranked = sorted((sum(shares) / len(shares), token) for token, shares in by_token.items() if len(shares) >= 30)
print("most forgetting: " + ", ".join(f"{token!r} {share:.0%}" for share, token in ranked[::-1][:10]))
print("least forgetting: " + ", ".join(f"{token!r} {share:.1%}" for share, token in ranked[:8]))

# %% [markdown]
# On average 9.8% of the units forget (forget gate below 0.5) at a token. The tokens that make the
# most units forget start something: `recipe` (53%; it is the first token, where the memory is still
# empty anyway), then verbs that open a new step of the directions (`preheat`, `serve`, `set`, `pour`,
# `bake`, `cut`, `cover`) and `(` (22%). The tokens that make the fewest forget sit in the middle of a
# phrase: `/` (as in 1/2), `of`, `the`, `and`, the comma. Nobody told the model where steps begin; it
# learned to clear part of its memory there.
#
# ## 7.5 Looking for units that track something
#
# A well-known study of character-level LSTMs (Karpathy, Johnson and Fei-Fei, *Visualizing and
# Understanding Recurrent Networks*, 2015) found single cells that switch on inside quotes or count
# the characters of a line. Does our word-level model have units like that? We name four things a
# recipe reader must keep track of, as a number for every token (after reading it):
#
# - **in the title**: 1 until the `|` that ends the title, then 0;
# - **inside parentheses**: 1 after a `(` until its `)`;
# - **just read a number**: 1 if the token is a number (`2`, `350`);
# - **position**: how many tokens have been read so far.
#
# For every unit (128 cell-state units and 128 output units) we compute **Pearson's correlation** $r$
# with each feature over all tokens of the held-out traces: the covariance of the two divided by the
# product of their standard deviations. $r = 1$ means the unit rises and falls exactly in step with the
# feature (up to scale), $r = -1$ exactly against it, 0 no straight-line relation; $r^2$ is the share
# of the unit's variation that a straight line in the feature explains.

# %%
FEATURES = ["in the title", "inside parentheses", "just read a number", "position"]


def features(tokens: list[str]) -> torch.Tensor:
    """[tokens, 4]: the four features above, after reading each token."""
    title_end = tokens.index("|") if "|" in tokens else len(tokens)
    depth, rows = 0, []
    for t, token in enumerate(tokens):
        depth = depth + 1 if token == "(" else max(depth - 1, 0) if token == ")" else depth
        rows.append([t < title_end, depth > 0, token.isdigit(), t + 1])
    return torch.tensor(rows, dtype=torch.float)


def correlation(values: torch.Tensor, feature: torch.Tensor) -> torch.Tensor:
    """Pearson's r between each column of `values` [tokens, units] and `feature` [tokens]: [units]."""
    values, feature = values - values.mean(dim=0), feature - feature.mean()
    return (values * feature[:, None]).sum(dim=0) / (values.norm(dim=0) * feature.norm())


cells = torch.cat([steps["c"] for steps in traces])  # [tokens, 128]
outputs = torch.cat([steps["h"] for steps in traces])
feature_rows = torch.cat([features(tokens) for tokens in token_lists])  # [tokens, 4]
assert (feature_rows[:, 0].sum() > 0) and len(feature_rows) == len(cells)

best_units = {}
print(f"{'feature':20} {'share of tokens':>16} {'best c unit':>12} {'r':>7} {'best h unit':>12} {'r':>7}")
for k, name in enumerate(FEATURES):
    r_c, r_h = correlation(cells, feature_rows[:, k]), correlation(outputs, feature_rows[:, k])
    unit_c, unit_h = int(r_c.abs().argmax()), int(r_h.abs().argmax())
    share = f"{feature_rows[:, k].mean():.1%}" if name != "position" else f"mean {feature_rows[:, k].mean():.0f}"
    print(f"{name:20} {share:>16} {f'c[{unit_c}]':>12} {r_c[unit_c]:+7.3f} {f'h[{unit_h}]':>12} {r_h[unit_h]:+7.3f}")
    best_units[name] = ("c", unit_c, float(r_c[unit_c])) if abs(r_c[unit_c]) >= abs(r_h[unit_h]) else \
        ("h", unit_h, float(r_h[unit_h]))

# %% [markdown]
# Over 21,328 tokens, correlations this far from 0 do not come from chance, but they are not all
# strong:
#
# - **position**: cell unit `c[111]`, $r = -0.73$ ($r^2 = 0.54$), the strongest;
# - **in the title**: output unit `h[31]`, $r = +0.53$, and **inside parentheses**: `h[61]`,
#   $r = -0.46$: moderate;
# - **just read a number**: the best of the 256 units, `h[122]`, has only $r = -0.28$: weak. No
#   single unit is a number detector.
#
# We kept the best of 256 units for each feature, which flatters these numbers a little. On the other
# hand, one number can undersell a unit: $r$ also counts what the unit does where the feature is 0. A
# second look at the three output units (their values lie between -1 and 1): call a unit **on** where
# its value is beyond 0.5 in the direction of its $r$, and count how often the feature holds where
# the unit is on, and how many of the feature's tokens have the unit on. And for the position unit:
# its correlation with the position inside each recipe alone, and its slope (change per token) there.

# %%
print(f"{'feature':20} {'unit':>7} {'unit on':>8} {'feature holds there':>20} {'feature tokens with unit on':>28}")
for k, name in enumerate(FEATURES[:3]):
    r_h = correlation(outputs, feature_rows[:, k])
    unit = int(r_h.abs().argmax())
    on = torch.sign(r_h[unit]) * outputs[:, unit] > 0.5
    feature = feature_rows[:, k] > 0
    print(f"{name:20} {f'h[{unit}]':>7} {on.float().mean():>8.1%} {feature[on].float().mean():>20.0%} "
          f"{on[feature].float().mean():>28.0%}")

kind, unit, _ = best_units["position"]
per_recipe_r, slopes = [], []
for steps in traces:
    if len(steps[kind]) >= 20:
        values = steps[kind][:, unit]
        per_recipe_r.append(float(correlation(values[:, None], torch.arange(len(values), dtype=torch.float))))
        slopes.append(float(values[-1] - values[0]) / (len(values) - 1))
per_recipe_r, slopes = sorted(per_recipe_r), sorted(slopes)
print(f"\nposition, {kind}[{unit}] inside each of {len(slopes)} recipes of 20+ tokens: median r "
      f"{per_recipe_r[len(slopes) // 2]:+.2f}; change per token from {slopes[0]:+.2f} to {slopes[-1]:+.2f} "
      f"(median {slopes[len(slopes) // 2]:+.2f})")

# %% [markdown]
# The second look changes the picture for two of them:
#
# - `h[61]` is a real parenthesis unit: where it is on (3.2% of the tokens), the token is inside
#   parentheses 96% of the time, and it is on for 83% of the tokens inside parentheses. Its $r$ is
#   only -0.46 because outside parentheses it swings between 0 and +1, which $r$ counts against it.
# - `h[31]` is on for 90% of the title tokens, and where it is on we are in a title 64% of the time:
#   a title unit with false alarms.
# - `h[122]` is on for 99% of the numbers, but also for a third of all tokens, only 9% of which are
#   numbers: it reacts to numbers among many other things.
# - `c[111]` is a counter: inside each recipe it falls almost in a straight line (median $r$ -0.94),
#   but at a rate that differs from recipe to recipe (from 0.03 to 0.65 per token, median 0.30), which
#   is why $r$ over all recipes together is only -0.73.
#
# Here is each feature's best unit over the kheer recipe, with the tokens where the feature is 1
# shaded (for the position, the feature is the x axis itself).

# %%
kheer_features = features(kheer_tokens)
fig, axes = plt.subplots(4, 1, figsize=(16, 11), sharex=True)
for k, (ax, name) in enumerate(zip(axes, FEATURES)):
    kind, unit, r = best_units[name]
    ax.plot(kheer_steps[kind][:, unit], color="black", marker=".")
    if name != "position":
        for t in torch.nonzero(kheer_features[:, k]).flatten().tolist():
            ax.axvspan(t - 0.5, t + 0.5, color="tab:orange", alpha=0.3, linewidth=0)
    ax.set_ylabel(f"{kind}[{unit}]")
    shaded = " (shaded)" if name != "position" else ""
    ax.set_title(f"{name}{shaded}: unit {kind}[{unit}], r = {r:+.2f} over the held-out recipes")
axes[-1].set_xticks(range(len(kheer_tokens)), kheer_tokens, rotation=90, fontsize=8)
plt.tight_layout()
plt.show()

# %% [markdown]
# On the kheer recipe: `h[31]` is near +1 through the whole title and drops as soon as the directions
# begin, then stays between -1 and about +0.4. `h[61]` is negative inside both parentheses (down to
# -0.98; only at `about` is it 0) and at every other token of this recipe close to 0 or positive.
# `h[122]` is at -1 at both numbers, `20` and `5`, and just as low at many tokens that are not numbers
# (`kheer`, `rice`, `until`, `prevent`, `serve`...). `c[111]` falls from about -1 to -32, a little at
# almost every token.
#
# ## 7.6 Carried versus zero state
#
# The state $(h, c)$ is all the model knows about what it has read. How much does it matter on the
# trained model? We take every held-out recipe of at least 62 tokens (cut to 200, as in training),
# split it in half and score the second half two ways:
#
# - **carried**: read the first half, then the second half from the state the first half left;
# - **reset**: read the second half alone, starting from zeros, as if the recipe began there.
#
# For each position of the second half we average, over the recipes, the loss (the negative log
# probability of the true next word, in **nats**: the unit of information when logarithms are
# natural, as in notebook 3) and the **KL divergence** from the carried next-word distribution $P$
# to the reset one $Q$: $\mathrm{KL}(P \| Q) = \sum_w P(w) \log \frac{P(w)}{Q(w)}$, 0 when the two
# distributions are the same and larger the more they differ. The first word of the second half is
# read but not scored: without it the reset model has nothing to predict from.

# %%
long_recipes = [seq for seq in encode_recipes(heldout, vocab, config.max_len) if len(seq) >= 62]
POSITIONS = 30  # every second half has at least 30 targets


def zeros(state):
    return tuple(torch.zeros_like(part) for part in state)


def second_half_scores(change_state) -> dict:
    """Loss per position (first POSITIONS targets of every second half) carried and with change_state(state),
    the KL between the two, and the perplexity of whole second halves both ways."""
    sums = {"carried": torch.zeros(POSITIONS), "changed": torch.zeros(POSITIONS), "kl": torch.zeros(POSITIONS)}
    totals = {"carried": 0.0, "changed": 0.0}
    targets_scored = 0
    with torch.no_grad():
        for seq in long_recipes:
            half = len(seq) // 2
            _, state = model(torch.tensor([seq[:half]]))  # read the first half
            second = torch.tensor(seq[half:])
            log_p = F.log_softmax(model(second[None, :-1], state)[0][0], dim=-1)  # carried
            log_q = F.log_softmax(model(second[None, :-1], change_state(state))[0][0], dim=-1)
            targets = second[1:]
            for key, log_probs in [("carried", log_p), ("changed", log_q)]:
                losses = -log_probs.gather(1, targets[:, None])[:, 0]
                sums[key] += losses[:POSITIONS]
                totals[key] += float(losses.sum())
            sums["kl"] += (log_p.exp() * (log_p - log_q)).sum(dim=-1)[:POSITIONS]
            targets_scored += len(targets)
    means = {key: value / len(long_recipes) for key, value in sums.items()}
    means["perplexity"] = {key: math.exp(total / targets_scored) for key, total in totals.items()}
    return means


reset = second_half_scores(zeros)
print(f"{len(long_recipes)} recipes; perplexity of their second halves: "
      f"carried {reset['perplexity']['carried']:.1f}, reset {reset['perplexity']['changed']:.1f}")
for k in [0, 1, 4, 9, 19, 29]:
    print(f"  position {k + 1:2}: loss carried {reset['carried'][k]:.2f}, reset {reset['changed'][k]:.2f}, "
          f"KL {reset['kl'][k]:.3f} nats")
assert reset["perplexity"]["changed"] > reset["perplexity"]["carried"]

fig, (ax_loss, ax_kl) = plt.subplots(1, 2, figsize=(12, 4))
positions = range(1, POSITIONS + 1)
ax_loss.plot(positions, reset["carried"], marker=".", label="carried")
ax_loss.plot(positions, reset["changed"], marker=".", label="reset to zeros")
ax_loss.set_xlabel("position in the second half")
ax_loss.set_ylabel("mean loss (nats)")
ax_loss.set_title("loss of the true next word")
ax_loss.legend()
ax_kl.plot(positions, reset["kl"], marker=".", color="tab:red")
ax_kl.set_xlabel("position in the second half")
ax_kl.set_ylabel("mean KL (nats)")
ax_kl.set_title("KL(carried || reset)")
plt.tight_layout()
plt.show()

# %% [markdown]
# Reset to zeros, the model's first guesses are far worse: at the first scored position the loss is
# 7.37 nats against 3.49 with the state carried, and the KL divergence is 4.0 nats. The reset model
# catches up quickly as it reads: by the 10th word the losses are 3.64 and 3.46 (KL 0.25), by the
# 30th the two distributions are nearly the same (KL 0.045). Over whole second halves the perplexity
# is 44.6 reset against 35.3 carried.
#
# So what the state carries matters most for the next ten or so words; after that the model has
# rebuilt most of what it needs from the text itself. This is why the generator carries the state
# from word to word (notebook 2), and why cutting recipes into pieces that each start from zeros
# would cost accuracy at the start of every piece.
#
# ## 7.7 New text or quotation? A novelty check
#
# A language model with enough capacity can memorise its training text and recite it. Does ours?
# We generate 20 recipes of up to 60 new tokens at $T = 0.8$ (seeded, so the run is repeatable) and
# ask two questions about each:
#
# - the **longest copied run**: the largest $n$ such that some $n$ consecutive tokens of the sample
#   also appear, in the same order, in one recipe of the corpus (the package's `CopyFinder`);
# - is its **title copied**: is "recipe for ... |" exactly the title of a corpus recipe?
#
# Recipes share many phrases ("preheat the oven to 350 ° f ."), so a run of a few tokens proves
# nothing. As a yardstick we measure the same for the first 62 tokens of 20 held-out recipes: real
# recipes written by people, which the model never saw. (Building `CopyFinder`'s tables for the whole
# corpus takes some seconds and a gigabyte or two of memory.)

# %%
generator = TextGenerator(model, vocab)
samples = generator.sample("recipe for", num_samples=20, max_tokens=60, temperature=0.8, seed=0)

corpus_tokens = [tokenize(text) for text in corpus]
finder = CopyFinder(corpus_tokens)


def title_tokens(tokens: list[str]) -> tuple[str, ...] | None:
    """The tokens before the first "|" (None if there is none)."""
    return tuple(tokens[: tokens.index("|")]) if "|" in tokens else None


corpus_titles = {title_tokens(tokens) for tokens in corpus_tokens}
sample_runs = [finder.longest_run(tokenize(text)) for text in tqdm(samples, desc="samples")]
copied_titles = [" ".join(title_tokens(tokenize(text))) for text in samples if title_tokens(tokenize(text)) in corpus_titles]
heldout_runs = [finder.longest_run(tokenize(text)[:62]) for text in tqdm(heldout[:20], desc="held-out")]

print(" run  title copied?  sample")
for text, run in zip(samples, sample_runs):
    copied = title_tokens(tokenize(text)) in corpus_titles
    print(f"{run:4}  {'yes' if copied else 'no':13}  {text[:95]}{'...' if len(text) > 95 else ''}")
print(f"\nlongest copied run, median: samples {sorted(sample_runs)[10]}, held-out recipes {sorted(heldout_runs)[10]}; "
      f"longest: samples {max(sample_runs)}, held-out recipes {max(heldout_runs)}")
longest = tokenize(samples[sample_runs.index(max(sample_runs))])
run = max(sample_runs)
window = next(longest[i : i + run] for i in range(len(longest) - run + 1) if finder.copies(longest[i : i + run], run))
print(f"the longest run copied by a sample: {' '.join(window)!r}")
print(f"titles copied from the corpus: {len(copied_titles)} of {len(samples)}: {copied_titles}")
del finder  # frees the n-gram tables

# %%
fig, ax = plt.subplots(figsize=(8, 3.5))
bins = range(0, max(sample_runs + heldout_runs) + 2)
ax.hist([sample_runs, heldout_runs], bins=bins, label=["20 samples at T = 0.8", "20 held-out recipes (62 tokens)"],
        align="left")
ax.set_xlabel("longest run of tokens also found in one corpus recipe")
ax.set_ylabel("texts")
ax.legend()
plt.show()

# %% [markdown]
# The directions are new text. The samples copy no longer runs from the corpus than real recipes
# share with it: the median longest run is 7 tokens for the samples and 8 for held-out recipes the
# model never saw, and the longest are 13 and 17. The longest run a sample copies is the stock phrase
# `| preheat oven to 350 ° f ( 180 ° c ) .`, which many recipes share. Between such phrases the samples
# are stitched together freshly, and often make no sense ("melt the water in a large bowl until
# firm").
#
# The titles are another matter: 6 of the 20 (`yemenite charoset i`, `steak rub`, `basic
# vinaigrette`, `chocolate milk`, `alfredo sauce`, `microwave quesadilla`) are titles of corpus
# recipes, word for word. What follows a copied title is not that recipe: "basic vinaigrette" goes on
# "pulse the cold water to make a batter". The other 14 titles are new combinations, some plausible
# (`spicy chicken soup`, `cheese pie`), some not (`stewed bring beef stew`).
#
# ## Summary
#
# - The input embedding rows kept most of their random start (cosine 0.95 with it): their neighbours
#   are mostly noise. The output layer's rows, trained at every position, hold the model's sense of
#   which words are alike: `butter` is next to `margarine`, `minutes` to `seconds`, and a 2-D map
#   shows ingredients, units, verbs and numbers apart.
# - Stepping the LSTM by hand reproduces `nn.LSTM` and shows its gates at work: the forget gate is
#   mostly open and closes for many units at tokens that begin a step; the cell state adds up and
#   drifts along the recipe.
# - A few units track things we can name: `h[61]` is on inside parentheses (right 96% of the time),
#   `h[31]` marks the title, `c[111]` counts the tokens read. For "just read a number" we found no
#   unit, and we tested only four features: most units may track mixtures of things, or nothing a
#   person would name.
# - Resetting the state to zeros halfway through a recipe costs about 3.9 nats on the first scored
#   word (7.37 against 3.49) and is mostly recovered after ten words; the second halves' perplexity
#   goes from 35.3 to 44.6.
# - Samples at $T = 0.8$ copy no longer runs from the corpus than unseen real recipes share with it
#   (median 7 tokens against 8), but 6 of 20 titles are corpus titles word for word.
#
# ## Exercises
#
# **1. Predict, then run.** Which words are nearest to `teaspoon`, `simmer` and `lemon` in the output
# layer's rows, and which in the embedding table? Write down a guess for each, then run the cell.

# %%
for table, vectors in [("output layer", model.fc.weight), ("embedding table", model.embedding.weight)]:
    print(table)
    show_neighbours(vectors, ["teaspoon", "simmer", "lemon"])

# %% [markdown]
# <details><summary>Solution</summary>
#
# In the output layer, `teaspoon`'s neighbours are all units (`tsp` 0.81, `cup`, `tablespoon`,
# `teaspoons`, `liter`, `tbsp`) and `simmer`'s are cooking verbs (`boil` 0.78, `cook`, `let`, `stir`,
# `bring`, `sauté`). `lemon` may surprise: its neighbours are herbs and garnishes (`parsley`,
# `rosemary`, `thyme`, `diced`, `cilantro`, `walnuts`), not other citrus fruits: the output rows group
# words by the places they fill in a sentence, and in these recipes lemon evidently fills the places
# of herbs and garnishes more than those of other fruit.
#
# The embedding table is mostly noise again (`teaspoon`: `teaspoons` 0.30, then `work`, `airtight`,
# `stove`), but it has a few real neighbours, and here it does better than the output layer on one:
# `lemon`'s nearest is `lime` (0.45), and `orange` comes third. The part of each row that training did move can
# carry meaning; it is just small next to the random start.
#
# </details>
#
# **2. Change this: which half of the state matters?** Section 7.6 reset both $h$ and $c$. Reset only
# the cell state $c$ (keep $h$), then only $h$ (keep $c$). Predict which costs more at the first
# positions of the second half, and which matters after ten words.

# %%
keep_h = second_half_scores(lambda state: (state[0], torch.zeros_like(state[1])))  # c reset, h kept
keep_c = second_half_scores(lambda state: (torch.zeros_like(state[0]), state[1]))  # h reset, c kept
for name, scores in [("reset both", reset), ("reset c only", keep_h), ("reset h only", keep_c)]:
    print(f"{name:13}: KL at position 1 {scores['kl'][0]:.3f}, at 10 {scores['kl'][9]:.3f} nats; "
          f"second-half perplexity {scores['perplexity']['changed']:.1f} (carried {scores['perplexity']['carried']:.1f})")

# %% [markdown]
# <details><summary>Solution</summary>
#
# The cell state matters more, at every distance. Resetting only $c$ gives a KL of 1.32 nats at the
# first position and 0.12 at the tenth, and a second-half perplexity of 38.4; resetting only $h$
# gives 0.71 and 0.016, and 35.9, close to the carried 35.3. $c$ is the long-term memory: most forget
# gates are near 1, so it carries the past forward. $h$ is rebuilt from it at the very next step
# ($h_t = o_t \odot \tanh(c_t)$), so a lost $h$ is soon repaired. Resetting both (KL 4.04 at the
# first position) is far worse than either alone: each half of the state helps rebuild the other.
#
# </details>
#
# **3. Predict, then run: steps.** A recipe's directions are a list of steps, roughly one per
# sentence. Does the best "position" unit of section 7.5 also track how many sentences of the
# directions have ended, and does another unit track it better? Predict, then run.

# %%
sentences_ended = []
for tokens in token_lists:
    title_end = tokens.index("|") if "|" in tokens else len(tokens)
    count = 0
    for t, token in enumerate(tokens):
        count += t > title_end and token in (".", "!", "?")
        sentences_ended.append(count)
sentences_ended = torch.tensor(sentences_ended, dtype=torch.float)

kind, unit, _ = best_units["position"]
values = cells if kind == "c" else outputs
r_steps = correlation(values, sentences_ended)
r_all = correlation(torch.cat([cells, outputs], dim=1), sentences_ended)
best = int(r_all.abs().argmax())
print(f"position and sentences ended: r = {correlation(feature_rows[:, 3:], sentences_ended)[0]:+.3f}")
print(f"{kind}[{unit}] (the best position unit) with sentences ended: r = {r_steps[unit]:+.3f}")
print(f"best unit for sentences ended: {'c' if best < 128 else 'h'}[{best % 128}], r = {r_all[best]:+.3f}")

# %% [markdown]
# <details><summary>Solution</summary>
#
# In these recipes the position and the number of sentences ended rise together (r = +0.93 with
# each other), so the same unit correlates with both (`c[111]`: -0.733 with the position, -0.738 with
# the sentences), and it is also the best unit of all 256 for the sentences. From correlations alone
# we cannot tell which of the two it counts. The kheer trace of section 7.5 answers it: `c[111]` falls
# a little at almost every token, not in one step at each full stop, so "tokens read" describes it
# better. Two features that move together cannot be told apart by correlation; you need data where
# they differ (a long sentence, a recipe of short steps).
#
# </details>
