"""nbval settings for the course notebooks in notebooks/ (collected by ``pytest --nbval``).

- The notebooks run in quick mode under test, so training takes seconds.
- A cell whose comment line reads ``# NBVAL_IGNORE_OUTPUT: why`` is not compared:
  nbval itself only knows the bare marker, and we want the reason on the same line.
- Progress bars and stderr are not compared: tqdm draws its bar as a widget (or
  on stderr without ipywidgets) and warnings land on stderr; both differ from
  run to run. Everything on stdout and every text/plain result is
  compared strictly (numbers that wobble in their last digits are tamed by
  tests/nbval_sanitize.cfg).
"""

import os
import re

import nbval.plugin

os.environ.setdefault("LSTM_TUTORIAL_QUICK", "1")
os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")

_find_comment_markers = nbval.plugin.find_comment_markers
_MARKER_WITH_REASON = re.compile(r"^(\s*#\s*NBVAL_[A-Z_]+)\s*:.*$", re.M)


def _find_comment_markers_with_reasons(source):
    return _find_comment_markers(_MARKER_WITH_REASON.sub(r"\1", source))


nbval.plugin.find_comment_markers = _find_comment_markers_with_reasons

_compare_outputs = nbval.plugin.IPyNbCell.compare_outputs


_PROGRESS_BAR = re.compile(r"\d+%\|")


def _is_noise(output) -> bool:
    if output.get("output_type") == "stream":
        return output.get("name") == "stderr"
    data = output.get("data", {})
    text = data.get("text/plain", "")
    text = "".join(text) if isinstance(text, list) else text
    return "application/vnd.jupyter.widget-view+json" in data and bool(_PROGRESS_BAR.search(text))


def _without_noise(outputs):
    return [out for out in outputs if not _is_noise(out)]


def _compare_outputs_without_noise(self, test, ref, skip_compare=None):
    return _compare_outputs(self, _without_noise(test), _without_noise(ref), skip_compare)


nbval.plugin.IPyNbCell.compare_outputs = _compare_outputs_without_noise
