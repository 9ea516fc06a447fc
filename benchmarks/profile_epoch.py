"""Where a training step's time goes, in float32 and in bfloat16, measured with torch.profiler.

    python benchmarks/profile_epoch.py                  # 20 batches, 3 rounds, 1 thread
    python benchmarks/profile_epoch.py --chunk-rows 1024 # the output layer's old chunk size

The book's sizes (vocabulary 10,000, embedding 100, hidden 128, batch 32,
max_len 200) on the default corpus, the vocabulary built as in
benchmark.py. Each batch is timed in four ranges: data (the loader), the
forward and backward pass, gradient clipping, and the optimizer. Inside the
forward and backward pass, each operator's own time goes to what called it:
the LSTM recurrence, the output layer's matrix products, the loss
(softmax or log-softmax and NLL, forward and backward), dtype casts, embedding and
dropout, or other (indexing, bookkeeping). The two precisions run in turns
(rounds), and each figure is the median over the rounds, in ms per batch.
"""

from __future__ import annotations

import argparse
import copy
import statistics
from collections import defaultdict

import torch
from benchmark import BOOK, book_vocabulary, pin_threads
from torch import nn
from torch.profiler import ProfilerActivity, profile, record_function

from lstm_tutorial import LSTMLM, load_recipes, make_dataloaders, training
from lstm_tutorial import model as model_module

# An operator's time goes to the first of these found in its own name or its callers' names.
CATEGORIES = [
    ("loss", ("softmax", "Softmax", "nll_loss", "NllLoss")),
    ("dtype casts", ("_to_copy", "ToCopy")),
    ("LSTM recurrence", ("mkldnn_rnn", "MkldnnRnn", "aten::lstm", "CudnnRnn", "_cudnn_rnn")),
    ("output layer (matmuls)", ("aten::addmm", "AddmmBackward", "aten::mm", "aten::linear")),
    ("embedding, dropout", ("embedding", "Embedding", "bernoulli", "dropout", "Dropout")),
]
RANGES = ("data", "forward+backward", "clip", "optimizer")


def category(event) -> str:
    node = event
    while node is not None:
        for name, keys in CATEGORIES:
            if any(key in node.name for key in keys):
                return name
        if node.name in RANGES:
            return node.name if node.name != "forward+backward" else "other (indexing, bookkeeping)"
        node = node.cpu_parent
    return "outside the step"


def profile_batches(model, optimizer, loader, batches: int, dtype) -> dict[str, float]:
    """ms per batch in each category, for ``batches`` batches of ``loader``."""
    batch_iter = iter(loader)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(batches):
            with record_function("data"):
                x, y = next(batch_iter)
            with record_function("forward+backward"):
                optimizer.zero_grad(set_to_none=True)
                training.forward_backward(model, x, y, 0, dtype)
            with record_function("clip"):
                nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            with record_function("optimizer"):
                optimizer.step()
    totals = defaultdict(float)
    for event in prof.events():
        if event.name not in RANGES:
            totals[category(event)] += event.self_cpu_time_total / 1000 / batches
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--chunk-rows", type=int, default=model_module.LOSS_CHUNK_ROWS,
                        help=f"rows of the output layer at once (the package's: {model_module.LOSS_CHUNK_ROWS})")
    args = parser.parse_args()
    pin_threads(args.threads)
    model_module.LOSS_CHUNK_ROWS = args.chunk_rows
    texts = load_recipes(verbose=False)
    vocab, _ = book_vocabulary(texts)
    train_loader, _ = make_dataloaders(texts, vocab, BOOK["max_len"], BOOK["batch_size"], seed=42)
    torch.manual_seed(0)
    initial = LSTMLM(len(vocab), BOOK["embedding_dim"], BOOK["hidden_dim"])
    runs = {"float32": None, "bfloat16": torch.bfloat16}
    models = {}
    for name, dtype in runs.items():
        model = copy.deepcopy(initial)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        profile_batches(model, optimizer, train_loader, 2, dtype)  # warm-up
        models[name] = (model, optimizer)
    results = {name: defaultdict(list) for name in runs}
    for round_ in range(args.rounds):
        for name, dtype in runs.items():
            train_loader.batch_sampler.set_epoch(round_)
            for key, ms in profile_batches(*models[name], train_loader, args.batches, dtype).items():
                results[name][key].append(ms)
    print(f"ms per batch (median of {args.rounds} rounds of {args.batches} batches), output layer "
          f"{args.chunk_rows} rows at a time")
    keys = sorted({key for result in results.values() for key in result},
                  key=lambda key: -statistics.median(results["float32"].get(key, [0])))
    print(f"  {'':30s} {'float32':>16s} {'bfloat16':>16s}")
    sums = {name: sum(statistics.median(v) for v in result.values()) for name, result in results.items()}
    for key in keys:
        cells = []
        for name in runs:
            ms = statistics.median(results[name].get(key, [0]))
            cells.append(f"{ms:8.1f} ({ms / sums[name]:4.0%})")
        print(f"  {key:30s} {cells[0]:>16s} {cells[1]:>16s}")
    print(f"  {'total':30s} {sums['float32']:8.1f}        {sums['bfloat16']:8.1f}")


if __name__ == "__main__":
    main()
