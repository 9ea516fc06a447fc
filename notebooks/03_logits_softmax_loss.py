# %% [markdown]
# # 3. Logits, softmax and the loss
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lstm-tutorial/lstm-tutorial/blob/main/notebooks/03_logits_softmax_loss.ipynb)
#
# The model's raw scores (**logits**) become probabilities with **softmax**, a word is drawn from
# them, and training scores the model by `-log p` of the right word (the **cross-entropy loss**). We
# follow the blog post's `[5, 10, 2]` walk-through, the reshape to `[batch*seq, vocab]`,
# `ignore_index` for padding, and **perplexity**. Then we ask what the pretrained model's validation
# perplexity of 35 means, by computing what counting words alone achieves on the same recipes.

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
# We use the pretrained model that ships with the package (the book's sizes, trained on 2,617 of the
# bundled corpus's 3,271 recipes; the other 654 are its validation split) and, to compare, an
# untrained model of the same sizes. Everything runs on the CPU, so the numbers are the same on every
# machine; nothing is trained here.

# %%
import math
from collections import Counter

import matplotlib.pyplot as plt
from torch import nn

from lstm_tutorial import LSTMLM, TrainConfig, load_recipes, pretrained_model
from lstm_tutorial.checkpoints import checkpoint_loaders
from lstm_tutorial.data import pad_batch
from lstm_tutorial.pretrained import pretrained_history
from lstm_tutorial.training import evaluate_loss

model, vocab, checkpoint = pretrained_model("book", "cpu")  # eval mode: no dropout
config = TrainConfig.from_dict(checkpoint["config"])  # how it was trained: corpus, sizes, split
V = len(vocab)

torch.manual_seed(0)
untrained = LSTMLM.from_config(config, V).eval()
print(f"vocabulary: {V:,} words; embedding {config.embedding_dim}, hidden {config.hidden_dim}")
print(f"pretrained: epoch {checkpoint['epoch']}, made by `{checkpoint['command']}`")

# %% [markdown]
# ## 3.1 Logits are raw scores
#
# The blog post's example: the model says "as the next word, word 1 looks worth 5 points, word 2 -3
# points, word 3 10 points". Such scores can be negative or above 1 and do not add up to anything; they
# are the **logits**. Softmax turns them into probabilities: `exp(z_i) / sum_j exp(z_j)`, all between
# 0 and 1, summing to 1, in the same order as the scores.

# %%
z = torch.tensor([5.0, -3.0, 10.0])
p = torch.exp(z) / torch.exp(z).sum()
print("logits       ", z.tolist())
print("probabilities", [f"{value:.3g}" for value in p.tolist()], "sum", round(p.sum().item(), 5))
torch.testing.assert_close(p, torch.softmax(z, dim=0))

# %% [markdown]
# ## 3.2 Only differences between scores matter
#
# Adding the same number to every score leaves softmax unchanged. That is what keeps it safe to
# compute: `exp(1000)` overflows, so softmax subtracts the largest score first (`torch.softmax` does;
# so does the package's `next_token_probs`).

# %%
torch.testing.assert_close(torch.softmax(z + 100, dim=0), torch.softmax(z, dim=0))

big = z + 1000
print("naive exp(z) / sum:", (torch.exp(big) / torch.exp(big).sum()).tolist())
shifted = big - big.max()
print("subtract the max first:", [f"{value:.3g}" for value in (torch.exp(shifted) / torch.exp(shifted).sum()).tolist()])
print("torch.softmax:         ", [f"{value:.3g}" for value in torch.softmax(big, dim=0).tolist()])

# %% [markdown]
# ## 3.3 The model's logits for a real prompt
#
# The model returns one row of `vocab_size` scores per position, shape `[batch, seq, vocab_size]`; the
# last row scores the word after the prompt. The untrained model has small, random scores, so its
# probabilities all lie within a factor of two of `1 / vocab_size`. The pretrained model, after
# "preheat the oven to", puts almost a third of its probability on `180`, and its next four choices
# are oven temperatures too (Celsius and Fahrenheit). Ids run from the most to the least frequent
# word, so its probabilities also fall, on the whole, from left to right. (Banana bread is a dish the
# corpus has.)

# %%
print([text[:45] for text in load_recipes(config.data, verbose=False) if "banana bread" in text.lower()[:60]])
prompt = "recipe for banana bread | preheat the oven to"
x = torch.tensor([vocab.encode(prompt)])
with torch.no_grad():
    logits, _ = model(x)
    untrained_logits, _ = untrained(x)
print("x", tuple(x.shape), "-> logits", tuple(logits.shape))

for name, scores in [("untrained", untrained_logits[0, -1]), ("pretrained", logits[0, -1])]:
    probs = torch.softmax(scores, dim=0)
    top = probs.topk(5)
    print(f"{name:>10}: logits from {scores.min():6.2f} to {scores.max():5.2f}; probabilities from "
          f"{probs.min():.2g} to {probs.max():.2g} (1 / vocab_size = {1 / V:.2g})")
    print(" " * 12, "top 5:", [(vocab.idx2token[i], f"{v:.3g}") for v, i in zip(top.values.tolist(), top.indices.tolist())])
    torch.testing.assert_close(probs.sum(), torch.tensor(1.0))

fig, axes = plt.subplots(1, 2, figsize=(11, 3.5), sharey=True)
for axis, (name, scores) in zip(axes, [("untrained", untrained_logits[0, -1]), ("pretrained", logits[0, -1])]):
    axis.plot(torch.softmax(scores, dim=0))
    axis.axhline(1 / V, color="red", linestyle="--", label="1 / vocab_size")
    axis.set(xlabel="word id", yscale="log", title=f"next-word probabilities ({name})")
    axis.legend()
axes[0].set_ylabel("probability (log scale)")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 3.4 The blog post's walk-through: `[5, 10, 2]` and the last row
#
# The blog post traces its generator on the ids `[5, 10, 2]`, placeholders for any three-token
# prompt. We use three real ids, those of "recipe for banana". Row `t` of the logits scores the word
# that follows token `t`; generation only needs the last row, `logits[0, -1, :]`. Softmax, draw a
# word, append it, repeat: the second pass has one more row. The word is drawn by the package's
# `draw(probs, generator)`, which picks id `i` with probability `probs[i]`; section 3.5 opens it up.

# %%
from lstm_tutorial.sampling import draw

print("the blog post's ids", [5, 10, 2], "=", [vocab.idx2token[i] for i in [5, 10, 2]])
tokens = vocab.encode("recipe for banana")
print("tokens", tokens, "=", [vocab.idx2token[i] for i in tokens])
generator = torch.Generator().manual_seed(0)  # a random seed, so the draws are the same every run
previous_logits = None
with torch.no_grad():
    for step in range(1, 3):
        x = torch.tensor([tokens])
        logits, _ = model(x)
        next_token_logits = logits[0, -1, :]  # the last position
        probs = torch.softmax(next_token_logits, dim=0)
        next_token = draw(probs, generator).item()
        print(f"pass {step}: x {tuple(x.shape)} -> logits {tuple(logits.shape)} ({logits[0].numel():,} numbers); "
              f"logits[0, {len(tokens) - 1}, :] -> picked {next_token} ({vocab.idx2token[next_token]!r}, p = {probs[next_token]:.3f})")
        if previous_logits is not None:  # the rows for the old tokens did not change
            torch.testing.assert_close(logits[:, :-1], previous_logits)
        previous_logits = logits
        tokens = tokens + [next_token]
print("tokens", tokens, "=", vocab.decode(tokens))

# %% [markdown]
# The check inside the loop shows why notebook 2's carried state works: the LSTM reads left to right,
# so appending a word never changes the scores at earlier positions. Re-reading them, as the blog
# post's generator does, recomputes the same numbers.
#
# ## 3.5 Sampling: drawing a word from the probabilities
#
# Lay the probabilities end to end on the line from 0 to 1: each word gets a stretch as long as its
# probability, ending at its **cumulative sum**. A uniform random number `u` in `[0, 1)` lands in word
# `i`'s stretch with probability `probs[i]`. This is **inverse-CDF sampling** (the cumulative sum is the
# CDF), and the package's `draw` picks every word so: `cumsum`, one `torch.rand` times the total, and
# `torch.searchsorted(cdf, u, right=True)`, the first word whose cumulative probability exceeds `u`. A
# toy distribution over four words:

# %%
toy_words = ["salt", "sugar", "flour", "egg"]
toy_probs = torch.softmax(torch.tensor([2.0, 1.0, 0.1, -1.0]), dim=0)
toy_cdf = toy_probs.cumsum(dim=0)
starts = toy_cdf - toy_probs
print("word    probability  stretch of [0, 1)")
for word, prob, start, end in zip(toy_words, toy_probs.tolist(), starts.tolist(), toy_cdf.tolist()):
    print(f"{word:<7} {prob:11.3f}  [{start:.3f}, {end:.3f})")

u = torch.rand(1, generator=torch.Generator().manual_seed(0)) * toy_cdf[-1]
picked = torch.searchsorted(toy_cdf, u, right=True).item()
print(f"u = {u.item():.3f} lands in the stretch of {toy_words[picked]!r}")

fig, axis = plt.subplots(figsize=(9, 1.6))
axis.barh(0, toy_probs, left=starts, color=[f"C{i}" for i in range(4)], edgecolor="white")
for word, prob, start in zip(toy_words, toy_probs.tolist(), starts.tolist()):
    axis.text(start + prob / 2, 0, word, ha="center", va="center", fontsize="small")
axis.axvline(u.item(), color="black", linestyle="--")
axis.text(u.item() + 0.01, 0.45, f"u = {u.item():.3f}")
axis.set(xlim=(0, 1), yticks=[], xlabel="cumulative probability")
plt.show()

# %% [markdown]
# Written by hand, the draw is three lines; with a generator seeded alike it picks the same words as
# the package's `draw` (which also keeps `u` strictly below the total, in case rounding lands on it):

# %%
def draw_by_hand(probs: torch.Tensor, generator: torch.Generator) -> int:
    """One id drawn with probability probs[i]: the first whose cumulative probability exceeds u."""
    cdf = probs.cumsum(dim=0)
    u = torch.rand(1, generator=generator) * cdf[-1]  # uniform in [0, total)
    return torch.searchsorted(cdf, u, right=True).item()


rng_for_hand, rng_for_package = torch.Generator().manual_seed(0), torch.Generator().manual_seed(0)
by_hand = [draw_by_hand(toy_probs, rng_for_hand) for _ in range(1000)]
by_package = [draw(toy_probs, rng_for_package).item() for _ in range(1000)]
assert by_hand == by_package
print("the first 8 of 1,000 draws, by hand and by the package:", [toy_words[i] for i in by_hand[:8]])

# %% [markdown]
# Drawn many times, each word comes up about as often as its probability says (`draw` takes one row
# per draw). `torch.multinomial(probs, 1)`, which the blog post's `sample_from` calls, is PyTorch's
# usual function for the same distribution; it uses its random numbers differently, so the same seed
# gives other words. Always taking the most likely word (`argmax`) instead is **greedy decoding**: it
# writes the same text every time. Notebook 4 shows the middle ground, temperature.

# %%
draws = draw(toy_probs.expand(10_000, -1), torch.Generator().manual_seed(0))[:, 0]
shares = torch.bincount(draws, minlength=4) / 10_000
print("probabilities", [round(v, 3) for v in toy_probs.tolist()])
print("drawn shares ", [round(v, 3) for v in shares.tolist()])
print("greedy always picks", repr(toy_words[toy_probs.argmax()]))
assert (shares - toy_probs).abs().max() < 0.02

positions = torch.arange(4)
plt.bar(positions - 0.2, toy_probs, width=0.4, label="probability")
plt.bar(positions + 0.2, shares, width=0.4, label="share of 10,000 draws")
plt.xticks(positions, toy_words)
plt.legend()
plt.show()

# %% [markdown]
# Since every word is drawn this way, a loop of our own writes the very words of the package's
# `TextGenerator.sample(prompt, seed=s)`: that seeds a `torch.Generator` on the model's device with
# `manual_seed(s)` and calls `draw` once per word. It reads the prompt once and then carries the LSTM state,
# which gives the same probabilities as our blog-style loop that re-reads everything.

# %%
from lstm_tutorial import TextGenerator


def generate_by_rereading(prompt: str, max_tokens: int, seed: int) -> str:
    """The blog post's loop: re-read all tokens, draw the next word, stop at <EOS> or max_tokens."""
    generator = torch.Generator().manual_seed(seed)
    tokens = vocab.encode(prompt)
    with torch.no_grad():
        for _ in range(max_tokens):
            logits, _ = model(torch.tensor([tokens]))
            next_token = draw(torch.softmax(logits[0, -1], dim=0), generator).item()
            tokens.append(next_token)
            if next_token == vocab.eos_idx:
                break
    return vocab.decode(tokens)


text_generator = TextGenerator(model, vocab)
for seed in [0, 1]:
    ours = generate_by_rereading("recipe for banana", 30, seed)
    assert ours == text_generator.sample("recipe for banana", max_tokens=30, seed=seed)[0]
    print(f"seed {seed}: {ours}")

# %% [markdown]
# ## 3.6 The loss: `-log p` of the right word, in nats
#
# Training shows the model a position and the word that really comes next. `nn.CrossEntropyLoss`
# takes the logits and the id of that word and returns `-log p(right word)`: near 0 when the model
# gave the right word a high probability, large when it gave it a small one. Softmax is inside the
# loss, so the model outputs logits, not probabilities. The log is the natural one, so the loss is
# measured in **nats** (the natural unit of information); with `log2` it would be in bits, and
# 1 nat = 1 / ln 2 = 1.44 bits.

# %%
criterion = nn.CrossEntropyLoss()
for target in [2, 0, 1]:
    loss = criterion(z.unsqueeze(0), torch.tensor([target]))  # [1 sample, 3 classes], [1 target]
    by_hand = -torch.log_softmax(z, dim=0)[target]
    torch.testing.assert_close(loss, by_hand)
    print(f"right word {target}: p = {torch.softmax(z, dim=0)[target]:.3g}, "
          f"loss = -log p = {loss:.4f} nats = {loss / math.log(2):.4f} bits")

p_grid = torch.linspace(0.001, 1, 500)
plt.plot(p_grid, -torch.log(p_grid))
plt.xlabel("probability the model gave the right word")
plt.ylabel("loss = -log p (nats)")
plt.show()

# %% [markdown]
# ## 3.7 The reshape: `[batch, seq, vocab]` -> `[batch*seq, vocab]`
#
# A training batch gives logits `[batch, seq, vocab_size]` and targets `y` of shape `[batch, seq]`.
# `CrossEntropyLoss` wants `[N, C]` scores and `[N]` targets: N samples, C classes. So the blog post
# flattens batch and time: `logits.view(-1, logits.size(-1))` and `y.view(-1)`. That is allowed
# because the LSTM has already put each word's context into its row: the loss can treat the
# `batch*seq` positions as independent samples, as long as logits and targets stay in the same order.
# We pad the first 8 validation recipes (the split rebuilt from the model's config) into one batch
# with the package's `pad_batch`, which its loaders use.

# %%
train_loader, val_loader = checkpoint_loaders(checkpoint)
x, y = pad_batch(val_loader.dataset[:8], vocab.pad_idx)
with torch.no_grad():
    logits, _ = model(x)
flat_logits = logits.view(-1, logits.size(-1))
flat_targets = y.view(-1)
print("logits", tuple(logits.shape), "-> flat", tuple(flat_logits.shape))
print("y     ", tuple(y.shape), "       -> flat", tuple(flat_targets.shape))

batch, seq = y.shape
b, t = 3, 17
torch.testing.assert_close(flat_logits[b * seq + t], logits[b, t])  # row b*seq + t is position (b, t)
assert flat_targets[b * seq + t] == y[b, t]

# %% [markdown]
# ## 3.8 `view`, `reshape` and contiguous tensors
#
# A tensor is a block of memory plus a **stride**: how many places to jump in memory for one step along
# each dimension. It is **contiguous** when its numbers lie in memory row after row with no gaps: a
# contiguous `[3, 5]` tensor has stride `(5, 1)`. `view` reinterprets the same memory with a new shape,
# never moving a number, so `view(-1)` needs a contiguous tensor; `reshape` gives a view when it can
# and copies when it must.
#
# `batch[:, 1:]`, which is how `y` is cut from a padded batch, keeps the parent's memory and stride
# `(5, 1)` with rows of 4: between row 0's last number and row 1's first lies the skipped first column.
# So the slice is not contiguous and `view(-1)` refuses it.

# %%
toy_batch = torch.arange(15).view(3, 5)  # 3 recipes of 5 ids
sliced = toy_batch[:, 1:]
print("batch", tuple(toy_batch.shape), "stride", toy_batch.stride(), "contiguous:", toy_batch.is_contiguous())
print("batch[:, 1:]", tuple(sliced.shape), "stride", sliced.stride(), "contiguous:", sliced.is_contiguous())
try:
    sliced.view(-1)
except RuntimeError:  # "view size is not compatible with input tensor's size and stride ..."
    print("batch[:, 1:].view(-1) raises RuntimeError")

flat = sliced.reshape(-1)
print("batch[:, 1:].reshape(-1):", flat.tolist(), "- a copy:", flat.data_ptr() != sliced.data_ptr())
assert toy_batch.reshape(-1).data_ptr() == toy_batch.data_ptr()  # contiguous: reshape is a view, no copy
assert torch.equal(flat, sliced.contiguous().view(-1))

# %% [markdown]
# The package's `pad_batch` cuts `x` and `y` from the padded batch the same way and then calls
# `.contiguous()` on both, so the `y` of every batch is contiguous and the blog post's `y.view(-1)` works; so does `logits.view(...)`, since
# the model's output layer writes a fresh contiguous tensor. The package's own loss uses
# `y.reshape(-1)`, which works either way.

# %%
print("y is contiguous:", y.is_contiguous(), "  logits are contiguous:", logits.is_contiguous())
x_train, y_train = next(iter(train_loader))
print("a training batch's y is contiguous:", y_train.is_contiguous())
assert y.is_contiguous() and y_train.is_contiguous()
assert torch.equal(y.view(-1), y.reshape(-1))

# %% [markdown]
# ## 3.9 Without the reshape
#
# Without the reshape the call goes wrong: for a 3-D input `CrossEntropyLoss` expects the classes in
# dimension 1 (`[batch, vocab, seq]`), so it would read `seq` as the number of classes and fail.
# Moving the vocabulary to dimension 1 with `transpose(1, 2)` is the other correct way.

# %%
try:
    criterion(logits, y)
except (RuntimeError, ValueError) as error:
    print("criterion(logits, y) without reshaping fails:", type(error).__name__)

torch.testing.assert_close(criterion(logits.transpose(1, 2), y), criterion(flat_logits, flat_targets), rtol=1e-5, atol=0)
print("criterion(logits.transpose(1, 2), y) == criterion(flat_logits, flat_targets)")

# %% [markdown]
# ## 3.10 `ignore_index`: no loss on padding
#
# Batches are padded with `<PAD>` (id 0), and the positions after a recipe's end have `<PAD>` as
# target. Predicting padding is nothing the model should learn, so the blog post's `initialize_model`
# builds `nn.CrossEntropyLoss(ignore_index=0)`: those positions are left out of the loss and of its
# average. Below, the pretrained model's loss at every position of the batch; the white area is
# padding.

# %%
pad_loss = nn.CrossEntropyLoss(ignore_index=vocab.pad_idx)
per_position = nn.functional.cross_entropy(flat_logits, flat_targets, reduction="none").view(batch, seq)
is_real = y != vocab.pad_idx
print(f"{int((~is_real).sum())} of {y.numel()} target positions are <PAD>")

# ignore_index = the mean over real targets only
torch.testing.assert_close(pad_loss(flat_logits, flat_targets), per_position[is_real].mean())
print(f"loss with ignore_index=0: {pad_loss(flat_logits, flat_targets):.4f}")
print(f"loss counting <PAD> too:  {criterion(flat_logits, flat_targets):.4f}")

plt.figure(figsize=(10, 3.5))
plt.imshow(per_position.masked_fill(~is_real, float("nan")), aspect="auto", cmap="magma")
plt.xlabel("position")
plt.ylabel("recipe in the batch")
plt.title("-log p of the right word, pretrained model (white: padding, ignored)")
plt.colorbar(label="nats")
plt.show()

# %% [markdown]
# ## 3.11 Perplexity
#
# **Perplexity** is `exp(loss)`, the loss in nats. A model that spreads its probability evenly over
# `k` words has loss `log k` and perplexity `k`, so perplexity reads as "on average the model hesitates
# between this many words". Guessing uniformly over the whole vocabulary gives perplexity = vocabulary
# size; the untrained model is close to that, the pretrained one far below.

# %%
uniform_loss = criterion(torch.zeros(1, V), torch.tensor([7]))
torch.testing.assert_close(uniform_loss, torch.tensor(math.log(V)))
print(f"uniform guess:    loss log({V}) = {uniform_loss:.2f} nats, perplexity {math.exp(uniform_loss):,.0f}")

with torch.no_grad():
    untrained_logits, _ = untrained(x)
for name, scores in [("untrained", untrained_logits), ("pretrained", logits)]:
    batch_loss = pad_loss(scores.view(-1, V), y.view(-1)).item()
    print(f"{name + ':':<17} loss {batch_loss:.2f} nats, perplexity {math.exp(batch_loss):,.0f}  (this batch)")

# %% [markdown]
# ## 3.12 The pretrained model's validation perplexity
#
# One batch is a small sample. The number that describes the model is its loss over the whole
# **validation split**: the fifth of the recipes (654) it never trained on, rebuilt above from its
# config exactly as in training. The package's `evaluate_loss` averages the loss over every real target
# word, in float32, as the checkpoint's own `val_loss` was measured.

# %%
val_targets = sum(int((y_val != vocab.pad_idx).sum()) for _, y_val in val_loader)
print(f"{len(train_loader.dataset):,} training recipes, {len(val_loader.dataset)} validation recipes, "
      f"{val_targets:,} validation target words")
val_loss = evaluate_loss(model, val_loader, vocab.pad_idx)
lstm_perplexity = math.exp(val_loss)
print(f"validation loss {val_loss:.4f} nats, perplexity {lstm_perplexity:.1f}")
assert math.isclose(val_loss, checkpoint["val_loss"], rel_tol=1e-5)  # what the checkpoint records

# %% [markdown]
# ## 3.13 The blog post's average: mean of batch means
#
# The blog post's `evaluate` averages the batch losses instead (`val_loss / len(val_loader)`), which
# gives a batch of short recipes as much weight as a batch of long ones. The loader groups recipes of
# similar length, so its batches hold from 139 to 1,600 target words. Here the batches with fewer
# words have the lower losses on average, so the blog post's number comes out lower than the mean per
# word: perplexity 33.9 instead of 35.3, from the same model.

# %%
batch_losses, batch_words = [], []
with torch.no_grad():
    for x_val, y_val in val_loader:  # the blog post's evaluate, loss by loss
        logits_val, _ = model(x_val)
        batch_losses.append(pad_loss(logits_val.view(-1, V), y_val.view(-1)).item())
        batch_words.append(int((y_val != vocab.pad_idx).sum()))

per_word = sum(loss * n for loss, n in zip(batch_losses, batch_words)) / sum(batch_words)
blog_style = sum(batch_losses) / len(batch_losses)
print(f"batches hold {min(batch_words)} to {max(batch_words):,} target words")
print(f"mean over target words (evaluate_loss): {per_word:.4f}, perplexity {math.exp(per_word):.1f}")
print(f"mean of batch means (the blog post):    {blog_style:.4f}, perplexity {math.exp(blog_style):.1f}")
assert math.isclose(per_word, val_loss, rel_tol=1e-5)

by_size = sorted(zip(batch_words, batch_losses))
half = len(by_size) // 2
print(f"mean loss of the {half} batches with the fewest words: {sum(loss for _, loss in by_size[:half]) / half:.3f}; "
      f"of the other {len(by_size) - half}: {sum(loss for _, loss in by_size[half:]) / (len(by_size) - half):.3f}")

# %% [markdown]
# ## 3.14 How the loss fell during training
#
# The package keeps the pretrained model's training history (`metrics.json`: per epoch the mean
# training loss and the validation loss). Validation perplexity fell fast in the first epochs, then
# flattened; after epoch 9 it rose slightly while the training loss kept falling: the model began to
# fit its training recipes better than new ones (**overfitting**). Training stopped after 3 epochs
# without a better validation loss, and the checkpoint holds epoch 9, the best one.

# %%
history = pretrained_history("book")
for record in history:
    print(f"epoch {record['epoch']:>2}: train loss {record['train_loss']:.3f}, "
          f"val loss {record['val_loss']:.3f}, val perplexity {record['val_perplexity']:.1f}")
best = min(history, key=lambda record: record["val_loss"])
assert best["epoch"] == checkpoint["epoch"] and math.isclose(best["val_loss"], val_loss, rel_tol=1e-4)

epochs = [record["epoch"] for record in history]
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.5))
left.plot(epochs, [record["train_loss"] for record in history], marker="o", label="training")
left.plot(epochs, [record["val_loss"] for record in history], marker="o", label="validation")
left.axvline(best["epoch"], color="gray", linestyle=":", label=f"kept: epoch {best['epoch']}")
left.set(xlabel="epoch", ylabel="loss (nats)", title="loss = mean -log p")
left.legend()
right.plot(epochs, [record["val_perplexity"] for record in history], marker="o", color="C1")
right.set(xlabel="epoch", ylabel="validation perplexity", title="perplexity = exp(loss)")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 3.15 Word by word
#
# The loss is an average over words; one validation recipe, a lamb tagine, shows where it comes from.
# Words fixed by the words before them cost almost nothing: `for` after `recipe` (0.002 nats), `/`
# inside `1 1/2`, `in` and `a` in "heat the oil in a dutch". The dish's name costs the most: `prunes`
# and `tagine` about 11 nats each (the model gave each less than 1 chance in 50,000), then `toasted`
# and `lamb`; in the directions the dearest word is `saffron`, which the name does not announce. The
# recipe's perplexity is the `exp` of the average of these bars over the
# whole recipe.

# %%
sequence = torch.tensor(val_loader.dataset[0])
with torch.no_grad():
    logits_one, _ = model(sequence[None, :-1])
surprise = nn.functional.cross_entropy(logits_one[0], sequence[1:], reduction="none")
torch.testing.assert_close(surprise.mean(), criterion(logits_one[0], sequence[1:]))

n_shown = 40
words = [vocab.idx2token[i] for i in sequence[1 : n_shown + 1].tolist()]
print(vocab.decode(sequence[: n_shown + 1]))
by_cost = sorted((round(cost, 3), word) for cost, word in zip(surprise[:n_shown].tolist(), words))
print("cheapest (nats):", by_cost[:5])
print("dearest (nats): ", by_cost[-5:])
plt.figure(figsize=(12, 3.5))
plt.bar(range(n_shown), surprise[:n_shown])
plt.xticks(range(n_shown), words, rotation=90)
plt.ylabel("-log p of this word (nats)")
plt.title(f"one validation recipe, word by word (its perplexity: {math.exp(surprise.mean()):.0f})")
plt.show()

# %% [markdown]
# ## 3.16 A yardstick: the unigram model, counted by hand
#
# Is 35.3 good? We compare it with models that only count words, as Karpathy's makemore does before
# any network, trained on the same recipes and scored on the same validation targets as the LSTM
# (every word after the first of each recipe, `<EOS>` included).
#
# The simplest is the **unigram** model: it ignores the context and gives every word its share of the
# training text, `P(w) = count(w) / N`. A word never seen in training would get probability 0 and an
# infinite loss, so we use **add-one (Laplace) smoothing**: one extra count for every vocabulary word,
# `P(w) = (count(w) + 1) / (N + V)`.

# %%
train_sequences, val_sequences = train_loader.dataset, val_loader.dataset
val_pairs = [(previous, word) for s in val_sequences for previous, word in zip(s[:-1], s[1:])]
assert len(val_pairs) == val_targets  # the same targets as the LSTM's validation loss

word_counts = Counter(word for s in train_sequences for word in s[1:])  # every training target
N = sum(word_counts.values())


def unigram_prob(previous, word):
    return (word_counts[word] + 1) / (N + V)  # add-one: the previous word is ignored


def perplexity_of(prob):
    return math.exp(-sum(math.log(prob(previous, word)) for previous, word in val_pairs) / len(val_pairs))


assert math.isclose(sum(unigram_prob(None, w) for w in range(V)), 1)  # a distribution over the vocabulary
unigram_perplexity = perplexity_of(unigram_prob)
print(f"{N:,} training targets; unigram (add-one) perplexity: {unigram_perplexity:.1f}")
print("most likely words:", [(vocab.idx2token[w], round(unigram_prob(None, w), 3)) for w, _ in word_counts.most_common(5)])

# %% [markdown]
# ## 3.17 The bigram model with add-one smoothing
#
# A **bigram** model looks at one word of context: `P(w | v) = count(v, w) / count(v)`, the share of
# the times `v` was followed by `w`. With add-one smoothing, `(count(v, w) + 1) / (count(v) + V)`. This
# is makemore's first model, and here it does worse than the unigram: every context gets 8,203 extra
# counts, and all but 4 of the 7,160 words seen as a context were seen fewer times than that, so the
# smoothing drowns what was counted. For a word seen 10 times as a context, even a word that followed
# it all 10 times gets only 11 / 8,213 of the probability.

# %%
pair_counts = Counter((previous, word) for s in train_sequences for previous, word in zip(s[:-1], s[1:]))
context_counts = Counter()
for (previous, _), count in pair_counts.items():
    context_counts[previous] += count


def bigram_add_one_prob(previous, word):
    return (pair_counts[(previous, word)] + 1) / (context_counts[previous] + V)


the = vocab.token2idx["the"]
assert math.isclose(sum(bigram_add_one_prob(the, w) for w in range(V)), 1)
bigram_add_one_perplexity = perplexity_of(bigram_add_one_prob)
print(f"bigram (add-one) perplexity: {bigram_add_one_perplexity:.1f}  (unigram: {unigram_perplexity:.1f})")
print(f"contexts seen fewer than {V:,} times: {sum(c < V for c in context_counts.values()):,} "
      f"of {len(context_counts):,}")
unseen_share = sum(pair_counts[pair] == 0 for pair in val_pairs) / len(val_pairs)
print(f"validation pairs never seen in training: {unseen_share:.1%}")

# %% [markdown]
# ## 3.18 The Kneser-Ney bigram
#
# Better smoothing takes a little from every seen pair instead of adding to every unseen one.
# Interpolated **Kneser-Ney** subtracts a fixed discount `D` (about 0.7 here) from each pair count and
# spreads what it freed over all words by their **continuation** probability: how many different words
# a word follows, not how often it occurs (`least` is common in the training text, but only ever
# after `at`, so it gets little of the mass left for words that never followed a given context).
#
# `P(w | v) = max(count(v, w) - D, 0) / count(v) + D * followers(v) / count(v) * P_cont(w)`
#
# where `followers(v)` is the number of different words seen after `v`, and `P_cont(w)` is the share of
# distinct pairs that end in `w` (itself discounted and mixed with a uniform share, so that no word gets
# 0). Counted by hand, then checked against the package's `lstm_tutorial.baselines`.

# %%
followers = Counter(previous for previous, _ in pair_counts)  # distinct words after each word
predecessors = Counter(word for _, word in pair_counts)  # distinct words before each word
count_of_counts = Counter(pair_counts.values())
D = count_of_counts[1] / (count_of_counts[1] + 2 * count_of_counts[2])  # pairs seen once, twice
n_types = len(pair_counts)


def continuation_prob(word):
    return max(predecessors[word] - D, 0) / n_types + D * len(predecessors) / n_types / V


def kneser_ney_prob(previous, word):
    if context_counts[previous] == 0:
        return continuation_prob(word)
    seen = max(pair_counts[(previous, word)] - D, 0) / context_counts[previous]
    return seen + D * followers[previous] / context_counts[previous] * continuation_prob(word)


assert math.isclose(sum(kneser_ney_prob(the, w) for w in range(V)), 1)
kneser_ney_perplexity = perplexity_of(kneser_ney_prob)
least = vocab.token2idx["least"]
print(f"'least': {word_counts[least]} times in the training targets, after {predecessors[least]} different word(s): "
      f"unigram share {word_counts[least] / N:.1e}, continuation probability {continuation_prob(least):.1e}")
print(f"discount D = {D:.3f}; Kneser-Ney bigram perplexity: {kneser_ney_perplexity:.1f}")

# %%
from lstm_tutorial.baselines import KneserNeyBigram, UnigramModel, perplexity

package_unigram = perplexity(UnigramModel(train_sequences, V), val_sequences)
package_kneser_ney = perplexity(KneserNeyBigram(train_sequences, V), val_sequences)
print(f"package: unigram {package_unigram:.1f}, Kneser-Ney bigram {package_kneser_ney:.1f}")
assert math.isclose(package_unigram, unigram_perplexity, rel_tol=1e-9)
assert math.isclose(package_kneser_ney, kneser_ney_perplexity, rel_tol=1e-9)

# %% [markdown]
# ## 3.19 What "perplexity 35" means
#
# All on the same 79,667 target words of the 654 validation recipes. Counting alone reaches 59.4 with
# one word of context and good smoothing; the LSTM, which reads the whole recipe so far, reaches 35.3.
# On average it hesitates among about 35 words where the best counting model hesitates among 59: 0.52
# nats per word less. The unigram's 348 is what knowing nothing about the context costs, and the
# add-one bigram's 371 shows that a bigram is only as good as its smoothing.

# %%
ladder = [
    ("uniform over the vocabulary", V),
    ("unigram, add-one", unigram_perplexity),
    ("bigram, add-one", bigram_add_one_perplexity),
    ("bigram, Kneser-Ney", kneser_ney_perplexity),
    ("pretrained LSTM", lstm_perplexity),
]
for name, value in ladder:
    print(f"{name:<28} perplexity {value:>8,.1f}   loss {math.log(value):.3f} nats")
assert lstm_perplexity < kneser_ney_perplexity < unigram_perplexity < bigram_add_one_perplexity < V

plt.figure(figsize=(8, 3))
plt.barh([name for name, _ in ladder][::-1], [value for _, value in ladder][::-1])
for row, (_, value) in enumerate(ladder[::-1]):
    plt.text(value * 1.1, row, f"{value:,.1f}", va="center")
plt.xscale("log")
plt.xlim(1, 10**5)
plt.xlabel("validation perplexity (log scale; lower is better)")
plt.show()

# %% [markdown]
# ## Summary
#
# - `logits[0, -1, :]`: raw scores for the next word; `torch.softmax` makes them probabilities;
#   `draw` picks the word by inverse CDF: cumulative sum, a uniform `u`, `searchsorted` (greedy
#   decoding takes the `argmax`). Seeded alike, our loops write the package's words.
# - The loss is `-log p(right word)` in nats, averaged over every position of the batch after the
#   reshape to `[batch*seq, vocab]` and `[batch*seq]`, skipping `<PAD>` targets (`ignore_index=0`).
#   `view` needs a contiguous tensor; the package's batches are, and `reshape` works on any.
# - Perplexity = `exp(loss)`: about the vocabulary size for an untrained model, 35.3 for the
#   pretrained LSTM on its validation recipes, against 59.4 for the best counting model.
#
# Notebook 4 reshapes the probabilities before drawing: temperature, top-k and top-p.

# %% [markdown]
# ## Exercises
#
# **1. Perplexity by hand from a loss.** The checkpoint records a validation loss of 3.5642 nats.
# What perplexity is that, and how many bits per word? Work it out, then run the cell.
#
# <details><summary>Solution</summary>
#
# Perplexity `exp(3.5642) = 35.3`. In bits: `3.5642 / ln 2 = 5.14` bits per word, and `2 ** 5.14` is
# again 35.3: perplexity does not depend on the unit of the log.
#
# </details>

# %%
loss = checkpoint["val_loss"]
bits = loss / math.log(2)
print(f"loss {loss:.4f} nats -> perplexity {math.exp(loss):.1f}; {bits:.2f} bits per word -> 2 ** bits = {2 ** bits:.1f}")
assert math.isclose(math.exp(loss), 2**bits)

# %% [markdown]
# **2. Predict, then run: the test perplexity.** The validation split chose which epoch to keep
# (section 3.14). `load_recipes("heldout")` holds 177 Wikibooks recipes never used in training or
# validation. Score the pretrained model on them (`make_eval_loader` from `lstm_tutorial.data` encodes
# them with the model's vocabulary, unknown words as `<UNK>`, cut to 200 words as in training;
# `evaluate_loss` averages), and section 3.18's Kneser-Ney bigram too. Predict first: above or below
# 35.3? Does the LSTM's lead hold?
#
# <details><summary>Solution</summary>
#
# Test perplexity 33.0, a little below the validation's 35.3; the Kneser-Ney bigram falls likewise,
# from 59.4 to 56.0. Both find these recipes slightly easier, by about the same factor, so the LSTM
# keeps its lead, and choosing the epoch on the validation split flattered it little. 181 of the
# 21,328 target words (0.8%) are `<UNK>`.
#
# </details>

# %%
from lstm_tutorial.data import make_eval_loader

heldout = load_recipes("heldout", verbose=False)
test_loader = make_eval_loader(heldout, vocab, config.max_len, config.batch_size)
test_sequences = test_loader.dataset
test_targets = sum(len(s) - 1 for s in test_sequences)
unknown = sum(word == vocab.unk_idx for s in test_sequences for word in s[1:])
test_perplexity = math.exp(evaluate_loss(model, test_loader, vocab.pad_idx))
kneser_ney_test = perplexity(KneserNeyBigram(train_sequences, V), test_sequences)
print(f"{len(test_sequences)} held-out recipes, {test_targets:,} target words, {unknown} <UNK> ({unknown / test_targets:.1%})")
print(f"pretrained LSTM:   test perplexity {test_perplexity:.1f}  (validation {lstm_perplexity:.1f})")
print(f"Kneser-Ney bigram: test perplexity {kneser_ney_test:.1f}  (validation {kneser_ney_perplexity:.1f})")
assert test_perplexity < kneser_ney_test

# %% [markdown]
# **3. Change this, what happens?** Add-one smoothing hurt the bigram. Add less: `k = 0.01` instead of
# 1, so `P(w | v) = (count(v, w) + k) / (count(v) + k V)`. Does the perplexity fall below the
# unigram's? Below Kneser-Ney's?
#
# <details><summary>Solution</summary>
#
# With `k = 0.01` the bigram's perplexity falls to about 83, far below the unigram's 348, but still
# above Kneser-Ney's 59: a smaller `k` gives the counted pairs back their weight, but it still spreads
# the unseen mass evenly over all words, where Kneser-Ney spreads it by continuation.
#
# </details>

# %%
k = 0.01
add_k = perplexity_of(lambda previous, word: (pair_counts[(previous, word)] + k) / (context_counts[previous] + k * V))
print(f"bigram, add-{k}: perplexity {add_k:.1f}")
assert kneser_ney_perplexity < add_k < unigram_perplexity

# %% [markdown]
# **4. Predict, then run.** Does `logits.transpose(1, 2).view(-1)` work? And `.reshape(-1)`?
#
# <details><summary>Solution</summary>
#
# `transpose` swaps two strides without moving any number, so the result is not contiguous and `view`
# raises a `RuntimeError`; `reshape` copies and works.
#
# </details>

# %%
transposed = logits.transpose(1, 2)
print("contiguous:", transposed.is_contiguous(), " strides", logits.stride(), "->", transposed.stride())
try:
    transposed.view(-1)
except RuntimeError:
    print("view(-1) raises RuntimeError; reshape(-1) gives", tuple(transposed.reshape(-1).shape))
