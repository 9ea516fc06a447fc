# %% [markdown]
# # 5. Training
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lstm-tutorial/lstm-tutorial/blob/main/notebooks/05_training.ipynb)
#
# How the model learns. We write the blog post's training loop ourselves and train a fresh model with
# it; we look at gradient clipping and what goes wrong without it; we switch to the package's
# `Trainer`, with checkpoints (on Google Drive under Colab) and resuming, and compare our model with
# the pretrained one. The last section runs the blog post's own pipeline, shows its two bugs and maps
# it to this notebook.
#
# The notebook takes about 4 to 8 minutes on a 2-core CPU. With `LSTM_TUTORIAL_QUICK=1` set (**quick
# mode**) it trains less: the small `quick` preset, and fewer steps everywhere.

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
import itertools
import math

import matplotlib.pyplot as plt
from torch import nn
from tqdm.auto import tqdm

from lstm_tutorial import (
    LSTMLM,
    PRESETS,
    TrainConfig,
    Trainer,
    Vocab,
    blog,
    checkpoint_dir,
    load_checkpoint,
    load_generator,
    load_recipes,
    pretrained_generator,
    pretrained_model,
)
from lstm_tutorial.baselines import KneserNeyBigram, UnigramModel
from lstm_tutorial.baselines import perplexity as baseline_perplexity
from lstm_tutorial.course import course_preset, quick_mode
from lstm_tutorial.data import dataloaders_for
from lstm_tutorial.pretrained import pretrained_history as history_of
from lstm_tutorial.sampling import next_token_probs
from lstm_tutorial.training import evaluate_loss

# %% [markdown]
# ## 5.1 The data: batches of `(x, y)`
#
# Training needs recipes cut into **batches**: a handful of recipes processed together, `x` their
# token ids `[batch, seq]` and `y` the same ids shifted left by one word, so that `y[t]`, the
# **target**, is the word that follows `x[t]` (notebook 1). A random fifth of the recipes is the
# **validation** set: the model never trains on them, so its loss there tells how well it predicts
# unseen recipes. One **epoch** is one pass over all the training batches.
#
# We use the `cpu` preset's settings (section 5.6), those of the pretrained model: all 3,271 recipes,
# a vocabulary of up to 10,000 words, recipes cut at 200 tokens, batches of 8.

# %%
texts = load_recipes(verbose=False)
cpu = PRESETS["cpu"]
vocab = Vocab.build(texts, cpu.vocab_size)
train_loader, val_loader = dataloaders_for(cpu, texts, vocab)
print(f"{len(texts):,} recipes, {len(vocab):,} words in the vocabulary (the corpus has no more distinct tokens)")
print(f"training: {len(train_loader.dataset):,} recipes in {len(train_loader)} batches of {cpu.batch_size}")
print(f"validation: {len(val_loader.dataset):,} recipes in {len(val_loader)} batches")

x, y = next(iter(train_loader))
print("x:", tuple(x.shape), " y:", tuple(y.shape), "  [batch, seq]: padded to the longest recipe of the batch")
assert torch.equal(x[:, 1:], y[:, :-1])  # y is x shifted left by one word
assert vocab.idx2token == pretrained_model("book")[1].idx2token  # the pretrained model's vocabulary

# %% [markdown]
# ## 5.2 Measuring: the validation loss
#
# The **loss** is the mean of $-\log p(\text{target})$ over the target words, in **nats** (notebook
# 3). The blog post's `evaluate` switches dropout off (`model.eval()`), builds no graph for gradients
# (`torch.no_grad()`) and averages the batches' losses. Our `evaluate_plain` takes the same steps but
# averages over target words: it sums the loss of every real target (`reduction="sum"`) and divides by
# their number, so a batch of short recipes counts less than a batch of long ones (section 5.12 shows
# why that matters). `ignore_index=0` leaves the padding `<PAD>` (id 0) out.
#
# An untrained model spreads its probability about evenly over the $V$ words, so it should score about
# $-\log(1/V) = \log V$. The first 10 validation batches are enough to check that.

# %%
def evaluate_plain(model, loader):
    """The blog post's evaluate, averaged per target word: the mean of -log p(target), no dropout, no gradients."""
    criterion = nn.CrossEntropyLoss(ignore_index=vocab.pad_idx, reduction="sum")
    model.eval()  # dropout off
    total, count = 0.0, 0
    with torch.no_grad():  # no graph for backward: less memory, faster
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            logits, _ = model(x)  # [batch, seq, vocab]
            total += criterion(logits.view(-1, logits.size(-1)), y.view(-1)).item()
            count += (y != vocab.pad_idx).sum().item()
    return total / count

torch.manual_seed(0)
model = LSTMLM(len(vocab), embedding_dim=100, hidden_dim=128, dropout_rate=0.1).to(device)
untrained = evaluate_plain(model, itertools.islice(val_loader, 10))
print(f"untrained: loss {untrained:.2f} nats on 10 validation batches, log V = {math.log(len(vocab)):.2f}")
assert abs(untrained - math.log(len(vocab))) < 0.1

# %% [markdown]
# Two more reference points, from counting instead of learning: a **unigram** model predicts every
# word by its frequency in the training recipes; a **bigram** model predicts it from the word before
# (with Kneser-Ney smoothing, which gives unseen pairs some probability). Their losses on the
# validation recipes, with each loss's **perplexity** $e^{\text{loss}}$ (notebook 3):

# %%
unigram = UnigramModel(train_loader.dataset, len(vocab))
bigram = KneserNeyBigram(train_loader.dataset, len(vocab))
reference = {"guessing (log V)": math.log(len(vocab)),
             "unigram (word frequencies)": math.log(baseline_perplexity(unigram, val_loader.dataset)),
             "bigram (the word before)": math.log(baseline_perplexity(bigram, val_loader.dataset))}
for name, loss in reference.items():
    print(f"{name:27} loss {loss:.2f} nats, perplexity {math.exp(loss):7,.1f}")

# %% [markdown]
# A model that beats the unigram's loss uses the context; one that beats the bigram's uses more than
# the last word.
#
# ## 5.3 The training loop, line by line
#
# Each step moves every weight a little in the direction that lowers the loss on one batch. The
# **gradient** (per weight: how fast the loss grows when that weight grows) says which way;
# `loss.backward()` computes it into each parameter's `.grad`. The **optimizer** then takes a
# **step**: Adam, the blog post's, moves each weight by about the **learning rate** against its
# gradient, here the `cpu` preset's $3 \times 10^{-3}$ (the blog post keeps PyTorch's $10^{-3}$).
#
# Here is the blog post's `train` loop with its steps numbered. Step 6, gradient clipping, is the
# package's addition (next section); the reshape in step 3 is notebook 3's.

# %%
def train_plain(model, batches, optimizer, clip=1.0):
    """The blog post's train loop plus clipping; returns every step's loss and gradient norm."""
    criterion = nn.CrossEntropyLoss(ignore_index=vocab.pad_idx)  # mean -log p over the real targets
    model.train()  # dropout on
    losses, norms = [], []
    for x, y in tqdm(batches, desc="training", leave=False):
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()  # 1. forget the last batch's gradients
        logits, _ = model(x)  # 2. forward: [batch, seq, vocab]
        loss = criterion(logits.view(-1, logits.size(-1)), y.view(-1))  # 3. reshape, 4. loss
        loss.backward()  # 5. backward: every p.grad
        norm = nn.utils.clip_grad_norm_(model.parameters(), clip or math.inf)  # 6. clip (inf: no clipping)
        optimizer.step()  # 7. step
        losses.append(loss.item())
        norms.append(norm.item())  # the norm before clipping
    return losses, norms

# %% [markdown]
# We train the untrained model of section 5.2 for 120 batches (about a third of an epoch; 40 in
# quick mode). The training loss is measured with dropout on, on the batch being learned from; the
# **validation loss** on all 82 validation batches is the fair number.

# %% tags=["nbval-ignore-output"]
PLAIN_STEPS = 40 if quick_mode() else 120
batches = list(itertools.islice(train_loader, PLAIN_STEPS))
optimizer = torch.optim.Adam(model.parameters(), lr=cpu.learning_rate)
losses, norms = train_plain(model, batches, optimizer)
print(f"{len(batches)} steps: training loss {losses[0]:.2f} at the first step, {sum(losses[-10:]) / 10:.2f} "
      f"on average over the last 10")
val_plain = evaluate_plain(model, val_loader)
print(f"validation loss after {len(batches)} steps: {val_plain:.3f} nats, perplexity {math.exp(val_plain):.1f}")

# %% [markdown]
# The loss starts at $\log V$, falls below 6.5 nats within about a dozen steps, then slowly: in the
# run stored here the validation loss ends at 5.08, below the unigram's 5.85 (the model uses the
# context) but not yet at the bigram's. Each step's loss is on a different batch, hence the noise.
# The right panel, the size of the whole gradient at each step, is for the next section.

# %%
steps = range(1, len(losses) + 1)
fig, (ax_loss, ax_norm) = plt.subplots(1, 2, figsize=(12, 3.6))
ax_loss.plot(steps, losses, label="loss of the step's batch")
ax_loss.axhline(reference["guessing (log V)"], color="gray", linestyle=":", label="guessing (log V)")
ax_loss.axhline(reference["unigram (word frequencies)"], color="tab:purple", linestyle="--", label="unigram")
ax_loss.set_xlabel("step")
ax_loss.set_ylabel("loss (nats per word)")
ax_loss.set_title("The blog post's loop, Adam, learning rate 3e-3")
ax_loss.legend()
ax_norm.plot(steps, norms, color="tab:green", label="gradient norm ||g|| before clipping")
ax_norm.axhline(1.0, color="tab:red", linestyle="--", label="clipping threshold c = 1")
ax_norm.set_xlabel("step")
ax_norm.set_ylabel("||g||")
ax_norm.set_title(f"{sum(n > 1 for n in norms)} of {len(norms)} steps had ||g|| > 1")
ax_norm.legend()
plt.tight_layout()
plt.show()
assert sum(losses[-10:]) / 10 < math.log(len(vocab)) - 2  # more than 2 nats below guessing

# %% [markdown]
# The package's `evaluate_loss` computes the same number as `evaluate_plain` (a faster way: appendix
# notebook 8, `08_under_the_hood`) and agrees with it, here on 10 batches:

# %%
some_batches = list(itertools.islice(val_loader, 10))
assert abs(evaluate_loss(model, some_batches, vocab.pad_idx) - evaluate_plain(model, some_batches)) < 1e-4
print("evaluate_plain and the package's evaluate_loss agree")

# %% [markdown]
# ## 5.4 Gradient clipping: the formula
#
# Put every parameter's gradient into one long vector $g$ (about 2 million numbers here). Its
# **norm** $\lVert g \rVert = \sqrt{\sum_i g_i^2}$ is its length. Clipping to a threshold $c$ shrinks
# $g$ when it is longer than $c$ and leaves it alone otherwise:
#
# $$g \leftarrow g \cdot \min\left(1, \frac{c}{\lVert g \rVert}\right)$$
#
# The direction stays; only the length is capped. `nn.utils.clip_grad_norm_` does this in place and
# returns $\lVert g \rVert$ before clipping. The check, on a fresh model's first batch (clipped at
# $c = 0.1$, since its gradient is shorter than 1): the formula by hand gives what `clip_grad_norm_`
# gives.

# %%
torch.manual_seed(0)
probe = LSTMLM(len(vocab), 100, 128).to(device)
x, y = batches[0]
logits, _ = probe(x.to(device))
nn.functional.cross_entropy(logits.view(-1, len(vocab)), y.to(device).view(-1), ignore_index=vocab.pad_idx).backward()
g = torch.cat([p.grad.flatten() for p in probe.parameters()])
c = 0.1
by_hand = g * min(1.0, c / g.norm().item())
returned = nn.utils.clip_grad_norm_(probe.parameters(), c)
clipped = torch.cat([p.grad.flatten() for p in probe.parameters()])
print(f"{len(g):,} gradient numbers; ||g|| = {returned.item():.3f} before clipping, {clipped.norm().item():.3f} after")
print(f"cosine between g before and after: {nn.functional.cosine_similarity(g, clipped, dim=0).item():.3f} (same direction)")
torch.testing.assert_close(returned, g.norm())
torch.testing.assert_close(clipped, by_hand, rtol=1e-4, atol=1e-9)

# %% [markdown]
# In section 5.3 the gradient norm stayed below $c = 1$ at almost every step (the right-hand plot's
# title counts the exceptions): with Adam, clipping is a safety net. The next section shows where it
# matters.

# %% [markdown]
# ## 5.5 Without clipping: a gradient spike
#
# Plain **SGD** (stochastic gradient descent) steps by the gradient itself, $w \leftarrow w - \eta\, g$
# with learning rate $\eta$: a gradient a thousand times longer gives a step a thousand times longer.
# Recurrent networks occasionally produce such spikes (the gradient is a product over many time
# steps). Clipping caps the step at $\eta c$. SGD needs large learning rates (PyTorch's own
# word-language-model example uses $\eta = 20$ and clips at 0.25); we take $\eta = 60$ and train the
# same model from the same seed on the same 30 batches, with and without clipping at $c = 1$.

# %%
def sgd_run(clip, steps=30, learning_rate=60.0):
    torch.manual_seed(0)
    model = LSTMLM(len(vocab), 100, 128).to(device)
    return train_plain(model, batches[:steps], torch.optim.SGD(model.parameters(), lr=learning_rate), clip)

runs = {"clipped at c = 1": sgd_run(clip=1.0), "not clipped": sgd_run(clip=None)}

# %%
fig, (ax_loss, ax_norm) = plt.subplots(1, 2, figsize=(12, 3.6))
for label, (run_losses, run_norms) in runs.items():
    steps = range(1, len(run_losses) + 1)
    ax_loss.plot(steps, run_losses, "o-", markersize=3, label=f"{label}: peak {max(run_losses):.0f}")
    ax_norm.plot(steps, run_norms, "o-", markersize=3, label=f"{label}: peak {max(run_norms):,.0f}")
ax_loss.axhline(reference["guessing (log V)"], color="gray", linestyle=":", label="guessing (log V)")
ax_norm.axhline(1.0, color="tab:red", linestyle="--", label="c = 1")
ax_loss.set_ylabel("loss (nats per word)")
ax_norm.set_ylabel("||g|| before clipping")
ax_norm.set_yscale("log")
ax_loss.set_title("SGD, learning rate 60: the loss")
ax_norm.set_title("the gradient norm (log scale)")
for ax in (ax_loss, ax_norm):
    ax.set_xlabel("step")
    ax.legend()
plt.tight_layout()
plt.show()
(clipped_losses, _), (unclipped_losses, unclipped_norms) = runs.values()
assert max(unclipped_norms) > 100 * 1.0  # a spike far above c
assert sum(clipped_losses[-10:]) < sum(unclipped_losses[-10:])  # the clipped run ends lower

# %% [markdown]
# The runs are identical while the gradients are shorter than 1. Then one step lands where the loss
# is far above guessing and the gradient several times longer than $c$. Clipped, each step is at most
# $\eta c = 60$ long and the loss is soon back below guessing. Not clipped, the step of length
# $60 \times \lVert g \rVert$ throws the weights where the gradients are larger still (past 1,000):
# at step 30 the loss is still far above guessing. Clipping keeps one large gradient from becoming
# one huge step.

# %% [markdown]
# ## 5.6 Presets: one name for a whole set of settings
#
# A **preset** is a named `TrainConfig`, every setting of a run in one object:
#
# - `quick`: a small model on the first 300 recipes, 1 epoch, seconds on a CPU; quick mode trains it.
# - `cpu`: the book's model (embedding 100, hidden 128), batches of 8, Adam at $3 \times 10^{-3}$, at
#   most 30 epochs with **early stopping**: the run stops once the validation loss has not improved
#   for `patience` = 3 epochs, and keeps the best epoch. The course trains it, on a GPU too.
# - `book`: the blog post's and the book's settings (batches of 32, Adam at $10^{-3}$); on this
#   corpus it ends at a worse validation perplexity than `cpu`.
# - `stream`: the package's larger default model (`pretrained_generator()`), not the blog post's.

# %%
for name, preset in PRESETS.items():
    print(f"{name:6} recipes {preset.max_recipes or 'all':>4} | vocabulary <= {preset.vocab_size:,} | "
          f"embedding {preset.embedding_dim} | hidden {preset.hidden_dim} | batch {preset.batch_size:2} | "
          f"lr {preset.learning_rate:g} | epochs <= {preset.epochs:2} | patience {preset.patience} | "
          f"clip {preset.clip_grad_norm}")

# %% [markdown]
# The pretrained `book` model is exactly the `cpu` preset's run. Its per-epoch history ships with it:

# %%
_, _, pretrained_checkpoint = pretrained_model("book")
pretrained_history = history_of("book")
best_epoch = min(pretrained_history, key=lambda record: record["val_loss"])["epoch"]
minutes = sum(record["seconds"] for record in pretrained_history) / 60
print("made by:", pretrained_checkpoint["command"])
print(f"{len(pretrained_history)} epochs, then early stopping; best epoch {best_epoch} "
      f"(val loss {pretrained_checkpoint['val_loss']:.4f}, perplexity {math.exp(pretrained_checkpoint['val_loss']):.1f})")
print(f"training and validation took {minutes:.1f} minutes on a 2-core CPU")
assert TrainConfig.from_dict(pretrained_checkpoint["config"]) == PRESETS["cpu"]
assert len(pretrained_history) - best_epoch == PRESETS["cpu"].patience

# %% [markdown]
# ## 5.7 Training with the package's `Trainer`
#
# `Trainer` runs section 5.3's loop epoch after epoch, with validation, a sample, the **history** (one
# record per epoch), checkpoints, early stopping and resuming. We train 2 epochs (`.updated(epochs=...)`
# copies the preset with one field changed): 1 now, the second after a pretended crash (section 5.9).
#
# A **checkpoint** is a file holding everything needed to use the model or to continue training it.
# `checkpoint_dir()` picks their folder: `./lstm_models` here; under Colab it mounts your Google Drive
# (Colab asks for permission) and uses `MyDrive/lstm_models`, because a Colab runtime forgets its
# files when it disconnects and Drive does not.

# %% tags=["nbval-ignore-output"]
folder = checkpoint_dir()

# %% tags=["nbval-ignore-output"]
config = PRESETS[course_preset()].updated(epochs=1)
trainer = Trainer.from_config(config, out_dir=folder)
history = trainer.fit()

# %% [markdown]
# The epoch printed its time, the training and validation losses, the validation perplexity, the
# speed and a sample from "recipe for" at temperature 1. (The `Precision` line says how the package
# computes on this machine; the appendix notebook 8, `08_under_the_hood`, explains it.)

# %% [markdown]
# ## 5.8 Checkpoints
#
# After every epoch the trainer writes `last.pt` and `metrics.json` (the history), and `best.pt`
# whenever the validation loss is the lowest so far. A checkpoint holds plain data and tensors only,
# so `torch.load(weights_only=True)` reads it without running any code from the file.

# %%
for name in ["best.pt", "last.pt", "metrics.json"]:
    print(f"{name:13} exists: {(folder / name).exists()}")
last = load_checkpoint(folder / "last.pt")
print("a checkpoint holds:", ", ".join(sorted(last)))
assert last["epoch"] == trainer.epoch == 1 and last["history"] == trainer.history

# %% [markdown]
# `load_generator` rebuilds the model and a generator from a checkpoint, with exactly the next-word
# probabilities of the model we just trained:

# %%
loaded = load_generator(folder / "last.pt", device=device)
start = "recipe for chocolate chip cookies |"
torch.testing.assert_close(next_token_probs(loaded.prefill(start).next_logits),
                           next_token_probs(trainer.generator.prefill(start).next_logits))
print("last.pt gives back the trained model: the same next-word probabilities")

# %% [markdown]
# ## 5.9 Resuming
#
# Colab disconnects; suppose the session died right here, leaving only the folder. `Trainer.resume`
# rebuilds the run from `last.pt` (weights, the optimizer's running averages, history, the random
# number generators' state) and continues; `epochs=2` raises the limit by one. The resumed run sees
# the same batches and random numbers as an uninterrupted 2-epoch run would.

# %% tags=["nbval-ignore-output"]
del trainer  # the session "dies"
trainer = Trainer.resume(folder / "last.pt", epochs=2)
history = trainer.fit()

# %%
assert [record["epoch"] for record in history] == [1, 2]
best = load_checkpoint(folder / "best.pt")
assert best["epoch"] == min(history, key=lambda record: record["val_loss"])["epoch"]
print("the history continues without a gap: epochs", [record["epoch"] for record in history])
print("best.pt holds the epoch with the lowest validation loss")

# %% [markdown]
# ## 5.10 Your model beside the pretrained one: the loss curves
#
# Same preset, seed, split and batches: your first epochs retrace the pretrained run's, up to
# rounding. In the run stored here, on a 2-core CPU like the one that trained the pretrained model,
# the validation losses agree to within 0.004 nats (the plots' titles); other hardware, or another
# `Precision`, rounds differently and lands a little further apart. After 2 epochs the validation loss
# is about the bigram's; the pretrained model ends 0.5 nats below it. In the pretrained run the
# validation loss stopped improving after epoch 9 while the training loss kept falling: the model
# began to memorise its training recipes (**overfitting**), and early stopping kept epoch 9.

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 3.8), sharey=True)
last_epoch = len(history)
mine, theirs = history[-1]["val_loss"], pretrained_history[last_epoch - 1]["val_loss"]
for ax, title, records in [
    (axes[0], f"pretrained model: {len(pretrained_history)} epochs, val loss {theirs:.4f} at epoch {last_epoch}",
     pretrained_history),
    (axes[1], f"your run (preset {course_preset()}): val loss {mine:.4f} at epoch {last_epoch}", history),
]:
    epochs = [record["epoch"] for record in records]
    ax.plot(epochs, [record["train_loss"] for record in records], "o-", label="training")
    ax.plot(epochs, [record["val_loss"] for record in records], "o-", label="validation")
    ax.set_title(title)
    ax.set_xlabel("epoch")
    ax.set_xlim(0.5, len(pretrained_history) + 0.5)
    ax.axhline(reference["bigram (the word before)"], color="tab:purple", linestyle="--", label="bigram")
axes[0].axvline(best_epoch, color="gray", linestyle=":", label=f"best epoch ({best_epoch})")
axes[0].set_ylabel("loss (nats per word)")
for ax in axes:
    ax.legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 5.11 Your model beside the pretrained one: samples
#
# The same prompt, temperature (0.8) and seeds for both. (The corpus has 21 recipes with "chocolate
# chip" in the title.) First the pretrained model, then yours after its 2 epochs:

# %%
prompt = "recipe for chocolate chip cookies |"
assert len([text for text in texts if "chocolate chip" in text.lower().split("|")[0]]) == 21
pretrained = pretrained_generator("book", device)
for seed in (0, 1):
    print(f"seed {seed}:", pretrained.sample(prompt, max_tokens=40, temperature=0.8, seed=seed)[0], "\n")

# %% tags=["nbval-ignore-output"]
for seed in (0, 1):
    print(f"seed {seed}:", trainer.generator.sample(prompt, max_tokens=40, temperature=0.8, seed=seed)[0], "\n")

# %% [markdown]
# In the run stored here, both begin as recipes begin ("preheat oven to 350°f (175°c)", "combine all
# ingredients and mix well") and drift to other dishes (chicken, garlic and ham in a cookie). The
# pretrained model's sentences are mostly well-formed; the 2-epoch model's break more often ("reduce
# heat to a boil", "until the middle is achieved"). The same seed gives both the same random numbers,
# so where the two models rank the next words alike they pick the same ones: both seed-1 texts go on with the same three words, "preheat oven to", then part at
# the temperature ("350°f (175°c)" against "175°c (400°f)").

# %% [markdown]
# ## 5.12 The blog post's whole pipeline, run and fixed
#
# The blog post trains with four functions: `initialize_model` builds the model, loss and optimizer;
# `train` runs one epoch; `evaluate` measures the validation loss; `run_training` mounts Drive, loops
# over the epochs (train, evaluate, print, sample) and saves the model. Here they are in our words,
# with the blog's names and steps. `initialize_model` puts the model on the device, ignores `<PAD>`
# (id 0) in the loss, and uses Adam at PyTorch's default learning rate:

# %%
def initialize_model(vocab_size, embedding_dim, hidden_dim, dropout_rate=0.1):
    """The blog post's setup: the model on the device, a loss that skips <PAD> (id 0), Adam."""
    model = LSTMLM(vocab_size, embedding_dim, hidden_dim, dropout_rate).to(device)
    criterion = nn.CrossEntropyLoss(ignore_index=0)
    optimizer = torch.optim.Adam(model.parameters())  # learning rate 1e-3, PyTorch's default
    return model, criterion, optimizer

# %% [markdown]
# `train` is section 5.3's loop without clipping, adding up each batch's loss; `evaluate` is
# section 5.2's steps with the same sum. Both divide that sum by the number of batches, as in the blog
# post's line `return epoch_loss / len(train_loader)`:

# %%
def train(model, train_loader, criterion, optimizer, epoch, device):
    """The blog post's train: one epoch; returns the mean of the batches' mean losses."""
    model.train()
    epoch_loss = 0.0
    for x, y in tqdm(train_loader, desc=f"Epoch {epoch + 1}", leave=False):
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()
        logits, _ = model(x)
        loss = criterion(logits.view(-1, logits.size(-1)), y.view(-1))
        loss.backward()
        optimizer.step()
        epoch_loss += loss.item()
    return epoch_loss / len(train_loader)


def evaluate(model, val_loader, criterion, device):
    """The blog post's evaluate: no dropout, no gradients; returns the mean of the batches' mean losses."""
    model.eval()
    val_loss = 0.0
    with torch.no_grad():
        for x, y in val_loader:
            x, y = x.to(device), y.to(device)
            logits, _ = model(x)
            val_loss += criterion(logits.view(-1, logits.size(-1)), y.view(-1)).item()
    return val_loss / len(val_loader)

# %% [markdown]
# **Bug 1: the mean of batch means.** We run them as `run_training` would, for 40 batches instead of
# an epoch, and measure that model, and the pretrained one (as notebook 3 did), with the blog's
# `evaluate` and with `evaluate_plain`:

# %%
torch.manual_seed(0)
model, criterion, optimizer = initialize_model(len(vocab), 100, 128)
train_loss = train(model, batches[:40], criterion, optimizer, epoch=0, device=device)
val_loss = evaluate(model, val_loader, criterion, device)
print(f"train returned {train_loss:.3f}, evaluate {val_loss:.4f}")
words = [int((y != vocab.pad_idx).sum()) for _, y in val_loader]
print(f"the {len(words)} validation batches hold from {min(words)} to {max(words):,} target words")
per_word = {}
for name, measured in [("after 40 steps", model), ("pretrained book", pretrained.model)]:
    batch_mean, per_word[name] = evaluate(measured, val_loader, criterion, device), evaluate_plain(measured, val_loader)
    print(f"{name:16} mean of batch means {batch_mean:.4f} (perplexity {math.exp(batch_mean):4.1f}), "
          f"mean per word {per_word[name]:.4f} (perplexity {math.exp(per_word[name]):4.1f})")
    assert abs(batch_mean - per_word[name]) > 0.01

# %% [markdown]
# The two averages differ, and not by a fixed amount: for the fresh model the mean of batch means is
# 0.013 nats higher, for the pretrained one 0.041 lower (perplexity 33.9 against the true 35.3); a
# batch of 139 words counts as much as one of 1,600. Perplexity is defined on the mean per word, and
# `train` has the same flaw. The package's `lstm_tutorial.blog` has the four functions with the blog's
# signatures, fixed: its `train` (which also clips) and `evaluate` average per word, so `blog.evaluate`
# gives `evaluate_plain`'s number:

# %%
assert abs(blog.evaluate(model, val_loader, criterion, device) - per_word["after 40 steps"]) < 1e-4
print("blog.evaluate gives the mean per target word")

# %% [markdown]
# **Bug 2: the save after the loop.** `run_training` saves once, after the last epoch, as
# `best_lstm_model_epoch_N.pt`, though that is simply the last epoch. The dictionary it saves holds a
# `vocab` the blog post never defines, so building it raises a `NameError` after all the epochs,
# before anything is written; the model lived only inside the function, so the whole run is lost. Our
# notebook has a `vocab` (section 5.1), which would hide the bug, so we set it aside and run a copy of
# the save step on the model we just trained:

# %%
def save_as_in_the_blog(model, optimizer, train_loss, val_loss, epoch, token2idx, idx2token, model_save_path):
    """run_training's last step in the blog post: one save, after the last epoch."""
    filename = f"{model_save_path}/best_lstm_model_epoch_{epoch + 1}.pt"
    torch.save({"model_state_dict": model.state_dict(), "optimizer_state_dict": optimizer.state_dict(),
                "train_loss": train_loss, "val_loss": val_loss, "epoch": epoch, "vocab": vocab,
                "token2idx": token2idx, "idx2token": idx2token}, filename)
    print(f"Model saved: {filename}")


our_vocab = vocab
del vocab  # as in the blog post: no `vocab` anywhere
try:
    save_as_in_the_blog(model, optimizer, train_loss, val_loss, 0, our_vocab.token2idx, our_vocab.idx2token, folder)
except NameError as error:
    print("NameError:", error)
finally:
    vocab = our_vocab
assert not (folder / "best_lstm_model_epoch_1.pt").exists()  # nothing was saved

# %% [markdown]
# The package's `blog.run_training` has the blog's signature and works as sections 5.7 to 5.9 did: it
# builds the model with `initialize_model`, saves to `checkpoint_dir()` (Drive under Colab) unless
# given a `save_dir`, and trains with a `Trainer`, which prints the losses and a sample and writes
# `last.pt` (and `best.pt` at the best epoch), vocabulary included, after every epoch. We run it for 1
# epoch on the `quick` preset's data, in its own folder so that section 5.7's run stays:

# %%
quick = PRESETS["quick"]
quick_texts = quick.recipes_used(texts)
quick_vocab = Vocab.build(quick_texts, quick.vocab_size)
quick_train, quick_val = dataloaders_for(quick, quick_texts, quick_vocab)
print(f"{len(quick_texts)} recipes, {len(quick_vocab):,} words; {len(quick_train)} training batches of {quick.batch_size}")

# %% tags=["nbval-ignore-output"]
torch.manual_seed(0)
quick_model, quick_generator = blog.run_training(
    quick_train, quick_val, len(quick_vocab), quick.embedding_dim, quick.hidden_dim, 1,
    quick_vocab.idx2token, quick_vocab.token2idx, device, save_dir=folder / "run_training", config=quick)

# %%
saved = load_checkpoint(folder / "run_training" / "last.pt")
print("saved:", ", ".join(sorted(path.name for path in (folder / "run_training").iterdir())))
print(f"last.pt: epoch {saved['epoch']}, vocabulary of {len(saved['vocab']):,} tokens")
assert saved["vocab"] == quick_vocab.idx2token

# %% [markdown]
# The blog post's pipeline, step by step, and where each step is here:
#
# | blog post | this notebook | the package |
# |---|---|---|
# | `train_loader`, `val_loader` | 5.1 | `dataloaders_for` |
# | `initialize_model`: model to device, `CrossEntropyLoss(ignore_index=0)`, Adam | 5.3, 5.12 | `blog.initialize_model` |
# | `train`: zero grad, forward, reshape, loss, backward, step | 5.3 (`train_plain`, plus clipping 5.4-5.5) | `blog.train` (per word, clipped) |
# | `evaluate`: `eval()`, `no_grad()`, mean of batch means | 5.2 (`evaluate_plain`, per word) | `blog.evaluate`, `evaluate_loss` |
# | `run_training`: Drive mount | 5.7 `checkpoint_dir()` | `checkpoint_dir` |
# | the epoch loop, printed losses, a sample | 5.7 | `Trainer.fit` |
# | one save after the loop (raises `NameError`) | 5.8: `last.pt` every epoch, `best.pt` at the best one | `blog.run_training`, `Trainer` |
# | (no resuming) | 5.9 | `Trainer.resume` |

# %% [markdown]
# ## Summary
#
# - One training step: zero the gradients, forward, reshape, loss, backward, clip, step. An untrained
#   model scores about $\log V$ nats; 120 steps take it near 5.
# - Clipping rescales the gradient to length at most $c$: $g \leftarrow g \cdot \min(1, c /
#   \lVert g \rVert)$. With Adam it rarely acts; with SGD at a high learning rate it stops a spike.
# - `Trainer` adds validation, history, `last.pt` every epoch, `best.pt` at the best epoch (on Drive
#   under Colab), early stopping and `Trainer.resume`.
# - The pretrained `book` model is the `cpu` preset's run: best epoch 9, validation perplexity 35.3.
# - The blog post's `train` and `evaluate` average batch means instead of words, and its
#   `run_training` loses the whole run to a `NameError` when it saves; `lstm_tutorial.blog` fixes both.

# %% [markdown]
# ## Exercises
#
# **1. Overfit one batch.** Before a long run, check that the model and the loop can learn at all:
# train a fresh model on one single batch, again and again, for 100 steps (50 in quick mode), with
# dropout off and Adam at $10^{-2}$. Predict: how low can the loss go?
#
# <details><summary>Solution</summary>
#
# Close to 0. In the run stored here it falls from 9.02 to 0.12: with 2 million weights and 1,599
# targets to fit, the model learns these 8 recipes nearly by heart. If the loss does not fall here,
# something in the model, the loss or the loop is broken (a missing `zero_grad`, unshifted targets, a
# wrong reshape), and a long run would only hide it.
#
# </details>

# %% tags=["nbval-ignore-output"]
OVERFIT_STEPS = 50 if quick_mode() else 100
torch.manual_seed(0)
one_batch_model = LSTMLM(len(vocab), 100, 128, dropout_rate=0.0).to(device)
one_batch = batches[0]
overfit_losses, _ = train_plain(one_batch_model, [one_batch] * OVERFIT_STEPS,
                                torch.optim.Adam(one_batch_model.parameters(), lr=1e-2))
print(f"one batch, {int((one_batch[1] != vocab.pad_idx).sum())} targets: loss {overfit_losses[0]:.2f} at the "
      f"first step, {overfit_losses[-1]:.2f} at step {OVERFIT_STEPS}")

# %%
plt.semilogy(range(1, len(overfit_losses) + 1), overfit_losses)
plt.xlabel("step")
plt.ylabel("loss on the one batch (log scale)")
plt.title("Overfitting one batch: the loop can learn")
plt.show()
assert overfit_losses[-1] < overfit_losses[0] / 5

# %% [markdown]
# **2. A learning-rate sweep.** Train a fresh model for the same 20 steps (10 in quick mode) with
# Adam at each of the learning rates $10^{-4}, 10^{-3}, 10^{-2}, 10^{-1}, 1$, and plot the mean loss of
# the last 5 steps against the learning rate on a log axis. Predict the shape of the curve.
#
# <details><summary>Solution</summary>
#
# High at both ends, lowest in the middle. In the run stored here: at $10^{-4}$ the weights barely
# move and the loss stays at about $\log V$ (9.00); it is lowest at $10^{-2}$ (5.93), with $10^{-1}$ close (5.98); at $1$ every step throws the
# weights about and the loss ends at 51.57, far above guessing. Short runs favour the fastest rate
# that stays stable; a long run is safer somewhat lower (the `cpu` preset: $3 \times 10^{-3}$). A
# sweep of short runs is a cheap way to find the range before a long one.
#
# </details>

# %% tags=["nbval-ignore-output"]
SWEEP_STEPS = 10 if quick_mode() else 20
final_loss = {}
for learning_rate in (1e-4, 1e-3, 1e-2, 1e-1, 1.0):
    torch.manual_seed(0)
    sweep_model = LSTMLM(len(vocab), 100, 128).to(device)
    sweep_losses, _ = train_plain(sweep_model, batches[:SWEEP_STEPS],
                                  torch.optim.Adam(sweep_model.parameters(), lr=learning_rate))
    final_loss[learning_rate] = sum(sweep_losses[-5:]) / 5
    print(f"learning rate {learning_rate:g}: mean loss of the last 5 steps {final_loss[learning_rate]:.2f}")

# %%
plt.semilogx(list(final_loss), list(final_loss.values()), "o-")
plt.axhline(math.log(len(vocab)), color="gray", linestyle=":", label="guessing (log V)")
plt.xlabel("learning rate (log scale)")
plt.ylabel("mean loss of the last 5 steps")
plt.title(f"Adam, {SWEEP_STEPS} steps from the same start")
plt.legend()
plt.show()

# %% [markdown]
# **3. Predict, then run.** Section 5.5 showed clipping rescue SGD at a high learning rate. Does it
# rescue Adam too? Train the fresh model for 30 steps with Adam at learning rate 0.1, with and without
# clipping at $c = 1$. Predict: will the two loss curves differ much?
#
# <details><summary>Solution</summary>
#
# Hardly. Adam divides each weight's step by a running average of that weight's gradient size, so its
# steps are about the learning rate long whatever the gradient's length, and shrinking the gradient
# changes little. In the run stored here the gradient norm passed 1 on only 4 or 5 of the 30 steps;
# both runs jump above guessing around step 5 and recover alike, ending less than a tenth of a nat
# apart. Clipping matters most for plain SGD, where the step is the gradient times the learning rate.
#
# </details>

# %%
for clip in (1.0, None):
    torch.manual_seed(0)
    adam_model = LSTMLM(len(vocab), 100, 128).to(device)
    run_losses, run_norms = train_plain(adam_model, batches[:30], torch.optim.Adam(adam_model.parameters(), lr=0.1), clip)
    plt.plot(range(1, 31), run_losses, "o-", markersize=3,
             label=f"clip {clip}: last 10 steps {sum(run_losses[-10:]) / 10:.2f} on average, "
                   f"||g|| > 1 at {sum(n > 1 for n in run_norms)} steps")
plt.xlabel("step")
plt.ylabel("loss (nats per word)")
plt.title("Adam, learning rate 0.1")
plt.legend()
plt.show()

# %% [markdown]
# **4. Change this, what happens?** Resume the run of section 5.9 with `hidden_dim=256`, or with a
# different `batch_size`. What does `Trainer.resume` do, and why?
#
# <details><summary>Solution</summary>
#
# It refuses, naming the field and both values. A resumed run may change only what leaves the model's
# shape, the data and the split alone: the weights in `last.pt` have the shapes of `hidden_dim=128`,
# and another batch size would give other batches than the uninterrupted run's.
#
# </details>

# %%
try:
    Trainer.resume(folder / "last.pt", hidden_dim=256)
except ValueError as error:
    print("refused:", error)

# %% [markdown]
# **5. Change this, what happens?** Train section 5.3's fresh model again with `dropout_rate=0.3`
# instead of 0.1 (notebook 2: dropout zeroes that share of the LSTM's outputs while training), on the
# same batches, from the same seed. Predict: will the training and validation losses be lower or
# higher than with 0.1?
#
# <details><summary>Solution</summary>
#
# Both a little higher: in the run stored here, a mean training loss over the last 20 steps of 5.23
# with 0.3 against 5.16 with 0.1, and validation losses of 5.14 against 5.11 (not section 5.3's 5.08:
# there, drawing the shuffled batches used random numbers between the seed and the training, so the
# dropout masks differ). More dropout makes every
# step noisier, which slows learning. What it buys is less overfitting, and there is none yet after a
# third of an epoch (the validation loss is below the training loss); it could help only after epoch 9
# of a full run, where the pretrained run's validation loss stopped improving.
#
# </details>

# %% tags=["nbval-ignore-output"]
for rate in (0.1, 0.3):
    torch.manual_seed(0)
    dropout_model = LSTMLM(len(vocab), embedding_dim=100, hidden_dim=128, dropout_rate=rate).to(device)
    run_losses, _ = train_plain(dropout_model, batches, torch.optim.Adam(dropout_model.parameters(), lr=cpu.learning_rate))
    print(f"dropout {rate}: training loss over the last 20 steps {sum(run_losses[-20:]) / 20:.2f}, "
          f"validation loss {evaluate_plain(dropout_model, val_loader):.2f}")
