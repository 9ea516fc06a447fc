"""nbval settings for the course notebooks (collected by ``pytest --nbval``).

- The notebooks run in quick mode under test, so training takes seconds.
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

_compare_outputs = nbval.plugin.IPyNbCell.compare_outputs


_PROGRESS_BAR = re.compile(r"\d+%\|")


def _is_noise(output) -> bool:
    if output.get("output_type") == "stream":
        return output.get("name") == "stderr"
    data = output.get("data", {})
    text = data.get("text/plain", "")
    text = "".join(text) if isinstance(text, list) else text
    return "application/vnd.jupyter.widget-view+json" in data and bool(_PROGRESS_BAR.search(text))


def _compare_outputs_without_noise(self, test, ref, skip_compare=None):
    keep = lambda outputs: [out for out in outputs if not _is_noise(out)]  # noqa: E731
    return _compare_outputs(self, keep(test), keep(ref), skip_compare)


nbval.plugin.IPyNbCell.compare_outputs = _compare_outputs_without_noise
