# %% [markdown]
# # 5. Training
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lstm-tutorial/lstm-tutorial/blob/main/notebooks/05_training.ipynb)
#
# The blog's training loop (`train`, `evaluate`, `run_training`) on the recipe corpus: the progress
# bar, loss and perplexity curves, samples that improve epoch by epoch, checkpoints (on Google
# Drive under Colab) and resuming an interrupted run. The model saved here is the one notebooks 4
# and 6 use.

# %%
# NBVAL_IGNORE_OUTPUT: the device depends on the machine.
# Setup: under Colab, install the course package from GitHub (CI sets LSTM_TUTORIAL_INSTALL_FROM to
# its checkout); it needs nothing newer than Colab has, so nothing is upgraded and no restart is asked
# for. Elsewhere it is already installed.
import os
import subprocess
import sys

REPO_URL = "https://github.com/lstm-tutorial/lstm-tutorial"
if "google.colab" in sys.modules:
    source = os.environ.get("LSTM_TUTORIAL_INSTALL_FROM", f"git+{REPO_URL}")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", source], check=True)

import torch
from lstm_tutorial import default_device

device = default_device()
print("Using", device, torch.cuda.get_device_name() if device.type == "cuda" else "")

# %%
import math
import tempfile

import matplotlib.pyplot as plt

from lstm_tutorial import (
    Trainer,
    Vocab,
    checkpoint_dir,
    evaluate,
    initialize_model,
    load_checkpoint,
    load_generator,
    load_recipes,
    make_dataloaders,
    run_training,
    train,
)
from lstm_tutorial.course import course_config, course_preset
from lstm_tutorial.sampling import next_token_probs

# %% [markdown]
# ## 5.1 Data with the book's settings
#
# The blog's loop needs a vocabulary and two loaders of `(x, y)` batches. We use the book's
# settings: up to 10,000 words, 200 tokens per recipe, batches of 32. `y` is `x` shifted by one
# word: at every position the target is the next word. The bundled corpus is small, so training
# has only a few batches per epoch.

# %%
texts = load_recipes(verbose=False)
vocab = Vocab.build(texts, max_size=10000)
train_loader, val_loader = make_dataloaders(texts, vocab, max_len=200, batch_size=32)
print(f"{len(texts)} recipes, {len(vocab)} words in the vocabulary (fewer than 10,000: the corpus has no more)")
print(f"{len(train_loader)} training batches, {len(val_loader)} validation batches per epoch")

x, y = next(iter(train_loader))
print("x:", tuple(x.shape), " y:", tuple(y.shape), " [batch, seq]: padded to the longest recipe in the batch")
assert torch.equal(x[:, 1:], y[:, :-1])  # y is x shifted left by one word

# %% [markdown]
# ## 5.2 The seed's `train` and `evaluate`
#
# `initialize_model` builds the seed's `LSTMLM` with `CrossEntropyLoss(ignore_index=0)` (padding
# does not count) and Adam. Before any training the model knows nothing, so it spreads its
# probability about evenly over the vocabulary and the loss is close to $-\log(1/V) = \log V$.

# %%
torch.manual_seed(0)
model, criterion, optimizer = initialize_model(len(vocab), embedding_dim=100, hidden_dim=128, device=device)
untrained = evaluate(model, val_loader, criterion, device)
print(f"untrained validation loss {untrained:.2f}, log V = {math.log(len(vocab)):.2f}")
assert abs(untrained - math.log(len(vocab))) < 0.1

# %% [markdown]
# `train` runs one epoch: for every batch, zero the gradients, forward, the loss on logits reshaped to
# `[batch * seq, vocab]` against targets `[batch * seq]` (notebook 3), backward, clip the gradients,
# step. The tqdm progress bar shows the loss of the current batch, as in the seed. `model.train()`
# switches dropout on; `evaluate` calls `model.eval()` (dropout off) and `torch.no_grad()`.
#
# Two fixes to the seed: the loss of an epoch is the mean over target words, not the mean of batch
# means (the last, smaller batch no longer counts as much as a full one), and gradients are
# clipped to norm 1. One speed-up: the package computes the seed's loss without the padding
# positions and a chunk of 1,024 target words at a time, so the `[rows, vocab]` scores stay in the
# CPU's cache. The cell after the training run checks that this gives the seed's loss and gradients.

# %%
# NBVAL_IGNORE_OUTPUT: training; the losses depend on the hardware's arithmetic.
train_loss = train(model, train_loader, criterion, optimizer, epoch=0, device=device)
val_loss = evaluate(model, val_loader, criterion, device)
print(f"after one epoch: train loss {train_loss:.4f} | val loss {val_loss:.4f}")

# %%
from lstm_tutorial.train import forward_backward

x, y = next(iter(train_loader))
model.zero_grad()  # train() leaves the last batch's gradients behind
torch.manual_seed(0)  # the same dropout masks for both
logits, _ = model(x.to(device))
seed_loss = criterion(logits.view(-1, logits.size(-1)), y.to(device).view(-1))  # the seed's lines
seed_loss.backward()
seed_grads = [p.grad.clone() for p in model.parameters()]
model.zero_grad()
torch.manual_seed(0)
package_loss, _ = forward_backward(model, x, y, criterion, torch.device(device))
assert abs(package_loss - seed_loss.item()) < 1e-4 * seed_loss.item()
for p, seed_grad in zip(model.parameters(), seed_grads):
    torch.testing.assert_close(p.grad, seed_grad, rtol=1e-3, atol=1e-6)
model.zero_grad()
print("the package's training step: the seed's loss and gradients")

# %% [markdown]
# ## 5.3 The seed's `run_training`
#
# The seed's entry point still works: it builds the model, trains `epochs` epochs and after each one
# prints the losses and a sample that starts with "recipe for". The seed saved one file after the
# last epoch, called it `best_lstm_model_epoch_N.pt` though it was simply the last, and pickled a
# `vocab` variable it never defined. The package writes `last.pt` after every epoch, `best.pt`
# whenever the validation loss is the lowest so far, and stores the vocabulary in both. Here one
# epoch into a throw-away folder:

# %%
# NBVAL_IGNORE_OUTPUT: training; losses, sample and the temporary folder change from run to run.
with tempfile.TemporaryDirectory() as scratch:
    seed_model, seed_generator = run_training(
        train_loader, val_loader, len(vocab), 100, 128, epochs=1, idx2token=vocab.idx2token,
        token2idx=vocab.token2idx, device=device, save_dir=scratch, progress=False,
    )

# %% [markdown]
# ## 5.4 Train the course model
#
# `run_training` is a thin wrapper around `Trainer`, which keeps a history of every epoch and
# can resume. `course_config()` picks the preset: `quick` when the notebooks are tested (seconds),
# else `cpu` on a CPU and `book` (the seed's 25 epochs) on a GPU. `checkpoint_dir()` is
# `./lstm_models` next to the notebooks, or `MyDrive/lstm_models` on Google Drive under Colab
# (a Colab runtime forgets its files when it disconnects; Drive does not).

# %%
# NBVAL_IGNORE_OUTPUT: training; the preset (quick when tested, cpu or book otherwise), the folder and the losses depend on the run.
config = course_config()
print(f"preset {course_preset()!r}: {config}\n")
folder = checkpoint_dir()
trainer = Trainer.from_texts(texts, config, out_dir=folder, progress=False)
history = trainer.fit()

# %% [markdown]
# ## 5.5 Checkpoints
#
# Every epoch wrote `last.pt` and `metrics.json`; `best.pt` was rewritten whenever the validation
# loss improved. A checkpoint holds plain data and tensors only (so `torch.load(weights_only=True)`
# reads it without running code): everything needed to use the model or to continue training.

# %%
for name in ["best.pt", "last.pt", "metrics.json"]:
    print(f"{name:13} exists: {(folder / name).exists()}")
best = load_checkpoint(folder / "best.pt")
print("a checkpoint holds:", sorted(best))
assert best["epoch"] == min(history, key=lambda record: record["val_loss"])["epoch"]

# %% [markdown]
# ## 5.6 Resuming
#
# Colab disconnects, laptops sleep. Suppose the session died right here: all we have is the folder.
# `Trainer.resume` rebuilds the run from `last.pt` (weights, optimizer state, history, random number
# generator state) and continues; passing a larger `epochs` trains on, here to twice the preset's
# epochs. The resumed run sees the same batches and random numbers as an uninterrupted run of that
# length. Watch the validation loss in the curves below: on a corpus this small it stops falling and
# creeps up again as the model starts to memorise its training recipes; `best.pt` keeps the epoch
# before that.

# %%
# NBVAL_IGNORE_OUTPUT: training; the number of epochs and the losses depend on the preset.
first_run_epochs = trainer.epoch
del trainer  # the session "dies"
trainer = Trainer.resume(folder / "last.pt", texts, epochs=2 * config.epochs, progress=False)
history = trainer.fit()

# %%
assert [record["epoch"] for record in history] == list(range(1, 2 * config.epochs + 1))
best = load_checkpoint(folder / "best.pt")
assert best["epoch"] == min(history, key=lambda record: record["val_loss"])["epoch"]
print("history continues without a gap; best.pt holds the epoch with the lowest validation loss")

# %% [markdown]
# ## 5.7 Loss and perplexity curves
#
# Perplexity is $e^{\text{loss}}$: the model is as unsure as if it picked uniformly among that many
# words (notebook 3). Both curves come from the history; the dotted line marks where the run
# was resumed. When the validation loss stops falling while the training loss keeps going down,
# the model starts to memorise its training recipes; `best.pt` keeps the epoch before that.

# %%
epochs = [record["epoch"] for record in history]
fig, (ax_loss, ax_ppl) = plt.subplots(1, 2, figsize=(12, 3.8))
ax_loss.plot(epochs, [r["train_loss"] for r in history], "o-", label="training")
ax_loss.plot(epochs, [r["val_loss"] for r in history], "o-", label="validation")
ax_loss.set_ylabel("loss (nats per word)")
ax_ppl.plot(epochs, [math.exp(r["train_loss"]) for r in history], "o-", label="training")
ax_ppl.plot(epochs, [r["val_perplexity"] for r in history], "o-", label="validation")
ax_ppl.set_yscale("log")
ax_ppl.set_ylabel("perplexity")
for ax in (ax_loss, ax_ppl):
    ax.axvline(first_run_epochs + 0.5, color="gray", linestyle=":", label="resumed")
    ax.set_xlabel("epoch")
    ax.legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 5.8 Samples, epoch by epoch
#
# After each epoch the trainer wrote a sample from "recipe for" at $T = 1$ (seeded, so a rerun
# writes the same samples). Early samples are random words from the
# vocabulary; then punctuation, quantities ("1/2 cup") and cooking verbs fall into place.

# %%
# NBVAL_IGNORE_OUTPUT: the samples depend on the training run.
last_epoch = history[-1]["epoch"]
shown = sorted({1, 2, 3, 5, last_epoch} | set(range(10, last_epoch + 1, 10)))
for record in history:
    if record["epoch"] in shown:
        print(f"epoch {record['epoch']:>2} (val perplexity {record['val_perplexity']:6.1f}): {record['sample']}\n")

# %% [markdown]
# ## 5.9 Loading the model back
#
# `load_generator` rebuilds the model and the seed's `PyTorchTextGenerator` from a checkpoint.
# Loaded from `last.pt`, it gives exactly the next-word probabilities of the model we just trained.
# Notebooks 4 and 6 load `best.pt` the same way (through `trained_generator()`).

# %%
loaded = load_generator(folder / "last.pt", device=device)
prompt = "recipe for chocolate ice cream |"
torch.testing.assert_close(
    next_token_probs(loaded.prefill(prompt).next_logits), next_token_probs(trainer.generator.prefill(prompt).next_logits)
)
print("last.pt reproduces the trained model")

# %% [markdown]
# ## Summary
#
# - The loop is the seed's: `train` (one epoch, with a progress bar) and `evaluate` (no dropout, no
#   gradients), driven by `run_training` or `Trainer`.
# - An untrained model scores about $\log V$; the loss and perplexity curves show learning, and
#   the samples go from word salad to recipe-like text.
# - `last.pt` every epoch, `best.pt` at the lowest validation loss, on Drive under Colab;
#   `Trainer.resume(last.pt, texts, epochs=...)` continues an interrupted run.
