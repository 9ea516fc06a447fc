"""The GPU checks run for real only on a GPU; without one they refuse in one clear line, not a traceback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.slow,  # each runs a script in a subprocess
              pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")]


@pytest.mark.parametrize("command", [["scripts/gpu_check.py"], ["benchmarks/benchmark.py", "--device", "cuda"]])
def test_without_a_gpu_the_gpu_checks_say_so_and_exit_2(command):
    result = subprocess.run([sys.executable, *command], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert result.returncode == 2
    assert "torch sees no CUDA GPU here" in result.stderr.splitlines()[-1]
    assert "Traceback" not in result.stderr and result.stdout == ""
