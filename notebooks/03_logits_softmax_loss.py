# %% [markdown]
# # 3. Logits, softmax and the loss
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lstm-tutorial/lstm-tutorial/blob/main/notebooks/03_logits_softmax_loss.ipynb)
#
# The model's raw scores (logits) become probabilities with softmax, a word is drawn from them, and
# training scores the model by `-log p` of the right word. We follow the blog's `[5, 10, 2]`
# walk-through, the reshape to `[batch*seq, vocab]`, `ignore_index` for padding, and perplexity.

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
# Sections 3.1 to 3.6 use an untrained model with the book's sizes, on the CPU; section 3.7 trains a
# small one for a minute to see the loss fall.

# %%
import math

import matplotlib.pyplot as plt
from torch import nn

from lstm_tutorial import LSTMLM, Vocab, load_recipes, make_dataloaders

texts = load_recipes(verbose=False)
vocab = Vocab.build(texts)
V = len(vocab)

torch.manual_seed(0)
model = LSTMLM(V, embedding_dim=100, hidden_dim=128).eval()
print("vocabulary:", V, "words")

# %% [markdown]
# ## 3.1 Logits are raw scores
#
# The blog's example: the model says "as the next word, word 1 looks worth 5 points, word 2 -3 points,
# word 3 10 points". Such scores can be negative or above 1 and do not add up to anything; they are
# the **logits**. Softmax turns them into probabilities: `exp(z_i) / sum_j exp(z_j)`, all between 0
# and 1, summing to 1, in the same order as the scores.

# %%
z = torch.tensor([5.0, -3.0, 10.0])
p = torch.exp(z) / torch.exp(z).sum()
print("logits       ", z.tolist())
print("probabilities", [f"{value:.3g}" for value in p.tolist()], "sum", round(p.sum().item(), 5))
torch.testing.assert_close(p, torch.softmax(z, dim=0))

# %% [markdown]
# Only the differences between scores matter: adding the same number to every score leaves softmax
# unchanged. That is what keeps it safe to compute: `exp(1000)` overflows, so softmax subtracts the
# largest score first (`torch.softmax` does; so does the package's `next_token_probs`).

# %%
torch.testing.assert_close(torch.softmax(z + 100, dim=0), torch.softmax(z, dim=0))

big = z + 1000
print("naive exp(z) / sum:", (torch.exp(big) / torch.exp(big).sum()).tolist())
print("torch.softmax:     ", [f"{value:.3g}" for value in torch.softmax(big, dim=0).tolist()])

# %% [markdown]
# The model's logits for a real prompt: one row of `vocab_size` scores per position, shape
# `[batch, seq, vocab_size]`. The last row scores the word after the prompt. An untrained model has
# small, random scores, so its probabilities are close to uniform, about `1 / vocab_size` each.

# %%
prompt = "recipe for chocolate ice cream |"
x = torch.tensor([vocab.encode(prompt)])
with torch.no_grad():
    logits, _ = model(x)
next_token_logits = logits[0, -1, :]
probs = torch.softmax(next_token_logits, dim=0)
print("x", tuple(x.shape), "-> logits", tuple(logits.shape))
print(f"last row: scores from {next_token_logits.min():.3f} to {next_token_logits.max():.3f}, sum {next_token_logits.sum():.2f}")
print(f"after softmax: from {probs.min():.6f} to {probs.max():.6f}, sum {probs.sum():.4f}; 1 / vocab_size = {1 / V:.6f}")

fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.5))
left.plot(next_token_logits)
left.set(xlabel="word id", ylabel="logit", title="logits: raw scores")
right.plot(probs)
right.axhline(1 / V, color="red", linestyle="--", label="1 / vocab_size")
right.set(xlabel="word id", ylabel="probability", title="softmax: probabilities (untrained)")
right.legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 3.2 The blog's walk-through: `[5, 10, 2]`
#
# The blog traces its generator on the ids `[5, 10, 2]` (in our vocabulary they happen to be
# `.`, `to` and `<EOS>`; any ids would do). The model returns one row of scores per input position:
# row `t` scores the word that follows token `t`. Generation only needs the last row,
# `logits[0, -1, :]`. Softmax, draw a word, append it, repeat: the second pass has one more row.
# (Each row holds `vocab_size` scores: for 4 tokens and a 10,000-word vocabulary, 40,000 numbers.)

# %%
tokens = [5, 10, 2]
print("tokens", tokens, "=", [vocab.idx2token[i] for i in tokens])
torch.manual_seed(0)
previous_logits = None
with torch.no_grad():
    for step in range(1, 3):
        x = torch.tensor([tokens])
        logits, _ = model(x)
        next_token_logits = logits[0, -1, :]  # the last position
        probs = torch.softmax(next_token_logits, dim=0)
        next_token = torch.multinomial(probs, 1).item()
        print(f"pass {step}: x {tuple(x.shape)} -> logits {tuple(logits.shape)}; "
              f"logits[0, {len(tokens) - 1}, :] -> picked {next_token} ({vocab.idx2token[next_token]!r})")
        if previous_logits is not None:  # the rows for the old tokens did not change
            torch.testing.assert_close(logits[:, :-1], previous_logits)
        previous_logits = logits
        tokens = tokens + [next_token]
print("tokens", tokens)

# %% [markdown]
# The check inside the loop shows why notebook 2's carried state works: the LSTM reads left to right,
# so appending a word never changes the scores at earlier positions. Re-reading them, as the blog's
# generator does, recomputes the same numbers.
#
# ## 3.3 Sampling: drawing a word from the probabilities
#
# `torch.multinomial(probs, 1)` picks index `i` with probability `probs[i]`. Drawn many times, each
# word comes up about as often as its probability says. Always taking the most likely word
# (`argmax`) would write the same text every time; notebook 4 shows the middle ground, temperature.

# %%
toy_probs = torch.softmax(torch.tensor([2.0, 1.0, 0.1, -1.0]), dim=0)
torch.manual_seed(0)
draws = torch.multinomial(toy_probs, 10_000, replacement=True)
shares = torch.bincount(draws, minlength=4) / 10_000
print("probabilities", [round(v, 3) for v in toy_probs.tolist()])
print("drawn shares ", [round(v, 3) for v in shares.tolist()])
assert (shares - toy_probs).abs().max() < 0.02

positions = torch.arange(4)
plt.bar(positions - 0.2, toy_probs, width=0.4, label="probability")
plt.bar(positions + 0.2, shares, width=0.4, label="share of 10,000 draws")
plt.xticks(positions, ["word 0", "word 1", "word 2", "word 3"])
plt.legend()
plt.show()

# %% [markdown]
# ## 3.4 The loss: `-log p` of the right word
#
# Training shows the model a position and the word that really comes next. `nn.CrossEntropyLoss`
# takes the logits and the id of that word and returns `-log p(right word)`: near 0 when the model
# gave the right word a high probability, large when it gave it a small one. Softmax is inside the
# loss, so the model outputs logits, not probabilities.

# %%
criterion = nn.CrossEntropyLoss()
for target in [2, 0, 1]:
    loss = criterion(z.unsqueeze(0), torch.tensor([target]))  # [1 sample, 3 classes], [1 target]
    by_hand = -torch.log_softmax(z, dim=0)[target]
    torch.testing.assert_close(loss, by_hand)
    print(f"right word {target}: p = {torch.softmax(z, dim=0)[target]:.3g}, loss = -log p = {loss:.4f}")

p_grid = torch.linspace(0.001, 1, 500)
plt.plot(p_grid, -torch.log(p_grid))
plt.xlabel("probability the model gave the right word")
plt.ylabel("loss = -log p")
plt.show()

# %% [markdown]
# ## 3.5 The reshape: `[batch, seq, vocab]` -> `[batch*seq, vocab]`
#
# A training batch gives logits `[batch, seq, vocab_size]` and targets `y` of shape `[batch, seq]`.
# `CrossEntropyLoss` wants `[N, C]` scores and `[N]` targets: N samples, C classes. So the blog
# flattens batch and time: `logits.view(-1, logits.size(-1))` and `y.view(-1)`. That is allowed
# because the LSTM has already put each word's context into its row: the loss can treat the
# `batch*seq` positions as independent samples, as long as logits and targets stay in the same order.

# %%
train_loader, val_loader = make_dataloaders(texts, vocab, max_len=200, batch_size=32)
x, y = next(iter(train_loader))
with torch.no_grad():
    logits, _ = model(x)
flat_logits = logits.view(-1, logits.size(-1))
flat_targets = y.reshape(-1)  # not y.view(-1): see below
print("logits", tuple(logits.shape), "-> flat", tuple(flat_logits.shape))
print("y     ", tuple(y.shape), "      -> flat", tuple(flat_targets.shape))

batch, seq = y.shape
b, t = 3, 17
torch.testing.assert_close(flat_logits[b * seq + t], logits[b, t])  # row b*seq + t is position (b, t)
assert flat_targets[b * seq + t] == y[b, t]

# %% [markdown]
# One difference from the blog: here `y` is a slice of the padded batch (`batch[:, 1:]`), so its
# numbers are not laid out contiguously in memory and `y.view(-1)` refuses to flatten it.
# `y.reshape(-1)` gives the same result and copies when it has to; the package's loss uses it.

# %%
print("y is contiguous:", y.is_contiguous())
try:
    y.view(-1)
except RuntimeError:
    print("y.view(-1) raises RuntimeError; y.reshape(-1) works")
assert torch.equal(y.reshape(-1), y.contiguous().view(-1))

# %% [markdown]
# Without the reshape the call goes wrong: for a 3-D input `CrossEntropyLoss` expects the classes in
# dimension 1 (`[batch, vocab, seq]`), so it would read `seq` as the number of classes and fail.
# Moving the vocabulary to dimension 1 with `transpose(1, 2)` is the other correct way.

# %%
try:
    criterion(logits, y)
except (RuntimeError, ValueError) as error:
    print("criterion(logits, y) without reshaping fails:", type(error).__name__)

torch.testing.assert_close(criterion(logits.transpose(1, 2), y), criterion(flat_logits, flat_targets))

# %% [markdown]
# ## 3.6 `ignore_index`: no loss on padding
#
# Batches are padded with `<PAD>` (id 0), and the positions after a recipe's end have `<PAD>` as
# target. Predicting padding is nothing the model should learn, so the blog's `initialize_model`
# builds `nn.CrossEntropyLoss(ignore_index=0)`: those positions are left out of the loss and of its
# average. Below, the per-position losses of the batch; the white area is padding.

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
plt.title("-log p of the right word (white: padding, ignored)")
plt.colorbar()
plt.show()

# %% [markdown]
# ## 3.7 Perplexity
#
# Perplexity is `exp(loss)`. A model that spreads its probability evenly over `k` words has loss
# `log k` and perplexity `k`, so perplexity reads as "on average the model hesitates between this many
# words". Guessing uniformly over the whole vocabulary gives perplexity = vocabulary size, and our
# untrained model is close to that.

# %%
uniform_loss = criterion(torch.zeros(1, V), torch.tensor([7]))
torch.testing.assert_close(uniform_loss, torch.tensor(math.log(V)))
print(f"uniform guess: loss log({V}) = {uniform_loss:.4f}, perplexity {math.exp(uniform_loss):.0f}")

untrained_loss = pad_loss(flat_logits, flat_targets).item()
print(f"untrained model on this batch: loss {untrained_loss:.2f}, perplexity {math.exp(untrained_loss):.0f}")

# %% [markdown]
# Now a trained model. We train the package's `quick` preset (300 recipes, a 3,000-word vocabulary,
# a smaller model) for a few epochs with the package's `Trainer` (notebook 5 covers training
# properly) and print the validation loss and perplexity after every epoch.
#
# The package's `evaluate` averages the loss over target words. The blog's `train` and `evaluate`
# averaged the batch averages instead (`epoch_loss / len(train_loader)`), which gives a batch with few
# words as much weight as a full one. On this validation set the batches hold similar numbers of
# words, so the two numbers below barely differ.

# %%
# NBVAL_IGNORE_OUTPUT: training results depend on the machine.
from lstm_tutorial import PRESETS, Trainer, evaluate
from lstm_tutorial.course import quick_mode

config = PRESETS["quick"].updated(epochs=1 if quick_mode() else 4)
trainer = Trainer.from_texts(texts, config, device=device, progress=False)
start_loss = evaluate(trainer.model, trainer.val_loader, trainer.criterion, device)
print(f"before training: val loss {start_loss:.4f}, perplexity {math.exp(start_loss):.0f} "
      f"(vocabulary {len(trainer.vocab)})")
history = trainer.fit()

# %%
# NBVAL_IGNORE_OUTPUT: the loss of a trained model depends on the machine.
with torch.no_grad():
    batch_losses, batch_tokens = [], []
    for x_val, y_val in trainer.val_loader:
        x_val, y_val = x_val.to(device), y_val.to(device)
        logits_val, _ = trainer.model(x_val)
        batch_losses.append(trainer.criterion(logits_val.view(-1, logits_val.size(-1)), y_val.reshape(-1)).item())
        batch_tokens.append(int((y_val != trainer.vocab.pad_idx).sum()))

per_word = sum(loss * n for loss, n in zip(batch_losses, batch_tokens)) / sum(batch_tokens)
blog_style = sum(batch_losses) / len(batch_losses)
print(f"mean over target words (evaluate): {per_word:.4f}")
print(f"mean of batch means (the blog):    {blog_style:.4f}")
assert math.isclose(per_word, history[-1]["val_loss"], rel_tol=2e-2)  # evaluate uses bfloat16 on a GPU
assert math.isclose(history[-1]["val_perplexity"], math.exp(history[-1]["val_loss"]), rel_tol=1e-9)

# %%
epochs = [0] + [record["epoch"] for record in history]
val_losses = [start_loss] + [record["val_loss"] for record in history]
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.5))
left.plot(epochs, val_losses, marker="o")
left.set(xlabel="epoch", ylabel="validation loss", title="loss = mean -log p")
right.plot(epochs, [math.exp(loss) for loss in val_losses], marker="o")
right.set(xlabel="epoch", ylabel="validation perplexity", title="perplexity = exp(loss)", yscale="log")
plt.tight_layout()
plt.show()

# %% [markdown]
# Perplexity falls from about the vocabulary size to a few dozen or a few hundred: the model has
# learned which words are likely. Per word, the loss of one validation recipe shows where: words fixed
# by the words before them (`for` after `recipe`, `cup` after `1 / 4`, `heat` after `over medium`)
# cost little; the dish's name and the choice of ingredients cost a lot. The recipe's perplexity is the
# `exp` of the average of these bars.

# %%
sequence = torch.tensor(trainer.val_loader.dataset[0], device=device)
trainer.model.eval()
with torch.no_grad():
    logits_one, _ = trainer.model(sequence[None, :-1])
surprise = nn.functional.cross_entropy(logits_one[0], sequence[1:], reduction="none").cpu()
torch.testing.assert_close(surprise.mean(), trainer.criterion(logits_one[0], sequence[1:]).cpu())

n_shown = 40
words = [trainer.vocab.idx2token[i] for i in sequence[1 : n_shown + 1].tolist()]
plt.figure(figsize=(12, 3.5))
plt.bar(range(n_shown), surprise[:n_shown])
plt.xticks(range(n_shown), words, rotation=90)
plt.ylabel("-log p of this word")
plt.title(f"one validation recipe, word by word (its perplexity: {math.exp(surprise.mean()):.0f})")
plt.show()

# %% [markdown]
# ## Summary
#
# - `logits[0, -1, :]`: raw scores for the next word; `torch.softmax` makes them probabilities;
#   `torch.multinomial` draws the word.
# - The loss is `-log p(right word)`, averaged over every position of the batch after the reshape
#   to `[batch*seq, vocab]` and `[batch*seq]`, skipping `<PAD>` targets (`ignore_index=0`).
# - Perplexity = `exp(loss)`: about the vocabulary size for an untrained model, far lower after
#   training.
#
# Notebook 4 reshapes the probabilities before drawing: temperature, top-k and top-p.
