"""The course notebooks: every .py source has an .ipynb twin in sync, with outputs and a Colab badge.

nbval runs the notebooks themselves (``pytest --nbval`` collects notebooks/*.ipynb).
"""

from pathlib import Path

import jupytext
import pytest

from lstm_tutorial.course import REPO_URL

import importlib.util
import re

INSTALL_FROM = "LSTM_TUTORIAL_INSTALL_FROM"  # .ci/run sets it for its Colab-like run

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
SOURCES = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))
EXPECTED = ["01_tokens_and_embeddings", "02_lstm_and_hidden_state", "03_logits_softmax_loss",
            "04_temperature_and_sampling", "05_training", "06_interactive_generation", "07_inside_the_trained_model",
            "08_under_the_hood"]
NOT_COMPARED = {"nbval-ignore-output", "nbval-skip"}


def cells(notebook) -> list[tuple[str, str]]:
    return [(cell.cell_type, cell.source.strip()) for cell in notebook.cells]


def test_the_course_notebooks_are_there():
    assert [p.stem for p in SOURCES] == EXPECTED


def test_pairing_is_set_in_the_jupytext_configuration():
    assert 'formats = "ipynb,py:percent"' in (NOTEBOOKS / "jupytext.toml").read_text()


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_pair_is_in_sync_and_has_outputs(source):
    twin = source.with_suffix(".ipynb")
    assert twin.exists(), f"{twin.name} is missing: run scripts/run_notebooks.py"
    stored = jupytext.read(twin)
    assert cells(jupytext.read(source)) == cells(stored), (
        f"{source.name} and {twin.name} differ: run scripts/run_notebooks.py {source.name[:2]}")
    code_cells = [cell for cell in stored.cells if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in code_cells), f"{twin.name} was not run top to bottom"
    assert sum(bool(cell.outputs) for cell in code_cells) >= len(code_cells) // 2, f"{twin.name} has few outputs"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_colab_badge_and_setup_cell_use_the_one_repository_url(source):
    notebook = jupytext.read(source)
    badge = f"https://colab.research.google.com/github/{REPO_URL.removeprefix('https://github.com/')}" \
            f"/blob/main/notebooks/{source.stem}.ipynb"
    assert badge in notebook.cells[0].source
    setup = notebook.cells[1].source
    assert "nbval-ignore-output" in notebook.cells[1].metadata.get("tags", [])  # the device is the machine's
    assert f'REPO_URL = "{REPO_URL}"' in setup and '"google.colab" in sys.modules' in setup
    # CI's Colab-like run (.ci/run) installs from its checkout instead of GitHub, so this line really runs there.
    assert f'os.environ.get("{INSTALL_FROM}", f"git+{{REPO_URL}}")' in setup
    # The panel and tqdm's bars are standard ipywidgets, which Colab renders natively; Colab's custom
    # widget manager is for third-party widgets and loads their code from a CDN: not needed, not called.
    assert "enable_custom_widget_manager" not in setup


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_what_a_learner_reads_has_no_test_machinery(source):
    """nbval's markers are cell tags, not comments in the code a learner reads."""
    for cell in jupytext.read(source).cells:
        assert "NBVAL" not in cell.source and "nbval" not in cell.source.lower(), cell.source[:80]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_setup_cell_says_how_to_install_the_package_when_it_is_missing(source, monkeypatch):
    setup = jupytext.read(source).cells[1].source
    before_torch = setup[:setup.index("import torch")]
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *args: None if name == "lstm_tutorial" else real_find_spec(name, *args))
    with pytest.raises(SystemExit, match=re.escape(f"pip install git+{REPO_URL}")):
        exec(before_torch, {})


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_most_code_cells_have_their_outputs_compared(source):
    code_cells = [cell for cell in jupytext.read(source).cells if cell.cell_type == "code"]
    compared = [cell for cell in code_cells if not NOT_COMPARED & set(cell.metadata.get("tags", []))]
    assert len(compared) >= 0.7 * len(code_cells), f"{len(compared)} of {len(code_cells)} code cells compared"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_each_notebook_ends_with_three_or_more_exercises(source):
    markdown = "\n".join(cell.source for cell in jupytext.read(source).cells if cell.cell_type == "markdown")
    assert "\n## Exercises" in markdown
    numbered = re.findall(r"^\*\*(\d+)\.", markdown.split("\n## Exercises")[-1], flags=re.M)
    assert [int(n) for n in numbered] == list(range(1, len(numbered) + 1)) and len(numbered) >= 3, numbered
