"""Mutation testing of the core modules with mutmut (settings in setup.cfg, section [mutmut]).

    .venv/bin/pip install "mutmut>=3.3,<4"
    .venv/bin/python scripts/mutation_test.py            # run (reuses mutants/ results), then report
    .venv/bin/python scripts/mutation_test.py --fresh    # forget earlier results first
    .venv/bin/python scripts/mutation_test.py --report   # only report the last run

mutmut copies the package into mutants/, makes small changes ("mutants") to model.py, sampling.py,
generate.py, data.py, training.py and checkpoints.py one at a time (``<`` for ``<=``, ``+ 1`` for
``- 1``, a dropped argument...) and runs the unit tests that cover the changed function. A mutant
the tests notice is killed; one they do not notice survived. The score is killed / all mutants.

mutmut does not mutate decorated functions (``@torch.no_grad()``: ``TextGenerator.prefill``,
``TextGenerator.step``, ``evaluate_loss``; properties), so scripts/plant_bugs.py covers those.
Takes about 20 minutes on a 2-core CPU (``--children`` sets the parallel test processes).
Survivors whose change cannot alter behaviour are listed as equivalent, with the reason, in
docs/testing.md's "What the tests catch"; exit status 1 when the score is below ``--target``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ["model", "sampling", "generate", "data", "training", "checkpoints"]
KILLED = {1, 3, 36, 37, -24, 24, 152, 255}  # test failure, pytest error, timeouts, type check (mutmut's codes)
NAMES = {0: "survived", 5: "no tests", 33: "no tests", 34: "skipped", None: "not checked"}


def run_mutmut(children: int) -> None:
    mutmut = Path(sys.executable).parent / "mutmut"
    if not mutmut.exists():
        sys.exit(f"mutmut is not installed: {Path(sys.executable).parent / 'pip'} install 'mutmut>=3.3,<4'")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    subprocess.run([str(mutmut), "run", "--max-children", str(children)], cwd=ROOT, env=env, check=True)


def report(target: float) -> int:
    survivors, total, killed = [], 0, 0
    print(f"\n{'module':14} {'mutants':>8} {'killed':>7} {'survived':>9} {'no tests':>9}  score")
    for module in MODULES:
        meta = ROOT / "mutants" / "lstm_tutorial" / f"{module}.py.meta"
        if not meta.exists():
            print(f"{module:14} no results: run mutmut first")
            return 1
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        counts = Counter("killed" if code in KILLED else NAMES.get(code, "suspicious") for code in codes.values())
        survivors += sorted(name for name, code in codes.items() if code not in KILLED)
        total, killed = total + len(codes), killed + counts["killed"]
        print(f"{module:14} {len(codes):8} {counts['killed']:7} {counts['survived']:9} {counts['no tests']:9}  "
              f"{100 * counts['killed'] / max(len(codes), 1):5.1f}%")
    score = 100 * killed / max(total, 1)
    print(f"{'all':14} {total:8} {killed:7} {'':9} {'':9}  {score:5.1f}% (target {target:.0f}%)")
    if survivors:
        print(f"\nnot killed ({len(survivors)}); see each with: mutmut show NAME")
        for name in survivors:
            print(" ", name)
    return 0 if score >= target else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fresh", action="store_true", help="delete mutants/ first (all mutants are re-tested)")
    parser.add_argument("--report", action="store_true", help="only print the results of the last run")
    parser.add_argument("--children", type=int, default=os.cpu_count() or 2, help="parallel test processes")
    parser.add_argument("--target", type=float, default=85.0, help="lowest acceptable score in percent")
    args = parser.parse_args()
    start = time.perf_counter()
    if not args.report:
        if args.fresh:
            shutil.rmtree(ROOT / "mutants", ignore_errors=True)
        run_mutmut(args.children)
    status = report(args.target)
    if not args.report:
        print(f"\ntook {(time.perf_counter() - start) / 60:.0f} minutes")
    return status


if __name__ == "__main__":
    sys.exit(main())
