"""Re-run the course notebooks top to bottom and store their outputs.

    python scripts/run_notebooks.py            # every notebook, English then Korean
    python scripts/run_notebooks.py 04 05      # the English ones whose name starts with 04 or 05
    python scripts/run_notebooks.py ko/04      # the Korean notebook 4 (notebooks/ko)

Each ``notebooks/NN_name.py`` or ``notebooks/ko/NN_name.py`` (the source) is
executed in a fresh kernel in its folder and written to ``NN_name.ipynb`` with its outputs, so the
pair is in sync. Run it after changing a notebook or what it shows. Without
LSTM_TUTORIAL_QUICK set, the training cells train for real.
"""

import os
import sys
import time
from pathlib import Path

import jupytext
from nbclient import NotebookClient

os.environ.setdefault("OMP_NUM_THREADS", "1")  # the kernel inherits it; nbval runs use the same (conftest.py)
NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def run(source: Path) -> None:
    notebook = jupytext.read(source)
    notebook.metadata["kernelspec"] = KERNELSPEC
    start = time.perf_counter()
    resources = {"metadata": {"path": str(source.parent)}}
    NotebookClient(notebook, timeout=1800, kernel_name="python3", resources=resources).execute()
    jupytext.write(notebook, source.with_suffix(".ipynb"))
    print(f"{source.relative_to(NOTEBOOKS)}: {time.perf_counter() - start:.1f}s", flush=True)


def main(prefixes: list[str]) -> None:
    sources = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py")) + sorted(NOTEBOOKS.glob("ko/[0-9][0-9]_*.py"))
    for source in sources:
        if not prefixes or source.relative_to(NOTEBOOKS).as_posix().startswith(tuple(prefixes)):
            run(source)


if __name__ == "__main__":
    main(sys.argv[1:])
