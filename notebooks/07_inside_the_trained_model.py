# %% [markdown]
# # 7. Inside the trained model
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lstm-tutorial/lstm-tutorial/blob/main/notebooks/07_inside_the_trained_model.ipynb)
#
# The other notebooks treat the trained model from the outside: words in, probabilities out. Here we
# open it. What did its word vectors learn, and why does that suggest tying two matrices into one?
# What do its gates and memory do while it reads a recipe, and does any unit track something we can
# name? How much does the carried state matter? Does it write new text or quote its training recipes?
#
# We use the pretrained book-sized model (word vectors of 100, 128 hidden units, 8,203 words). Only
# section 7.4 trains: two small models, for about a minute.

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
# We load the model, its vocabulary and its checkpoint (a record of its training), the corpus it
# was trained on, and 177 held-out recipes it has never seen.

# %%
import math

import matplotlib.pyplot as plt
import torch.nn.functional as F
from tqdm.auto import tqdm

from lstm_tutorial import LSTMLM, TextGenerator, TrainConfig, Vocab, load_recipes, pretrained_model, tokenize
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
# `nn.Embedding` (notebook 1) holds one row of 100 numbers per word: its **embedding**. If training
# gave words that are used alike similar rows, we could read meaning off the table. We compare two
# rows by their **cosine similarity**: the dot product divided by the product of the lengths, which
# is the cosine of the angle between them (1: same direction, 0: perpendicular, -1: opposite). A
# word's **nearest neighbours** are the words whose rows have the highest cosine with its row. We
# search the 2,000 most frequent words (the vocabulary is sorted by frequency after `<PAD>`, `<UNK>`
# and `<EOS>`): a rare word has had little chance to move its row.

# %%
FREQUENT = torch.arange(3, 2003)  # ids of the 2,000 most frequent words
WORDS = ["butter", "oil", "oven", "minutes", "chicken", "sugar", "bake", "stir", "onion", "350"]


def neighbours(vectors: torch.Tensor, word: str, k: int = 6, vocab: Vocab = vocab) -> list[tuple[str, float]]:
    """The k frequent words whose rows of `vectors` have the highest cosine similarity with `word`'s row."""
    unit = F.normalize(vectors.detach(), dim=1)  # every row divided by its length
    word_id = vocab.token2idx[word]
    similarity = unit[FREQUENT] @ unit[word_id]  # [2000]: a dot product of unit vectors is the cosine
    similarity[FREQUENT == word_id] = -1.0  # leave out the word itself
    best = similarity.topk(k)
    return [(vocab.idx2token[FREQUENT[i]], s) for s, i in zip(best.values.tolist(), best.indices.tolist())]


def show_neighbours(vectors: torch.Tensor, words: list[str] = WORDS, k: int = 6, vocab: Vocab = vocab) -> None:
    for word in words:
        print(f"{word:>8}: " + ", ".join(f"{other} {s:.2f}" for other, s in neighbours(vectors, word, k, vocab)))


show_neighbours(model.embedding.weight)

# %% [markdown]
# Mostly noise. A few neighbours make sense (`stir`: `fold`, `whisk`; `onion`: `garlic`; `350`:
# `375`, `400`), but `butter`'s nearest words are `bowls`, `course` and `burgers`, and all the
# similarities are low, from 0.26 to 0.48. Why?
#
# `nn.Embedding` starts every row as 100 draws from a standard normal distribution: a vector about
# $\sqrt{100} = 10$ long. The trainer seeds torch with `config.seed` and then builds the model
# (nothing in between draws from torch's generator), so doing the same rebuilds its exact start.

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
# Each trained row still points almost where it started (mean cosine 0.95; 0.91 for the frequent
# words) and has cosine 0.00 with another word's start: training moved the rows by about 3 while
# they are 10 long. Adam moves each number by roughly the learning rate (0.003) per step, and a row
# gets a gradient only from batches that contain its word. So the similarities between rows are
# mostly those of their random starts, and the best of 2,000 random cosines, 0.30, is the level we
# saw. The model still works (a random row is still a distinct code for its word), but this table
# is not where it keeps which words are alike.
#
# ## 7.2 The output layer's word vectors
#
# The output layer `fc` is a second table with a row per word: its weight is `[8203, 128]`. The logit
# of word $w$ is $h \cdot W_w + b_w$ (notebook 3), so two words that fit the same places must score
# high for the same $h$: their rows must point the same way. And every row is trained at every
# position, not only where its word appears: the softmax gives every word some probability, and the
# loss pushes them all.

# %%
show_neighbours(model.fc.weight)

fc_own_start = F.cosine_similarity(model.fc.weight.detach(), start.fc.weight.detach(), dim=1)
print(f"\ncosine(trained output row, its own start row): mean {fc_own_start.mean():.3f}")
assert fc_own_start.mean() < 0.5

# %% [markdown]
# Most neighbours now make sense to a cook: `butter` is next to `margarine`, `oil` to `olive` and
# `ghee`, `oven` to `smoker` and `broiler`, `minutes` to `seconds`, `chicken` to `pork`, `350` to
# `375`. These rows moved far from their small random start (mean cosine 0.12 with it).
#
# The neighbours are words that fill the same places in a sentence, not words that taste alike.
# `sugar`'s are sweet flavourings (`vanilla`, `cocoa`, `pandan`) but, just as close, `mustard`,
# `cornstarch` and `habanero` (all between 0.53 and 0.56). And `minutes` is also near `inches` and
# `oz`, which like it follow a number.
#
# ## 7.3 A map of words in two dimensions
#
# To look at 128 dimensions, we take the two along which a set of words spreads most: **principal
# component analysis** (PCA). Centre the rows and take the singular value decomposition $X = U S
# V^T$: the first two rows of $V^T$ are the directions of largest spread, $X V_{:2}$ the words'
# coordinates along them, and the squared singular values the spread each direction holds. We draw
# both tables' rows for 50 frequent words in four groups and, since a 2-D picture can mislead, count
# in all dimensions how many words have their nearest neighbour (among the 50) in their own group.

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


def chosen_ids(vocab: Vocab = vocab) -> torch.Tensor:
    """The ids of the 50 chosen words in `vocab` (all among its 2,000 most frequent)."""
    ids = torch.tensor([vocab.token2idx[word] for word in chosen])
    assert int(ids.max()) < 2003, "all frequent words"
    return ids


def pca_2d(vectors: torch.Tensor) -> tuple[torch.Tensor, float]:
    """The chosen words' coordinates along their two directions of largest spread, and the share of spread they hold."""
    X = vectors.detach()[chosen_ids()]
    X = X - X.mean(dim=0)
    _, S, Vh = torch.linalg.svd(X, full_matrices=False)
    return X @ Vh[:2].T, float((S[:2] ** 2).sum() / (S ** 2).sum())


def same_group_neighbours(vectors: torch.Tensor, vocab: Vocab = vocab) -> dict[str, int]:
    """Per group, how many of its words have their nearest chosen word (cosine, all dimensions) in the group."""
    unit = F.normalize(vectors.detach()[chosen_ids(vocab)], dim=1)
    similarity = (unit @ unit.T).fill_diagonal_(-2.0)
    nearest = similarity.argmax(dim=1).tolist()
    return {group: sum(group_of[i] == group_of[j] == group for i, j in enumerate(nearest)) for group in GROUPS}


def describe_groups(same: dict[str, int]) -> str:
    return f"{sum(same.values())} of {len(chosen)} (" + ", ".join(
        f"{group} {count} of {len(GROUPS[group])}" for group, count in same.items()) + ")"


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
    ax.set_title(f"{name}: 2 directions hold {share:.0%} of the spread")
    ax.set_xlabel("first principal direction")
    ax.set_ylabel("second principal direction")
    print(f"{name}: the two directions hold {share:.1%} of the spread; nearest neighbour in its own group: "
          f"{describe_groups(same_group_neighbours(vectors))}")
axes[0].legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# A nearest neighbour picked at random would be in the same group about a quarter of the time (some
# 12 of 50). The embedding table does better, 33 of 50, mostly thanks to the numbers (11 of 12, apart
# on one side of its map) and the ingredients (11 of 14). The output layer gets all 50, and its map
# shows the four groups in four regions. (PCA never sees the groups, and the signs of its axes mean
# nothing.)
#
# ## 7.4 Weight tying: one table to read and to score
#
# So the model has two tables with a row per word: `embedding` to read a word, `fc` to score it as
# the next word; only the second learned which words are alike. **Weight tying** (Press and Wolf,
# 2017; Inan, Khosravi and Socher, 2017) uses one matrix for both: `fc.weight` *is*
# `embedding.weight`. Then every output-layer gradient, at every position, also trains the rows the
# LSTM reads, so words used alike get similar input vectors instead of random codes, and the model
# has one vocabulary-sized table fewer to store and fit. The rows must then be as long as $h$:
# embedding size = hidden size.
#
# `LSTMLM(..., tie_weights=True)` does this; a tied table starts small (uniform in [-0.1, 0.1]), as
# output layers do. We train two models that differ only in tying: the `quick` preset (notebook 5
# explains training) on all recipes, one epoch, with word vectors of 128 so both can tie; about a
# minute in all on a CPU.

# %% tags=["nbval-ignore-output"]
from lstm_tutorial import PRESETS, Trainer

small = PRESETS["quick"].updated(max_recipes=None, embedding_dim=128, hidden_dim=128, precision="float32")
runs = {}
for tied in (False, True):
    trainer = Trainer.from_config(small.updated(tie_weights=tied), device="cpu", progress=False)
    starts = {"embedding": trainer.model.embedding.weight.detach().clone(),
              "output layer": trainer.model.fc.weight.detach().clone()}
    trainer.fit()
    runs["tied" if tied else "untied"] = trainer, starts

# %% [markdown]
# For each model: parameters (a shared matrix counts once), validation loss and, per table, how far
# the frequent words' rows turned from their start and the group test of section 7.3.

# %%
for name, (trainer, starts) in runs.items():
    small_model, small_vocab = trainer.model, trainer.vocab
    print(f"{name}: {sum(p.numel() for p in small_model.parameters()):,} parameters, "
          f"validation loss {trainer.history[-1]['val_loss']:.3f}")
    shared = small_model.fc.weight is small_model.embedding.weight
    tables = [("embedding = output layer" if shared else "embedding", small_model.embedding.weight, starts["embedding"])]
    if not shared:
        tables.append(("output layer", small_model.fc.weight, starts["output layer"]))
    for table, vectors, table_start in tables:
        turned = F.cosine_similarity(vectors.detach(), table_start, dim=1)[FREQUENT].mean()
        print(f"  {table:24} cosine with its start {turned:.2f}; nearest neighbour in its own group: "
              f"{describe_groups(same_group_neighbours(vectors, small_vocab))}")
    show_neighbours(small_model.embedding.weight, ["butter", "minutes", "chicken", "stir", "onion"], 4, small_vocab)

untied, tied = runs["untied"][0].model, runs["tied"][0].model
assert tied.fc.weight is tied.embedding.weight and untied.fc.weight is not untied.embedding.weight

# %% [markdown]
# Tying saves 384,000 parameters (3,000 words × 128), 43% of the untied model, and costs nothing
# here: validation loss 3.603 tied against 3.616 untied (one run each, so a difference this small
# could flip with another seed). The untied model repeats the book model's story: its embedding rows
# stay near their start (cosine 0.95), with neighbours such as `christmas` and `lassi` for `onion`,
# while its output rows turned far (cosine 0.11) and group all 50 words. The tied table turned
# nearly as far (0.15) and groups all 50 too, so the rows the LSTM reads now put `onion` next to
# `onions` and `garlic`. (Part of that turning is only its small start, which the untied output rows
# share.)
#
# The package's default pretrained model, `pretrained_generator()` (name `"recipes"`: two layers of
# 256, validation perplexity 20.6), is tied. It has the book model's vocabulary, so we can set its
# one table beside the book model's two.

# %%
recipes_model, _, recipes_checkpoint = pretrained_model("recipes", "cpu")
assert recipes_model.fc.weight is recipes_model.embedding.weight
print(f"recipes model: {recipes_model.lstm.num_layers} layers of {recipes_model.lstm.hidden_size}, "
      f"validation perplexity {math.exp(recipes_checkpoint['val_loss']):.1f}")
for name, vectors in [("book embedding", model.embedding.weight), ("book output layer", model.fc.weight),
                      ("recipes (tied)", recipes_model.embedding.weight)]:
    print(f"{name}: nearest neighbour in its own group: {describe_groups(same_group_neighbours(vectors))}")
show_neighbours(recipes_model.embedding.weight, ["butter", "oven", "sugar", "lemon"])

# %% [markdown]
# Its one table groups all 50 words, like the book model's output rows, and its neighbours are a
# cook's: `butter` is next to `margarine`, `shortening`, `ghee`, `lard`; `lemon` to `lime`, `orange`.
#
# ## 7.5 The gates and the cell state over a real recipe
#
# Recall notebook 2's step: from $W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh}$ (stacked in the order
# i, f, g, o) the LSTM computes the input gate $i_t = \sigma(\cdot)$ (how much to write), the forget
# gate $f_t = \sigma(\cdot)$ (how much memory to keep), the candidate $g_t = \tanh(\cdot)$ (what to
# write) and the output gate $o_t = \sigma(\cdot)$ (how much to show); then the **cell state** $c_t =
# f_t \odot c_{t-1} + i_t \odot g_t$ and the output $h_t = o_t \odot \tanh(c_t)$. Each of the 128
# positions is a **unit**. `nn.LSTM` returns only $h$ and the last $c$, so we step the trained LSTM
# ourselves, checking against `nn.LSTM` and `torch.lstm_cell` (the generator's one-step function).

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
# Kheer (an Indian rice pudding) is a held-out recipe, with a title, numbers and two parentheses.
# Each heatmap below has a row per unit and a column per token, coloured by the value after reading
# that token; the cell state's colours stop at ±10.

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
# - The forget gate is mostly open (79% of its values above 0.9): most units keep most of their
#   memory from token to token. Its dark cells are units wiping their memory.
# - The input gate is open most of the time too (mean 0.70).
# - The output gate is the most on-or-off (41% of values below 0.1, 36% above 0.9): at each token it
#   picks which units show their memory in $h$.
# - With $f$ near 1, $c_t \approx c_{t-1} + i_t g_t$ adds up what is written, so many units drift
#   away from 0: mean $|c|$ is 3.6 after 10 tokens, 9.3 after all 71, with extremes of -39 and 50.
#   Where $|c|$ is large, $\tanh(c) = \pm 1$ and $h$ shows only $\pm o$.
#
# Which tokens make units forget? Over all 177 held-out recipes (cut to 200 tokens, as in training),
# for each token seen at least 30 times: the share of units whose forget gate drops below 0.5.

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
# On average 9.8% of the units forget at a token. Most forget where something starts: `recipe`
# (53%; the memory is empty there anyway), verbs that open a step (`preheat`, `serve`, `set`,
# `pour`) and `(`. Fewest forget mid-phrase: `/` (as in 1/2), `of`, `the`, `and`. Nobody told the
# model where steps begin; it learned to clear part of its memory there.
#
# ## 7.6 Looking for units that track something
#
# Karpathy, Johnson and Fei-Fei (*Visualizing and Understanding Recurrent Networks*, 2015) found cells
# of character-level LSTMs that switch on inside quotes or count the characters of a line. We define
# four features of every token (after reading it): **in the title** (until the `|`), **inside
# parentheses**, **just read a number**, and **position** (tokens read). For each unit (128 of $c$,
# 128 of $h$) we compute **Pearson's correlation** $r$ with each feature over all held-out tokens (the
# covariance over the product of the standard deviations): $\pm 1$ if the unit moves exactly with
# (or against) the feature up to scale, 0 for no straight-line relation.

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
# Over 21,328 tokens these are no accident, but their strength varies: `c[111]` with the position,
# $r = -0.73$; `h[31]` with the title, $+0.53$; `h[61]` with parentheses, $-0.46$; for numbers the
# best unit, `h[122]`, has only $-0.28$. But $r$ can undersell a unit, since it counts what the unit
# does where the feature is 0. A second look: call an output unit **on** where it is beyond 0.5 in
# the direction of its $r$; how often does the feature hold where it is on, and how many of the
# feature's tokens have it on? For the position unit: its $r$ and slope inside each recipe.

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
# - `h[61]` is a parenthesis unit: where it is on, the token is inside parentheses 96% of the time,
#   and it is on for 83% of those tokens. Its $r$ is modest because outside parentheses it swings
#   between 0 and +1.
# - `h[31]` is on for 90% of title tokens, and where it is on we are in a title 64% of the time: a
#   title unit with false alarms.
# - `h[122]` is on for 99% of the numbers but also for a third of all tokens: not a number detector.
# - `c[111]` counts: inside each recipe it falls almost in a straight line (median $r$ -0.94), at a
#   rate that differs between recipes (0.03 to 0.65 per token), hence only -0.73 over all recipes.
#
# Each feature's best unit over the kheer recipe, the feature's tokens shaded:

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


kind, unit, _ = best_units["in the title"]
title_end = kheer_tokens.index("|")
title_values = kheer_steps[kind][: title_end + 1, unit]
print(f"{kind}[{unit}] over the title: " + ", ".join(f"{token} {value:+.2f}"
                                                  for token, value in zip(kheer_tokens, title_values.tolist())))
print(f"{kind}[{unit}] over the directions: from {kheer_steps[kind][title_end + 1:, unit].min():+.2f} "
      f"to {kheer_steps[kind][title_end + 1:, unit].max():+.2f}")
kind, unit, _ = best_units["position"]
counter = kheer_steps[kind][:, unit]
print(f"{kind}[{unit}] over the recipe: from {counter[0]:+.1f} to {counter[-1]:+.1f}, falling at "
      f"{int((counter.diff() < 0).sum())} of {len(counter) - 1} steps")

# %% [markdown]
# `h[31]` is between +0.72 and +1.00 through the title except at `kheer` (+0.36), the one word the
# model does not know (it reads `<UNK>`), and ranges from -0.99 to +0.41 over the directions.
# `h[61]` is negative inside both parentheses (down to -0.98; at `about` it is 0). `h[122]` is at -1
# at both numbers, `20` and `5`, and as low at many other tokens (`rice`, `until`, `serve`).
# `c[111]` falls from -1.0 to -32.3, at 55 of the 70 steps.
#
# ## 7.7 Carried versus zero state
#
# The state $(h, c)$ is all the model knows of what it has read. How much does it matter? We split
# every held-out recipe of at least 62 tokens in half and score the second half twice: **carried**
# (continue from the first half's state) and **reset** (start from zeros). Its first word is read but
# not scored. Per position we average the loss (in **nats**: natural logarithms) and the **KL
# divergence** from the carried next-word distribution $P$ to the reset one $Q$, $\mathrm{KL}(P \| Q)
# = \sum_w P(w) \log \frac{P(w)}{Q(w)}$: 0 when they agree, larger the more they differ.

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
# Reset to zeros, the model's first guess is far worse: loss 7.37 nats against 3.49 carried, KL 4.0
# nats. It catches up as it reads: at the 10th word the losses are 3.64 and 3.46 (KL 0.25), at the
# 30th the distributions nearly agree (KL 0.045). Over whole second halves the perplexity is 44.6
# reset against 35.3 carried. The state matters most for the next ten or so words; after that the
# model rebuilds much of it from the text. This is why the generator carries the state from word
# to word (notebook 2).
#
# ## 7.8 New text or quotation? A novelty check
#
# A large enough model can memorise its training text. Does ours? We generate 20 seeded recipes of
# up to 60 tokens at $T = 0.8$ and measure each one's **longest copied run** (the largest $n$ such
# that $n$ consecutive tokens also appear, in order, in one corpus recipe: the package's
# `CopyFinder`) and whether its **title** is exactly a corpus title. Recipes share stock phrases, so
# as a yardstick we measure the same for the first 62 tokens of 20 held-out recipes, written by
# people and never seen by the model. (`CopyFinder`'s tables take some seconds and a gigabyte or two.)

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
# The directions are new text: the samples copy no longer runs from the corpus than unseen real
# recipes share with it (median longest run 7 tokens against 8; longest 13 against 17). The longest
# run a sample copies is the stock phrase `| preheat oven to 350 ° f ( 180 ° c ) .`; between such
# phrases the samples are freshly stitched, often without sense ("melt the water in a large bowl
# until firm"). The titles are another matter: 6 of 20 (`steak rub`, `alfredo sauce`...) are
# corpus titles word for word, though none goes on to copy its recipe (their longest runs are 6
# to 8 tokens). The rest are new, some plausible (`spicy chicken soup`), some not (`stewed bring
# beef stew`).
#
# ## Summary
#
# - Only the book model's output rows learned which words are alike. Tying makes the rows the LSTM
#   reads meaningful too and saves a vocabulary-sized table; the default `recipes` model is tied.
# - The forget gate closes for many units where a step begins; a few units track parentheses, the
#   title, tokens read. The carried state matters for about ten words. Samples copy stock phrases,
#   and 6 of 20 titles, but no recipes.
#
# ## Exercises
#
# **1. Predict, then run.** Which words are nearest to `teaspoon`, `simmer` and `lemon` in the book
# model's output layer, in its embedding table, and in the tied `recipes` model? Guess, then run.

# %%
for table, vectors in [("book output layer", model.fc.weight), ("book embedding", model.embedding.weight),
                       ("recipes (tied)", recipes_model.embedding.weight)]:
    print(table)
    show_neighbours(vectors, ["teaspoon", "simmer", "lemon"])

# %% [markdown]
# <details><summary>Solution</summary>
#
# In the output layer, `teaspoon` sits among units (`tsp` 0.81, `cup`) and `simmer` among cooking
# verbs (`boil` 0.78, `cook`), but `lemon` among herbs (`parsley`, `rosemary`, `thyme`): the places
# it fills, not the fruit. The book embedding is mostly noise yet
# gives `lemon` `lime` (0.45) and `orange`: the small part of its rows that training moved can carry
# meaning. The tied table has it all: units, verbs (`boil`, `cook`, `poach`) and citrus (`lime` 0.56,
# `orange`, `citrus`); its rows learn from reading words as well as from scoring them.
#
# </details>
#
# **2. Change this: which half of the state matters?** Section 7.7 reset both $h$ and $c$. Reset only
# $c$ (keep $h$), then only $h$ (keep $c$). Predict which costs more, at the first position and
# further on.

# %%
keep_h = second_half_scores(lambda state: (state[0], torch.zeros_like(state[1])))  # c reset, h kept
keep_c = second_half_scores(lambda state: (torch.zeros_like(state[0]), state[1]))  # h reset, c kept
SHOWN = [0, 1, 4, 9, 19, 29]
print("KL at positions " + ", ".join(str(k + 1) for k in SHOWN) + " (nats); second-half perplexity")
for name, scores in [("reset both", reset), ("reset c only", keep_h), ("reset h only", keep_c)]:
    print(f"{name:13}: " + ", ".join(f"{scores['kl'][k]:.3f}" for k in SHOWN)
          + f"; {scores['perplexity']['changed']:.1f} (carried {scores['perplexity']['carried']:.1f})")
c_costs_more = int((keep_h["kl"] > keep_c["kl"]).sum())
print(f"resetting c moves the prediction more than resetting h at {c_costs_more} of {POSITIONS} positions")

# %% [markdown]
# <details><summary>Solution</summary>
#
# Resetting $c$ moves the prediction more than resetting $h$ at each of the first 30 positions: KL
# 1.323 against 0.709 nats at the first, 0.123 against 0.016 at the tenth; second-half perplexity
# 38.4 against 35.9 (carried 35.3). $c$ is the long-term memory that near-1 forget gates carry
# forward; $h = o \odot \tanh(c)$ is rebuilt from it at the next step. Resetting both (KL 4.037 at
# the first position) is far worse than either alone: each half helps rebuild the other.
#
# </details>
#
# **3. Predict, then run: steps.** A recipe's directions are a list of steps, roughly one per
# sentence. Does the best position unit of section 7.6 also track how many sentences of the
# directions have ended, and does another unit track it better?

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
# Position and sentences ended rise together ($r = +0.93$), so `c[111]` correlates with both (-0.733
# and -0.738) and is also the best unit for sentences. Correlation cannot tell which it counts: that
# needs data where the two differ. The kheer trace leans to tokens: `c[111]` falls at most tokens
# (55 of 70 steps), not in one step at each full stop.
#
# </details>
#
# **4. Tying at the book's sizes.** Tying needs word vectors as long as $h$. Take the book's
# vocabulary (8,203 words) and 128 hidden units with word vectors of 128. Predict from the shapes
# (embedding $V \times d$; LSTM $4h(d + h) + 8h$; output layer $V h + V$) how many parameters the
# untied and the tied model have and what share tying saves, then check.

# %%
counts = {tie: sum(p.numel() for p in LSTMLM(len(vocab), 128, 128, tie_weights=tie).parameters())
          for tie in (False, True)}
saved = counts[False] - counts[True]
print(f"untied: {counts[False]:,} parameters; tied: {counts[True]:,}; tying saves {saved:,} "
      f"({saved / counts[False]:.1%}) = {len(vocab):,} x 128")
print(f"(the book model, 100/128 untied: {sum(p.numel() for p in model.parameters()):,})")

# %% [markdown]
# <details><summary>Solution</summary>
#
# Embedding $8{,}203 \times 128 = 1{,}049{,}984$; LSTM $4 \cdot 128 \cdot 256 + 8 \cdot 128 = 132{,}096$;
# output layer $1{,}049{,}984 + 8{,}203$. Untied: 2,240,267; tied: 1,190,283, 46.9% fewer: exactly
# one $V \times d$ table. The word tables are most of a word-level model, so tying nearly halves it,
# to less than the book model's own 1,996,247 even with larger word vectors.
#
# </details>
