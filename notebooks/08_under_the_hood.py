# %% [markdown]
# # 8. Under the hood
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lstm-tutorial/lstm-tutorial/blob/main/notebooks/08_under_the_hood.ipynb)
#
# The appendix, for the curious: the engineering that notebooks 1 to 7 leave out. The package keeps
# the blog post's model and its arithmetic, but computes some steps another way: generation carries
# the LSTM state instead of re-reading the text, the loss is computed a slice at a time, the matrix
# products run in a 16-bit float where the hardware is fast at it, and checkpoints check themselves
# when they load. Each section shows one of these, first checks that it gives what the blog post's
# lines give, then what it buys.
#
# This notebook measures time, and times depend on the machine and on what else it is doing. The
# figures quoted in the text come from the run stored with the notebook, made on a 2-core CPU;
# yours will differ, the ratios less than the seconds.

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
# Generation (section 8.1) writes one word at a time, small work that we run on the CPU. The
# training batches of sections 8.2 and 8.3 run on `device`, where training would run. We use the
# pretrained model with the book's sizes and the corpus it was trained on.

# %%
import itertools
import shutil
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt
from torch import nn

from lstm_tutorial import (
    LSTMLM,
    PRESETS,
    TrainConfig,
    Trainer,
    load_checkpoint,
    load_recipes,
    pretrained_model,
    validation_loader,
)
from lstm_tutorial.checkpoints import save_checkpoint, weights_checksum
from lstm_tutorial.data import dataloaders_for
from lstm_tutorial.devices import resolve_precision
from lstm_tutorial.model import LOSS_CHUNK_ROWS, ChunkedCrossEntropy
from lstm_tutorial.pretrained import pretrained_path
from lstm_tutorial.recipes import corpus_fingerprint
from lstm_tutorial.sampling import draw
from lstm_tutorial.training import evaluate_loss, forward_backward

model, vocab, checkpoint = pretrained_model("book", "cpu")  # eval mode: no dropout
texts = load_recipes(verbose=False)
print(f"{len(vocab):,} words, embedding {model.embedding.embedding_dim}, hidden {model.lstm.hidden_size}")

# %% [markdown]
# ## 8.1 The fast generation step
#
# The blog post's `generate` turns the whole text so far into a tensor for every new word,
# `x = torch.tensor([tokens], dtype=torch.long)`, runs the model over it and keeps the scores at the
# last position, `logits[0, -1, :]`. The LSTM reads the text from its first word every time, and the
# output layer scores every position although only the last is used. Word number n costs n LSTM
# steps, so a text costs a number of steps that grows with the square of its length.
#
# The state `(h, c)` after a text is all the LSTM knows about it (notebook 2). The package's
# `TextGenerator` therefore works in two parts: **prefill** runs the model once over the prompt and
# keeps the state after its last word, with the scores for the next word; then every new word is one
# **`model.step`**: the word and the carried state in, the next scores and the new state out (one
# `torch.lstm_cell` per layer and the output layer for one position). Counting LSTM steps:

# %%
def lstm_steps_blog(prompt_length: int, n_words: int) -> int:
    return sum(prompt_length + k for k in range(n_words))  # word k re-reads the prompt and k words


def lstm_steps_carried(prompt_length: int, n_words: int) -> int:
    return prompt_length + n_words  # the prompt once, then one step a word


for n_words in [100, 300, 1000]:
    print(f"{n_words:>5} words after a 4-word prompt: blog {lstm_steps_blog(4, n_words):>8,} LSTM steps, "
          f"carried state {lstm_steps_carried(4, n_words):>5,}")

# %% [markdown]
# Both loops, written as Python generators that yield, word after word, the distribution the word was
# drawn from and the word. They draw with `draw`, the inverse-CDF draw of notebook 3, from a seeded
# `torch.Generator`, so both use the same random numbers in the same order.

# %%
@torch.no_grad()
def blog_words(model: LSTMLM, prompt_ids: list[int], sampler: torch.Generator):
    """The blog post's loop: re-read every token so far for each new word."""
    tokens = list(prompt_ids)
    while True:
        logits, _ = model(torch.tensor([tokens], dtype=torch.long))
        probs = torch.softmax(logits[0, -1, :], dim=0)
        tokens.append(int(draw(probs, sampler)))
        yield probs, tokens[-1]


@torch.no_grad()
def carried_words(model: LSTMLM, prompt_ids: list[int], sampler: torch.Generator):
    """Prefill, then one model.step per word from the carried state."""
    logits, hidden = model(torch.tensor([prompt_ids], dtype=torch.long))  # prefill: the prompt, once
    next_logits = logits[0, -1]
    while True:
        probs = torch.softmax(next_logits, dim=0)
        word = draw(probs, sampler)  # a tensor holding one id
        yield probs, int(word)
        step_logits, hidden = model.step(word, hidden)  # [1, vocab] and the new state
        next_logits = step_logits[0]


prompt_ids = vocab.encode("recipe for banana bread")
print("prompt ids:", prompt_ids)

# %% [markdown]
# The check: 100 words written both ways, with the same seed. Every distribution matches (to
# float32 rounding: `nn.LSTM` over a sequence and `lstm_cell` one step at a time add in a different
# order), and so every word does.

# %%
blog = blog_words(model, prompt_ids, torch.Generator().manual_seed(0))
carried = carried_words(model, prompt_ids, torch.Generator().manual_seed(0))
words = []
for (blog_probs, blog_word), (carried_probs, carried_word) in itertools.islice(zip(blog, carried), 100):
    torch.testing.assert_close(carried_probs, blog_probs)
    assert carried_word == blog_word
    words.append(carried_word)
print("100 words, the same distributions and the same words both ways:")
print(vocab.decode(prompt_ids + words))

# %% [markdown]
# Now the time: 300 words each way (the loops do not stop at `<EOS>`, so both write exactly 300),
# reading the clock after every word. This cell takes a few seconds.

# %% tags=["nbval-ignore-output"]
def seconds_after_each_word(words, n_words: int) -> list[float]:
    """Run the word generator ``words`` for ``n_words`` words; the time elapsed after each."""
    start, elapsed = time.perf_counter(), []
    for _ in itertools.islice(words, n_words):
        elapsed.append(time.perf_counter() - start)
    return elapsed


N_WORDS = 300
blog_seconds = seconds_after_each_word(blog_words(model, prompt_ids, torch.Generator().manual_seed(0)), N_WORDS)
carried_seconds = seconds_after_each_word(carried_words(model, prompt_ids, torch.Generator().manual_seed(0)),
                                          N_WORDS)
print(f"{N_WORDS} words: blog post's loop {blog_seconds[-1]:.2f} s, carried state {carried_seconds[-1]:.2f} s "
      f"({blog_seconds[-1] / carried_seconds[-1]:.0f} times faster)")
for n in (100, 200, 300):
    print(f"  word {n}: blog {(blog_seconds[n - 1] - blog_seconds[n - 11]) / 10 * 1000:5.1f} ms, "
          f"carried {(carried_seconds[n - 1] - carried_seconds[n - 11]) / 10 * 1000:4.2f} ms (mean of 10 words)")

plt.plot(range(1, N_WORDS + 1), blog_seconds, label="blog post: re-read everything for each word")
plt.plot(range(1, N_WORDS + 1), carried_seconds, label="carried state: prefill, then one step a word")
plt.xlabel("words generated")
plt.ylabel("seconds so far")
plt.title("Generation time against length")
plt.legend()
plt.show()

# %% [markdown]
# With the blog post's loop each word costs more than the one before, since it re-reads one word
# more: in the run stored here a word took 7.4 ms around word 100 and 20.4 ms around word 300, and
# the total bends upwards. With the state carried every word costs the same, about 0.2 ms, and the
# total grows in a straight line: 0.08 s for 300 words against 3.09 s, 38 times faster. Other
# programs on the same machine slow either loop at random moments, so the seconds move from run to
# run (for 300 words we have seen the ratio anywhere from about 30 to 80); the shapes of the two
# curves do not.
#
# What is left in one carried word? Its bare arithmetic is two matrix products: the LSTM step
# (`[1, 100+128] @ [228, 512]`, the four gates at once) and the output layer (`[1, 128] @ [128, 8203]`).
# Counting their multiply-adds:

# %%
lstm_multiply_adds = 4 * model.lstm.hidden_size * (model.embedding.embedding_dim + model.lstm.hidden_size)
output_multiply_adds = model.lstm.hidden_size * len(vocab)
share = output_multiply_adds / (lstm_multiply_adds + output_multiply_adds)
print(f"one word: LSTM step {lstm_multiply_adds:,} multiply-adds, output layer {output_multiply_adds:,} ({share:.0%})")
assert share > 0.85

# %% [markdown]
# The output layer is nine tenths of the arithmetic. The cell below times a whole carried word
# (softmax, draw, `model.step`), `model.step` alone, and the bare `torch.lstm_cell` plus the output
# layer's product, each the fastest of several rounds of 200.

# %% tags=["nbval-ignore-output"]
def fastest_microseconds(action, repeats: int = 200, rounds: int = 5) -> float:
    """The fastest of ``rounds`` runs of ``repeats`` calls to ``action``, in microseconds per call."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(repeats):
            action()
        best = min(best, (time.perf_counter() - start) / repeats)
    return best * 1e6


with torch.no_grad():
    word = torch.tensor([vocab.token2idx["bread"]])
    _, state = model(torch.tensor([prompt_ids]))
    x, h, c = model.embedding(word), state[0][0], state[1][0]
    lstm, weight_t = model.lstm, model.fc.weight.t().contiguous()
    words_source = carried_words(model, prompt_ids, torch.Generator().manual_seed(0))
    timings = {
        "a whole word (softmax, draw, model.step)": fastest_microseconds(lambda: next(words_source)),
        "model.step": fastest_microseconds(lambda: model.step(word, state)),
        "lstm_cell + output product, bare": fastest_microseconds(lambda: torch.addmm(
            model.fc.bias, torch.lstm_cell(x, (h, c), lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0,
                                           lstm.bias_hh_l0)[0], weight_t)),
    }
for name, microseconds in timings.items():
    print(f"{name:42} {microseconds:6.0f} µs")

# %% [markdown]
# In the run stored here a whole word took 238 µs, `model.step` 157 µs and its bare arithmetic
# 122 µs. `model.step` costs nearly a third more than its two products (the embedding lookup, the
# loop over layers and stacking the new state), and the softmax over 8,203 words and the draw add
# the rest. A carried word is close to the cost of its arithmetic: the blog post's loop was slow
# because of how much arithmetic it did, not how it did it.
#
# ## 8.2 The chunked loss
#
# The blog post's training step computes the scores for every position of the batch, padding
# included, as one tensor `[batch, seq, vocab]`, flattens it and hands it to the loss:
#
# ```python
# loss = criterion(logits.view(-1, logits.size(-1)), y.view(-1))
# ```
#
# For the backward pass PyTorch keeps that tensor and makes its gradient, another one of the same
# size. The package's model computes its loss itself, `model.loss_sum(x, y, pad_idx)`, which
# `forward_backward` (the package's training step) divides by the number of targets and
# back-propagates:
#
# 1. run the LSTM once (`model.features`) and keep only the rows whose target is a real word, not
#    `<PAD>`;
# 2. for those rows, compute the output layer and the cross-entropy `LOSS_CHUNK_ROWS` (256) rows at a
#    time, and with them that chunk's share of the gradients: the gradient of cross-entropy with
#    respect to the scores is `softmax - one_hot(target)`, so it is ready as soon as the chunk's
#    softmax is (`ChunkedCrossEntropy` in `lstm_tutorial/model.py`); then drop the chunk;
# 3. `backward()` runs through the LSTM once, with the gradients the chunks collected.
#
# First, how much padding is there to skip? The pretrained model's batches (8 recipes, cut at 200
# tokens) are built from its config:

# %%
config = TrainConfig.from_dict(checkpoint["config"])
train_loader, val_loader = dataloaders_for(config, texts, vocab)
positions = real = 0
for _, y in train_loader:
    positions += y.numel()
    real += int((y != vocab.pad_idx).sum())
recipes = len(train_loader.dataset)
print(f"{recipes:,} training recipes in {len(train_loader)} batches of {config.batch_size}")
print(f"padding: {1 - real / positions:.1%} of the positions in the package's batches")
print(f"padding if every recipe were padded to {config.max_len} tokens, as in the book: "
      f"{1 - real / (recipes * config.max_len):.0%}")

# %% [markdown]
# The package's loaders already put recipes of similar length together and pad each batch only to its
# own longest recipe (notebook 1), so skipping padding saves little here. With the book's padding to
# 200 tokens, 39% of the output layer's work would go to `<PAD>`.
#
# The memory is the larger gain. For a full batch of 8 recipes of 200 tokens:

# %%
def megabytes(rows: int, columns: int, bytes_per_number: int = 4) -> float:
    return rows * columns * bytes_per_number / 1e6


full_batch_rows = config.batch_size * config.max_len
print(f"scores of a whole batch, [{full_batch_rows:,}, {len(vocab):,}]: {megabytes(full_batch_rows, len(vocab)):.1f} MB, "
      f"and as much again for their gradient")
print(f"scores of one chunk, [{LOSS_CHUNK_ROWS}, {len(vocab):,}]: {megabytes(LOSS_CHUNK_ROWS, len(vocab)):.1f} MB")
print(f"with the book's batches of 32: {megabytes(32 * config.max_len, len(vocab)):.0f} MB for the scores alone")

# %% [markdown]
# The check: on one batch and a fresh model in training mode (dropout on), with the same dropout mask
# (the same seed before each), `forward_backward` in float32 gives the blog post's loss and the
# blog post's gradients for every parameter.

# %%
def blog_step(model: LSTMLM, x: torch.Tensor, y: torch.Tensor) -> float:
    """The blog post's lines: scores for every position, flattened, cross-entropy without padding, backward."""
    criterion = nn.CrossEntropyLoss(ignore_index=vocab.pad_idx)
    logits, _ = model(x.to(device))
    loss = criterion(logits.view(-1, logits.size(-1)), y.to(device).view(-1))
    loss.backward()
    return loss.item()


batches = list(itertools.islice(train_loader, 3))
x, y = batches[0]
torch.manual_seed(0)
fresh = LSTMLM.from_config(config, len(vocab)).to(device)  # a new model is in training mode
torch.manual_seed(1)
blog_loss = blog_step(fresh, x, y)
blog_grads = [p.grad.clone() for p in fresh.parameters()]
fresh.zero_grad()
torch.manual_seed(1)
fast_loss, n_targets, _ = forward_backward(fresh, x, y, vocab.pad_idx)
print(f"batch {tuple(x.shape)}: loss {blog_loss:.5f} (blog post's lines), {fast_loss:.5f} (forward_backward, "
      f"{n_targets} targets)")
assert abs(fast_loss - blog_loss) < 1e-5 * blog_loss
for p, blog_grad in zip(fresh.parameters(), blog_grads):
    torch.testing.assert_close(p.grad, blog_grad, rtol=1e-4, atol=1e-7)
print("the same gradients for all", len(blog_grads), "parameter tensors")

# %% [markdown]
# The chunk size changes how the work is cut, not its result. `ChunkedCrossEntropy` can be called
# directly on the LSTM's features for the real targets, with any number of rows a chunk:

# %%
@torch.no_grad()
def real_rows(model: LSTMLM, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The LSTM's features [real targets, hidden] without dropout, and those targets: loss_sum's first step."""
    model.eval()
    features, _ = model.features(x.to(device))
    model.train()
    targets = y.to(device).reshape(-1)
    real = targets != vocab.pad_idx
    return features.reshape(-1, features.size(-1))[real], targets[real]


features, targets = real_rows(fresh, x, y)
mean_losses = {}
for chunk_rows in [32, 256, 1024, len(targets)]:
    loss = ChunkedCrossEntropy.apply(features, fresh.fc.weight, fresh.fc.bias, targets, None, chunk_rows, False)
    mean_losses[chunk_rows] = loss.item() / len(targets)
    print(f"{chunk_rows:5} rows a chunk: mean loss {mean_losses[chunk_rows]:.5f}")
assert max(mean_losses.values()) - min(mean_losses.values()) < 1e-5

# %% [markdown]
# ## 8.3 Mixed precision
#
# A float32 number has 8 bits of exponent and 23 of mantissa. **bfloat16** keeps the 8 bits of
# exponent, so the same range, and only 7 of mantissa: about 3 significant digits. **float16** has
# more mantissa (10 bits) but a 5-bit exponent, so numbers above 65,504 overflow and small gradients
# round to zero (training with it needs a gradient scaler).

# %%
for dtype in (torch.float32, torch.bfloat16, torch.float16):
    info = torch.finfo(dtype)
    print(f"{str(dtype):15} largest {info.max:9.3g}  smallest normal {info.tiny:9.3g}  step after 1: {info.eps:.3g}  "
          f"1/3 -> {torch.tensor(1 / 3, dtype=dtype).item():.10f}")

# %% [markdown]
# Halving the bits halves the memory traffic, and hardware with bfloat16 units (recent GPUs, CPUs with
# AVX-512 BF16 or AMX) multiplies such matrices much faster. The rounding is too coarse for
# everything, so the package mixes: the **matrix products** (the LSTM's and the output layer's) run in
# the 16-bit type; the **weights**, the optimizer, the softmax, the **loss** and the gradients' sums
# stay in float32. One setting chooses, `TrainConfig.precision`: `auto`, `float32`, `bfloat16` or
# `float16`; `resolve_precision(setting, device)` turns it into the dtype of the products (None means
# float32). `auto` picks bfloat16 where the hardware has it, float16 on older GPUs, float32
# elsewhere. **Validation is always float32**, so validation losses compare across machines and runs.

# %%
for setting in ("float32", "bfloat16", "float16"):
    try:
        print(f"{setting:9} on the CPU -> {resolve_precision(setting, 'cpu')}")
    except ValueError as error:
        print(f"{setting:9} on the CPU -> refused: {error}")

# %% [markdown]
# The check: the pretrained model's mean loss on the first 10 validation batches, with the products in
# bfloat16 and in float32. They agree to within a thousandth of a nat. And after a training step in
# bfloat16 the weights and their gradients are still float32.

# %%
val_batches = list(itertools.islice(val_loader, 10))


def mean_loss(model: LSTMLM, batches, dtype: torch.dtype | None) -> float:
    total, count = 0.0, 0
    with torch.no_grad():
        for x, y in batches:
            loss_sum, n_targets, _ = model.loss_sum(x, y, vocab.pad_idx, dtype)
            total, count = total + loss_sum.item(), count + n_targets
    return total / count


trained, _, _ = pretrained_model("book", device)
loss_float32 = mean_loss(trained, val_batches, None)
loss_bfloat16 = mean_loss(trained, val_batches, torch.bfloat16)
print(f"float32 {loss_float32:.4f}, bfloat16 {loss_bfloat16:.4f} nats (difference {abs(loss_bfloat16 - loss_float32):.4f})")
assert abs(loss_bfloat16 - loss_float32) < 0.01
assert evaluate_loss(trained, val_batches, vocab.pad_idx) == loss_float32  # evaluation: always float32

fresh.zero_grad()
forward_backward(fresh, x, y, vocab.pad_idx, dtype=torch.bfloat16)
print("after a bfloat16 step, weights and gradients:", {p.dtype for p in fresh.parameters()},
      {p.grad.dtype for p in fresh.parameters()})

# %% [markdown]
# The time per training batch (forward and backward) on `device`, on the first 3 training batches: the
# blog post's lines in float32, `forward_backward` in float32, and `forward_backward` in the precision
# `auto` picks here when that is not float32. The three take turns and each keeps its fastest of 4
# passes, so a moment when the machine is busy with something else counts less.

# %% tags=["nbval-ignore-output"]
def seconds_per_batch(step, timed=batches) -> float:
    start = time.perf_counter()
    for x, y in timed:
        fresh.zero_grad()
        step(x, y)
    return (time.perf_counter() - start) / len(timed)


fast_dtype = resolve_precision("auto", device)
print(f"auto on this {device.type}: {fast_dtype or 'float32'}")
steps_to_time = {"blog post's lines, float32": lambda x, y: blog_step(fresh, x, y),
                 "forward_backward, float32": lambda x, y: forward_backward(fresh, x, y, vocab.pad_idx)}
if fast_dtype is not None:
    steps_to_time[f"forward_backward, {str(fast_dtype).removeprefix('torch.')}"] = (
        lambda x, y: forward_backward(fresh, x, y, vocab.pad_idx, dtype=fast_dtype))
fastest = {name: float("inf") for name in steps_to_time}
for _ in range(4):
    for name, step in steps_to_time.items():
        fastest[name] = min(fastest[name], seconds_per_batch(step))
baseline = fastest["blog post's lines, float32"]
for name, seconds in fastest.items():
    print(f"{name:30} {seconds * 1000:6.0f} ms per batch ({seconds / baseline:.2f} of the blog post's time)")

# %% [markdown]
# On the 2-core CPU that made these outputs (an AMD EPYC with native bfloat16), `forward_backward`
# took 0.68 of the blog post's time per batch in float32 and 0.43 in bfloat16. Rerun the cell: the
# ratios move from run to run, their order does not. With so
# little padding the float32 gain is not work skipped: it is the same arithmetic in pieces of 8 MB
# instead of tensors of over 50 MB (exercise 2 varies the piece size). bfloat16 gains the most. A GPU is
# another story: there a chunk holds up to 8,192 rows, a whole batch, because every chunk costs
# kernel launches; `auto` picks bfloat16 on recent GPUs and float16, with a gradient scaler, on
# older ones such as Colab's T4. `Trainer` prints the precision it chose as its first line.
#
# ## 8.4 Checkpoints: checksums and fingerprints
#
# A checkpoint (notebook 5) is a dict of plain data and tensors saved with `torch.save`. Three
# entries let the package notice when something is wrong instead of going on with the wrong thing:
#
# - `weights_sha256`: a SHA-256 checksum of every weight (name, dtype, shape and bytes), which
#   `save_checkpoint` adds and `load_checkpoint` checks;
# - `corpus_fingerprint`: 16 hex digits naming the exact recipes trained on, in their order;
# - `val_split_sha256`: the SHA-256 of the validation recipes' token ids, so that
#   `validation_loader` knows it rebuilt the split the model was validated on.
#
# And every file is written under a temporary name and then renamed. To see all of it we make a
# checkpoint of our own: the `quick` preset (a small model on the first 300 recipes) for one epoch,
# on the CPU in float32, into a temporary folder. It takes a few seconds.

# %% tags=["nbval-ignore-output"]
work = Path(tempfile.mkdtemp())  # a temporary folder for this section's files
quick = PRESETS["quick"].updated(epochs=1, precision="float32")
trainer = Trainer.from_config(quick, device="cpu", out_dir=work / "run", progress=False)
history = trainer.fit()


# %%
def shown(error: Exception) -> str:
    """An error message up to its first full stop, without the temporary folder's name."""
    return str(error).replace(f"{work}{os.sep}", "").split(". ")[0]


last = load_checkpoint(work / "run" / "last.pt")
print("files:", sorted(path.name for path in (work / "run").iterdir()))
print("last.pt holds:", ", ".join(sorted(last)))
assert weights_checksum(last["model_state_dict"]) == last["weights_sha256"]
print("weights_sha256 is 64 hex digits and matches the weights:", len(last["weights_sha256"]))

# %% [markdown]
# ### The checksum
#
# A file can be damaged on its way: a copy from Google Drive cut short, a bad disk, a download that
# stopped. We take a copy of the pretrained `book.pt` (never write into the package's `pretrained/`
# folder: experiment on copies, as here) and flip one bit of the byte in the middle of the file,
# where the weights are. `torch.load` reads it without complaint: one weight is now a slightly
# different number. `load_checkpoint` recomputes the checksum and refuses, in one line. A copy of
# our `last.pt` cut in half is refused too, before any weight is read.

# %%
original = pretrained_path("book").read_bytes()
flipped = bytearray(original)
flipped[len(original) // 2] ^= 1
(work / "book_flipped.pt").write_bytes(bytes(flipped))
last_bytes = (work / "run" / "last.pt").read_bytes()
(work / "last_half.pt").write_bytes(last_bytes[: len(last_bytes) // 2])

book = load_checkpoint(pretrained_path("book"))  # reading the package's file is fine
damaged = torch.load(work / "book_flipped.pt", weights_only=True)
for name, tensor in damaged["model_state_dict"].items():
    differs = tensor != book["model_state_dict"][name]
    if differs.any():
        print(f"torch.load reads the copy; in {name}, {int(differs.sum())} number changed: "
              f"{book['model_state_dict'][name][differs].item():.9f} -> {tensor[differs].item():.9f}")
for name in ("book_flipped.pt", "last_half.pt"):
    try:
        load_checkpoint(work / name)
    except ValueError as error:
        print("load_checkpoint:", shown(error))

# %% [markdown]
# ### The corpus fingerprint
#
# `corpus_fingerprint(texts)` is the first 16 hex digits of the SHA-256 of the recipes joined in
# order. Our run trained on the first 300 recipes (`max_recipes=300`). Any added, removed, changed or
# reordered recipe gives another fingerprint; `Trainer.resume` compares it with the recipes it is
# given and refuses other recipes (exercise 3).

# %%
used = quick.recipes_used(texts)
print("recorded:         ", last["corpus_fingerprint"])
print("first 300 recipes:", corpus_fingerprint(used))
print("one recipe edited:", corpus_fingerprint([used[0] + " Serve warm."] + used[1:]))
print("two swapped:      ", corpus_fingerprint([used[1], used[0]] + used[2:]))
assert corpus_fingerprint(used) == last["corpus_fingerprint"]

# %% [markdown]
# ### The validation split's checksum
#
# A checkpoint does not store its validation recipes: `validation_loader(checkpoint)` rebuilds them
# from the checkpoint's config (the corpus, `max_recipes`, `val_fraction`, the seed) and its
# vocabulary, then compares the SHA-256 of their token ids with `val_split_sha256`. A validation loss
# is only comparable on the same recipes, so a different split is an error, not a different number.

# %%
val_loader_again = validation_loader(last)
print(f"rebuilt: {len(val_loader_again.dataset)} validation recipes, the split recorded "
      f"({last['val_split_sha256'][:16]}...)")
later_recipe_changed = used + [texts[300] + " Serve warm."] + texts[301:]
print("a recipe after the first 300 changed: the same split,",
      len(validation_loader(last, texts=later_recipe_changed).dataset), "recipes")
for name, other in [("the corpus reversed", texts[::-1]), ("the Wikibooks recipes", load_recipes("wikibooks",
                                                                                                 verbose=False))]:
    try:
        validation_loader(last, texts=other)
    except ValueError as error:
        print(f"{name}: {error}")

# %% [markdown]
# ### Atomic writes
#
# `torch.save(checkpoint, path)` opens `path`, empties it and writes. If the writing stops halfway (an
# error, a full disk, Colab disconnecting during a save) the old file is gone and the new one is
# unfinished. `save_checkpoint` writes to a temporary file in the same folder (`.last.pt.XXXX.tmp`)
# and renames it to `last.pt` only when it is complete; a rename within a folder is all or nothing.
# To see the difference, we make a save fail halfway: a value `torch.save` cannot write (a function)
# placed after the weights.

# %%
unsavable = {**last, "history": lambda: None}
for name, save in [("torch.save", torch.save), ("save_checkpoint", save_checkpoint)]:
    shutil.copy(work / "run" / "last.pt", work / f"{name}.pt")
    try:
        save(unsavable, work / f"{name}.pt")
    except Exception as error:
        print(f"{name}: the save failed with {type(error).__name__}")
    try:
        print(f"  {name}.pt still loads: epoch {load_checkpoint(work / f'{name}.pt')['epoch']}")
    except ValueError as error:
        print(f"  {name}.pt no longer loads: {shown(error)}")
print("files left in the folder:", sorted(path.name for path in work.iterdir() if path.is_file()))

# %% [markdown]
# ## Summary
#
# - **Generation**: prefill the prompt once, then one `model.step` per word from the carried state.
#   The same distributions and, with the same seed, the same words as the blog post's loop; the time
#   grows in a straight line instead of with the square of the length.
# - **The loss**: `model.loss_sum` skips padding and computes the output layer and cross-entropy 256
#   rows at a time together with their gradients, so the `[rows, vocab]` scores never exist all at
#   once; the loss and the gradients are the blog post's.
# - **Precision**: matrix products in bfloat16 where the hardware has it (`TrainConfig.precision`,
#   `resolve_precision`), weights and loss in float32, validation always float32; the loss moves by
#   less than a thousandth of a nat.
# - **Checkpoints**: `weights_sha256` catches damaged files, `corpus_fingerprint` and
#   `val_split_sha256` catch other recipes and another split, and atomic writes never leave a
#   half-written file.

# %% [markdown]
# ## Exercises
#
# **1. Generation at another length.** Section 8.1 timed 300 words. Predict the blog post's time and
# the carried state's time for 150 and 600 words, then measure them with `seconds_after_each_word`.
#
# <details><summary>Solution</summary>
#
# The blog post's total grows with the square of the length: 150 words should take about a quarter
# of 300 words' time, a little more since every word also has a fixed cost (the softmax, the draw,
# Python) that does not grow, and 600 words about four times as long. The carried state's grows in a
# straight line: half, and twice. In the run stored here the blog post's loop took 0.32 and 3.65 of
# its 300-word time, the carried state 0.51 and 2.77. The 150-word figures are what we predicted;
# the 600-word ones miss a little (the blog post's loop below four, the carried state above two): a
# run of a fraction of a second to several seconds catches other programs' busy moments. Repeat the
# cell to see the spread.
#
# </details>

# %% tags=["nbval-ignore-output"]
total_seconds = {}
for n_words in (150, 300, 600):
    total_seconds[n_words] = [
        seconds_after_each_word(words(model, prompt_ids, torch.Generator().manual_seed(0)), n_words)[-1]
        for words in (blog_words, carried_words)]
for n_words, (blog_time, carried_time) in total_seconds.items():
    print(f"{n_words} words: blog {blog_time:5.2f} s ({blog_time / total_seconds[300][0]:.2f} of 300 words' time), "
          f"carried {carried_time:.3f} s ({carried_time / total_seconds[300][1]:.2f})")

# %% [markdown]
# **2. The chunk size.** `LOSS_CHUNK_ROWS` is 256 on a CPU. Time `ChunkedCrossEntropy` with its
# gradients (`with_grads=True`) on the features of a batch of 32 recipes (the book's batch size),
# for chunks of 16 to 4,096 rows and for the whole batch in one chunk. Where does the time stop
# improving?
#
# <details><summary>Solution</summary>
#
# In the run stored here 16 rows a chunk took 777 ms, 64 rows 509 ms, 256 rows 449 ms, 1,024 rows
# 486 ms and the whole batch in one chunk 541 ms. Very small chunks are slow: every chunk pays for
# Python and several small operations, and a product of 16 rows keeps the processor poorly busy.
# The time stops improving around 256 rows (449 ms); 64 and 1,024 rows are within about 15% of it,
# and one chunk of the whole batch (scores of 142 MB) is slower again. 256 rows sits in the flat part with scores of 8 MB, a size that stays
# small whatever the batch.
#
# </details>

# %% tags=["nbval-ignore-output"]
book_loader, _ = dataloaders_for(config.updated(batch_size=32), texts, vocab)
features, targets = real_rows(fresh, *next(iter(book_loader)))
chunk_sizes = [16, 64, 256, 1024, 4096, len(targets)]
chunk_milliseconds = {chunk_rows: float("inf") for chunk_rows in chunk_sizes}
for _ in range(3):  # take turns, keep each size's fastest
    for chunk_rows in chunk_sizes:
        start = time.perf_counter()
        ChunkedCrossEntropy.apply(features, fresh.fc.weight, fresh.fc.bias, targets, None, chunk_rows, True).item()
        chunk_milliseconds[chunk_rows] = min(chunk_milliseconds[chunk_rows], (time.perf_counter() - start) * 1000)
print(f"a batch of 32 recipes, {len(targets):,} targets, float32:")
for chunk_rows, milliseconds in chunk_milliseconds.items():
    print(f"{chunk_rows:5} rows a chunk: {milliseconds:6.0f} ms")
plt.semilogx(chunk_sizes, list(chunk_milliseconds.values()), "o-")
plt.xlabel("rows a chunk")
plt.ylabel("ms for the loss and its gradients")
plt.title(f"A batch of 32 recipes ({len(targets):,} targets), float32")
plt.show()

# %% [markdown]
# **3. Resuming on other recipes.** Resume section 8.4's run with `Trainer.resume(work / "run" /
# "last.pt", epochs=2, texts=...)` on the corpus reversed, and once with `val_fraction=0.3`. What does
# each say, and what would go wrong if it went on?
#
# <details><summary>Solution</summary>
#
# Both are refused before a single batch is trained. On the reversed corpus the first 300 recipes
# are other recipes, so their fingerprint is not the one `last.pt` recorded. `val_fraction` is not
# among the settings a resumed run may change, so that request is refused before any recipe is read.
# Had either gone on, the split would be another one: recipes the model trained on would now be
# validation recipes, its validation loss would look better than it is, and the history's losses
# before and after the resume would be measured on different recipes, so no longer comparable.
#
# </details>

# %%
for requested in [dict(texts=texts[::-1]), dict(val_fraction=0.3)]:
    try:
        Trainer.resume(work / "run" / "last.pt", device="cpu", progress=False, epochs=2, **requested)
    except ValueError as error:
        print("refused:", shown(error))

# %% [markdown]
# The temporary folder is no longer needed:

# %%
shutil.rmtree(work)
print("removed:", not work.exists())
