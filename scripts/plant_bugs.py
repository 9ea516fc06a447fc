"""Plant each known bug (BUGS below) in a scratch copy of the project, one at a time; check a test fails.

    python scripts/plant_bugs.py            # every bug (about 6 minutes on a 2-core CPU)
    python scripts/plant_bugs.py eos top_k  # only these

The working tree is never edited: the tracked and untracked (not ignored) files are copied to a
temporary folder, the bug is written into the copy, the tests named for it run there, and the copy's
file is restored. Prints one line per bug with the tests that failed; exits 1 if a bug fails no test
or no longer applies (the code it edits has changed: update its ``old`` text here).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Bug:
    key: str
    what: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]


BUGS = [
    Bug("carry_state", "sample() does not carry the LSTM state: every word starts from the prompt's state",
        "lstm_tutorial/generate.py",
        "state.next_logits, state.hidden = self.model.step(next_ids[:, 0], state.hidden)",
        "state.next_logits, _ = self.model.step(next_ids[:, 0], state.hidden)",
        ("tests/test_generate.py",)),
    Bug("zero_state", "sample() restarts the LSTM from a zero state for every word",
        "lstm_tutorial/generate.py",
        "state.next_logits, state.hidden = self.model.step(next_ids[:, 0], state.hidden)",
        "state.next_logits, state.hidden = self.model.step(next_ids[:, 0], "
        "tuple(h * 0 for h in state.hidden))",
        ("tests/test_generate.py",)),
    Bug("prefill_state", "prefill() drops the prompt's LSTM state: generation starts from zeros",
        "lstm_tutorial/generate.py",
        "hidden = tuple(h.repeat(1, num_texts, 1) for h in hidden)",
        "hidden = tuple(torch.zeros_like(h).repeat(1, num_texts, 1) for h in hidden)",
        ("tests/test_generate.py",)),
    Bug("prefill_logits", "prefill() takes the next-word logits after the prompt's first word, not its last",
        "lstm_tutorial/generate.py",
        "next_logits=logits[0, -1].expand(num_texts, -1)", "next_logits=logits[0, 0].expand(num_texts, -1)",
        ("tests/test_generate.py",)),
    Bug("eos", "generation never stops at <EOS>", "lstm_tutorial/generate.py",
        "state.finished[row] = idx in self.stop_ids", "state.finished[row] = False",
        ("tests/test_generate.py",)),
    Bug("eos_loop", "the generation loop ignores finished texts", "lstm_tutorial/generate.py",
        "while not state.done and state.steps < max_tokens:", "while state.steps < max_tokens:",
        ("tests/test_generate.py",)),
    Bug("top_p", "sample() ignores top_p", "lstm_tutorial/generate.py",
        "options = SamplingOptions(temperature, top_k, top_p)\n        state = self.complete(",
        "options = SamplingOptions(temperature, top_k)\n        state = self.complete(",
        ("tests/test_generate.py",)),
    Bug("top_k", "top-k keeps k-1 words", "lstm_tutorial/sampling.py",
        "scaled.masked_fill(scaled < kth_largest, -math.inf)", "scaled.masked_fill(scaled <= kth_largest, -math.inf)",
        ("tests/test_sampling.py", "tests/test_generate.py")),
    Bug("draw_last", "draw() never picks the last word (off by one in the clamp)", "lstm_tutorial/sampling.py",
        "return torch.searchsorted(cdf, u, right=True)\n",
        "return torch.searchsorted(cdf, u, right=True).clamp_(max=probs.size(-1) - 2)\n",
        ("tests/test_sampling.py", "tests/test_generate.py")),
    Bug("draw_rare", "the last word of the draw 2.5 points too rare", "lstm_tutorial/sampling.py",
        "generator=generator, device=probs.device) * total\n",
        "generator=generator, device=probs.device) * total * 0.975\n",
        ("tests/test_sampling.py", "tests/test_generate.py")),
    Bug("pad_id", "the loaders pad with another id (<UNK>) than the loss ignores", "lstm_tutorial/data.py",
        "functools.partial(pad_batch, pad_idx=pad_idx)", "functools.partial(pad_batch, pad_idx=1)",
        ("tests/test_data.py", "tests/test_training.py")),
    Bug("no_batch_shuffle", "the order of the batches is never shuffled", "lstm_tutorial/data.py",
        "        if self.shuffle:\n            rng.shuffle(batches)\n", "",
        ("tests/test_data.py", "tests/test_training.py")),
    Bug("no_train_shuffle", "the training loader is not shuffled at all", "lstm_tutorial/data.py",
        "_loader(train, vocab.pad_idx, batch_size, True, seed)",
        "_loader(train, vocab.pad_idx, batch_size, False, seed)",
        ("tests/test_data.py", "tests/test_training.py")),
    Bug("batch_mean", "the epoch loss is the mean over batches (the blog post's bug)", "lstm_tutorial/training.py",
        "total_loss += loss * n_tokens\n        total_tokens += n_tokens",
        "total_loss += loss\n        total_tokens += 1",
        ("tests/test_training.py",)),
    Bug("eval_batch_mean", "the validation loss is the mean over batches", "lstm_tutorial/training.py",
        "        total_loss += loss_sum.item()\n        total_tokens += n_tokens\n",
        "        total_loss += loss_sum.item() / n_tokens\n        total_tokens += 1\n",
        ("tests/test_training.py",)),
    Bug("loss_no_bias_grad", "the model's loss gives the output layer's bias no gradient", "lstm_tutorial/model.py",
        "grad_bias += probs.sum(dim=0)", "pass",
        ("tests/test_training.py",)),
    Bug("loss_padding", "the model's loss counts padding targets", "lstm_tutorial/model.py",
        "real = targets != pad_idx", "real = targets >= 0",
        ("tests/test_training.py",)),
    Bug("eval_precision", "validation runs in bfloat16 when training does", "lstm_tutorial/training.py",
        "        loss_sum, n_tokens, _ = model.loss_sum(x, y, pad_idx)\n",
        "        loss_sum, n_tokens, _ = model.loss_sum(x, y, pad_idx, torch.bfloat16)\n",
        ("tests/test_precision.py", "tests/test_training.py")),
    Bug("no_clip", "gradient clipping removed", "lstm_tutorial/training.py",
        "            nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)", "            pass",
        ("tests/test_training.py",)),
    Bug("best_every_epoch", "best.pt overwritten every epoch", "lstm_tutorial/training.py",
        "        if is_best:\n            checkpoints.save_checkpoint(checkpoint, self.out_dir / checkpoints.BEST)",
        "        if True:\n            checkpoints.save_checkpoint(checkpoint, self.out_dir / checkpoints.BEST)",
        ("tests/test_training.py",)),
    Bug("best_reset", "best_val_loss reset on resume", "lstm_tutorial/checkpoints.py",
        'return list(checkpoint["history"]), checkpoint["best_val_loss"]',
        'return list(checkpoint["history"]), float("inf")',
        ("tests/test_training.py",)),
    Bug("best_is_last", "best_val_loss on resume taken from the last epoch", "lstm_tutorial/checkpoints.py",
        'return list(checkpoint["history"]), checkpoint["best_val_loss"]',
        'return list(checkpoint["history"]), checkpoint["val_loss"]',
        ("tests/test_training.py",)),
    Bug("resume_any_change", "a resumed run takes a new model size", "lstm_tutorial/config.py",
        "if name not in RESUMABLE_FIELDS and value != getattr(saved, name):",
        "if False:",
        ("tests/test_training.py", "tests/test_cli.py")),
    Bug("not_atomic", "checkpoints written straight onto the target path", "lstm_tutorial/checkpoints.py",
        "return _write_atomically(Path(path), lambda file: torch.save(marked, file))",
        "Path(path).parent.mkdir(parents=True, exist_ok=True)\n    torch.save(marked, path)\n    return Path(path)",
        ("tests/test_checkpoints.py",)),
    Bug("not_atomic_file", "every file (checkpoints, metrics.json) written straight into the target",
        "lstm_tutorial/checkpoints.py",
        "handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f\".{path.name}.\", suffix=\".tmp\")",
        "handle, temporary = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), str(path)",
        ("tests/test_checkpoints.py",)),
    Bug("metrics_not_atomic", "metrics.json written straight onto the target path", "lstm_tutorial/checkpoints.py",
        "return _write_atomically(Path(folder) / METRICS, "
        "lambda file: file.write(json.dumps(metrics, indent=2).encode()))",
        "(Path(folder) / METRICS).write_text(json.dumps(metrics, indent=2))\n    return Path(folder) / METRICS",
        ("tests/test_checkpoints.py",)),
    Bug("weights_only", "checkpoints loaded with weights_only=False", "lstm_tutorial/checkpoints.py",
        "torch.load(path, map_location=map_location, weights_only=True)",
        "torch.load(path, map_location=map_location, weights_only=False)",
        ("tests/test_checkpoints.py",)),
    Bug("no_checksum", "the weights' checksum is not checked", "lstm_tutorial/checkpoints.py",
        'if checkpoint.get("weights_sha256") != weights_checksum(checkpoint["model_state_dict"]):',
        "if False:",
        ("tests/test_checkpoints.py",)),
    Bug("checksum_first_kib", "the checksum covers each tensor's first KiB only", "lstm_tutorial/checkpoints.py",
        "digest.update(tensor.view(torch.uint8).numpy().tobytes())",
        "digest.update(tensor.view(torch.uint8).numpy().tobytes()[:1024])",
        ("tests/test_checkpoints.py",)),
    Bug("evaluate_ignores_data", "evaluate --data scores the checkpoint's own recipes", "lstm_tutorial/cli.py",
        "    data = args.data or config.data\n", "    data = config.data\n",
        ("tests/test_cli.py",)),
    Bug("step_rng", "the panel's Step after Generate ignores the Seed", "lstm_tutorial/panel.py",
        "        self.step_rng = rng  #", "        self.step_rng = None  #",
        ("tests/test_panel.py",)),
    Bug("dropout_in_generation", "generation right after training applies dropout", "lstm_tutorial/generate.py",
        "        self.model.eval()  # no dropout while generating", "        pass  # no dropout while generating",
        ("tests/test_generate.py", "tests/test_training.py")),
    Bug("picked_probs_shared", "the texts of a batch share one list of picked probabilities",
        "lstm_tutorial/generate.py", "picked_probs=[[] for _ in range(num_texts)]", "picked_probs=[[]] * num_texts",
        ("tests/test_generate.py",)),
    Bug("directions_string", "a directions string is spelled out one character at a time", "lstm_tutorial/recipes.py",
        "        return [field]  # iterating", "        return list(field)  # iterating",
        ("tests/test_recipes.py",)),
    Bug("blank_line_of_spaces", "a line of spaces does not separate two recipes in a text file",
        "lstm_tutorial/recipes.py", r'BLANK_LINE = re.compile(r"\n\s*\n")', r'BLANK_LINE = re.compile(r"\n\n")',
        ("tests/test_recipes.py",)),
    Bug("percent_not_closing", "detokenize writes '2 % milk'", "lstm_tutorial/tokenizer.py",
        '"}", "%"}', '"}"}',
        ("tests/test_tokenizer.py",)),
    Bug("vocab_ties_by_hash", "vocabulary ties broken by string hash order", "lstm_tutorial/vocab.py",
        "ranked = sorted(counts, key=lambda token: (-counts[token], first_seen[token]))",
        "ranked = sorted(set(counts), key=lambda token: -counts[token])",
        ("tests/test_vocab.py",)),
    Bug("cli_exit_1", "the CLI exits 1 instead of 2 on bad input", "lstm_tutorial/cli.py",
        "EXIT_BAD_INPUT = 2", "EXIT_BAD_INPUT = 1",
        ("tests/test_cli.py",)),
    Bug("cli_return_1", "the CLI returns 1 for errors raised by a command", "lstm_tutorial/cli.py",
        "        return EXIT_BAD_INPUT\n", "        return 1\n",
        ("tests/test_cli.py",)),
]


def copy_project(target: Path) -> None:
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
                           capture_output=True, text=True).stdout.split("\0")
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def failing_tests(copy: Path, tests: tuple[str, ...]) -> list[str]:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, "-m", "pytest", *tests, "-q", "-rf", "-o", "addopts=",
                             "-p", "no:cacheprovider"], cwd=copy, env=env, capture_output=True, text=True)
    return sorted({re.sub(r"\[.*", "", line.split("::", 1)[1].split(" ")[0])
                   for line in result.stdout.splitlines() if line.startswith("FAILED ")})


def main(keys: list[str]) -> int:
    bugs = [bug for bug in BUGS if not keys or bug.key in keys]
    problems = 0
    with tempfile.TemporaryDirectory(prefix="plant_bugs_") as folder:
        copy = Path(folder)
        copy_project(copy)
        clean = failing_tests(copy, tuple(sorted({test for bug in bugs for test in bug.tests})))
        if clean:
            print(f"these tests fail without any bug planted: {', '.join(clean)}")
            return 1
        for bug in bugs:
            path = copy / bug.path
            original = path.read_text()
            if original.count(bug.old) != 1:
                print(f"{bug.key:20} DOES NOT APPLY: {bug.path} no longer has its text once")
                problems += 1
                continue
            start = time.perf_counter()
            path.write_text(original.replace(bug.old, bug.new))
            try:
                failed = failing_tests(copy, bug.tests)
            finally:
                path.write_text(original)
            seconds = time.perf_counter() - start
            problems += not failed
            verdict = f"caught by {len(failed)}: {', '.join(failed)}" if failed else "NOT CAUGHT"
            print(f"{bug.key:20} {bug.what} ({bug.path}, {seconds:.0f}s)\n{'':21}{verdict}", flush=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
