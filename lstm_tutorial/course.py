"""Helpers the course notebooks share: quick mode, the preset to train, the trained model.

Kept here, not pasted into each notebook, so every notebook behaves the same.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

from .config import PRESETS, TrainConfig
from .generate import TextGenerator
from .checkpoints import load_generator
from .recipes import load_recipes
from .colab_drive import checkpoint_dir
from .training import Trainer

# The one place the course names its repository: the notebooks' Colab badges
# and setup cells must match it (tests/test_notebooks.py checks).
REPO_URL = "https://github.com/lstm-tutorial/lstm-tutorial"
QUICK_ENV_VARS = ("CI", "LSTM_TUTORIAL_QUICK")


def quick_mode() -> bool:
    """True when ``CI`` or ``LSTM_TUTORIAL_QUICK`` is set: train the quick preset only."""
    return any(os.environ.get(name, "").strip().lower() not in ("", "0", "false") for name in QUICK_ENV_VARS)


def course_preset() -> str:
    """``quick`` in quick mode, else ``book`` on a GPU and ``cpu`` on a CPU."""
    if quick_mode():
        return "quick"
    return "book" if torch.cuda.is_available() else "cpu"


def course_config() -> TrainConfig:
    return PRESETS[course_preset()]


def course_checkpoint_dir() -> Path:
    """Where notebook 5 saves its checkpoints (Google Drive under Colab)."""
    return checkpoint_dir()


def trained_generator(folder: str | os.PathLike | None = None) -> TextGenerator:
    """The model notebook 5 trained (``best.pt``), or a quick model trained now if there is none."""
    folder = Path(folder) if folder is not None else course_checkpoint_dir()
    best = folder / "best.pt"
    if best.exists():
        print(f"Loading the model notebook 5 trained: {best}")
        return load_generator(best)
    print(f"No checkpoint at {best}: training the quick preset now (run notebook 5 for a better model).")
    trainer = Trainer.from_texts(load_recipes(), PRESETS["quick"], out_dir=folder, progress=False)
    trainer.fit()
    return trainer.generator
