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


@pytest.mark.parametrize("command", [["scripts/gpu_check.py"], ["benchmarks/benchmark.py", "--device", "cuda"],
                                     ["benchmarks/gpu_options.py"]])
def test_without_a_gpu_the_gpu_checks_say_so_and_exit_2(command):
    result = subprocess.run([sys.executable, *command], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert result.returncode == 2
    assert "torch sees no CUDA GPU here" in result.stderr.splitlines()[-1]
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_the_gpu_options_probe_runs_end_to_end_on_the_cpu():
    """Its dry run on the CPU reaches every part a CPU can run, so a GPU's device time is not lost to a typo."""
    result = subprocess.run([sys.executable, "benchmarks/gpu_options.py", "--device", "cpu", "--batches", "2",
                             "--rounds", "1", "--repeats", "1"], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert result.returncode == 0, result.stderr
    for line in ["blog's loop (padding to 200, batches of 32, float32)", "package, batches of 8, float32",
                 "no host syncs, batches of 128", "package on the CPU"]:
        assert line in result.stdout
    assert "failed" not in result.stdout
