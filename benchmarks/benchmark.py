"""Speed of lstm_tutorial against the blog post's way, measured in one run on one machine.

    python benchmarks/benchmark.py               # everything (about 25 minutes on one core of an AMD EPYC)
    python benchmarks/benchmark.py --epochs 1    # shorter
    python benchmarks/benchmark.py --threads 2   # another thread count (default: 1)
    python benchmarks/benchmark.py --data full_format_recipes.json   # (c) on other recipes
    python benchmarks/benchmark.py --device cuda # on an NVIDIA GPU (no Step timing: that is the CPU's panel)
    python benchmarks/benchmark.py --parts c d   # only some of the measurements below

All at the book's model sizes (vocabulary 10,000, embedding 100, hidden 128).
The thread count is pinned and printed, with the machine's load average. It
is 1 by default: on a 2-core machine where another job held a core, two
threads waited on each other and trained 2 to 5 times slower than one.
Every comparison runs its contenders in turns (interleaved, the order rotating),
after a warm-up, so a slow moment of a shared machine hits all of them; each
time is the median of the repeats, with the fastest and slowest beside it,
and each speed-up is the median of the per-turn ratios.

(a) Generation: 100 new tokens (the default length) and 500. The blog's
    generator re-runs the model over the whole text for every new token;
    the package reads the prompt once and carries the LSTM state.
(b) The panel's Step button: one word added to the text, the text and the
    next-word chart redrawn (and, apart, the generator's step alone).
(c) Training: real (non-padding) target tokens per second, epoch by epoch,
    on the default corpus (batch 32, max_len 200, Adam 1e-3), for three
    loops from the same initial weights, which take turns batch by batch
    (the blog's train() is handed one batch at a time for that):
    - the blog's loop, copied from the post: every recipe padded to 200
      tokens, logits for every position, float32;
    - the package in float32 (``precision="float32"``): recipes of similar
      length batched together and padded only to the longest, the output
      layer and the loss only for real targets, a chunk of rows at a time;
    - the package in mixed precision (bfloat16 on CPUs with native bfloat16
      and on GPUs of compute capability 8.0 and up, float16 on older GPUs):
      the same, with the LSTM and the output layer's matrix products in
      that dtype, float32 weights and a float32 loss.
    The validation loss of each after the same epochs (float32 evaluation,
    the same validation recipes) is printed beside the speed, so a faster
    loop that learns less would show.
    The corpus has fewer than 10,000 distinct words, so the vocabulary is
    every word of the corpus and of the held-out recipes, then unused
    placeholder words up to 10,000: the output layer has the book's 10,000
    rows, and the placeholders, which never occur, only have to be learned
    as unlikely.
    Beside them, the bare arithmetic of the package's step: for each batch's
    real targets, a chunk of rows at a time, only the output layer's three
    matrix products (scores, the weight's gradient, the features' gradient)
    on tensors made beforehand; the summary gives the epoch's time as a
    multiple of it.
(d) The shipped model's preset against the reference word-level LSTM loop
    (PyTorch's examples, written here in its way: whole-batch logits and
    cross-entropy, float32, plain SGD) at the reference's sizes (2 layers of
    200, tied, 20 streams of 35 tokens), batch by batch in turns: tokens per
    second of each. A third turn times the bare arithmetic of a step at the
    shipped model's sizes, on tensors made beforehand: the LSTM's forward and
    backward as nn.LSTM runs them, and the output layer's three matrix
    products, in the preset's precision. No step of the preset can be faster
    than that, whatever is done to the rest (loss, dropout, casts, optimizer).

The blog's code below is copied from the post (comments translated), changed
only where noted.
"""

from __future__ import annotations

import argparse
import copy
import itertools
import os
import platform
import statistics
import time
from collections.abc import Callable

import torch

from lstm_tutorial import LSTMLM, TextGenerator, Vocab, load_recipes, make_dataloaders, training
from lstm_tutorial import model as model_module
from lstm_tutorial.blog import PyTorchTextGenerator, initialize_model
from lstm_tutorial.devices import autocast, describe_precision, resolve_precision

BOOK = {"vocab_size": 10000, "embedding_dim": 100, "hidden_dim": 128, "max_len": 200, "batch_size": 32}


# --- the blog's generator (PyTorchTextGenerator.generate), printing removed ---------------------------
def blog_generate(model, idx2token, token2idx, device, start_prompt, max_tokens=100, temperature=1.0):
    model.eval()
    tokens = [token2idx.get(word, token2idx["<UNK>"]) for word in start_prompt.lower().split()]
    info = []
    with torch.no_grad():
        for _ in range(max_tokens):
            x = torch.tensor([tokens], dtype=torch.long).to(device)
            logits, _ = model(x)
            next_token_logits = logits[0, -1, :]
            probs = torch.softmax(next_token_logits, dim=0)
            probs = probs ** (1 / temperature)  # the blog's sample_from
            probs = probs / probs.sum()
            next_token = torch.multinomial(probs, 1).item()
            current_prompt = " ".join([idx2token[idx] for idx in tokens])
            info.append({"prompt": current_prompt, "word_probs": probs.cpu().numpy()})
            tokens.append(next_token)
            if next_token == token2idx["<EOS>"] or next_token == token2idx["<PAD>"]:
                break
    return info


# --- the blog's train() ---------------------------------------------------------------------------------
def blog_train(model, train_loader, criterion, optimizer, device):
    model.train()
    epoch_loss = 0
    for x, y in train_loader:
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()
        logits, _ = model(x)
        loss = criterion(logits.view(-1, logits.size(-1)), y.view(-1))
        loss.backward()
        optimizer.step()
        epoch_loss += loss.item()
    return epoch_loss / len(train_loader)


def book_padded_batches(sequences: list[list[int]], batch_size: int, max_len: int, seed: int):
    """The book's data: every recipe padded (or cut) to max_len + 1 tokens, shuffled each epoch."""
    padded = torch.zeros(len(sequences), max_len + 1, dtype=torch.long)
    for row, seq in enumerate(sequences):
        padded[row, : len(seq)] = torch.tensor(seq[: max_len + 1])
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(sequences), generator=generator)
    return [(padded[idx, :-1], padded[idx, 1:]) for idx in order.split(batch_size)]


# --- measuring ------------------------------------------------------------------------------------------
def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            return next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def pin_threads(threads: int) -> None:
    """One thread count for every operator, so runs compare like with like."""
    torch.set_num_threads(threads)


def book_vocabulary(texts: list[str], heldout: list[str] | None = None) -> tuple[Vocab, str]:
    """A 10,000-word vocabulary: the words of ``texts`` and ``heldout``, then unused placeholders."""
    vocab = Vocab.build(list(texts) + list(heldout or []), BOOK["vocab_size"])
    placeholders = [f"<unused-{i}>" for i in range(BOOK["vocab_size"] - len(vocab))]
    how = f"{len(vocab) - 3:,} words" + (f" + {len(placeholders):,} unused placeholders" if placeholders else "")
    return Vocab(vocab.idx2token + placeholders), how


def finish_gpu_work() -> None:
    """Wait for queued GPU kernels, so a timer stops when the work is done, not when it is queued."""
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def interleaved(runs: dict, repeats: int, warmup: int = 1) -> dict[str, list[float]]:
    """Seconds of each run, ``repeats`` times, in turns whose order rotates, after ``warmup`` untimed turns."""
    for _ in range(warmup):
        for run in runs.values():
            run()
    names = list(runs)
    times = {name: [] for name in names}
    for turn in range(repeats):
        for name in names[turn % len(names):] + names[: turn % len(names)]:
            finish_gpu_work()
            start = time.perf_counter()
            runs[name]()
            finish_gpu_work()
            times[name].append(time.perf_counter() - start)
    return times


def spread(values: list[float], scale: float = 1.0, fmt: str = "{:.1f}") -> str:
    """``median (fastest-slowest)`` of ``values`` times ``scale``."""
    low, high = min(values) * scale, max(values) * scale
    return f"{fmt.format(statistics.median(values) * scale)} ({fmt.format(low)}-{fmt.format(high)})"


def paired_ratio(slow: list[float], fast: list[float]) -> list[float]:
    """Per turn, how many times faster ``fast`` was than ``slow``."""
    return [s / f for s, f in zip(slow, fast)]


# --- (a) and (b) ------------------------------------------------------------------------------------------
def generation_model(device: str = "cpu") -> tuple[LSTMLM, Vocab]:
    vocab = Vocab(["<PAD>", "<UNK>", "<EOS>"] + [f"word{i}" for i in range(BOOK["vocab_size"] - 3)])
    torch.manual_seed(0)
    model = LSTMLM(len(vocab), BOOK["embedding_dim"], BOOK["hidden_dim"]).eval()
    with torch.no_grad():  # never stop early, so both write exactly the tokens asked for
        model.fc.bias[[vocab.pad_idx, vocab.eos_idx]] = -1e9
    return model.to(device), vocab


def benchmark_generation(lengths: list[int], repeats: int, device: str) -> dict[int, float]:
    model, vocab = generation_model(device)
    generator = PyTorchTextGenerator(model, vocab.idx2token, vocab.token2idx, device)
    prompt = "word1 word2"
    speedups = {}
    for tokens in lengths:
        runs = {
            "blog's way (re-run the whole text)":
                lambda tokens=tokens: blog_generate(model, vocab.idx2token, vocab.token2idx, device, prompt,
                                                    max_tokens=tokens),
            "package (carried state)": lambda tokens=tokens: generator.generate(prompt, max_tokens=tokens,
                                                                                verbose=False),
        }
        assert all(len(run()) == tokens for run in runs.values())
        times = interleaved(runs, repeats)
        print(f"  {tokens} tokens, ms (median, fastest-slowest of {repeats}):")
        for name, measured in times.items():
            print(f"    {name:38s} {spread(measured, 1000):>26s}")
        ratios = paired_ratio(*times.values())
        speedups[tokens] = statistics.median(ratios)
        print(f"    speed-up (median, lowest-highest per turn) {spread(ratios, fmt='{:.1f}'):>17s}")
    return speedups


def benchmark_step(steps: int) -> None:
    """The panel in this process: a Step press, a value of each sampling slider as a drag sends them, and
    the generator's step alone; on a short text, and a Step on a text of 500 words."""
    from lstm_tutorial.panel import GenerationPanel
    from lstm_tutorial.sampling import SamplingOptions

    model, vocab = generation_model()
    generator = TextGenerator(model, vocab)
    panels = [GenerationPanel(generator) for _ in range(2)]
    for panel in panels:
        panel.prompt.value = "word1 word2"
    panel, long_panel = panels
    for _ in range(500):
        long_panel.step()
    state = generator.prefill("word1 word2")
    rng = generator.random_generator(0)

    def drag(slider, values: list) -> Callable[[], None]:
        """Each call moves ``slider`` to its next value, back and forth over ``values``, as a drag does."""
        positions = itertools.cycle(values + values[-2:0:-1])
        return lambda: setattr(slider, "value", next(positions))

    runs = {"Step button (word, text and chart)": panel.step,
            "Step button, text of 500+ words": long_panel.step,
            "temperature slider, one value": drag(panel.temperature, [round(i / 10, 1) for i in range(1, 21)]),
            "top-k slider, one value": drag(panel.top_k, list(range(0, 101))),
            "top-p slider, one value": drag(panel.top_p, [round(i / 20, 2) for i in range(1, 21)]),
            "the generator's step alone": lambda: generator.step(state, SamplingOptions(), rng)}
    times = interleaved(runs, steps, warmup=2)
    print(f"  ms per action (median, fastest-slowest of {steps}):")
    for name, measured in times.items():
        print(f"    {name:38s} {spread(measured, 1000):>26s}")


# --- (c) ---------------------------------------------------------------------------------------------------
def benchmark_training(epochs: int, data: str | None, device: str) -> dict:
    texts = load_recipes(data, verbose=False)
    vocab, how = book_vocabulary(texts, load_recipes("heldout", verbose=False) if data is None else None)
    train_loader, val_loader = make_dataloaders(texts, vocab, BOOK["max_len"], BOOK["batch_size"], seed=42)
    real_tokens = sum(len(seq) - 1 for seq in train_loader.dataset)
    print(f"  {len(texts):,} recipes ({len(train_loader.dataset):,} for training), vocabulary {len(vocab):,} "
          f"({how}); real tokens fill {real_tokens / (len(train_loader.dataset) * BOOK['max_len']):.0%} of the "
          f"book's {BOOK['max_len']}-token rows")
    mixed = resolve_precision("auto", device)
    if mixed is None:
        print(f"  this {device} has no fast bfloat16: the third loop runs in float32 too")
    mixed_name = str(mixed or torch.float32)[6:]

    torch.manual_seed(0)
    model, criterion, optimizer = initialize_model(len(vocab), BOOK["embedding_dim"], BOOK["hidden_dim"],
                                                   device=device)  # the blog's model, loss and optimizer
    initial = copy.deepcopy(model.state_dict())

    def fresh_package_model():
        package_model = LSTMLM(len(vocab), BOOK["embedding_dim"], BOOK["hidden_dim"]).to(device)
        package_model.load_state_dict(initial)
        return package_model, torch.optim.Adam(package_model.parameters(), lr=1e-3)

    # name -> (model, optimizer, dtype); dtype "blog" means the blog's loop, "bare" the bare arithmetic
    loops = {"blog's loop (padding to 200, float32)": (model, optimizer, "blog"),
             "package, float32": (*fresh_package_model(), None),
             f"package, {mixed_name}": (*fresh_package_model(), mixed),
             f"bare arithmetic ({mixed_name} products)": (None, None, "bare")}
    bare_products = output_layer_products(len(vocab), BOOK["hidden_dim"], mixed or torch.float32, device)

    def epoch_batches(dtype, epoch):
        """The batches of one epoch: the book's padded rows for the blog, the package's loader otherwise."""
        if dtype == "blog":
            return book_padded_batches(train_loader.dataset, BOOK["batch_size"], BOOK["max_len"], epoch)
        train_loader.batch_sampler.set_epoch(epoch)
        return list(train_loader)

    def train_step(model, optimizer, dtype, batch):
        if dtype == "blog":
            blog_train(model, [batch], criterion, optimizer, device)
        elif dtype == "bare":
            bare_products(int((batch[1] != vocab.pad_idx).sum()))
        else:
            training.train_epoch(model, [batch], optimizer, vocab.pad_idx, 1.0, dtype, progress=False)

    # Warm-up: two batches of each, on throw-away copies.
    for loop_model, _, dtype in loops.values():
        if dtype == "bare":
            continue
        scratch = copy.deepcopy(loop_model)
        scratch.lstm.flatten_parameters()  # a deep copy's LSTM weights are no longer one block (cuDNN wants one)
        scratch_optimizer = torch.optim.Adam(scratch.parameters(), lr=1e-3)
        for batch in epoch_batches(dtype, 0)[:2]:
            train_step(scratch, scratch_optimizer, dtype, batch)

    # The loops take turns batch by batch (in a rotating order), so that a busy moment of the
    # machine slows all three alike; an epoch's time is its batches' times plus making its batches.
    names = list(loops)
    seconds = {name: [] for name in names}
    for epoch in range(epochs):
        batches = {}
        for name in names:
            start = time.perf_counter()
            batches[name] = epoch_batches(loops[name][2], epoch)
            seconds[name].append(time.perf_counter() - start)
        for turn, step_batches in enumerate(itertools.zip_longest(*batches.values())):
            for index in [(turn + k) % len(names) for k in range(len(names))]:
                name, batch = names[index], step_batches[index]
                if batch is not None:
                    finish_gpu_work()
                    start = time.perf_counter()
                    train_step(*loops[name], batch)
                    finish_gpu_work()
                    seconds[name][-1] += time.perf_counter() - start
    val_losses = {name: training.evaluate_loss(model, val_loader, vocab.pad_idx)
                  for name, (model, _, dtype) in loops.items() if dtype != "bare"}
    print(f"  real target tokens per second, per epoch (median, slowest-fastest of {epochs}), and validation "
          f"loss after {epochs} epoch{'s' * (epochs > 1)}:")
    for name in names:
        speeds = [real_tokens / s for s in seconds[name]]
        val = f" | val loss {val_losses[name]:.4f}" if name in val_losses else ""
        print(f"    {name:38s} {spread(speeds, fmt='{:,.0f}'):>24s} tokens/s{val}")
    blog, fp32, mixed_run, bare = (seconds[name] for name in names)
    return {
        "mixed vs blog": statistics.median(paired_ratio(blog, mixed_run)),
        "mixed vs float32": statistics.median(paired_ratio(fp32, mixed_run)),
        "float32 vs blog": statistics.median(paired_ratio(blog, fp32)),
        "mixed vs bare": statistics.median(paired_ratio(mixed_run, bare)),  # how many times the bare time
        "val": dict(zip(["blog", "float32", "mixed"], val_losses.values())),
        "mixed": mixed_name,
    }


def output_layer_products(vocab_size: int, hidden: int, dtype: torch.dtype, device) -> Callable[[int], None]:
    """The bare arithmetic of a training step's output layer, for ``n`` real targets: per chunk of rows,
    the three matrix products (scores, the weight's gradient, the features' gradient) on tensors made
    beforehand. Nothing else a step does (LSTM, softmax, casts, optimizer) is in it."""
    rows = model_module.loss_chunk_rows(torch.device(device))
    weight = torch.randn(vocab_size, hidden, device=device).to(dtype)
    features = torch.randn(rows, hidden, device=device).to(dtype)
    scores_grad = torch.randn(rows, vocab_size, device=device).to(dtype)

    def products(n: int) -> None:
        for start in range(0, n, rows):
            size = min(rows, n - start)
            features[:size] @ weight.t()
            scores_grad[:size].t() @ features[:size]
            scores_grad[:size] @ weight

    return products


# --- (d) ---------------------------------------------------------------------------------------------------
def reference_loop_step(model: LSTMLM, batch, hidden, learning_rate: float = 20.0, clip: float = 0.25):
    """One step of the reference word-level LSTM training loop (PyTorch's examples, written here in its
    way): the whole batch's logits and cross-entropy at once, float32, plain SGD on every weight."""
    x, y = batch
    hidden = tuple(h.detach() for h in hidden) if hidden is not None else None
    model.zero_grad()
    logits, hidden = model(x, hidden)
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(parameter.grad, alpha=-learning_rate)
    return hidden


def stream_bare_step(config, vocab_size: int, dtype: torch.dtype | None, device) -> Callable[[], None]:
    """The bare arithmetic of one training step at ``config``'s sizes, on tensors made beforehand: the
    LSTM's forward and backward (nn.LSTM under the step's autocast) and the output layer's three products
    for every position. No embedding, dropout, softmax, loss, clipping or optimizer."""
    lstm = torch.nn.LSTM(config.embedding_dim, config.hidden_dim, config.num_layers, batch_first=True).to(device)
    inputs = torch.randn(config.batch_size, config.bptt, config.embedding_dim, device=device, requires_grad=True)
    products = output_layer_products(vocab_size, config.hidden_dim, dtype or torch.float32, device)

    def step() -> None:
        with autocast(torch.device(device), dtype):
            output, _ = lstm(inputs)
        output.sum().backward()
        products(config.batch_size * config.bptt)

    return step


def benchmark_stream_training(batches: int, device: str) -> dict[str, float]:
    """Tokens per second of the shipped model's preset against the reference loop at the reference's sizes
    (2 layers of 200, tied, dropout 0.2, 20 streams of 35 tokens, float32), batch by batch in turns, and
    of the bare arithmetic at the preset's sizes. Returns the preset's and the bare arithmetic's speed as
    multiples of the reference loop's."""
    from lstm_tutorial.config import PRESETS
    from lstm_tutorial.pretrained import DEFAULT_PRETRAINED, PRETRAINED_PRESETS

    texts = load_recipes(verbose=False)
    preset = PRETRAINED_PRESETS[DEFAULT_PRETRAINED]
    reference = PRESETS[preset].updated(embedding_dim=200, hidden_dim=200, num_layers=2, tie_weights=True,
                                        dropout_rate=0.2, embedding_dropout=0.2, batch_size=20, bptt=35,
                                        precision="float32")
    contenders = {}
    for name, config in [("reference loop (2 x 200, 20 x 35 tokens, float32)", reference),
                         (f"package, the {preset} preset (the shipped model's sizes)", PRESETS[preset])]:
        trainer = training.Trainer.from_texts(texts, config, device, progress=False)
        contenders[name] = (trainer, list(trainer.train_loader)[: batches + 2])
    shipped, shipped_stream = contenders[list(contenders)[1]]
    bare_name = "bare arithmetic at the shipped model's sizes"
    bare_step = stream_bare_step(shipped.config, len(shipped.vocab), shipped.dtype, device)
    contenders[bare_name] = (None, shipped_stream)
    print(f"  the shipped model: {describe_training(PRESETS[preset])}")
    hidden = {name: None for name in contenders}

    def step(name: str, index: int) -> None:
        trainer, stream = contenders[name]
        if name == bare_name:
            bare_step()
        elif name.startswith("reference"):
            hidden[name] = reference_loop_step(trainer.model, stream[index], hidden[name])
        else:  # what Trainer does per batch of a stream
            hidden[name] = training.forward_backward(trainer.model, *stream[index], 0, trainer.dtype, None,
                                                     hidden[name])[2]
            torch.nn.utils.clip_grad_norm_(trainer.model.parameters(), trainer.config.clip_grad_norm)
            trainer.optimizer.step()
            trainer.optimizer.zero_grad(set_to_none=True)

    names = list(contenders)
    for name in names:
        if name != bare_name:
            contenders[name][0].model.train()
        for index in range(2):  # warm-up
            step(name, index)
    seconds = {name: [] for name in names}
    for turn in range(batches):
        for name in names[turn % 3:] + names[: turn % 3]:
            start = time.perf_counter()
            step(name, turn + 2)
            seconds[name].append(time.perf_counter() - start)
    speeds = {}
    print(f"  tokens per second, per batch (median, slowest-fastest of {batches} batches):")
    for name in names:
        tokens = contenders[name][1][0][0].numel()
        speeds[name] = [tokens / s for s in seconds[name]]
        print(f"    {name:55s} {spread(speeds[name], fmt='{:,.0f}'):>24s}")
    reference_speed = statistics.median(speeds[names[0]])
    return {"preset": statistics.median(speeds[names[1]]) / reference_speed,
            "bare": statistics.median(speeds[bare_name]) / reference_speed}


def describe_training(config) -> str:
    return (f"{config.num_layers} x {config.hidden_dim}, tied {config.tie_weights}, {config.batch_size} streams "
            f"of {config.bptt} tokens, {config.optimizer}, precision {config.precision}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=1, help="intra-op threads (default: 1)")
    parser.add_argument("--lengths", type=int, nargs="+", default=[100, 500], help="tokens to generate")
    parser.add_argument("--repeats", type=int, default=5, help="repeats of each generation")
    parser.add_argument("--steps", type=int, default=30, help="Step presses to time")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--stream-batches", type=int, default=60, help="batches of each loop timed in (d)")
    parser.add_argument("--data", help="recipes for (c) (default: the default corpus)")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--parts", nargs="+", choices=list("abcd"), default=list("abcd"),
                        help="which measurements to run (default: all)")
    args = parser.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda: torch sees no CUDA GPU here")
    pin_threads(args.threads)
    print(f"torch {torch.__version__}, {cpu_name()}, {os.cpu_count()} cores, "
          f"{torch.get_num_threads()} thread{'s' * (torch.get_num_threads() > 1)} (pinned); load average at start "
          f"{os.getloadavg()[0]:.1f}")
    if args.device == "cuda":
        print(f"GPU: {torch.cuda.get_device_name()} (compute capability {torch.cuda.get_device_capability()})")
    device = torch.device(args.device)
    print(f"precision: {describe_precision(device, resolve_precision('auto', device))}")
    summary = []
    if "a" in args.parts:
        print(f"(a) generation on the {args.device}, book sizes")
        for tokens, speedup in benchmark_generation(args.lengths, args.repeats, args.device).items():
            summary.append(f"generation, {tokens} tokens: {speedup:.1f}x the blog's way")
    if "b" in args.parts and args.device == "cpu":
        print("(b) the panel's Step and sliders, book sizes")
        benchmark_step(args.steps)
    if "c" in args.parts:
        corpus = args.data or "the default corpus"
        print(f"(c) training {args.epochs} epoch{'s' * (args.epochs > 1)} on {corpus}, book sizes")
        result = benchmark_training(args.epochs, args.data, args.device)
        val, mixed = result["val"], result["mixed"]
        summary += [
            f"training, {mixed}: {result['mixed vs blog']:.2f}x the blog's loop, {result['mixed vs float32']:.2f}x "
            f"the package's float32",
            f"training, float32: {result['float32 vs blog']:.2f}x the blog's loop",
            f"training, {mixed}: an epoch takes {result['mixed vs bare']:.2f}x its bare arithmetic (the output "
            f"layer's three products)",
            f"val loss (float32 evaluation): {mixed} {val['mixed']:.4f} vs float32 {val['float32']:.4f} "
            f"({val['mixed'] / val['float32'] - 1:+.2%}); blog's loop {val['blog']:.4f}",
        ]
    if "d" in args.parts:
        print("(d) the shipped model's training against the reference word-level LSTM loop, on the default corpus")
        speedups = benchmark_stream_training(args.stream_batches, args.device)
        summary.append(f"the shipped model's training: {speedups['preset']:.2f}x the tokens per second of the "
                       f"reference loop; its bare arithmetic alone: {speedups['bare']:.2f}x")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    print("summary (speed-ups: median of the per-turn ratios)")
    for line in summary:
        print(f"  {line}")

if __name__ == "__main__":
    main()
