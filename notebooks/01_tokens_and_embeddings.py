# %% [markdown]
# # 1. Tokens and embeddings
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lstm-tutorial/lstm-tutorial/blob/main/notebooks/01_tokens_and_embeddings.ipynb)
#
# A recipe becomes word tokens, then integer ids, then vectors. We follow the shapes at every step
# and see that the first layer of the blog's `LSTMLM`, `nn.Embedding`, is just a lookup table: a
# weight matrix with one row per word.

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

# %% [markdown]
# Everything in this notebook is small, so it runs on the CPU whatever `device` says.

# %%
import matplotlib.pyplot as plt
from torch import nn

from lstm_tutorial import LSTMLM, Vocab, detokenize, load_recipes, make_dataloaders, tokenize

# %% [markdown]
# ## 1.1 The corpus
#
# The blog trains on the Epicurious recipes, each turned into one string
# `"Recipe for {title} | {directions}"`. The package bundles 320 recipes in the same format, so the
# course runs offline. `load_recipes()` reads them; give it a path (for example to the Epicurious
# `full_format_recipes.json`) to use other recipes.

# %%
texts = load_recipes(verbose=False)
print(len(texts), "recipes, each one string")
recipe = texts[0]
print(recipe[:300], "...")

# %% [markdown]
# ## 1.2 Tokens
#
# The model works on words, not letters. `tokenize` lowercases the text and makes every word and
# every punctuation mark a token of its own. The seed's generator split its prompt with
# `.lower().split()` instead, which keeps `onion.` in one piece: a word the vocabulary never saw.
# The package tokenizes prompts and training text with the same function.

# %%
print(tokenize("Chop 1/2 onion."))
print("Chop 1/2 onion.".lower().split(), "<- the seed's prompt split")
assert tokenize("Chop 1/2 onion.") == ["chop", "1", "/", "2", "onion", "."]

# %%
tokens = tokenize(recipe)
print(len(tokens), "tokens in the first recipe")
print(tokens[:24])
print(detokenize(tokens[:24]))  # back to readable text

# %% [markdown]
# How long are the recipes? The book cuts every recipe to `max_len = 200` tokens; the red line marks
# that limit.

# %%
lengths = [len(tokenize(text)) for text in texts]
print(f"{sum(lengths):,} tokens in all; shortest recipe {min(lengths)}, longest {max(lengths)}")

plt.hist(lengths, bins=30)
plt.axvline(200, color="red", label="max_len = 200")
plt.xlabel("tokens per recipe")
plt.ylabel("recipes")
plt.legend()
plt.show()

# %% [markdown]
# ## 1.3 The vocabulary: `idx2token` and `token2idx`
#
# The vocabulary numbers the tokens: the three special tokens first (`<PAD>` = 0 fills short
# sequences, `<UNK>` stands for any unknown word, `<EOS>` ends every recipe), then the words from
# most to least frequent. `idx2token` is a list (id -> token) and `token2idx` a dict
# (token -> id), the two maps the blog's `PyTorchTextGenerator` takes. The book keeps at most 10,000
# tokens; our small corpus has fewer distinct tokens than that, so all of them fit.

# %%
vocab = Vocab.build(texts, max_size=10000)
print(len(vocab), "tokens in the vocabulary")
print(vocab.idx2token[:16])
print({word: vocab.token2idx[word] for word in ["<PAD>", "<UNK>", "<EOS>", "recipe", "for", "onion"]})
assert all(vocab.token2idx[token] == idx for idx, token in enumerate(vocab.idx2token))

# %% [markdown]
# Word counts fall off fast: a few hundred words make up most of the text. This is why a capped
# vocabulary (10,000 words for the full Epicurious set) loses little: the words it drops are rare and
# become `<UNK>`.

# %%
from collections import Counter

counts = Counter(token for text in texts for token in tokenize(text))
frequencies = sorted(counts.values(), reverse=True)
covered = torch.tensor(frequencies).cumsum(0) / sum(frequencies)
for size in [100, 500, 1000]:
    print(f"the {size:>4} most frequent words cover {covered[size - 1]:.1%} of the text")

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
left.loglog(range(1, len(frequencies) + 1), frequencies)
left.set(xlabel="rank of the word", ylabel="count", title="word counts (log-log)")
right.plot(range(1, len(covered) + 1), covered)
right.set(xlabel="vocabulary size", ylabel="share of the text covered", title="coverage")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 1.4 From tokens to ids
#
# `vocab.encode` tokenizes and looks up every token; `vocab.decode` goes back. A word outside the
# vocabulary becomes `<UNK>` (id 1).

# %%
ids = vocab.encode(recipe)
print(ids[:24])
print(vocab.decode(ids[:24]))
assert vocab.decode(ids) == detokenize(tokenize(recipe))

print(vocab.encode("Chop 1/2 rambutan."), "<- 'rambutan' is unknown:", vocab.idx2token[vocab.unk_idx])

# %% [markdown]
# ## 1.5 Batches: `[batch, seq]`
#
# For training, each recipe's ids get an `<EOS>` at the end and the recipes are stacked into
# batches. `x` is a sequence and `y` is the same sequence shifted by one: at every position `t`,
# `y[t]` is the word that follows `x[t]`, the word the model must predict.

# %%
train_loader, val_loader = make_dataloaders(texts, vocab, max_len=200, batch_size=32)
print(len(train_loader), "training batches,", len(val_loader), "validation batches")
x, y = next(iter(train_loader))
print("x", tuple(x.shape), x.dtype, "  y", tuple(y.shape))
assert torch.equal(x[:, 1:], y[:, :-1])  # y is x shifted by one

for t in range(6):
    print(f"x[0, {t}] = {vocab.idx2token[x[0, t]]!r:10} -> y[0, {t}] = {vocab.idx2token[y[0, t]]!r}")

# %% [markdown]
# Rows in a batch must have the same length, so short recipes are padded with `<PAD>` (id 0). The
# book pads every recipe to 200 tokens. `make_dataloaders` puts recipes of similar length in the same
# batch and pads each batch only to its own longest recipe, so far fewer positions are padding.

# %%
real = sum(int((y != vocab.pad_idx).sum()) for _, y in train_loader)
padded_here = sum(y.numel() for _, y in train_loader)
padded_book = sum(len(y) * 200 for _, y in train_loader)
print(f"{real:,} real target words")
print(f"padding to each batch's longest recipe: {padded_here:,} positions, {1 - real / padded_here:.1%} padding")
print(f"padding every recipe to 200 (the book):  {padded_book:,} positions, {1 - real / padded_book:.1%} padding")

row = (y[0] != vocab.pad_idx).sum() - 1  # position of the last real target word in row 0
print("end of row 0:", [vocab.idx2token[i] for i in y[0, row - 2 : row + 3]])

# %% [markdown]
# ## 1.6 The embedding: a lookup table
#
# `nn.Embedding(vocab_size, embedding_dim)` holds a weight matrix of shape
# `[vocab_size, embedding_dim]`, one row per word. Given ids, it returns their rows: id 5 gets row 5.
# The result is exactly what multiplying one-hot vectors by the matrix would give, without building
# the one-hot vectors. The rows start random and training moves them.

# %%
torch.manual_seed(0)
embedding = nn.Embedding(len(vocab), 100)
print("weight", tuple(embedding.weight.shape), "= [vocab_size, embedding_dim]")

sentence_ids = torch.tensor(vocab.encode("chop 1/2 onion."))
vectors = embedding(sentence_ids)
print("ids", tuple(sentence_ids.shape), "-> vectors", tuple(vectors.shape))
print(vectors[:, :4].detach().numpy().round(3))  # the first 4 of 100 numbers per word

torch.testing.assert_close(vectors, embedding.weight[sentence_ids])  # a lookup is row indexing
one_hot = nn.functional.one_hot(sentence_ids, len(vocab)).float()
torch.testing.assert_close(one_hot @ embedding.weight, vectors)  # = one-hot times the matrix

# %% [markdown]
# The blog's `LSTMLM` starts with exactly such a table (`self.embedding`). On a batch it turns
# `[batch, seq]` ids into `[batch, seq, embedding_dim]` vectors, the comment in the blog's
# `forward`. With the book's sizes (100-dimensional vectors, 128 hidden units) the table holds
# the largest share of the model's weights after the output layer.

# %%
torch.manual_seed(0)
model = LSTMLM(len(vocab), embedding_dim=100, hidden_dim=128)
embedded = model.embedding(x)
print("x", tuple(x.shape), "-> embedded", tuple(embedded.shape))

for name, layer in model.named_children():
    n_weights = sum(p.numel() for p in layer.parameters())
    print(f"{name:10} {n_weights:>9,} weights")

# %% [markdown]
# A word gets the same vector wherever it stands: below, the two rows for "the" are identical. The
# embedding knows nothing about context; that is the LSTM's job (notebook 2).

# %%
words = tokenize("add the salt and the pepper to the pot")
rows = model.embedding(torch.tensor([vocab.token2idx[w] for w in words])).detach()
assert torch.equal(rows[1], rows[4]) and torch.equal(rows[1], rows[7])  # "the", "the", "the"

plt.figure(figsize=(10, 3))
plt.imshow(rows[:, :40], cmap="coolwarm", aspect="auto")
plt.yticks(range(len(words)), words)
plt.xlabel("first 40 of the 100 dimensions")
plt.title("embedding rows (untrained): same word, same vector")
plt.colorbar()
plt.show()

# %% [markdown]
# The table is an ordinary weight: one training step changes only the rows of the words the step
# saw. Here the loss of one sentence flows back, and only the rows of its input words get a
# gradient.

# %%
sentence = torch.tensor([vocab.encode("recipe for tomato soup | chop the onion.")])
model.zero_grad()
logits, _ = model(sentence[:, :-1])
loss = nn.functional.cross_entropy(logits[0], sentence[0, 1:])
loss.backward()

rows_with_gradient = (model.embedding.weight.grad.abs().sum(dim=1) > 0).nonzero().flatten()
print(f"{len(rows_with_gradient)} of {len(vocab)} rows get a gradient:", [vocab.idx2token[i] for i in rows_with_gradient])
assert set(rows_with_gradient.tolist()) == set(sentence[0, :-1].tolist())

# %% [markdown]
# ## Summary
#
# | step | what | shape |
# |---|---|---|
# | text | `"Recipe for ... \| ..."` | one string |
# | tokens | `tokenize(text)` | list of words |
# | ids | `vocab.encode(text)` | list of ints |
# | batch | `make_dataloaders` -> `x`, `y` | `[batch, seq]` |
# | vectors | `model.embedding(x)` | `[batch, seq, embedding_dim]` |
#
# Next, notebook 2 feeds these vectors to the LSTM.
