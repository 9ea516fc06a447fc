"""Which changes would make training and generation faster on a GPU, measured before any is built in.

    python benchmarks/gpu_options.py                          # on an NVIDIA GPU, a few minutes
    python benchmarks/gpu_options.py --device cpu --batches 3 # a dry run of every part on the CPU

A model of the book's sizes is launch-bound on a GPU: each batch costs many
small kernels and host synchronisations, not arithmetic. This script times
the options for that, side by side in one run, so that the ones worth
building into the package are chosen by measurement:

(a) Training at the course's preset (``cpu``: book sizes, Adam 3e-3, batches
    of 8 recipes) on the default corpus, from the same initial weights, in
    rounds: each contender trains ``--batches`` batches, then the next.
    Real target tokens per second of
    - the blog's loop (every recipe padded to 200 tokens, batches of 32, float32);
    - the package's step as it is (``train_epoch`` on one batch: loss, clipping,
      Adam), in float32 and in the precision ``auto`` picks;
    - the same with ``Adam(fused=True)``;
    - the same with batches of 32, 64 and 128 recipes (more tokens per launch);
    - a step with no host synchronisation: the loss over every position with
      padding ignored (no boolean mask, whose size the host must read) and
      nothing read back per batch;
    - that step captured whole in a CUDA graph (batches padded to 200 tokens,
      capturable fused Adam), replayed per batch (GPU only).
(b) Generating one text of 100 tokens with the book-size pretrained model:
    the package on the CPU, the package on the GPU, and the GPU with the
    model's step captured in a CUDA graph (GPU only).

Prints the GPU, torch and CUDA versions. Nothing here changes the package.
"""

from __future__ import annotations

import argparse
import copy
import functools
import statistics
import time
from collections.abc import Callable

import torch
from benchmark import blog_train, book_padded_batches, finish_gpu_work, spread
from torch import nn

from lstm_tutorial import PRESETS, TextGenerator, Vocab, load_recipes, pretrained_generator
from lstm_tutorial.blog import initialize_model
from lstm_tutorial.data import make_dataloaders
from lstm_tutorial.devices import resolve_precision
from lstm_tutorial.model import LSTMLM
from lstm_tutorial.sampling import SamplingOptions
from lstm_tutorial.training import train_epoch

MAX_LEN = 200
BLOG_BATCH = 32


def capture(run: Callable[[], object]) -> tuple[torch.cuda.CUDAGraph, object]:
    """``run`` warmed up on a side stream, as capture requires, then captured once in a CUDA graph;
    returns the graph and what the captured call returned (tensors that each replay writes)."""
    stream = torch.cuda.Stream()
    stream.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(stream):
        for _ in range(3):
            run()
    torch.cuda.current_stream().wait_stream(stream)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        result = run()
    return graph, result


# --- (a) training ------------------------------------------------------------------------------------
def package_step(model: LSTMLM, optimizer, pad_idx: int, dtype, clip: float) -> Callable:
    """The package's own training step: ``train_epoch`` on one batch."""
    return lambda x, y: train_epoch(model, [(x, y)], optimizer, pad_idx, clip, dtype, progress=False)


def sync_free_loss(model: LSTMLM, x, y, pad_idx: int, dtype):
    """Mean cross-entropy over every position, padding ignored: no shape that depends on the data."""
    # autocast's cache of cast weights must be off for a step that a CUDA graph captures
    with torch.autocast(model.device.type, dtype=dtype or torch.float32, enabled=dtype is not None,
                        cache_enabled=False):
        features, _ = model.features(x)
        logits = model.fc(features)
    return nn.functional.cross_entropy(logits.float().reshape(-1, logits.size(-1)), y.reshape(-1),
                                       ignore_index=pad_idx)


def sync_free_step(model: LSTMLM, optimizer, pad_idx: int, dtype, clip: float) -> Callable:
    """A training step that never waits for the GPU: ``sync_free_loss``, clipping, the optimizer."""
    def step(x, y):
        optimizer.zero_grad(set_to_none=True)
        sync_free_loss(model, x.to(model.device, non_blocking=True), y.to(model.device, non_blocking=True),
                       pad_idx, dtype).backward()
        nn.utils.clip_grad_norm_(model.parameters(), clip, foreach=True)
        optimizer.step()
    return step


def graphed_step(model: LSTMLM, optimizer, pad_idx: int, dtype, clip: float, batch_size: int) -> Callable:
    """The sync-free step captured in a CUDA graph on static [batch, MAX_LEN] buffers (rows padded)."""
    device = model.device
    static_x = torch.full((batch_size, MAX_LEN), pad_idx, dtype=torch.long, device=device)
    static_y = static_x.clone()
    eager = sync_free_step(model, optimizer, pad_idx, dtype, clip)
    graph, _ = capture(lambda: eager(static_x, static_y))

    def step(x, y):
        static_x.fill_(pad_idx)
        static_y.fill_(pad_idx)
        static_x[: len(x), : x.size(1)].copy_(x, non_blocking=True)
        static_y[: len(y), : y.size(1)].copy_(y, non_blocking=True)
        graph.replay()
    return step


def benchmark_training(device: torch.device, batches: int, rounds: int) -> None:
    config = PRESETS["cpu"]
    texts = load_recipes(verbose=False)
    vocab = Vocab.build(texts, config.vocab_size)
    dtype = resolve_precision("auto", device)
    mixed = str(dtype or torch.float32)[6:]
    torch.manual_seed(0)
    blog_model, criterion, blog_optimizer = initialize_model(len(vocab), config.embedding_dim, config.hidden_dim,
                                                             device=device)
    initial = copy.deepcopy(blog_model.state_dict())

    def fresh(fused: bool = False, capturable: bool = False):
        model = LSTMLM.from_config(config, len(vocab)).to(device)
        model.load_state_dict(initial)
        model.train()
        return model, torch.optim.Adam(model.parameters(), lr=config.learning_rate, fused=fused,
                                       capturable=capturable)

    @functools.cache
    def loader(batch_size: int):
        return make_dataloaders(texts, vocab, MAX_LEN, batch_size, seed=config.seed)[0]

    def batches_of(batch_size: int) -> list:
        return list(loader(batch_size))

    pad, clip = vocab.pad_idx, config.clip_grad_norm
    blog_batches = book_padded_batches(loader(BLOG_BATCH).dataset, BLOG_BATCH, MAX_LEN, seed=0)
    on_gpu = device.type == "cuda"  # fused Adam and CUDA graphs: the dry run on a CPU skips them
    contenders: dict[str, tuple[Callable, list]] = {
        f"blog's loop (padding to {MAX_LEN}, batches of {BLOG_BATCH}, float32)":
            (lambda x, y: blog_train(blog_model, [(x, y)], criterion, blog_optimizer, device), blog_batches),
        f"package, batches of {config.batch_size}, float32": (package_step(*fresh(), pad, None, clip),
                                                              batches_of(config.batch_size)),
        f"package, batches of {config.batch_size}, {mixed}": (package_step(*fresh(), pad, dtype, clip),
                                                             batches_of(config.batch_size)),
    }
    if on_gpu:
        for batch_size in [config.batch_size, 32, 64, 128]:
            contenders[f"package + fused Adam, batches of {batch_size}, {mixed}"] = (
                package_step(*fresh(fused=True), pad, dtype, clip), batches_of(batch_size))
    for batch_size in [32, 128]:
        contenders[f"no host syncs, batches of {batch_size}, {mixed}"] = (
            sync_free_step(*fresh(fused=on_gpu), pad, dtype, clip), batches_of(batch_size))
        if on_gpu:
            name = f"CUDA graph of the step, batches of {batch_size}, {mixed}"
            try:
                contenders[name] = (graphed_step(*fresh(fused=True, capturable=True), pad, dtype, clip, batch_size),
                                    batches_of(batch_size))
            except Exception as error:  # a failed capture is a result too
                print(f"  {name}: failed: {type(error).__name__}: {error}")

    speeds: dict[str, list[float]] = {name: [] for name in contenders}
    for step, data in contenders.values():  # warm-up
        step(*data[0])
    finish_gpu_work()
    for round_index in range(rounds):
        for name, (step, data) in contenders.items():
            chosen = [data[(round_index * batches + i) % len(data)] for i in range(batches)]
            tokens = sum(int((y != vocab.pad_idx).sum()) for _, y in chosen)
            start = time.perf_counter()
            for x, y in chosen:
                step(x, y)
            finish_gpu_work()
            speeds[name].append(tokens / (time.perf_counter() - start))
    blog_speed = statistics.median(next(iter(speeds.values())))
    print(f"  real target tokens per second (median, slowest-fastest of {rounds} rounds of {batches} batches), "
          "and against the blog's loop:")
    for name, values in speeds.items():
        print(f"    {name:60s} {spread(values, fmt='{:,.0f}'):>26s}  {statistics.median(values) / blog_speed:5.2f}x")


# --- (b) generation ----------------------------------------------------------------------------------
def graphed_generator_step(model: LSTMLM) -> Callable:
    """``model.step`` for one row, captured in a CUDA graph on static buffers."""
    device = model.device
    token = torch.zeros(1, dtype=torch.long, device=device)
    hidden = model.init_hidden(1)
    with torch.no_grad():
        graph, (logits, (new_h, new_c)) = capture(lambda: model.step(token, hidden))

    def step(token_id: int, state):
        token.fill_(token_id)
        hidden[0].copy_(state[0])
        hidden[1].copy_(state[1])
        graph.replay()
        return logits, (new_h.clone(), new_c.clone())
    return step


def generate_one(model: LSTMLM, generator: TextGenerator, tokens: int, step=None) -> None:
    """One text of ``tokens`` words at temperature 1, reading each word back as the package does."""
    state = generator.prefill("recipe for")
    options, rng = SamplingOptions(), generator.random_generator(0)
    logits, hidden = state.next_logits, state.hidden
    step = step or (lambda token_id, hidden: model.step(torch.tensor([token_id], device=model.device), hidden))
    with torch.no_grad():
        for _ in range(tokens):
            probs = options.probs(logits)
            token_id = int(torch.multinomial(probs[0], 1, generator=rng))
            logits, hidden = step(token_id, hidden)


def benchmark_generation(device: torch.device, repeats: int, tokens: int = 100) -> None:
    book = pretrained_generator("book")
    contenders = {"package on the CPU": book.model.cpu()}
    if device.type == "cuda":
        contenders["package on the GPU"] = copy.deepcopy(book.model).to(device)
    runs = {}
    for name, model in contenders.items():
        generator = TextGenerator(model.eval(), book.vocab)
        runs[name] = (lambda m=model, g=generator: generate_one(m, g, tokens))
        if model.device.type == "cuda":
            try:
                step = graphed_generator_step(model)
                runs["GPU, the step in a CUDA graph"] = (lambda m=model, g=generator, s=step:
                                                         generate_one(m, g, tokens, s))
            except Exception as error:
                print(f"  CUDA graph of the step: failed: {type(error).__name__}: {error}")
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    for run in runs.values():
        run()
    for _ in range(repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            finish_gpu_work()
            seconds[name].append(time.perf_counter() - start)
    print(f"  one text of {tokens} tokens, ms (median, fastest-slowest of {repeats}):")
    for name, values in seconds.items():
        print(f"    {name:40s} {spread(values, 1000):>26s}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    parser.add_argument("--batches", type=int, default=20, help="batches per contender per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=5, help="generations per contender")
    args = parser.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        parser.error("torch sees no CUDA GPU here (--device cpu runs a dry run)")
    device = torch.device(args.device)
    where = (f"{torch.cuda.get_device_name()}, compute capability {torch.cuda.get_device_capability()}, "
             f"CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}" if device.type == "cuda"
             else f"cpu, {torch.get_num_threads()} threads (a dry run)")
    print(f"torch {torch.__version__}, {where}")
    print("(a) training at the course's preset (cpu: book sizes), the default corpus")
    benchmark_training(device, args.batches, args.rounds)
    print("(b) generation, the book-size pretrained model")
    benchmark_generation(device, args.repeats)


if __name__ == "__main__":
    main()
