"""What the course notebooks share: the repository URL, quick mode and the preset notebook 5 trains.

Notebooks that only use a trained model load a pretrained one
(:func:`lstm_tutorial.pretrained_model`); notebook 5 trains, and notebook 7
trains two small models to compare weight tying.
"""

from __future__ import annotations

import os

# The one place the course names its repository: the notebooks' Colab badges
# and setup cells must match it (tests/test_notebooks.py checks).
REPO_URL = "https://github.com/lstm-tutorial/lstm-tutorial"
QUICK_ENV_VARS = ("CI", "LSTM_TUTORIAL_QUICK")


def quick_mode() -> bool:
    """True when ``CI`` or ``LSTM_TUTORIAL_QUICK`` is set: notebook 5 trains the quick preset only."""
    return any(os.environ.get(name, "").strip().lower() not in ("", "0", "false") for name in QUICK_ENV_VARS)


def course_preset() -> str:
    """The preset notebook 5 trains: ``quick`` in quick mode, else ``cpu`` (on a CPU and on a GPU alike).

    The book's own settings (``book``: batch 32, Adam 1e-3) end at a worse
    validation perplexity on this corpus, so the course does not pick them on a GPU.
    """
    return "quick" if quick_mode() else "cpu"
