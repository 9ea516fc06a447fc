# %% [markdown]
# # 1. Tokens and embeddings
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lstm-tutorial/lstm-tutorial/blob/main/notebooks/01_tokens_and_embeddings.ipynb)
#
# This is notebook 1 of 8: notebooks 1 to 7 are the course, notebook 8 is an appendix on the
# engineering behind it. The course builds a word-level LSTM that writes recipes. It starts from the
# LSTM chapter of *Generative Deep Learning* (2nd edition, David Foster; "the book"), whose model is
# written in Keras. The data preparation is the book's: the Epicurious recipes, each turned into one
# string `"Recipe for {title} | {directions}"`, split into words and cut to 200 tokens. A Korean blog
# post ("the blog post") ports the book's model to PyTorch; its `LSTMLM`, its text generator and its
# training loop are the code the course follows, names included.
#
# Here a recipe becomes word **tokens** (the units the model reads: a word or a punctuation mark),
# then integer **ids** (each token's number in the vocabulary), then vectors. We follow the shapes at
# every step and see that the first layer of the blog post's `LSTMLM`, `nn.Embedding`, is just a
# lookup table: a weight matrix with one row per word. From section 1.10 on we open the table of the
# pretrained model that ships with the package and see what training did to its rows.

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
# Everything in this notebook is small, so it runs on the CPU whatever `device` says.

# %%
from collections import Counter

import matplotlib.pyplot as plt
from torch import nn

from lstm_tutorial import Vocab, detokenize, load_recipes, make_dataloaders, pretrained_model, tokenize
from lstm_tutorial.checkpoints import validation_loader

# %% [markdown]
# ## 1.1 The corpus
#
# A **corpus** is the body of text a model learns from. The book's is about 20,000 Epicurious
# recipes, downloaded from Kaggle. The package bundles a corpus in the book's format, so the course
# runs offline: `load_recipes()` returns 3,271 recipes, 320 written for this project with the help
# of language models, followed by 2,951 from the Wikibooks Cookbook (CC BY-SA 4.0; the README says
# where each part comes from). Give it a path (for example to the Epicurious
# `full_format_recipes.json`) to use other recipes.

# %%
texts = load_recipes(verbose=False)
original, wikibooks = load_recipes("original", verbose=False), load_recipes("wikibooks", verbose=False)
print(f"{len(texts):,} recipes = {len(original)} original + {len(wikibooks):,} from Wikibooks, each one string")
assert list(texts) == list(original) + list(wikibooks)  # the default corpus: the two parts, in this order

recipe = texts[0]
print(recipe[:300], "...")
print(texts[len(original)][:160], "...  <- the first Wikibooks recipe")

# %% [markdown]
# ## 1.2 Tokens
#
# The model works on words, not letters. As in the book's preparation, `tokenize` lowercases the
# text and makes every word and every punctuation mark a token of its own. The blog post's generator
# split its prompt with `.lower().split()` instead, which keeps `onion.` in one piece: a word the vocabulary never saw.
# The package tokenizes prompts and training text with the same function.

# %%
print(tokenize("Chop 1/2 onion."))
print("Chop 1/2 onion.".lower().split(), "<- the blog post's prompt split")
assert tokenize("Chop 1/2 onion.") == ["chop", "1", "/", "2", "onion", "."]

tokens = tokenize(recipe)
print(len(tokens), "tokens in the first recipe")
print(tokens[:24])
print(detokenize(tokens[:24]))  # back to readable text
assert detokenize(tokens[:24]).lower() == recipe[: len(detokenize(tokens[:24]))].lower()

# %% [markdown]
# ## 1.3 How long is a recipe?
#
# The book cuts every recipe to `max_len = 200` tokens, and so does the pretrained model; the red line
# marks that limit. Tokens past it are never seen in training.

# %%
lengths = [len(tokenize(text)) for text in texts]
n_cut = sum(length > 200 for length in lengths)
print(f"{sum(lengths):,} tokens in all; shortest recipe {min(lengths)}, longest {max(lengths)}, "
      f"median {sorted(lengths)[len(lengths) // 2]}")
print(f"{n_cut} of {len(texts):,} recipes ({n_cut / len(texts):.0%}) are longer than 200 tokens and get cut")

plt.hist(lengths, bins=40)
plt.axvline(200, color="red", label="max_len = 200")
plt.xlabel("tokens per recipe")
plt.ylabel("recipes")
plt.legend()
plt.show()

# %% [markdown]
# ## 1.4 The vocabulary: `idx2token` and `token2idx`
#
# The **vocabulary** numbers the tokens: the three special tokens first (`<PAD>` = 0 fills short
# sequences, `<UNK>` stands for any unknown word, `<EOS>` ends every recipe), then the words from
# most to least frequent. `idx2token` is a list (id -> token) and `token2idx` a dict
# (token -> id), the two maps the blog post's `PyTorchTextGenerator` takes. The book keeps at most
# 10,000 tokens; our corpus has 8,200 distinct tokens, so all of them fit, and with the three special
# tokens the vocabulary has 8,203. Built from the same corpus, it is exactly the vocabulary of the
# pretrained model.
#
# The package ships two pretrained models, both trained on this corpus. The course's notebooks on
# the model load `"book"`: the blog post's `LSTMLM` with the book's sizes, embedding 100 and one LSTM
# layer of 128, trained on whole recipes (one per row of a batch), so what you see is the model the blog post builds. The
# default one, `pretrained_generator()` with no name, is larger and trained differently (two layers,
# one matrix shared by the embedding and the output layer, text read as one long stream): it writes
# better recipes, and notebook 6's panel uses it.

# %%
vocab = Vocab.build(texts, max_size=10000)
print(len(vocab), "tokens in the vocabulary")
print(vocab.idx2token[:16])
print({word: vocab.token2idx[word] for word in ["<PAD>", "<UNK>", "<EOS>", "recipe", "for", "onion"]})
assert all(vocab.token2idx[token] == idx for idx, token in enumerate(vocab.idx2token))

model, pretrained_vocab, checkpoint = pretrained_model("book", "cpu")  # the book's sizes
assert pretrained_vocab.idx2token == vocab.idx2token
print("the same as the pretrained model's vocabulary:", pretrained_vocab.idx2token == vocab.idx2token)

# %% [markdown]
# ## 1.5 Few words make most of the text
#
# Word counts fall off fast: a few hundred words make up most of the text. This is why a capped
# vocabulary (10,000 words for the full Epicurious set) loses little: the words it drops are rare and
# become `<UNK>`.

# %%
counts = Counter(token for text in texts for token in tokenize(text))
frequencies = sorted(counts.values(), reverse=True)
covered = torch.tensor(frequencies).cumsum(0) / sum(frequencies)
print(f"{len(counts):,} distinct tokens; the most frequent: {counts.most_common(5)}")
for size in [100, 500, 1000, 5000]:
    print(f"the {size:>4} most frequent tokens cover {covered[size - 1]:.1%} of the text")
print(f"{sum(count == 1 for count in frequencies):,} tokens occur only once")

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
left.loglog(range(1, len(frequencies) + 1), frequencies)
left.set(xlabel="rank of the word", ylabel="count", title="word counts (log-log)")
right.plot(range(1, len(covered) + 1), covered)
right.set(xlabel="vocabulary size", ylabel="share of the text covered", title="coverage")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 1.6 From tokens to ids
#
# `vocab.encode` tokenizes and looks up every token; `vocab.decode` goes back. A word outside the
# vocabulary becomes `<UNK>` (id 1).

# %%
ids = vocab.encode(recipe)
print(ids[:24])
print(vocab.decode(ids[:24]))
assert vocab.decode(ids) == detokenize(tokenize(recipe))

print(vocab.encode("Chop 1/2 rambutan."), "<- 'rambutan' is unknown:", vocab.idx2token[vocab.unk_idx])
assert vocab.encode("rambutan") == [vocab.unk_idx]

# %% [markdown]
# ## 1.7 Batches: `x` and `y`, shape `[batch, seq]`
#
# For training, each recipe's ids get an `<EOS>` at the end and the recipes are stacked into
# **batches**, several recipes processed together: a tensor of shape `[batch, seq]` (recipes,
# positions). `x` is a sequence and `y` is the same sequence shifted by one: at every position `t`,
# `y[t]` is the word that follows `x[t]`, the word the model must predict. We use the pretrained
# model's settings: 200 tokens at most, 8 recipes a batch (the book: 32), a fifth of the recipes held
# out for validation (checking the model on recipes it does not train on).

# %%
train_loader, val_loader = make_dataloaders(texts, vocab, max_len=200, batch_size=8, val_fraction=0.2)
print(f"{len(train_loader.dataset):,} training recipes in {len(train_loader)} batches, "
      f"{len(val_loader.dataset)} validation recipes in {len(val_loader)} batches")
x, y = next(iter(train_loader))
print("x", tuple(x.shape), x.dtype, "  y", tuple(y.shape))
assert torch.equal(x[:, 1:], y[:, :-1])  # y is x shifted by one
assert val_loader.dataset == validation_loader(checkpoint).dataset  # the pretrained model's validation split

for t in range(6):
    print(f"x[0, {t}] = {vocab.idx2token[x[0, t]]!r:10} -> y[0, {t}] = {vocab.idx2token[y[0, t]]!r}")

# %% [markdown]
# ## 1.8 Padding
#
# Rows in a batch must have the same length, so short recipes are **padded** with `<PAD>` (id 0) up to
# the longest one. The book pads every recipe to 200 tokens. `make_dataloaders` puts recipes of
# similar length in the same batch and pads each batch only to its own longest recipe, so far fewer
# positions are padding.

# %%
real = sum(int((y != vocab.pad_idx).sum()) for _, y in train_loader)
padded_here = sum(y.numel() for _, y in train_loader)
padded_book = sum(len(y) * 200 for _, y in train_loader)
print(f"{real:,} real target words")
print(f"padding to each batch's longest recipe: {padded_here:,} positions, {1 - real / padded_here:.1%} padding")
print(f"padding every recipe to 200 (the book):  {padded_book:,} positions, {1 - real / padded_book:.1%} padding")
assert padded_here < padded_book

shortest = min(range(len(y)), key=lambda row: int((y[row] != vocab.pad_idx).sum()))
end = int((y[shortest] != vocab.pad_idx).sum()) - 1  # position of the last real target in that row
print(f"row {shortest} of the first batch ends with:", [vocab.idx2token[i] for i in y[shortest, end - 2 : end + 3]])

# %% [markdown]
# ## 1.9 The embedding: a lookup table
#
# An **embedding** gives every word a vector of numbers that training can adjust.
# `nn.Embedding(vocab_size, embedding_dim)` holds a weight matrix of shape
# `[vocab_size, embedding_dim]`, one row per word. Given ids, it returns their rows: id 5 gets row 5.
# The result is exactly what multiplying **one-hot** vectors (all zeros except a 1 at the word's id) by
# the matrix would give, without building the one-hot vectors. A fresh table is random: every number
# drawn from a standard normal distribution (mean 0, standard deviation 1).

# %%
torch.manual_seed(0)
embedding = nn.Embedding(len(vocab), 100)
print("weight", tuple(embedding.weight.shape), "= [vocab_size, embedding_dim]")

sentence_ids = torch.tensor(vocab.encode("chop 1/2 onion."))
vectors = embedding(sentence_ids)
print("ids", sentence_ids.tolist(), tuple(sentence_ids.shape), "-> vectors", tuple(vectors.shape))
print(vectors[:, :4].detach().numpy().round(3))  # the first 4 of 100 numbers per word

torch.testing.assert_close(vectors, embedding.weight[sentence_ids])  # a lookup is row indexing
one_hot = nn.functional.one_hot(sentence_ids, len(vocab)).float()
print("one-hot", tuple(one_hot.shape), "@ weight", tuple(embedding.weight.shape), "->", tuple((one_hot @ embedding.weight).shape))
torch.testing.assert_close(one_hot @ embedding.weight, vectors)  # = one-hot times the matrix

# %% [markdown]
# ## 1.10 The table inside the pretrained model
#
# The blog post's `LSTMLM` starts with exactly such a table (`self.embedding`). The pretrained model
# has the book's sizes: 100 numbers per word, 128 hidden units. On a batch its table turns
# `[batch, seq]` ids into `[batch, seq, embedding_dim]` vectors, the comment in the blog post's
# `forward`. It holds the second largest share of the model's weights, after the output layer (one
# row of 128 weights and a bias per word).

# %%
embedded = model.embedding(x)
print("x", tuple(x.shape), "-> embedded", tuple(embedded.shape))
assert torch.equal(embedded, model.embedding.weight[x])  # still a lookup

n_total = sum(p.numel() for p in model.parameters())
for name, layer in model.named_children():
    n_weights = sum(p.numel() for p in layer.parameters())
    print(f"{name:10} {n_weights:>9,} weights ({n_weights / n_total:.0%})")
assert model.embedding.weight.shape == (len(vocab), 100)

# %% [markdown]
# ## 1.11 Same word, same vector
#
# A word gets the same vector wherever it stands: the sentence below has "the" three times, and its
# three rows in the pretrained table are identical. The embedding knows nothing about context; that is
# the LSTM's job (notebook 2).

# %%
words = tokenize("add the salt and the pepper to the pot")
rows = model.embedding(torch.tensor([vocab.token2idx[w] for w in words])).detach()
positions_of_the = [i for i, w in enumerate(words) if w == "the"]
print("'the' stands at positions", positions_of_the)
assert all(torch.equal(rows[i], rows[positions_of_the[0]]) for i in positions_of_the)

plt.figure(figsize=(10, 3))
plt.imshow(rows[:, :40], cmap="coolwarm", aspect="auto")
plt.yticks(range(len(words)), words)
plt.xlabel("first 40 of the 100 dimensions")
plt.title("embedding rows (pretrained): same word, same vector")
plt.colorbar()
plt.show()

# %% [markdown]
# ## 1.12 Training moves only the rows it sees
#
# The table is an ordinary weight. Training computes a **loss**, one number that says how wrong the
# model is, and its **gradient** (how much the loss would change for a small change of each weight),
# then moves every weight a little against the gradient. Notebooks 3 and 5 build the model's real loss
# and training loop; here any loss computed from looked-up rows will do, since we only ask which rows
# get a gradient. Only the rows that were looked up take part in the loss, so only they get one.
#
# Our stand-in loss is the mean squared length of the looked-up rows (lowering it pulls them toward
# zero). `loss.backward()` has PyTorch compute the gradient for every weight of the table and store it
# in `weight.grad`; one step of **gradient descent** then subtracts a small multiple of it. The table
# is a fresh one, the same as section 1.9's since it is drawn with the same seed.

# %%
torch.manual_seed(0)
toy_table = nn.Embedding(len(vocab), 100)
assert torch.equal(toy_table.weight, embedding.weight)  # section 1.9's table, drawn again
soup_ids = torch.tensor(vocab.encode("recipe for tomato soup | chop the onion and add the tomatoes."))
loss = (toy_table(soup_ids) ** 2).sum(dim=1).mean()  # a stand-in loss: mean squared length of the rows used
loss.backward()

has_gradient = toy_table.weight.grad.abs().sum(dim=1) > 0
print(f"{len(soup_ids)} tokens; {int(has_gradient.sum())} of {len(vocab):,} rows get a gradient:",
      [vocab.idx2token[i] for i in has_gradient.nonzero().flatten()])
assert set(has_gradient.nonzero().flatten().tolist()) == set(soup_ids.tolist())  # "the" twice, one row

before = toy_table.weight.detach().clone()
with torch.no_grad():  # the update itself is not part of the loss
    toy_table.weight -= 0.1 * toy_table.weight.grad
changed = (toy_table.weight != before).any(dim=1)
print(f"one step later {int(changed.sum())} rows have changed; the other {int((~changed).sum()):,} are as before")
assert torch.equal(changed, has_gradient)
print(f"loss before the step {loss:.2f}, after {(toy_table(soup_ids) ** 2).sum(dim=1).mean():.2f}")

# %% [markdown]
# The same holds when the loss comes from the whole model: the LSTM only ever receives looked-up
# rows, so the rest of the table gets no gradient and does not move.

# %% [markdown]
# ## 1.13 Trained rows and rows still random
#
# So a word the training recipes never show the model keeps the random row it started with. In the
# pretrained model that is 1,043 rows: the 3 special tokens (`<PAD>` only comes after a recipe's end,
# where no loss is counted (notebook 3, section 3.10); `<UNK>` never occurs because every word of the corpus is in the
# vocabulary; `<EOS>` is the last token and is never an input) and 1,040 words that occur only in
# validation recipes or only past a recipe's 200-token cut. Their numbers still have mean 0 and
# standard deviation 1, like a fresh table. A row of 100 such numbers has a length (norm) of about
# `sqrt(100) = 10`. The rows of words the model saw have moved away from that start, the more so the
# more often the word was seen: on average from about 10.1 for words seen once to about 11.4 for the
# 40 words seen 1,000 times or more. The spread around those averages (about 8 to 14 in the plot) is
# mostly the randomness of the start.

# %%
train_inputs = Counter(i for sequence in train_loader.dataset for i in sequence[:-1])  # every x of training
seen = torch.tensor([train_inputs[i] for i in range(len(vocab))])
table = model.embedding.weight.detach()
length = table.norm(dim=1)
never = seen == 0
print(f"{int(never.sum()):,} rows never an input in training, {int((~never).sum()):,} trained")
print(f"never trained:        mean {table[never].mean():+.3f}, std {table[never].std():.3f}, "
      f"row length {length[never].mean():.2f}")
print(f"a fresh nn.Embedding: mean {embedding.weight.mean():+.3f}, std {embedding.weight.std():.3f}, "
      f"row length {embedding.weight.norm(dim=1).mean():.2f}")
assert abs(table[never].std() - 1) < 0.01

print("\ntimes seen        words  mean row length")
bins = [(1, 2), (2, 10), (10, 100), (100, 1000), (1000, None)]
means, middles = [], []
for low, high in bins:
    in_bin = (seen >= low) & (seen < (high or seen.max() + 1))
    means.append(length[in_bin].mean().item())
    middles.append(seen[in_bin].float().median().item())
    label = "once" if high == 2 else f"{low:,} to {high - 1:,}" if high else f"{low:,} or more"
    print(f"{label:<16} {int(in_bin.sum()):>5}  {means[-1]:.2f}")
assert means == sorted(means)  # the more often seen, the longer the row

plt.figure(figsize=(7, 3.5))
plt.scatter(seen[~never], length[~never], s=3, alpha=0.3, label="one trained row")
plt.plot(middles, means, "o-", color="black", label="mean per bin")
plt.axhline(10, color="red", linestyle="--", label="random row: about sqrt(100) = 10")
plt.xscale("log")
plt.xlabel("times the word was an input in training")
plt.ylabel("length of its row")
plt.title("the more often a word is seen, the further its row moves")
plt.legend()
plt.show()

# %% [markdown]
# ## 1.14 What the rows learned: similar words, similar rows
#
# Do related words get related rows? The **cosine similarity** of two rows, `a . b / (|a| |b|)`, is 1
# for rows pointing the same way and 0 for unrelated ones. Between two random rows of 100 numbers it
# is 0 give or take about 0.1 (we measure it on the never-trained rows). Some pairs of words used in
# the same places sit far above that (onion and garlic); others are still at chance level after
# training (butter and oil). Notebook 7 looks further inside the trained model.

# %%
unit = table / table.norm(dim=1, keepdim=True)
untouched = unit[never]
chance = (untouched @ untouched.T)[~torch.eye(len(untouched), dtype=torch.bool)]
print(f"two never-trained rows: cosine {chance.mean():+.3f} +- {chance.std():.3f}")

pairs = [("onion", "garlic"), ("boil", "simmer"), ("cup", "tablespoon"), ("minutes", "hours"), ("1", "2"),
         ("salt", "pepper"), ("butter", "oil"), ("chicken", "beef")]
for a, b in pairs:
    cosine = unit[vocab.token2idx[a]] @ unit[vocab.token2idx[b]]
    print(f"{a:>8} / {b:<10} cosine {cosine:+.2f}  ({cosine / chance.std():+.1f} x the chance spread)")
assert unit[vocab.token2idx["onion"]] @ unit[vocab.token2idx["garlic"]] > 4 * chance.std()

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
# The embedding is a table with one row per word; a lookup picks rows, exactly like one-hot vectors
# times the table. Training moves only the rows of words it sees, so rare words keep rows close to
# random.
#
# Next, notebook 2 feeds these vectors to the LSTM.

# %% [markdown]
# ## Exercises
#
# **1. A smaller vocabulary.** Build a vocabulary of 2,000 tokens with `Vocab.build(texts, 2000)`.
# Predict first, from the coverage curve of section 1.5 (mind the three special tokens): what share
# of the corpus's tokens become `<UNK>`? And how many of the 3,271 recipes contain at least one
# `<UNK>`? Then measure both (the cell below is one way to do it).
#
# <details><summary>Solution</summary>
#
# 2,000 ids hold 1,997 words (the other 3 are the special tokens), which cover 96.5% of the text, so
# 3.5% of the tokens become `<UNK>`: about one in 28. Yet 2,920 of the 3,271 recipes (89%) have at
# least one, because almost every recipe has a rare word or two; `canola` and `tabasco` are among the
# words dropped. A model trained with this vocabulary would write `<UNK>` in most of its recipes.
#
# </details>

# %%
small_vocab = Vocab.build(texts, 2000)
encoded = [small_vocab.encode(text) for text in texts]
n_tokens = sum(len(ids) for ids in encoded)
n_unknown = sum(ids.count(small_vocab.unk_idx) for ids in encoded)
print(f"vocabulary of {len(small_vocab):,}: {n_unknown / n_tokens:.1%} of the tokens are <UNK>")
print(f"the coverage curve said: 1 - {covered[1996]:.3f} = {1 - covered[1996]:.1%}")
assert abs(n_unknown / n_tokens - (1 - covered[1996].item())) < 1e-6

with_unknown = sum(small_vocab.unk_idx in ids for ids in encoded)
print(f"{with_unknown:,} of {len(texts):,} recipes ({with_unknown / len(texts):.0%}) contain <UNK>")
print("the first words dropped:", vocab.idx2token[2000:2005])

# %% [markdown]
# **2. The book's batch size.** The book puts 32 recipes in a batch; section 1.8 used 8. Make the
# loaders with `batch_size=32` and measure the share of padding again. Predict first: more or less
# than the 1.4% with batches of 8, and how close to the 39.0% of padding every recipe to 200?
#
# <details><summary>Solution</summary>
#
# 1.8%: a little more, since 32 recipes span a wider range of lengths than 8, but nowhere near 39.0%,
# because `make_dataloaders` still puts recipes of similar length together. The 2,617 training recipes
# now make 82 batches instead of 328.
#
# </details>

# %%
loader_32, _ = make_dataloaders(texts, vocab, max_len=200, batch_size=32, val_fraction=0.2)
padded_32 = sum(y.numel() for _, y in loader_32)
print(f"batches of 32: {len(loader_32)} batches, {padded_32:,} positions, {1 - real / padded_32:.1%} padding")
print(f"batches of 8:  {len(train_loader)} batches, {padded_here:,} positions, {1 - real / padded_here:.1%} padding")
assert sum(int((y != vocab.pad_idx).sum()) for _, y in loader_32) == real  # the same words, packed differently

# %% [markdown]
# **3. Predict, then run.** Which five words have the rows closest (by cosine similarity) to
# `"onion"` in the pretrained table? Will they all be kitchen words?
#
# <details><summary>Solution</summary>
#
# `garlic` comes first (0.43), then `skins`, `insoluble`, `turmeric` and `moroccan`, all near 0.34.
# Beyond garlic the list looks like chance: in a fresh random table, the row closest to onion's
# among 8,202 others has a cosine of about the same size (the cell prints it), simply because the
# best of 8,202 random draws is large. The input table of this small model learned little about
# meaning; the LSTM and the output layer carry more of it.
#
# </details>

# %%
similarity = unit @ unit[vocab.token2idx["onion"]]
nearest = similarity.topk(6).indices[1:]  # the first is onion itself
print("pretrained:", [(vocab.idx2token[i], round(similarity[i].item(), 2)) for i in nearest])

fresh = embedding.weight.detach()  # section 1.9's random table
fresh = fresh / fresh.norm(dim=1, keepdim=True)
fresh_similarity = fresh @ fresh[vocab.token2idx["onion"]]
nearest = fresh_similarity.topk(6).indices[1:]
print("random table:", [(vocab.idx2token[i], round(fresh_similarity[i].item(), 2)) for i in nearest])
