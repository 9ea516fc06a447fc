# %% [markdown]
# # 2. The LSTM and its hidden state
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lstm-tutorial/lstm-tutorial/blob/main/notebooks/02_lstm_and_hidden_state.ipynb)
#
# The blog post's `LSTMLM` written out line by line and checked against the package's; what
# `nn.LSTM` takes and returns (`batch_first`, the state `(h_n, c_n)`); one LSTM step as equations,
# as a diagram and by hand; why an LSTM and not a plain RNN; how far back the trained model
# remembers; and why carrying the state makes generation fast.

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
# The trained model is the one shipped in the package (`pretrained_model`): the book's architecture
# (100-dimensional word vectors, 128 hidden units) trained on the course's recipes (notebook 5 shows
# how). The tensors are small, so everything runs on the CPU whatever `device` says.

# %%
import matplotlib.pyplot as plt
import torch
from torch import nn

import lstm_tutorial
from lstm_tutorial import TextGenerator, load_recipes, pretrained_model

model, vocab, checkpoint = pretrained_model("book", "cpu")
texts = load_recipes(verbose=False)  # the corpus the model was trained on
heldout = load_recipes("heldout", verbose=False)  # 177 real recipes it has never seen
print(model)
print(f"vocabulary: {len(vocab):,} words | trained with {checkpoint['command']!r}")

# %% [markdown]
# ## 2.1 The blog post's `LSTMLM`, line by line
#
# Here is the blog post's model class as the blog has it (comments translated). Its `init_hidden`
# reads a global `device`, defined in the blog's first cell; we set it to the CPU just above the
# class. From here on `LSTMLM` is the blog's class and `lstm_tutorial.LSTMLM` the package's.

# %%
device = torch.device("cpu")  # the global that the blog's init_hidden reads


# LSTM model definition
class LSTMLM(nn.Module):
    def __init__(self, vocab_size, embedding_dim, hidden_dim, dropout_rate=0.1):
        super(LSTMLM, self).__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(
            input_size=embedding_dim,
            hidden_size=hidden_dim,
            batch_first=True
        )
        self.dropout = nn.Dropout(dropout_rate)
        self.fc = nn.Linear(hidden_dim, vocab_size)

    def forward(self, x, hidden=None):
        # embedding layer
        embedded = self.embedding(x)  # [batch_size, seq_len, embedding_dim]

        # LSTM layer
        if hidden is None:
            output, hidden = self.lstm(embedded)
        else:
            output, hidden = self.lstm(embedded, hidden)

        # apply dropout
        output = self.dropout(output)

        # linear layer (predicts the next token at every position of the sequence)
        logits = self.fc(output)  # [batch_size, seq_len, vocab_size]

        return logits, hidden

    def init_hidden(self, batch_size):
        # initialise the hidden state (optional)
        h0 = torch.zeros(1, batch_size, self.lstm.hidden_size).to(device)
        c0 = torch.zeros(1, batch_size, self.lstm.hidden_size).to(device)
        return (h0, c0)


# %% [markdown]
# What each line does (with the book's sizes: 8,203 words, 100-dimensional word vectors, 128
# hidden units; `B` is the batch size and `S` the sequence length):
#
# | line | what it does |
# |---|---|
# | `class LSTMLM(nn.Module):` | a PyTorch module: each layer assigned to `self` is registered, so its weights are in `model.parameters()` (what the optimizer trains) and `model.state_dict()` (what a checkpoint saves) |
# | `super(LSTMLM, self).__init__()` | runs `nn.Module`'s set-up first; without it, assigning a layer to `self` fails |
# | `self.embedding = nn.Embedding(vocab_size, embedding_dim)` | the lookup table of notebook 1: a weight matrix `[8203, 100]`, row `i` is word `i`'s vector |
# | `self.lstm = nn.LSTM(input_size=embedding_dim, hidden_size=hidden_dim, batch_first=True)` | one LSTM layer: reads 100-number vectors, keeps 128 numbers of state; tensors are `[B, S, features]` (section 2.2) |
# | `self.dropout = nn.Dropout(dropout_rate)` | while training, sets a random 10% of the LSTM's outputs to 0 (section 2.3) |
# | `self.fc = nn.Linear(hidden_dim, vocab_size)` | "fully connected": each 128-number output to 8,203 scores, one per word |
# | `def forward(self, x, hidden=None):` | what `model(x)` or `model(x, hidden)` runs; `x`: word ids `[B, S]` |
# | `embedded = self.embedding(x)` | ids to vectors: `[B, S]` to `[B, S, 100]` |
# | `if hidden is None: ... else: ...` | run the LSTM over the sequence from zeros or from a given state `(h, c)`; `output` (`[B, S, 128]`) is its output at every position, `hidden` the state after the last (section 2.7). `nn.LSTM` treats `None` as zeros, so one line would do |
# | `output = self.dropout(output)` | dropout on the outputs (only in `model.train()`) |
# | `logits = self.fc(output)` | `[B, S, 8203]`: at every position a raw score (a **logit**) for each word being the next; softmax makes them probabilities (notebook 3) |
# | `return logits, hidden` | the scores and the state `(h_n, c_n)`, each `[1, B, 128]` |
# | `def init_hidden(self, batch_size):` | a zero state, `[1, B, 128]` twice (1: the number of LSTM layers). `.to(device)` uses the global `device`, not the model's; the package's `init_hidden` follows the model's weights |
#
# The package's `lstm_tutorial.LSTMLM` has the same four layers with the same names (and one more,
# `embedding_dropout`, with no weights, off in the book's model), so the blog's class can load its
# weights and must then give the same logits and state. We copy the pretrained weights across
# (`state_dict` maps each parameter's name to its tensor) and compare on the first 40 words of 32
# recipes.

# %%
blog_model = LSTMLM(len(vocab), embedding_dim=100, hidden_dim=128)
blog_model.load_state_dict(model.state_dict())
blog_model.eval()  # no dropout: see 2.3

for name, tensor in blog_model.state_dict().items():
    print(f"{name:18} {str(list(tensor.shape)):12} {tensor.numel():>9,} numbers")
print(f"{'total':18} {'':12} {sum(p.numel() for p in blog_model.parameters()):>9,}")

x = torch.tensor([vocab.encode(text)[:40] for text in texts[:32]])  # [32 recipes, 40 words]
with torch.no_grad():
    blog_logits, (blog_h, blog_c) = blog_model(x)
    package_logits, (package_h, package_c) = model(x)
torch.testing.assert_close(blog_logits, package_logits)
torch.testing.assert_close(blog_h, package_h)
torch.testing.assert_close(blog_c, package_c)
print("the blog's class and lstm_tutorial.LSTMLM give the same logits", tuple(blog_logits.shape),
      "and the same (h, c)", tuple(blog_h.shape))

# %% [markdown]
# The fully connected layer holds most of the numbers, the LSTM only 117,760. The package's class
# adds what the rest of the course needs: `features` (everything before `fc`, for a faster loss in
# notebook 5), `step` (one word from a carried state, section 2.10), `num_layers`, and checks on its
# arguments.

# %% [markdown]
# ## 2.2 Shapes and `batch_first`
#
# We follow the batch `x` (`[batch, seq]` = `[32, 40]`) through the layers. The LSTM returns
# `output`, its hidden vector at every position, and the state after the last position: `h_n`
# (the short-term output) and `c_n` (the long-term cell memory, section 2.4).

# %%
with torch.no_grad():
    embedded = model.embedding(x)
    output, (h_n, c_n) = model.lstm(embedded)
for name, tensor in [("x", x), ("embedded", embedded), ("output", output), ("h_n", h_n), ("c_n", c_n)]:
    print(f"{name:9} {tuple(tensor.shape)}")

torch.testing.assert_close(h_n[0], output[:, -1])  # h_n is the output at the last position

# %% [markdown]
# `output` is batch-first because `LSTMLM` builds its LSTM with `batch_first=True`. `h_n` and `c_n`
# are not: they are always `[num_layers, batch, hidden]`.
#
# PyTorch's default, `batch_first=False`, expects `[seq, batch, features]`: the same weights give the
# same result on the transposed input. The danger is feeding a batch-first tensor to a default LSTM:
# no error, it silently reads the 32 recipes as 32 time steps.

# %%
default_lstm = nn.LSTM(input_size=100, hidden_size=128)  # batch_first=False
default_lstm.load_state_dict(model.lstm.state_dict())

with torch.no_grad():
    seq_first = embedded.transpose(0, 1)  # [seq, batch, features]
    output_seq_first, _ = default_lstm(seq_first)
    print("seq-first input", tuple(seq_first.shape), "-> output", tuple(output_seq_first.shape))
    torch.testing.assert_close(output_seq_first.transpose(0, 1), output)

    wrong, _ = default_lstm(embedded)  # runs, but treats the batch as time
print("batch-first tensor into a default LSTM: output", tuple(wrong.shape), "(no error)")
assert not torch.allclose(wrong, output)

# %% [markdown]
# ## 2.3 Dropout: only while training
#
# Dropout sets a random share of the LSTM outputs to zero and scales the rest up so that the average
# stays the same. The model's rate is the blog's default, `dropout_rate=0.1`: 10% of the values
# become 0 and the others are divided by 0.9 (with the 0.3 of the blog post's explanation, 30% and
# 0.7). Dropout is on only in `model.train()`: in `model.eval()` (which the blog's
# `PyTorchTextGenerator` and `evaluate` call) it does nothing, and the output is the same every time.

# %%
rate = model.dropout.p
print("the model's dropout rate:", rate, "| trained with", checkpoint["config"]["dropout_rate"])
torch.manual_seed(0)
for p_drop in [rate, 0.3]:
    dropped = nn.Dropout(p_drop).train()(torch.ones(10_000))
    print(f"training, rate {p_drop}: {(dropped == 0).float().mean():.3f} of the values are 0, "
          f"the rest are {dropped.max():.4f} = 1 / {1 - p_drop:g}, mean {dropped.mean():.3f}")
print("eval:", torch.equal(nn.Dropout(rate).eval()(torch.ones(10_000)), torch.ones(10_000)), "(nothing changes)")

model.train()
torch.manual_seed(0)
with torch.no_grad():
    print("model.train(): two passes equal?", torch.equal(model(x)[0], model(x)[0]))
model.eval()
with torch.no_grad():
    print("model.eval():  two passes equal?", torch.equal(model(x)[0], model(x)[0]))

# %% [markdown]
# ## 2.4 One LSTM step
#
# At each position `t` the LSTM reads one word vector $x_t$ and its previous output $h_{t-1}$, and
# updates two vectors of 128 numbers: the **cell state** $c$ (long-term memory) and the **hidden
# state** $h$ (its output, which the linear layer turns into scores). Four **gates**, 128 numbers
# each, decide how:
#
# $$
# \begin{aligned}
# i_t &= \sigma\left(x_t W_{ii}^\top + b_{ii} + h_{t-1} W_{hi}^\top + b_{hi}\right) && \text{input gate: how much to write} \\
# f_t &= \sigma\left(x_t W_{if}^\top + b_{if} + h_{t-1} W_{hf}^\top + b_{hf}\right) && \text{forget gate: how much of } c_{t-1} \text{ to keep} \\
# g_t &= \tanh\left(x_t W_{ig}^\top + b_{ig} + h_{t-1} W_{hg}^\top + b_{hg}\right) && \text{candidate: what to write} \\
# o_t &= \sigma\left(x_t W_{io}^\top + b_{io} + h_{t-1} W_{ho}^\top + b_{ho}\right) && \text{output gate: how much to show} \\
# c_t &= f_t \odot c_{t-1} + i_t \odot g_t && \text{keep part of the memory, write part of the new} \\
# h_t &= o_t \odot \tanh(c_t) && \text{the output}
# \end{aligned}
# $$
#
# The sigmoid $\sigma(z) = 1 / (1 + e^{-z})$ is between 0 and 1, so $f$, $i$ and $o$ are dials
# from "none" to "all"; $\tanh$ is between -1 and 1; $\odot$ multiplies element by element. For a
# batch of `B` texts the shapes are:
#
# | tensor | shape | in PyTorch |
# |---|---|---|
# | $x_t$ | `[B, 100]` | `embedded[:, t]` |
# | $h_{t-1}$, $c_{t-1}$, $h_t$, $c_t$ | `[B, 128]` each | `h_n[0]`, `c_n[0]` after the last step |
# | $W_{ii}, W_{if}, W_{ig}, W_{io}$ | `[128, 100]` each, stacked as $W_{ih}$: `[4*128, 100]` = `[512, 100]` | `lstm.weight_ih_l0` |
# | $W_{hi}, W_{hf}, W_{hg}, W_{ho}$ | `[128, 128]` each, stacked as $W_{hh}$: `[4*128, 128]` = `[512, 128]` | `lstm.weight_hh_l0` |
# | $b_{ii}, \dots$ and $b_{hi}, \dots$ | `[128]` each, stacked as $b_{ih}$ and $b_{hh}$: `[512]` each | `lstm.bias_ih_l0`, `lstm.bias_hh_l0` |
# | $i_t, f_t, g_t, o_t$ | `[B, 128]` each | computed together as `[B, 512]`, then cut in 4 |
#
# PyTorch stacks the gates' weights in the order i, f, g, o, so all four come out of two matrix
# products: $x_t W_{ih}^\top$ (`[B, 100] @ [100, 512]`) plus $h_{t-1} W_{hh}^\top$
# (`[B, 128] @ [128, 512]`) plus both biases gives `[B, 512]`, cut into four `[B, 128]` pieces. In
# the diagram (drawn by `lstm_tutorial.diagrams.draw_lstm_step`) the cell state runs along the top,
# touched only by a multiplication by $f$ and an addition of $i \odot g$; the gates sit below.

# %%
from lstm_tutorial.diagrams import draw_lstm_step

draw_lstm_step(input_size=100, hidden_size=128)
plt.show()

# %% [markdown]
# The function below is this diagram in code: one step with the weights of `model.lstm`. Run along
# the 40 positions of our batch, it must reproduce `nn.LSTM` at every position.

# %%
def lstm_step(x_t, h, c, lstm):
    """One step of a one-layer nn.LSTM: x_t [batch, input], h and c [batch, hidden]."""
    gates = x_t @ lstm.weight_ih_l0.T + lstm.bias_ih_l0 + h @ lstm.weight_hh_l0.T + lstm.bias_hh_l0  # [batch, 512]
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
    h, c = h[0], c[0]  # drop the layer dimension: [32, 128]
    outputs = []
    for t in range(x.shape[1]):
        h, c, _ = lstm_step(embedded[:, t], h, c, model.lstm)
        outputs.append(h)
    by_hand = torch.stack(outputs, dim=1)  # [batch, seq, hidden]

    torch.testing.assert_close(by_hand, output)  # every position
    torch.testing.assert_close(h, h_n[0])
    torch.testing.assert_close(c, c_n[0])
print("the hand-written step matches nn.LSTM at all", x.shape[1], "positions")

# %% [markdown]
# ## 2.5 The gates and the cell state in the trained model
#
# With `lstm_step` we can record every gate while the pretrained model reads a recipe. Below are the
# forget, input and output gates (0 to 1) and the cell state $c$ (any sign and size: only
# $h = o \odot \tanh(c)$ is squashed) for the first 16 words of a banana bread recipe, hidden units
# 0 to 23.

# %%
def trace_lstm(token_ids, model):
    """Run model.lstm over one text with lstm_step; returns f, i, o, c, each [words, hidden]."""
    with torch.no_grad():
        vectors = model.embedding(torch.tensor(token_ids))
        h = c = torch.zeros(model.lstm.hidden_size)
        trace = {"f": [], "i": [], "o": [], "c": []}
        for vector in vectors:
            h, c, (i, f, g, o) = lstm_step(vector, h, c, model.lstm)
            for name, value in [("f", f), ("i", i), ("o", o), ("c", c)]:
                trace[name].append(value)
    return {name: torch.stack(values) for name, values in trace.items()}


banana_bread = next(text for text in texts if text.startswith("Recipe for Banana Bread"))
print(banana_bread[:120], "...")
banana_ids = vocab.encode(banana_bread)
trace = trace_lstm(banana_ids, model)

n_words, n_units = 16, 24
words = [vocab.idx2token[i] for i in banana_ids[:n_words]]
c_shown = trace["c"][:n_words, :n_units]
c_limit = float(c_shown.abs().max())
fig, axes = plt.subplots(1, 4, figsize=(16, 4.5), sharey=True)
for ax, (name, title) in zip(axes, [("f", "forget gate f"), ("i", "input gate i"), ("o", "output gate o"),
                                    ("c", "cell state c")]):
    values = trace[name][:n_words, :n_units]
    if name == "c":
        image = ax.imshow(values.T, vmin=-c_limit, vmax=c_limit, cmap="RdBu_r", aspect="auto")
    else:
        gate_image = ax.imshow(values.T, vmin=0, vmax=1, cmap="viridis", aspect="auto")
    ax.set_xticks(range(n_words), words, rotation=90)
    ax.set_title(title)
axes[0].set_ylabel("hidden unit")
fig.colorbar(gate_image, ax=axes[:3], fraction=0.02, label="gate value")
fig.colorbar(image, ax=axes[3], label="c")
plt.show()

# %% [markdown]
# To see what training did to the gates, compare the forget gates over the whole recipe with those of
# an untrained `nn.LSTM` of the same size reading the same word vectors.

# %%
torch.manual_seed(0)
untrained = lstm_tutorial.LSTMLM(len(vocab), embedding_dim=100, hidden_dim=128)
untrained.embedding.load_state_dict(model.embedding.state_dict())  # same word vectors, untrained LSTM
untrained_trace = trace_lstm(banana_ids, untrained)
for label, f in [("pretrained", trace["f"]), ("untrained", untrained_trace["f"])]:
    print(f"{label:10}: forget gate mean {f.mean():.2f}, share above 0.9: {(f > 0.9).float().mean():.0%}, "
          f"share below 0.1: {(f < 0.1).float().mean():.0%}")
print(f"pretrained: cell state between {trace['c'].min():.1f} and {trace['c'].max():.1f} "
      f"over the {len(banana_ids)} words")

# %% [markdown]
# In the trained model most forget gates sit near 1 (yellow): most units keep most of their memory
# from word to word, and a few drop to near 0 at some words and so reset. An untrained LSTM's gates
# all sit near 0.5: it halves its memory at every word. The cell state grows well beyond ±1 in some
# units: nothing squashes it, so it can carry a value over many words. Notebook 7 looks for units
# that track something.

# %% [markdown]
# ## 2.6 Why an LSTM: the vanishing gradient of a plain RNN
#
# A plain recurrent network (`nn.RNN`) has one update and no cell state:
# $h_t = \tanh(x_t W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top + b_{hh})$. Training needs the
# gradient of the loss with respect to far-back words. Going back one word multiplies that gradient
# by $W_{hh}$ and the slope of tanh (at most 1); over many words, if the factors are below 1, it
# shrinks geometrically: the **vanishing gradient**. The LSTM's cell state has a path with no matrix
# on it: going back one word along it multiplies the gradient only by $f$,
# element by element, so where the forget gate is near 1 the gradient passes almost unchanged.
#
# We measure it. The same word vectors (32 unseen recipes, first 60 words) go into an untrained
# `nn.RNN` and `nn.LSTM` of the same size and into the pretrained LSTM; the loss is the
# cross-entropy of the 61st word ($-\log p$ of the right word, notebook 3), predicted by the pretrained `fc`. We plot the norm of the gradient
# with respect to each input word vector, divided by the last word's.

# %%
def gradient_by_distance(recurrent, inputs, targets, head):
    """Norm of d(loss of the last position)/d(input at t), averaged over the batch, relative to the last t.

    Index d of the result is d words before the last one."""
    inputs = inputs.detach().clone().requires_grad_(True)
    out, _ = recurrent(inputs)
    loss = nn.functional.cross_entropy(head(out[:, -1]), targets)
    loss.backward()
    norms = inputs.grad.norm(dim=-1).mean(dim=0)  # [seq]
    return (norms / norms[-1]).flip(0).detach()


T = 60
rows = torch.tensor([ids[: T + 1] for ids in map(vocab.encode, heldout) if len(ids) > T][:32])
word_vectors, next_words = model.embedding(rows[:, :T]).detach(), rows[:, T]

torch.manual_seed(0)
rnn = nn.RNN(100, 128, batch_first=True)
untrained_lstm = nn.LSTM(100, 128, batch_first=True)
profiles = {
    "nn.RNN (untrained)": gradient_by_distance(rnn, word_vectors, next_words, model.fc),
    "nn.LSTM (untrained)": gradient_by_distance(untrained_lstm, word_vectors, next_words, model.fc),
    "pretrained LSTM": gradient_by_distance(model.lstm, word_vectors, next_words, model.fc),
}
for name, profile in profiles.items():
    shrink = float(profile[20]) ** (1 / 20)
    print(f"{name:20} relative gradient 10 words back {profile[10]:.1e}, 20 back {profile[20]:.1e}, "
          f"40 back {profile[40]:.1e} (x{shrink:.2f} per word over the last 20)")

for name, profile in profiles.items():
    plt.semilogy(profile, label=name)
plt.xlabel("words before the last one")
plt.ylabel("gradient norm / gradient norm at the last word")
plt.title("How much the loss at word 60 feels each earlier word")
plt.legend()
plt.show()

# %% [markdown]
# The plain RNN's gradient shrinks by about half at every word: 20 words back it is about
# $2 \cdot 10^{-7}$ of the last word's, 40 back about $5 \cdot 10^{-14}$. An untrained LSTM is not much
# better: its forget gates start near 0.5 (section 2.5). The trained LSTM has learned forget gates
# near 1, and its gradient 40 words back is still about 1% of the last word's: enough to learn from.
# That is the point of the cell state and its gates (exercise 3 gets there without training).

# %% [markdown]
# ## 2.7 The state `(h_n, c_n)` and `init_hidden`
#
# `init_hidden(batch_size)` returns zero states, each `[1, batch, hidden]`; passing them is the same
# as passing nothing. The blog post's example starts from `init_hidden(32)` and carries the state
# from one batch to the next with `output, hidden = model(next_batch, hidden)`. If `next_batch`
# continues the same 32 texts, this gives exactly what one pass over the whole texts gives: the state
# is everything the LSTM remembers of what it has read. We run the blog's lines with the blog's
# class, on the first and last 20 of our 40 words.

# %%
input_batch, next_batch = x[:, :20], x[:, 20:]
with torch.no_grad():
    hidden = blog_model.init_hidden(32)
    print("h0", tuple(hidden[0].shape), "c0", tuple(hidden[1].shape), "all zero:", bool((hidden[0] == 0).all()))
    torch.testing.assert_close(blog_model(x, hidden)[0], blog_model(x)[0])  # zeros == nothing

    output_1, hidden = blog_model(input_batch, hidden)  # first batch
    output_2, hidden = blog_model(next_batch, hidden)  # next batch, state kept
    whole, whole_hidden = blog_model(x)

torch.testing.assert_close(torch.cat([output_1, output_2], dim=1), whole)
torch.testing.assert_close(hidden, whole_hidden)
print("two batches with the state carried == one pass over all 40 words")

# %% [markdown]
# The blog post trains each batch from zeros: each row is a whole recipe, with nothing to carry.
# Carrying matters for generation (section 2.10) and for training on text cut into chunks.
#
# ## 2.8 Training with a carried state: `.detach()`
#
# Another way to train reads the corpus as one long stream: the recipes joined end to end, split
# into `B` rows, read 35 words at a time. Row `r` of each batch continues row `r` of the batch
# before, so a batch's final state is the right start for the next. The package's `StreamBatches`
# cuts a stream this way; we take its first 5 chunks (4 rows of 35 words) and a small
# `lstm_tutorial.LSTMLM` (16-number word vectors, 32 hidden units).
#
# Notebook 5 explains training; here we need two facts. As the model computes, autograd records each
# operation in a **graph** hanging from the loss (`loss.grad_fn`; its `next_functions` lead to the
# operations before). `loss.backward()` walks this graph back to the weights, then frees it;
# `optimizer.step()` changes the weights. A batch's final state sits at the end of its graph, so
# carried as it is, it ties the next batch's graph to this one. `h.detach()` returns the same
# numbers cut loose from the graph. We count the graph's nodes, and the positions backward would
# reach (each chunk's embedding lookup is one node, `EmbeddingBackward0`, for its 35 positions).

# %%
from lstm_tutorial.data import StreamBatches, encode_recipes

stream = StreamBatches(encode_recipes(texts[:100], vocab, max_len=None), batch_size=4, bptt=35)
chunks = [batch for _, batch in zip(range(5), stream)]  # the first 5 (x, y) pairs, each [4, 35]
torch.testing.assert_close(chunks[1][0][:, 0], chunks[0][1][:, -1])  # each row goes on where it stopped


def graph_nodes(loss: torch.Tensor) -> set:
    """Every operation backward would walk through from loss, found by following next_functions."""
    seen, to_visit = set(), [loss.grad_fn]
    while to_visit:
        node = to_visit.pop()
        if node is not None and node not in seen:
            seen.add(node)
            to_visit.extend(earlier for earlier, _ in node.next_functions)
    return seen


def chunk_loss(model, x, y, hidden):
    """Cross-entropy of the next-word predictions on one chunk, and the state after it."""
    logits, hidden = model(x, hidden)
    return nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1)), hidden


torch.manual_seed(0)
small = lstm_tutorial.LSTMLM(len(vocab), embedding_dim=16, hidden_dim=32)
as_is = detached = None
print("chunk | graph nodes: as is, detached | positions backward reaches: as is, detached")
for n, (x_chunk, y_chunk) in enumerate(chunks, 1):
    loss_as_is, as_is = chunk_loss(small, x_chunk, y_chunk, as_is)
    loss_detached, detached = chunk_loss(small, x_chunk, y_chunk, detached)
    detached = tuple(t.detach() for t in detached)
    nodes = [graph_nodes(loss) for loss in (loss_as_is, loss_detached)]
    positions = [35 * sum(type(node).__name__ == "EmbeddingBackward0" for node in graph) for graph in nodes]
    print(f"{n:5} | {len(nodes[0]):12} {len(nodes[1]):9} | {positions[0]:27} {positions[1]:9}")

torch.testing.assert_close(detached, as_is)  # the same numbers: detach cuts only the graph
print("as is:    requires_grad", as_is[0].requires_grad, "| grad_fn", type(as_is[0].grad_fn).__name__)
print("detached: requires_grad", detached[0].requires_grad, "| grad_fn", detached[0].grad_fn)

# %% [markdown]
# Carried as it is, the state drags every earlier chunk's graph along: 8 more nodes per chunk, and
# backward from chunk 5 would run through all 175 positions. Over thousands of batches, memory
# (every saved activation stays alive) and the work of each backward would keep growing. Detached,
# every graph is the same size and backward stops at the chunk's first word, while the state still
# brings in what came before.
#
# Real training fails sooner. Five training steps, carrying the state detached, as it is, and as it
# is with `backward(retain_graph=True)` (the full text of the first error suggests it: "Specify
# retain_graph=True if you need to backward through the graph a second time"; below, its first part):

# %%
def train_on_chunks(detach: bool, retain_graph: bool = False) -> list[float]:
    """One SGD step per chunk, carrying the state from chunk to chunk; returns the losses."""
    torch.manual_seed(0)
    small = lstm_tutorial.LSTMLM(len(vocab), embedding_dim=16, hidden_dim=32)
    optimizer = torch.optim.SGD(small.parameters(), lr=1.0)
    hidden, losses = None, []
    for x_chunk, y_chunk in chunks:
        if detach and hidden is not None:
            hidden = tuple(t.detach() for t in hidden)
        loss, hidden = chunk_loss(small, x_chunk, y_chunk, hidden)
        optimizer.zero_grad()
        loss.backward(retain_graph=retain_graph)
        optimizer.step()
        losses.append(round(loss.item(), 3))
    return losses


print("detached: losses", train_on_chunks(detach=True))
for retain_graph in [False, True]:
    try:
        train_on_chunks(detach=False, retain_graph=retain_graph)
    except RuntimeError as error:
        print(f"as is, retain_graph={retain_graph}: RuntimeError:", str(error).split(" (")[0].split(": [")[0])

# %% [markdown]
# As it is, the second backward walks into chunk 1's graph, which the first backward freed. With
# `retain_graph=True` the graphs stay, but chunk 1's graph saved the weights that `optimizer.step()`
# has since changed in place. Detaching is the fix: **truncated backpropagation through time**. The
# state carries information along the whole stream; the gradient goes back at most 35 words (fewer
# for a chunk's first words). Little is lost: the trained model's gradient 40 words back is about 1%
# (section 2.6), and its memory fades within a few dozen words (section 2.9).
#
# The package's default model trains this way: the `stream` preset sets
# `TrainConfig(batching="stream", bptt=35)`, its batches come from `StreamBatches`, and
# `lstm_tutorial.training.train_epoch(..., carry_state=True)` hands each batch's final state to the
# next, detached by `forward_backward`.

# %%
from lstm_tutorial import PRESETS
from lstm_tutorial.training import forward_backward

print("stream preset: batching", repr(PRESETS["stream"].batching), "| bptt", PRESETS["stream"].bptt)
loss, n_targets, state_after = forward_backward(small, *chunks[0], pad_idx=vocab.pad_idx)
print(f"forward_backward: loss {loss:.3f} over {n_targets} targets; the state it returns has grad_fn",
      state_after[0].grad_fn)

# %% [markdown]
# ## 2.9 How far back the trained model remembers
#
# How long does a word keep mattering? We take the 60 unseen recipes with at least 140 words and
# change their first 20 words: replaced by the next recipe's first 20 words, or dropped (the LSTM
# starts from zeros at word 21, as if the state of section 2.7 had not been carried). Then we compare
# the pretrained model's next-word distributions after words 21 to 140 with those of the unchanged
# recipe, by the **total variation distance** $\frac{1}{2}\sum_w |p_w - q_w|$: the share of
# probability that must move to turn one distribution into the other (0: the same; 1: disjoint).

# %%
K, L = 20, 140
long_recipes = torch.tensor([ids[:L] for ids in map(vocab.encode, heldout) if len(ids) >= L])
replaced = long_recipes.clone()
replaced[:, :K] = long_recipes.roll(1, dims=0)[:, :K]  # the next recipe's first 20 words

with torch.no_grad():
    p = torch.softmax(model(long_recipes)[0][:, K:], dim=-1)  # after words 21..140 of the real recipe
    p_replaced = torch.softmax(model(replaced)[0][:, K:], dim=-1)
    p_dropped = torch.softmax(model(long_recipes[:, K:])[0], dim=-1)  # started from zeros at word 21


def total_variation(p, q):
    return 0.5 * (p - q).abs().sum(dim=-1)


curves = {"first 20 words replaced by another recipe's": total_variation(p, p_replaced).mean(dim=0),
          "first 20 words dropped (zero state)": total_variation(p, p_dropped).mean(dim=0)}
words_since = torch.arange(1, L - K + 1)  # words read since the change
print(f"{len(long_recipes)} unseen recipes; mean total variation distance after reading n more words:")
print("n:" + "".join(f"{n:>7}" for n in [1, 5, 10, 20, 40, 80, 120]))
for name, curve in curves.items():
    print("  " + "".join(f"{curve[n - 1]:7.3f}" for n in [1, 5, 10, 20, 40, 80, 120]), " ", name)

for name, curve in curves.items():
    plt.plot(words_since, curve, label=name)
plt.xlabel("words read since the change")
plt.ylabel("mean total variation distance")
plt.title("Pretrained model: how much the first 20 words still matter")
plt.legend()
plt.show()

# %% [markdown]
# Right after the change the next-word distribution is very different (more than half of the
# probability moves). The difference then fades: about 0.2 after 10 more words, under 0.1 after 20,
# about 0.025 after 40, and below 0.01 after 80. Another recipe's opening matters less at first than
# none, since it still tells the model "this is a recipe, in its directions". The trained model
# remembers a recipe's first words for a few dozen words: directions depend mostly on the last
# sentence or two.

# %% [markdown]
# ## 2.10 Generating with the carried state: prefill and step
#
# The blog post's `PyTorchTextGenerator.generate` feeds the whole text so far to the model for every
# new word (`x = torch.tensor([tokens])`, then `logits[0, -1, :]`): word number n costs n LSTM
# steps, so a text costs steps that grow with the square of its length.
#
# But the state `(h, c)` after a text is everything the LSTM knows about it (section 2.7). The
# package's `TextGenerator` therefore works in two parts:
#
# - **prefill**: run the model over the whole prompt once, keeping the state after its last word and
#   the scores for the next word;
# - **step**: draw a word from those scores and feed only that word, with the carried state, to
#   `model.step`: one LSTM step per word.

# %%
def lstm_steps_blog(prompt_length, n_words):
    return sum(prompt_length + k for k in range(n_words))  # word k re-reads prompt + k words


def lstm_steps_carried(prompt_length, n_words):
    return prompt_length + n_words  # the prompt once, then one step per word


for n_words in [100, 500, 1000]:
    print(f"{n_words:>5} words after a 4-word prompt: blog {lstm_steps_blog(4, n_words):>8,} LSTM steps, "
          f"carried state {lstm_steps_carried(4, n_words):>5,}")

# %% [markdown]
# `prefill` returns a `GenerationState`, batched to write several texts from one prompt:
# `token_ids` holds one list of ids per text, `next_logits` is `[texts, vocab]`; we read row 0. The
# prompt is a dish the corpus has 2 recipes for (counted below).

# %%
print("recipes with 'banana bread' in the title:",
      [text.split(" | ")[0] for text in texts if "banana bread" in text.split(" | ")[0].lower()])
generator = TextGenerator(model, vocab)
state = generator.prefill("recipe for banana bread")
print("token_ids:", state.token_ids, "| prompt_length:", state.prompt_length)
print("next_logits:", tuple(state.next_logits.shape), "| hidden:", [tuple(t.shape) for t in state.hidden])
top = torch.softmax(state.next_logits[0], dim=0).topk(5)
print("most likely next words:", [(vocab.idx2token[i], round(float(p), 3)) for p, i in zip(*top)])

# %% [markdown]
# Both ways give the same next-word distributions: below, the blog's step (written as a function)
# and the package's `prefill` / `step` run on the same words. `step` draws each word with
# `lstm_tutorial.sampling.draw` (notebook 3) from a seeded random generator, so the text is the same
# at every run.

# %%
@torch.no_grad()
def blog_next_word_probs(model, tokens):
    """The blog's generation step: re-read all tokens, keep the scores at the last position."""
    x = torch.tensor([tokens], dtype=torch.long)
    logits, _ = model(x)
    return torch.softmax(logits[0, -1, :], dim=0)


state = generator.prefill("recipe for banana bread")
sampler = torch.Generator().manual_seed(0)
while not state.done and state.steps < 30:
    tokens_so_far = list(state.token_ids[0])
    probs = generator.step(state, generator=sampler)  # [1 text, vocab]: what the word was drawn from
    torch.testing.assert_close(probs[0], blog_next_word_probs(blog_model, tokens_so_far))
print(f"{state.steps} words, the same distributions both ways:")
print(generator.text(state.token_ids[0]))

# %% [markdown]
# Carrying the state turns the quadratic count of LSTM steps into a linear one; notebook 8 measures
# what that means in seconds. Notebooks 4 to 6 generate this way.
#
# ## Exercises
#
# Try each before opening its solution; the cell after each runs the check.
#
# **1. Predict, then run.** `lstm_tutorial.LSTMLM(..., num_layers=2)` stacks two LSTM layers: the
# second reads the first one's outputs. For our batch `x` (`[32, 40]`), what are the shapes of the
# logits, of `h_n`, and of the second layer's input weights `weight_ih_l1`? Would the blog's
# `init_hidden` work for it?
#
# <details><summary>Solution</summary>
#
# The logits stay `[32, 40, 8203]`: only the last layer's outputs reach `fc`. `h_n` and `c_n` get
# one row per layer: `[2, 32, 128]`. `weight_ih_l1` is `[512, 128]`, not `[512, 100]`, because
# layer 2's input is layer 1's `h` (128 numbers), not a word vector. The blog's `init_hidden`
# hard-codes the 1 in `[1, batch, 128]`, so `nn.LSTM` would refuse its state (the package's uses
# `num_layers`).
#
# </details>

# %%
two_layers = lstm_tutorial.LSTMLM(len(vocab), embedding_dim=100, hidden_dim=128, num_layers=2)
with torch.no_grad():
    logits_2, (h_n_2, c_n_2) = two_layers(x)
print("logits", tuple(logits_2.shape), "| h_n", tuple(h_n_2.shape), "| c_n", tuple(c_n_2.shape))
print("weight_ih_l1", tuple(two_layers.lstm.weight_ih_l1.shape))
try:
    two_layers(x, blog_model.init_hidden(32))
except RuntimeError as error:
    print("the blog's init_hidden:", str(error).splitlines()[0])

# %% [markdown]
# **2. Zero the forget gate.** In a copy of the pretrained model, set the forget gate's bias to
# -10,000, so that $f = \sigma(\dots) = 0$ at every word. What is left of the cell state after each
# word? Does the model still guess the next word as often (the check counts how often its most
# likely word is right, over the first 100 words of 100 unseen recipes)?
#
# <details><summary>Solution</summary>
#
# With $f = 0$, $c_t = i_t \odot g_t$: the cell holds only what the current word wrote. The past
# still comes in through $h_{t-1}$, squeezed through the gates at every word as in a plain RNN
# (section 2.6), so it fades within a few words. The model was trained to use the long memory: about
# a third of its correct guesses are left. The forget gate's bias is the second block of 128 in
# `bias_ih_l0` (PyTorch's order is i, f, g, o).
#
# </details>

# %%
import copy


def top1_accuracy(model, rows):
    """Share of positions where the model's most likely next word is the true one."""
    with torch.no_grad():
        logits, _ = model(rows[:, :-1])
    return float((logits.argmax(dim=-1) == rows[:, 1:]).float().mean())


test_rows = torch.tensor([ids[:101] for ids in map(vocab.encode, heldout) if len(ids) >= 101][:100])
no_forget = copy.deepcopy(model)
with torch.no_grad():
    no_forget.lstm.bias_ih_l0[128:256] = -10_000.0  # the forget gate's block: f = sigmoid(...) = 0
print(f"most likely word correct: pretrained {top1_accuracy(model, test_rows):.1%}, "
      f"forget gate zeroed {top1_accuracy(no_forget, test_rows):.1%}")

# %% [markdown]
# **3. Change this: the forget gate's bias.** Section 2.6's untrained LSTM lost its gradient
# almost as fast as the RNN. Add 3 to its forget gate's bias (so that $f \approx \sigma(3) \approx
# 0.95$ at the start) and predict the relative gradient 40 words back.
#
# <details><summary>Solution</summary>
#
# The gradient stops vanishing, without any training: 40 words back it is about 0.4 of the last
# word's, instead of about $10^{-9}$. The cell's path back is multiplied by $f$ at every word, and
# $0.95^{40} \approx 0.13$ where $0.5^{40} \approx 10^{-12}$. This is why many libraries start the
# forget gate's bias at 1 (Keras's `unit_forget_bias`).
#
# </details>

# %%
forget_bias_3 = copy.deepcopy(untrained_lstm)
with torch.no_grad():
    forget_bias_3.bias_ih_l0[128:256] += 3.0
profile = gradient_by_distance(forget_bias_3, word_vectors, next_words, model.fc)
print(f"relative gradient 40 words back: untrained LSTM {profiles['nn.LSTM (untrained)'][40]:.1e}, "
      f"with forget bias + 3: {profile[40]:.2f}")
print(f"0.95 ** 40 = {0.95 ** 40:.3f}, 0.5 ** 40 = {0.5 ** 40:.1e}")

# %% [markdown]
# **4. Build: a GRU instead of the LSTM.** `nn.GRU` has three gates (reset, update, new) instead of
# four, and no cell state: its state is just `h`. Write `GRULM`, the blog's `LSTMLM` with `nn.GRU`
# in place of `nn.LSTM`, at the book's sizes. Predict how many numbers its recurrent layer has
# (the LSTM: 117,760), and what the state and `init_hidden` become. Check that carrying the state
# over two halves of `x` still equals one pass.
#
# <details><summary>Solution</summary>
#
# The GRU's weights are `[3*128, 100]` and `[3*128, 128]` plus two biases of 384: 88,320 numbers,
# exactly 3/4 of the LSTM's (three blocks of 128 instead of four). The state is one tensor `h_n`,
# `[1, B, 128]`, not a tuple: `init_hidden` returns one zero tensor, and training with a carried
# state detaches just it (`hidden.detach()`, section 2.8).
#
# </details>

# %%
class GRULM(nn.Module):
    """The blog's LSTMLM with a GRU: its state is one tensor h, with no cell state c."""

    def __init__(self, vocab_size: int, embedding_dim: int, hidden_dim: int, dropout_rate: float = 0.1):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.gru = nn.GRU(embedding_dim, hidden_dim, batch_first=True)
        self.dropout = nn.Dropout(dropout_rate)
        self.fc = nn.Linear(hidden_dim, vocab_size)

    def forward(self, x, hidden=None):
        output, hidden = self.gru(self.embedding(x), hidden)  # hidden: h_n only, [1, batch, hidden]
        return self.fc(self.dropout(output)), hidden

    def init_hidden(self, batch_size: int) -> torch.Tensor:
        return torch.zeros(1, batch_size, self.gru.hidden_size, device=self.fc.weight.device)


torch.manual_seed(0)
gru_model = GRULM(len(vocab), embedding_dim=100, hidden_dim=128).eval()
for kind, layer in [("LSTM", blog_model.lstm), ("GRU", gru_model.gru)]:
    print(f"{kind:4}: {sum(weights.numel() for weights in layer.parameters()):,} numbers,",
          ", ".join(f"{name} {list(weights.shape)}" for name, weights in layer.named_parameters()))
with torch.no_grad():
    _, gru_state = gru_model(input_batch, gru_model.init_hidden(32))
    second_half, gru_state = gru_model(next_batch, gru_state)
    torch.testing.assert_close(second_half, gru_model(x)[0][:, 20:])
print("GRU state:", type(gru_state).__name__, tuple(gru_state.shape), "| carried over two halves == one pass")
