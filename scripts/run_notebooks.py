"""Re-run the course notebooks top to bottom and store their outputs.

    python scripts/run_notebooks.py            # every notebook
    python scripts/run_notebooks.py 04 05      # those whose name starts with 04 or 05

Each ``notebooks/NN_name.py`` (the source) is executed in a fresh kernel in
the notebooks folder and written to ``NN_name.ipynb`` with its outputs, so the
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
    resources = {"metadata": {"path": str(NOTEBOOKS)}}
    NotebookClient(notebook, timeout=1800, kernel_name="python3", resources=resources).execute()
    jupytext.write(notebook, source.with_suffix(".ipynb"))
    print(f"{source.name}: {time.perf_counter() - start:.1f}s", flush=True)


def main(prefixes: list[str]) -> None:
    for source in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py")):
        if not prefixes or source.name.startswith(tuple(prefixes)):
            run(source)


if __name__ == "__main__":
    main(sys.argv[1:])
