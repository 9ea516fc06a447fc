"""Where a training step of the shipped default model's preset (``stream``) spends its time.

    python benchmarks/profile_stream.py              # 30 timed batches, then 5 profiled, 2 threads

The ``stream`` preset's model (2 layers of 256, tied, embedding and output
dropout) on its own batches (20 streams of 35 tokens of the default corpus),
trained as ``train_epoch`` trains it: forward and backward with the carried
state, clipping, the SGD step, in the precision ``auto`` picks. Prints the
real tokens per second, the milliseconds per batch of each part, and
torch.profiler's table of the operators' own time.
"""

from __future__ import annotations

import argparse
import itertools
import time

import torch
from torch import nn
from torch.profiler import ProfilerActivity, profile

from lstm_tutorial import LSTMLM, PRESETS, Vocab, load_recipes
from lstm_tutorial.data import dataloaders_for
from lstm_tutorial.devices import resolve_precision
from lstm_tutorial.training import forward_backward, make_optimizer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=30)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    config = PRESETS["stream"]
    texts = load_recipes(verbose=False)
    vocab = Vocab.build(texts, config.vocab_size)
    train_loader, _ = dataloaders_for(config, texts, vocab)
    torch.manual_seed(config.seed)
    model = LSTMLM.from_config(config, len(vocab))
    optimizer = make_optimizer(model, config)
    dtype = resolve_precision(config.precision, model.device)
    batches = list(itertools.islice(iter(train_loader), args.batches + 10))
    print(f"stream preset: {config.num_layers} x {config.hidden_dim}, tied {config.tie_weights}, "
          f"batches {tuple(batches[0][0].shape)}, matrix products in {dtype or torch.float32}, {args.threads} threads")

    def train_on(some_batches) -> dict[str, float]:
        seconds = {"forward+backward": 0.0, "clip": 0.0, "optimizer": 0.0}
        hidden = None
        model.train()
        for x, y in some_batches:
            start = time.perf_counter()
            optimizer.zero_grad(set_to_none=True)
            _, _, hidden = forward_backward(model, x, y, vocab.pad_idx, dtype, None, hidden)
            clipped = time.perf_counter()
            nn.utils.clip_grad_norm_(model.parameters(), config.clip_grad_norm)
            stepped = time.perf_counter()
            optimizer.step()
            done = time.perf_counter()
            seconds["forward+backward"] += clipped - start
            seconds["clip"] += stepped - clipped
            seconds["optimizer"] += done - stepped
        return seconds

    train_on(batches[:5])  # warm-up
    timed = batches[5:5 + args.batches]
    seconds = train_on(timed)
    tokens = sum(int((y != vocab.pad_idx).sum()) for _, y in timed)
    print(f"{tokens / sum(seconds.values()):,.0f} real tokens per second; ms per batch: "
          + ", ".join(f"{part} {total / len(timed) * 1000:.1f}" for part, total in seconds.items()))
    with profile(activities=[ProfilerActivity.CPU]) as profiler:
        train_on(batches[-5:])
    print("5 batches under torch.profiler (operators' own time):")
    print(profiler.key_averages().table(sort_by="self_cpu_time_total", row_limit=15))


if __name__ == "__main__":
    main()
