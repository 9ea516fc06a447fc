"""Shared fixtures: a tiny corpus and a tiny trained model, made once per test session."""

import os

import pytest
import torch

from lstm_tutorial import TrainConfig, Trainer, load_recipes

# The test models are tiny: one thread is fastest, and it keeps a second busy
# process (a notebook kernel, a benchmark) from slowing both to a crawl.
torch.set_num_threads(1)

TINY = TrainConfig(vocab_size=400, max_len=40, max_recipes=40, embedding_dim=16, hidden_dim=24, batch_size=8,
                   epochs=2, learning_rate=0.01, sample_tokens=5)


@pytest.fixture(scope="session")
def tiny_config() -> TrainConfig:
    return TINY


@pytest.fixture(scope="session")
def recipes() -> list[str]:
    return load_recipes(verbose=False)


def _once_per_session_except_under_mutmut(fixture_name, config) -> str:
    """mutmut (scripts/mutation_test.py) records which tests run which function and runs only
    those against each mutant; code run while making a session fixture would be credited to
    the first test that asked for it alone. Under mutmut each test makes its own tiny run."""
    return "function" if os.environ.get("MUTANT_UNDER_TEST") else "session"


@pytest.fixture(scope=_once_per_session_except_under_mutmut)
def trained(tmp_path_factory, recipes):
    """A Trainer that has run two tiny epochs and saved last.pt, best.pt and metrics.json."""
    out_dir = tmp_path_factory.mktemp("tiny_run")
    trainer = Trainer.from_texts(recipes, TINY, device="cpu", out_dir=out_dir, progress=False)
    trainer.fit()
    return trainer


@pytest.fixture
def generator(trained):
    return trained.generator


@pytest.fixture
def panel(generator):
    """The interactive generation panel on the tiny model."""
    # imported here: it loads ipywidgets, which only the panel's tests need
    from lstm_tutorial import generation_panel

    return generation_panel(generator)
