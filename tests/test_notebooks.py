"""The course notebooks: every .py source has an .ipynb twin in sync, with outputs and a Colab badge;
every English notebook has a Korean twin in notebooks/ko that runs the same code.

nbval runs the notebooks themselves (``pytest --nbval`` collects notebooks/**/*.ipynb).
"""

import importlib.util
import io
import re
import tokenize
from pathlib import Path

import jupytext
import pytest

from lstm_tutorial.course import REPO_URL

INSTALL_FROM = "LSTM_TUTORIAL_INSTALL_FROM"  # .ci/run sets it for its Colab-like run

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
ENGLISH = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))
KOREAN = sorted((NOTEBOOKS / "ko").glob("[0-9][0-9]_*.py"))
SOURCES = ENGLISH + KOREAN
EXPECTED = ["01_tokens_and_embeddings", "02_lstm_and_hidden_state", "03_logits_softmax_loss",
            "04_temperature_and_sampling", "05_training", "06_interactive_generation", "07_inside_the_trained_model",
            "08_under_the_hood"]
NOT_COMPARED = {"nbval-ignore-output", "nbval-skip"}
EXERCISES = {"en": "## Exercises", "ko": "## 연습 문제"}
FSTRING_MIDDLE = getattr(tokenize, "FSTRING_MIDDLE", None)
CHOOSES_THE_LANGUAGE = "set_language"  # the Korean notebooks' one line (and its import) that English lacks


def name(source: Path) -> str:
    return source.relative_to(NOTEBOOKS).with_suffix("").as_posix()


def language(source: Path) -> str:
    return "ko" if source.parent.name == "ko" else "en"


def cells(notebook) -> list[tuple[str, str]]:
    return [(cell.cell_type, cell.source.strip()) for cell in notebook.cells]


def code_cells(source: Path) -> list:
    return [cell for cell in jupytext.read(source).cells if cell.cell_type == "code"]


def test_the_course_notebooks_are_there():
    assert [p.stem for p in ENGLISH] == EXPECTED


def test_every_english_notebook_has_a_korean_twin():
    assert [p.stem for p in KOREAN] == EXPECTED


def test_pairing_is_set_in_the_jupytext_configuration():
    assert 'formats = "ipynb,py:percent"' in (NOTEBOOKS / "jupytext.toml").read_text()


@pytest.mark.parametrize("source", SOURCES, ids=name)
def test_pair_is_in_sync_and_has_outputs(source):
    twin = source.with_suffix(".ipynb")
    assert twin.exists(), f"{twin.name} is missing: run scripts/run_notebooks.py"
    stored = jupytext.read(twin)
    assert cells(jupytext.read(source)) == cells(stored), (
        f"{source.name} and {twin.name} differ: run scripts/run_notebooks.py {name(source)[:-len(source.stem) + 2]}")
    stored_code = [cell for cell in stored.cells if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in stored_code), f"{twin.name} was not run top to bottom"
    assert sum(bool(cell.outputs) for cell in stored_code) >= len(stored_code) // 2, f"{twin.name} has few outputs"


@pytest.mark.parametrize("source", SOURCES, ids=name)
def test_colab_badge_and_setup_cell_use_the_one_repository_url(source):
    notebook = jupytext.read(source)
    badge = f"https://colab.research.google.com/github/{REPO_URL.removeprefix('https://github.com/')}" \
            f"/blob/main/{source.relative_to(ROOT).with_suffix('.ipynb').as_posix()}"
    assert badge in notebook.cells[0].source
    setup = notebook.cells[1].source
    assert "nbval-ignore-output" in notebook.cells[1].metadata.get("tags", [])  # the device is the machine's
    assert f'REPO_URL = "{REPO_URL}"' in setup and '"google.colab" in sys.modules' in setup
    # CI's Colab-like run (.ci/run) installs from its checkout instead of GitHub, so this line really runs there.
    assert f'os.environ.get("{INSTALL_FROM}", f"git+{{REPO_URL}}")' in setup
    # The panel and tqdm's bars are standard ipywidgets, which Colab renders natively; Colab's custom
    # widget manager is for third-party widgets and loads their code from a CDN: not needed, not called.
    assert "enable_custom_widget_manager" not in setup


@pytest.mark.parametrize("source", KOREAN, ids=name)
def test_a_korean_notebooks_setup_cell_is_the_english_ones(source):
    english = NOTEBOOKS / source.name
    assert jupytext.read(source).cells[1].source == jupytext.read(english).cells[1].source


@pytest.mark.parametrize("source", SOURCES, ids=name)
def test_what_a_learner_reads_has_no_test_machinery(source):
    """nbval's markers are cell tags, not comments in the code a learner reads."""
    for cell in jupytext.read(source).cells:
        assert "NBVAL" not in cell.source and "nbval" not in cell.source.lower(), cell.source[:80]


@pytest.mark.parametrize("source", SOURCES, ids=name)
def test_setup_cell_says_how_to_install_the_package_when_it_is_missing(source, monkeypatch):
    setup = jupytext.read(source).cells[1].source
    before_torch = setup[:setup.index("import torch")]
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *args: None if name == "lstm_tutorial" else real_find_spec(name, *args))
    with pytest.raises(SystemExit, match=re.escape(f"pip install git+{REPO_URL}")):
        exec(before_torch, {})


@pytest.mark.parametrize("source", SOURCES, ids=name)
def test_most_code_cells_have_their_outputs_compared(source):
    code = code_cells(source)
    compared = [cell for cell in code if not NOT_COMPARED & set(cell.metadata.get("tags", []))]
    assert len(compared) >= 0.7 * len(code), f"{len(compared)} of {len(code)} code cells compared"


@pytest.mark.parametrize("source", SOURCES, ids=name)
def test_each_notebook_ends_with_three_or_more_exercises(source):
    heading = EXERCISES[language(source)]
    markdown = "\n".join(cell.source for cell in jupytext.read(source).cells if cell.cell_type == "markdown")
    assert f"\n{heading}" in markdown
    numbered = re.findall(r"^\*\*(\d+)\.", markdown.split(f"\n{heading}")[-1], flags=re.M)
    assert [int(n) for n in numbered] == list(range(1, len(numbered) + 1)) and len(numbered) >= 3, numbered


# --- the Korean edition runs the English code -------------------------------------------------

def code_shape(code: str) -> list[str]:
    """The code's tokens without comments, line breaks inside brackets, or the text of its strings.

    Two cells with the same shape run the same code: only comments, the words inside strings
    (labels, titles, printed sentences) and where long lines are wrapped may differ.
    """
    lines = [line for line in code.splitlines() if CHOOSES_THE_LANGUAGE not in line]
    shape = []
    for token in tokenize.generate_tokens(io.StringIO("\n".join(lines) + "\n").readline):
        if token.type in (tokenize.COMMENT, tokenize.NL, tokenize.ENCODING):
            continue
        if token.type == tokenize.STRING:
            shape.append(f"STRING:{string_prefix(token.string)}")
        elif token.type == FSTRING_MIDDLE:  # Python 3.12+: an f-string's text between its {fields}
            shape.append("FSTRING_MIDDLE")
        else:
            shape.append(token.string)
    return shape


def string_prefix(literal: str) -> str:
    """A string literal's prefix (f, r, b...): an f-string must stay an f-string."""
    return re.match(r"[a-zA-Z]*", literal).group().lower()


def test_code_shape_ignores_comments_and_words_but_not_code():
    english = 'plt.title("Entropy")  # a comment\nx = f(1,\n      2)'
    assert code_shape('plt.title("엔트로피")  # 주석\nx = f(1, 2)') == code_shape(english)
    assert code_shape('plt.title("엔트로피")\nx = f(1, 3)') != code_shape(english)
    assert code_shape('plt.title(f"엔트로피")\nx = f(1, 2)') != code_shape(english)
    assert code_shape('from lstm_tutorial import set_language\nset_language("ko")\nx = 1') == code_shape("x = 1")


@pytest.mark.parametrize("source", KOREAN, ids=name)
def test_a_korean_notebook_runs_its_english_twins_code(source):
    english, korean = code_cells(NOTEBOOKS / source.name), code_cells(source)
    assert len(korean) == len(english), f"{len(korean)} code cells, the English notebook has {len(english)}"
    for number, (english_cell, korean_cell) in enumerate(zip(english, korean), start=1):
        assert code_shape(korean_cell.source) == code_shape(english_cell.source), (
            f"code cell {number} differs from the English notebook's:\n{korean_cell.source[:300]}")
        assert korean_cell.metadata.get("tags", []) == english_cell.metadata.get("tags", []), number
    chooses = [cell for cell in korean if f'{CHOOSES_THE_LANGUAGE}("ko")' in cell.source]
    assert len(chooses) == 1, "a Korean notebook calls set_language(\"ko\") once, right after the setup cell"
    assert chooses[0] is korean[1]
