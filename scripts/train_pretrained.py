"""Train a model shipped in the package, and write it to lstm_tutorial/pretrained/NAME.pt.

    python scripts/train_pretrained.py book     # the book's sizes, cpu preset: about 10 minutes on 2 cores

Each name has its preset (``PRETRAINED_PRESETS`` in lstm_tutorial/pretrained.py),
trained on the default corpus with early stopping in ``runs/NAME``. If that
folder already holds a ``last.pt`` of the same preset, the run is resumed (to
its end) instead of started again. The best epoch's weights are stored in
float16 with the command, the corpus fingerprint and the validation loss
recomputed in float32 from the stored weights (tests/test_pretrained.py checks
it), and the run's history beside them as NAME.metrics.json.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import torch

from lstm_tutorial.checkpoints import BEST, LAST, METRICS, export_model, load_model, validation_loader
from lstm_tutorial.config import PRESETS
from lstm_tutorial.pretrained import DEFAULT_PRETRAINED, PRETRAINED_PRESETS, pretrained_path
from lstm_tutorial.training import Trainer, evaluate_loss


def float32_val_loss(path: Path) -> float:
    """The validation loss of the model at ``path`` on its validation split (float32, on the CPU)."""
    model, vocab, checkpoint = load_model(path, "cpu")
    return evaluate_loss(model, validation_loader(checkpoint), vocab.pad_idx)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("name", nargs="?", default=DEFAULT_PRETRAINED, choices=sorted(PRETRAINED_PRESETS))
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()

    preset = PRETRAINED_PRESETS[args.name]
    config = PRESETS[preset]
    run_dir = Path("runs") / args.name
    last = run_dir / LAST
    if last.exists():  # an interrupted (or finished) run of the same preset: continue it
        trainer = Trainer.resume(last, device=args.device, progress=False)
        if trainer.config != config:
            raise SystemExit(f"{last} was trained with another config than the {preset} preset: remove {run_dir}")
    else:
        trainer = Trainer.from_config(config, args.device, run_dir, progress=False)
    trainer.fit()
    command = "python " + " ".join(["scripts/train_pretrained.py", args.name])
    target = pretrained_path(args.name)
    export_model(run_dir / BEST, target, torch.float16, command=command, torch_version=str(torch.__version__))
    val_loss = float32_val_loss(target)
    export_model(run_dir / BEST, target, torch.float16, command=command, torch_version=str(torch.__version__),
                 val_loss=val_loss)
    shutil.copyfile(run_dir / METRICS, target.with_suffix(".metrics.json"))
    size = target.stat().st_size / 1e6
    print(f"Wrote {target} ({size:.1f} MB): val loss {val_loss:.4f} in float32 from the stored weights")


if __name__ == "__main__":
    main()
