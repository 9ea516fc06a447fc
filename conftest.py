"""nbval settings for the course notebooks in notebooks/ (collected by ``pytest --nbval``).

- The notebooks run in quick mode under test, so training takes seconds. Their cells are marked
  ``slow``: ``pytest -m "not slow"`` leaves them out.
- A cell tagged ``nbval-ignore-output`` (the machine's device, timings, training runs) is not
  compared; the tags live in the cells' metadata, kept in the ``.py`` sources by jupytext.
- Progress bars are not compared: tqdm draws its bar as a widget, or on stderr
  without ipywidgets, and it differs from run to run (speed, timing). Only the
  bars are dropped: anything else on stderr (a warning, say) is compared like stdout.
- Numbers with a decimal point or an exponent are compared to
  ``SIGNIFICANT_DIGITS`` significant digits: ``0.123456`` and ``0.123459`` are the
  same number here, ``0.1235`` and ``0.1240`` are not. Everything else is compared
  exactly, after the regular expressions in tests/nbval_sanitize.cfg (memory addresses).
"""

import math
import os
import re

import nbval.plugin
import pytest

os.environ.setdefault("LSTM_TUTORIAL_QUICK", "1")
# Kernels inherit this: one torch thread, as when the stored outputs were made (scripts/run_notebooks.py),
# so sums are added in the same order and a second process on a 2-core machine does not slow both.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")



def pytest_collection_modifyitems(items):
    """Every notebook cell is a slow test: ``pytest -m "not slow"`` runs the unit tests alone."""
    for item in items:
        if isinstance(item, nbval.plugin.IPyNbCell):
            item.add_marker(pytest.mark.slow)


# --- progress bars -------------------------------------------------------------------------------
# tqdm's bar: "Epoch 1:  45%|████▌     | 9/20 [00:01<00:01, 8.12it/s, loss=5.1234]"
_PROGRESS_BAR = re.compile(r"\d+%\|")


def _without_progress_bars(text: str) -> str:
    """stderr text without tqdm's bars. A bar redraws itself after a carriage return, and one
    that does not stay (``leave=False``) ends by overwriting itself with spaces."""
    lines = []
    for line in text.split("\n"):
        drawn = [part for part in line.split("\r") if part.strip()]
        if (drawn and all(_PROGRESS_BAR.search(part) for part in drawn)) or (not drawn and "\r" in line):
            continue
        lines.append(line)
    return "\n".join(lines)


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else value


def _is_progress_widget(output) -> bool:
    data = output.get("data", {})
    text = _text(data.get("text/plain", ""))
    return "application/vnd.jupyter.widget-view+json" in data and bool(_PROGRESS_BAR.search(text))


def _without_progress(outputs):
    kept = []
    for output in outputs:
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            text = _without_progress_bars(_text(output.get("text", "")))
            if text.strip():
                kept.append({**output, "text": text})
        elif not _is_progress_widget(output):
            kept.append(output)
    return [nbval.plugin.nbformat.from_dict(output) for output in kept]


# --- numbers -------------------------------------------------------------------------------------
SIGNIFICANT_DIGITS = 5
# A number with a decimal point or an exponent, not part of a word (so not the 3e5 of 0x7f3e5).
_NUMBER = re.compile(r"(?<![\w.])([-+]?(?:\d+\.\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?\d+[eE][-+]?\d+)(?!\w)")


def same_to_significant_digits(a: str, b: str, digits: int = SIGNIFICANT_DIGITS) -> bool:
    """Whether two written numbers differ by at most one unit in the ``digits``-th significant digit."""
    x, y = float(a), float(b)
    if x == y:
        return True
    if not (math.isfinite(x) and math.isfinite(y)):
        return False
    unit = 10 ** (math.floor(math.log10(max(abs(x), abs(y)))) - digits + 1)
    return abs(x - y) <= unit * (1 + 1e-9)


def align_numbers(test: str, reference: str) -> str:
    """``test`` with each number that matches the reference's number in the same place (to
    ``SIGNIFICANT_DIGITS``) written as the reference writes it; unchanged if the texts around
    the numbers differ, so a real difference shows as it is."""
    test_parts, reference_parts = _NUMBER.split(test), _NUMBER.split(reference)
    if len(test_parts) != len(reference_parts) or test_parts[0::2] != reference_parts[0::2]:
        return test
    for i in range(1, len(test_parts), 2):
        if same_to_significant_digits(test_parts[i], reference_parts[i]):
            test_parts[i] = reference_parts[i]
    return "".join(test_parts)


def _texts(outputs):
    """(output, where, text) for every text nbval compares, grouped as nbval groups them:
    by stream name or by MIME type, in order."""
    groups = {}
    for output in outputs:
        if output.get("output_type") == "stream":
            groups.setdefault(("stream", output.get("name")), []).append((output, None))
        for mime, value in output.get("data", {}).items():
            if isinstance(value, (str, list)):
                groups.setdefault(("data", mime), []).append((output, mime))
    return groups


def _with_aligned_numbers(test, reference):
    reference_groups = _texts(reference)
    for key, entries in _texts(test).items():
        for (output, mime), (ref_output, ref_mime) in zip(entries, reference_groups.get(key, [])):
            if mime is None:
                output["text"] = align_numbers(_text(output["text"]), _text(ref_output["text"]))
            else:
                reference_text = _text(ref_output["data"][ref_mime])
                output["data"][mime] = align_numbers(_text(output["data"][mime]), reference_text)
    return test


_compare_outputs = nbval.plugin.IPyNbCell.compare_outputs


def _compare_outputs_strictly_enough(self, test, ref, skip_compare=None):
    test, ref = _without_progress(test), _without_progress(ref)
    return _compare_outputs(self, _with_aligned_numbers(test, ref), ref, skip_compare)


nbval.plugin.IPyNbCell.compare_outputs = _compare_outputs_strictly_enough
