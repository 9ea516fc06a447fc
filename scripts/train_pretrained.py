"""Train the model shipped in the package, and write it to lstm_tutorial/pretrained/.

    python scripts/train_pretrained.py              # about 10 minutes on a 2-core CPU

If the run folder already holds a ``last.pt`` of the same preset, the run is
resumed (to its end) instead of started again.

Trains the ``cpu`` preset (the book's architecture: embedding 100, hidden 128,
vocabulary 10,000) on the default corpus with early stopping, then stores the
best epoch's weights in float16 (4.1 MB) with the command, the corpus
fingerprint and the validation loss recomputed in float32 from the stored
weights, which tests/test_pretrained.py checks.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import torch

from lstm_tutorial.checkpoints import BEST, LAST, METRICS, export_model, load_model, validation_loader
from lstm_tutorial.config import PRESETS
from lstm_tutorial.pretrained import PRETRAINED_MODEL
from lstm_tutorial.training import Trainer, evaluate_loss


def float32_val_loss(path: Path) -> float:
    """The validation loss of the model at ``path`` on its validation split (float32, on the CPU)."""
    model, vocab, checkpoint = load_model(path, "cpu")
    return evaluate_loss(model, validation_loader(checkpoint), vocab.pad_idx)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="cpu", choices=sorted(PRESETS))
    parser.add_argument("--run-dir", default="runs/pretrained", help="where the training checkpoints go")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()

    config = PRESETS[args.preset]
    last = Path(args.run_dir) / LAST
    if last.exists():  # an interrupted (or finished) run of the same preset: continue it
        trainer = Trainer.resume(last, device=args.device, progress=False)
        if trainer.config != config:
            raise SystemExit(f"{last} was trained with another config than the {args.preset} preset: "
                             f"use another --run-dir")
    else:
        trainer = Trainer.from_config(config, args.device, args.run_dir, progress=False)
    trainer.fit()
    command = "python " + " ".join(["scripts/train_pretrained.py", *sys.argv[1:]])
    PRETRAINED_MODEL.parent.mkdir(parents=True, exist_ok=True)
    export_model(Path(args.run_dir) / BEST, PRETRAINED_MODEL, torch.float16, command=command,
                 torch_version=str(torch.__version__))
    val_loss = float32_val_loss(PRETRAINED_MODEL)
    export_model(Path(args.run_dir) / BEST, PRETRAINED_MODEL, torch.float16, command=command,
                 torch_version=str(torch.__version__), val_loss=val_loss)
    shutil.copyfile(Path(args.run_dir) / METRICS, PRETRAINED_MODEL.parent / METRICS)
    size = PRETRAINED_MODEL.stat().st_size / 1e6
    print(f"Wrote {PRETRAINED_MODEL} ({size:.1f} MB): val loss {val_loss:.4f} in float32 from the stored weights")


if __name__ == "__main__":
    main()
