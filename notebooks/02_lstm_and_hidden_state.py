# %% [markdown]
# # 2. The LSTM and its hidden state
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lstm-tutorial/lstm-tutorial/blob/main/notebooks/02_lstm_and_hidden_state.ipynb)
#
# What `nn.LSTM` inside the blog's `LSTMLM` takes and returns (`batch_first`, the state
# `(h_n, c_n)`), one LSTM step written out by hand, and why carrying the state makes generation fast.

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
# We use an untrained model with the book's sizes (100-dimensional embeddings, 128 hidden units):
# shapes and speed do not depend on training. Everything runs on the CPU except the timing in
# section 2.5, which uses `device`.

# %%
import matplotlib.pyplot as plt
from torch import nn

from lstm_tutorial import LSTMLM, TextGenerator, Vocab, load_recipes

texts = load_recipes(verbose=False)
vocab = Vocab.build(texts)

torch.manual_seed(0)
model = LSTMLM(len(vocab), embedding_dim=100, hidden_dim=128).eval()
print(model)

# %% [markdown]
# ## 2.1 Shapes and `batch_first`
#
# We take the first 40 tokens of the first 32 recipes as a batch `x` of shape `[batch, seq]`. The
# embedding makes it `[batch, seq, 100]`; the LSTM returns `output`, its hidden vector at every
# position, and the state after the last position: `h_n` (the short-term output) and `c_n` (the
# long-term cell memory).

# %%
x = torch.tensor([vocab.encode(text)[:40] for text in texts[:32]])
embedded = model.embedding(x)
output, (h_n, c_n) = model.lstm(embedded)
for name, tensor in [("x", x), ("embedded", embedded), ("output", output), ("h_n", h_n), ("c_n", c_n)]:
    print(f"{name:9} {tuple(tensor.shape)}")

torch.testing.assert_close(h_n[0], output[:, -1])  # h_n is the output at the last position

# %% [markdown]
# `output` is batch-first because `LSTMLM` builds its LSTM with `batch_first=True`. `h_n` and `c_n`
# are not: they are always `[num_layers, batch, hidden]`, and the 1 in front is the number of
# layers (the blog's `init_hidden` uses 1 because its LSTM has one layer).
#
# PyTorch's default is `batch_first=False`, which expects `[seq, batch, features]`. The same weights
# give the same result if we transpose the input. The danger is feeding a batch-first tensor to a
# default LSTM: there is no error, it silently reads the 32 recipes as 32 time steps.

# %%
default_lstm = nn.LSTM(input_size=100, hidden_size=128)  # batch_first=False
default_lstm.load_state_dict(model.lstm.state_dict())

seq_first = embedded.transpose(0, 1)  # [seq, batch, features]
output_seq_first, _ = default_lstm(seq_first)
print("seq-first input", tuple(seq_first.shape), "-> output", tuple(output_seq_first.shape))
torch.testing.assert_close(output_seq_first.transpose(0, 1), output)

wrong, _ = default_lstm(embedded)  # runs, but treats the batch as time
print("batch-first tensor into a default LSTM: output", tuple(wrong.shape), "(no error)")
assert not torch.allclose(wrong, output)

# %% [markdown]
# ## 2.2 The whole forward pass, and dropout
#
# `LSTMLM.forward` runs embedding -> LSTM -> dropout -> linear layer and returns logits
# `[batch, seq, vocab_size]` (a score for every word of the vocabulary at every position; notebook 3)
# and the state `(h_n, c_n)`.

# %%
logits, (h_n, c_n) = model(x)
print("logits", tuple(logits.shape), "= [batch, seq, vocab_size]")

# %% [markdown]
# Dropout sets a random share of the LSTM outputs to zero, and scales the rest up so that the average
# stays the same: with rate 0.3, 30% of the values become 0 and the others are divided by 0.7. It is
# on only in `model.train()`: in `model.eval()` (which the blog's `PyTorchTextGenerator` calls and
# so does `evaluate`) it does nothing, and the model's output is the same every time.

# %%
dropout = nn.Dropout(0.3).train()
torch.manual_seed(0)
dropped = dropout(torch.ones(10_000))
print(f"training: {(dropped == 0).float().mean():.3f} of the values are 0, the rest are {dropped.max():.4f} = 1 / 0.7")
print("eval:    ", torch.equal(dropout.eval()(torch.ones(10_000)), torch.ones(10_000)), "(nothing changes)")

model.train()
torch.manual_seed(0)
print("model.train(): two passes equal?", torch.equal(model(x)[0], model(x)[0]))
model.eval()
print("model.eval():  two passes equal?", torch.equal(model(x)[0], model(x)[0]))

# %% [markdown]
# ## 2.3 The state `(h_n, c_n)` and `init_hidden`
#
# `init_hidden(batch_size)` returns zero states, each `[1, batch, hidden]`. Passing them is the same
# as passing nothing: `nn.LSTM` starts from zeros when `hidden` is `None`. (The blog's `init_hidden`
# moved them to a global `device`; the package's follows the model's device.)

# %%
hidden = model.init_hidden(32)
print("h0", tuple(hidden[0].shape), "c0", tuple(hidden[1].shape), "all zero:", bool((hidden[0] == 0).all()))
torch.testing.assert_close(model(x, hidden)[0], model(x)[0])

# %% [markdown]
# The blog's example carries the state from one batch to the next:
#
# ```python
# hidden = model.init_hidden(32)
# output, hidden = model(input_batch, hidden)  # first batch
# output, hidden = model(next_batch, hidden)   # next batch, state kept
# ```
#
# If `next_batch` continues the same 32 texts, this gives exactly what one pass over the whole texts
# would give: the state is everything the LSTM remembers about what it has read.

# %%
input_batch, next_batch = x[:, :20], x[:, 20:]

hidden = model.init_hidden(32)
output_1, hidden = model(input_batch, hidden)
output_2, hidden = model(next_batch, hidden)
whole, whole_hidden = model(x)

torch.testing.assert_close(torch.cat([output_1, output_2], dim=1), whole)
torch.testing.assert_close(hidden, whole_hidden)
print("two batches with the state carried == one pass over all 40 tokens")

# %% [markdown]
# Starting the second batch from zeros instead forgets the first 20 words. The difference is
# largest at the first word of the new batch and shrinks as the LSTM reads more of it.
#
# Training here (as in the blog) starts every batch from zeros: each row is a whole recipe, so there
# is nothing to carry. Carrying matters for generation (section 2.5) and for texts cut into chunks.

# %%
output_2_fresh, _ = model(next_batch)  # hidden=None: start from zeros
difference = (output_2 - output_2_fresh).abs().mean(dim=(0, 2)).detach()

plt.plot(range(20, 40), difference, marker="o")
plt.xlabel("position in the recipe")
plt.ylabel("mean |logit difference|")
plt.title("second batch: state carried vs. started from zeros")
plt.show()

# %% [markdown]
# ## 2.4 One LSTM step by hand
#
# At each position the LSTM mixes the input vector `x_t` with its previous output `h` into four
# gates (PyTorch stores them in the order i, f, g, o):
#
# - the forget gate `f` (0 to 1): how much of the old cell memory `c` to keep,
# - the input gate `i` (0 to 1) and the candidate `g` (-1 to 1): what to write into it,
# - the output gate `o` (0 to 1): how much of the memory to show as the new output `h`.
#
# `c = f * c + i * g` and `h = o * tanh(c)`. The function below does one step with the weights of
# `model.lstm`; running it along the sequence must reproduce `nn.LSTM`.

# %%
def lstm_step(x_t, h, c, lstm):
    """One step of a one-layer nn.LSTM: x_t [batch, input], h and c [batch, hidden]."""
    gates = x_t @ lstm.weight_ih_l0.T + lstm.bias_ih_l0 + h @ lstm.weight_hh_l0.T + lstm.bias_hh_l0
    i, f, g, o = gates.chunk(4, dim=-1)  # each [batch, hidden]
    i, f, o = torch.sigmoid(i), torch.sigmoid(f), torch.sigmoid(o)
    g = torch.tanh(g)
    c = f * c + i * g  # keep part of the old memory, write part of the new
    h = o * torch.tanh(c)  # show part of the memory
    return h, c, (i, f, g, o)


print("weight_ih_l0", tuple(model.lstm.weight_ih_l0.shape), "= [4 gates x 128, 100]")
print("weight_hh_l0", tuple(model.lstm.weight_hh_l0.shape), "= [4 gates x 128, 128]")

with torch.no_grad():
    h, c = model.init_hidden(32)
    h, c = h[0], c[0]  # drop the layer dimension
    outputs, gate_history = [], []
    for t in range(x.shape[1]):
        h, c, gates = lstm_step(embedded[:, t], h, c, model.lstm)
        outputs.append(h)
        gate_history.append(gates)
    by_hand = torch.stack(outputs, dim=1)  # [batch, seq, hidden]

    torch.testing.assert_close(by_hand, output)  # every position
    torch.testing.assert_close(h, h_n[0])
    torch.testing.assert_close(c, c_n[0])
print("the hand-written step matches nn.LSTM at all", x.shape[1], "positions")

# %% [markdown]
# The gates and the memory for the first 12 words of the first recipe, for 24 of the 128 units.
# The weights are untrained, so the patterns mean nothing yet; training shapes them.

# %%
n_words, n_units = 12, 24
words = [vocab.idx2token[i] for i in x[0, :n_words]]
panels = {
    "forget gate f": torch.stack([g[1][0, :n_units] for g in gate_history[:n_words]]),
    "input gate i": torch.stack([g[0][0, :n_units] for g in gate_history[:n_words]]),
    "output gate o": torch.stack([g[3][0, :n_units] for g in gate_history[:n_words]]),
}
fig, axes = plt.subplots(1, 3, figsize=(13, 4), sharey=True)
for ax, (title, values) in zip(axes, panels.items()):
    image = ax.imshow(values.T, vmin=0, vmax=1, cmap="viridis", aspect="auto")
    ax.set_xticks(range(n_words), words, rotation=90)
    ax.set_title(title)
axes[0].set_ylabel("hidden unit")
fig.colorbar(image, ax=axes)
plt.show()

# %% [markdown]
# ## 2.5 Why the blog's generator slows down, and the fix
#
# The blog's `PyTorchTextGenerator.generate` feeds the whole text so far to the model for every new
# word (`x = torch.tensor([tokens])`, then `logits[0, -1, :]`). The LSTM reads the text from the
# start each time: word number n costs n LSTM steps, so a text costs steps that grow with the square
# of its length.
#
# But the state `(h, c)` after a text is everything the LSTM knows about it (section 2.3). The
# package's `TextGenerator` (also importable as `PyTorchTextGenerator`) reads the prompt once
# (`prefill`) and then feeds only the newest word with the carried state (`step`): one LSTM step per
# word.

# %%
def lstm_steps_blog(prompt_length, n_words):
    return sum(prompt_length + k for k in range(n_words))  # word k re-reads prompt + k tokens


def lstm_steps_carried(prompt_length, n_words):
    return prompt_length + n_words  # the prompt once, then one step per word


for n_words in [100, 500, 1000]:
    print(f"{n_words:>5} words after a 2-word prompt: blog {lstm_steps_blog(2, n_words):>8,} LSTM steps, "
          f"carried state {lstm_steps_carried(2, n_words):>5,}")

# %% [markdown]
# Both ways give the same next-word distributions. Below, the blog's loop (written out) and the
# package's `prefill` / `step` run on the same words, and every distribution matches.

# %%
@torch.no_grad()
def blog_next_word_probs(model, tokens):
    """The blog's generation step: re-read all tokens, keep the scores at the last position."""
    x = torch.tensor([tokens], dtype=torch.long, device=model.fc.weight.device)
    logits, _ = model(x)
    return torch.softmax(logits[0, -1, :], dim=0)


generator = TextGenerator(model, vocab.idx2token, vocab.token2idx, device="cpu")
state = generator.prefill("recipe for chocolate")
sampler = torch.Generator().manual_seed(0)
with torch.no_grad():
    for _ in range(30):
        tokens_so_far = list(state.token_ids)
        _, probs = generator.step(state, generator=sampler)
        torch.testing.assert_close(probs, blog_next_word_probs(model, tokens_so_far))
print(f"{len(state.token_ids) - state.prompt_length} words: same distributions both ways")

# %% [markdown]
# Now the time. First the cost of one new word: for the blog it is one pass over everything written
# so far, for the package one LSTM step. We time each at several text lengths, on one CPU thread
# and keeping the best of 10 runs, so that other programs on the machine disturb the numbers less.

# %%
# NBVAL_IGNORE_OUTPUT: timings depend on the machine.
import contextlib
import copy
import time

import numpy as np


@contextlib.contextmanager
def one_cpu_thread():
    """Time on one CPU thread: for steps this small, more threads only add waiting and noise."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def best_time(function, repeats=10):
    """The fastest of ``repeats`` runs of ``function()``, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


timed_model = copy.deepcopy(model).to(device)  # on the GPU when there is one
timed_generator = TextGenerator(timed_model, vocab.idx2token, vocab.token2idx, device)

N_WORDS = 300
torch.manual_seed(0)
text_ids = torch.randint(3, len(vocab), (N_WORDS,)).tolist()  # any 300 words will do
lengths = [1] + list(range(25, N_WORDS + 1, 25))
state = timed_generator.prefill("recipe for")
blog_ms, carried_ms = [], []
with torch.no_grad(), one_cpu_thread():
    for n in lengths:
        blog_ms.append(1000 * best_time(lambda: blog_next_word_probs(timed_model, text_ids[:n])))
        carried_ms.append(1000 * best_time(lambda: timed_generator.step(state)))

for n, blog, carried in zip(lengths, blog_ms, carried_ms):
    print(f"word {n:>3}: blog {blog:6.2f} ms, carried state {carried:5.2f} ms")

# %% [markdown]
# Then whole texts: we write 300 words both ways (no stop at `<EOS>`, so both write exactly 300)
# and read the clock after every word. Each way runs 3 times and keeps, for every word, its fastest
# time, so that a pause caused by another program does not show up as a jump.

# %%
# NBVAL_IGNORE_OUTPUT: timings depend on the machine.
def time_blog(model, prompt_ids, n_words):
    """Seconds elapsed after each word, generating as the blog does."""
    tokens, elapsed = list(prompt_ids), []
    start = time.perf_counter()
    with torch.no_grad():
        for _ in range(n_words):
            probs = blog_next_word_probs(model, tokens)
            tokens.append(int(torch.multinomial(probs, 1)))
            elapsed.append(time.perf_counter() - start)
    return elapsed


def time_carried(generator, prompt, n_words):
    """Seconds elapsed after each word, carrying the state."""
    elapsed = []
    start = time.perf_counter()
    state = generator.prefill(prompt)
    for _ in range(n_words):
        generator.step(state)
        elapsed.append(time.perf_counter() - start)
    return elapsed


def fastest_total(runs):
    """Total seconds after each word, keeping each word's fastest time over the runs."""
    per_word = np.min([np.diff(elapsed, prepend=0.0) for elapsed in runs], axis=0)
    return per_word.cumsum()


torch.manual_seed(0)
prompt_ids = timed_generator.encode_prompt("recipe for")
with one_cpu_thread():
    blog_times = fastest_total([time_blog(timed_model, prompt_ids, N_WORDS) for _ in range(3)])
    carried_times = fastest_total([time_carried(timed_generator, "recipe for", N_WORDS) for _ in range(3)])
print(f"{N_WORDS} words: blog's generator {blog_times[-1]:.2f} s, carried state {carried_times[-1]:.2f} s "
      f"({blog_times[-1] / carried_times[-1]:.0f}x faster)")

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
left.plot(lengths, blog_ms, marker="o", label="blog: re-read everything")
left.plot(lengths, carried_ms, marker="o", label="carried state")
left.set(xlabel="word number", ylabel="milliseconds for this word", title="cost of one new word")
left.legend()
words_written = np.arange(1, N_WORDS + 1)
right.plot(words_written, blog_times, label="blog: re-read everything")
right.plot(words_written, carried_times, label="carried state")
right.set(xlabel="words generated", ylabel="total seconds", title="generation time against length")
right.legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# With the blog's loop each word costs more than the one before (left), so the total time grows
# with the square of the length (right). With the state carried every word costs the same and the
# total grows in a straight line. Notebooks 4 to 6 generate this way.
