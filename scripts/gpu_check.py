"""The checks that need an NVIDIA GPU, in one run: python scripts/gpu_check.py [--out DIR]

1. The GPU, torch, and the precision the trainer picks there.
2. cuDNN runs the LSTM: the ops of one training step, read with torch.profiler.
3. The pretrained model on the GPU: its validation loss in float32 and under the GPU's
   autocast against the value measured on the CPU, and seeded generation reproducible.
4. Precision: the cpu preset's model trained a few epochs from the same initial weights in
   float32, bfloat16, and float16 with a gradient scaler (``precision="float16"``, the path
   ``auto`` takes on GPUs below compute capability 8.0, such as Colab's T4); the validation
   loss of each, in float32.
5. The preset the course trains on a GPU (``course_preset()``), on the default corpus, until it
   stops; its ``best.pt`` then loads on the CPU and writes text.

Exits 1 if a check fails. docs/benchmarks.md ("Precision by device, and the GPU path") quotes its output.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch

from lstm_tutorial import PRESETS, TextGenerator, Trainer, load_generator, pretrained_model
from lstm_tutorial.checkpoints import BEST, validation_loader
from lstm_tutorial.course import course_preset
from lstm_tutorial.devices import describe_precision, resolve_precision
from lstm_tutorial.model import LSTMLM
from lstm_tutorial.recipes import load_recipes
from lstm_tutorial.training import evaluate_loss, forward_backward

PRECISION_EPOCHS = 3
failures: list[str] = []


def check(ok: bool, what: str) -> None:
    print(f"  [{'ok' if ok else 'FAILED'}] {what}")
    if not ok:
        failures.append(what)


def show_device(device: torch.device) -> None:
    print(f"1. {torch.cuda.get_device_name(device)}, compute capability "
          f"{'.'.join(map(str, torch.cuda.get_device_capability(device)))}, torch {torch.__version__}, "
          f"CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}")
    print(f"  precision (auto): {describe_precision(device, resolve_precision('auto', device))}")


def check_cudnn(device: torch.device) -> None:
    print("2. which kernels run the LSTM in a training step")
    model = LSTMLM(8000, 100, 128).to(device)
    x = torch.randint(3, 8000, (8, 120), device=device)
    y = torch.randint(3, 8000, (8, 120), device=device)
    dtype = resolve_precision("auto", device)
    forward_backward(model, x, y, 0, dtype)  # warm-up
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as profile:
        forward_backward(model, x, y, 0, dtype)
        torch.cuda.synchronize(device)
    rnn_ops = sorted({event.name for event in profile.events() if "rnn" in event.name.lower()})
    print(f"  RNN ops seen: {', '.join(rnn_ops)}")
    check(any("cudnn" in name for name in rnn_ops), "nn.LSTM runs on cuDNN (aten::_cudnn_rnn)")


def check_pretrained(device: torch.device) -> None:
    print("3. the pretrained model on the GPU")
    model, vocab, checkpoint = pretrained_model(device=device)
    float32 = evaluate_loss(model, validation_loader(checkpoint), vocab.pad_idx)
    print(f"  validation loss (float32): recorded on the CPU {checkpoint['val_loss']:.4f}, on the GPU {float32:.4f}")
    check(abs(float32 - checkpoint["val_loss"]) < 1e-3, "GPU float32 loss matches the CPU's")
    generator = TextGenerator(model, vocab)  # the model loaded above, not a second load of the file
    first = generator.sample("recipe for banana bread", num_samples=3, max_tokens=40, temperature=0.8, seed=7)
    again = generator.sample("recipe for banana bread", num_samples=3, max_tokens=40, temperature=0.8, seed=7)
    other = generator.sample("recipe for banana bread", num_samples=3, max_tokens=40, temperature=0.8, seed=8)
    print(f"  seed 7, first sample: {first[0]}")
    check(first == again, "the same seed gives the same 3 samples on the GPU")
    check(first != other, "another seed gives other samples")


def compare_precisions(device: torch.device) -> None:
    print(f"4. the cpu preset's model, {PRECISION_EPOCHS} epochs from the same initial weights, by precision")
    config = PRESETS["cpu"].updated(epochs=PRECISION_EPOCHS, patience=None)
    texts = load_recipes(config.data, verbose=False)
    runs = {"float32": "float32", "bfloat16": "bfloat16", "float16 + GradScaler": "float16"}
    losses = {}
    for name, precision in runs.items():
        trainer = Trainer.from_texts(texts, config.updated(precision=precision), device, progress=False)
        start = time.perf_counter()
        history = trainer.fit()
        seconds = time.perf_counter() - start
        losses[name] = history[-1]["val_loss"]
        print(f"  {name:22} val loss {losses[name]:.4f} after {len(history)} epochs, {seconds:.1f}s, "
              f"{history[-1]['tokens_per_second']:,.0f} tokens/s, scaler: {trainer.scaler is not None}")
    for name in ("bfloat16", "float16 + GradScaler"):
        difference = losses[name] / losses["float32"] - 1
        check(abs(difference) <= 0.01, f"{name} within 1% of float32 ({difference:+.2%})")


def train_course_preset(device: torch.device, out_dir: Path) -> None:
    preset = course_preset()
    print(f"5. the course's preset on the GPU: {preset}")
    trainer = Trainer.from_config(PRESETS[preset], device, out_dir, progress=False)
    start = time.perf_counter()
    history = trainer.fit()
    minutes = (time.perf_counter() - start) / 60
    best = min(history, key=lambda record: record["val_loss"])
    print(f"  {len(history)} epochs in {minutes:.1f} min, best epoch {best['epoch']}: val loss "
          f"{best['val_loss']:.4f}, perplexity {best['val_perplexity']:.1f}")
    on_cpu = load_generator(out_dir / BEST, "cpu")
    text = on_cpu.sample("recipe for", max_tokens=30, temperature=0.8, seed=0)[0]
    print(f"  best.pt on the CPU: {text}")
    check(on_cpu.device == torch.device("cpu") and len(text.split()) > 5,
          "the GPU's best.pt loads and writes on the CPU")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path,
                        help="where the course preset's checkpoints go (default: a temporary folder)")
    parser.add_argument("--skip-training", action="store_true", help="only checks 1 to 3")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print("error: torch sees no CUDA GPU here", file=sys.stderr)
        return 2
    device = torch.device("cuda")
    show_device(device)
    check_cudnn(device)
    check_pretrained(device)
    if not args.skip_training:
        compare_precisions(device)
        with tempfile.TemporaryDirectory() as folder:
            train_course_preset(device, args.out or Path(folder))
    print(f"{len(failures)} failed" if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
