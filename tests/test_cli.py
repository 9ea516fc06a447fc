"""The command line, run as a learner would: in a subprocess."""

import json
import subprocess
import sys

import pytest
import torch

TINY_FLAGS = ["--preset", "quick", "--max-recipes", "40", "--vocab-size", "300", "--embedding-dim", "8",
              "--hidden-dim", "8", "--max-len", "30", "--epochs", "2", "--no-progress"]


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "lstm_tutorial", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"})


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli_run")
    result = cli("train", *TINY_FLAGS, "--out", out)
    assert result.returncode == 0, result.stderr
    assert "Epoch 2/2" in result.stdout
    return out


def test_train_writes_checkpoints_and_metrics(run_dir):
    assert (run_dir / "last.pt").exists() and (run_dir / "best.pt").exists()
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert [m["epoch"] for m in metrics] == [1, 2]
    assert all(m["tokens_per_second"] > 0 and m["val_perplexity"] > 1 for m in metrics)


def test_resume_continues_the_run(run_dir, tmp_path):
    for name in ["last.pt", "best.pt", "metrics.json"]:
        (tmp_path / name).write_bytes((run_dir / name).read_bytes())
    result = cli("train", "--out", tmp_path, "--resume", "--epochs", "3", "--no-progress")
    assert result.returncode == 0, result.stderr
    assert "Resumed from" in result.stdout and "Epoch 3/3" in result.stdout
    assert len(json.loads((tmp_path / "metrics.json").read_text())) == 3


def test_generate_same_seed_same_text_at_several_temperatures(run_dir):
    args = ["generate", "--checkpoint", run_dir / "best.pt", "recipe for", "--max-tokens", "15", "--seed", "7",
            "--temperature", "0.5", "1.0", "--num-samples", "2"]
    first, second = cli(*args), cli(*args)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    assert "--- temperature 0.5 ---" in first.stdout and "--- temperature 1 ---" in first.stdout
    assert first.stdout.count("recipe for") == 4


def test_generate_with_top_k_and_top_p(run_dir):
    result = cli("generate", "--checkpoint", run_dir / "best.pt", "--top-k", "5", "--top-p", "0.9", "--seed", "1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("recipe for") == 1


def test_evaluate_prints_loss_and_perplexity(run_dir):
    result = cli("evaluate", "--checkpoint", run_dir / "best.pt", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["split"] == "val" and report["perplexity"] > 1 and report["recipes"] == 8
    history = json.loads((run_dir / "metrics.json").read_text())
    assert report["loss"] == pytest.approx(min(m["val_loss"] for m in history), rel=1e-4)
    plain = cli("evaluate", "--checkpoint", run_dir / "best.pt", "--split", "all")
    assert "all loss" in plain.stdout and "perplexity" in plain.stdout


def _bad_files(tmp_path, run_dir):
    empty = tmp_path / "empty.json"
    empty.write_text("")
    malformed = tmp_path / "malformed.json"
    malformed.write_text("[{")
    useless = tmp_path / "useless.json"
    useless.write_text("[{}]")
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes((run_dir / "best.pt").read_bytes()[:5000])
    foreign = tmp_path / "foreign.pt"
    foreign.write_bytes(b"not a checkpoint")
    return empty, malformed, useless, truncated, foreign


def test_bad_input_gets_one_line_on_stderr_and_a_nonzero_exit(run_dir, tmp_path):
    empty, malformed, useless, truncated, foreign = _bad_files(tmp_path, run_dir)
    a_file = tmp_path / "a_file"
    a_file.write_text("not a folder")
    ckpt = ["--checkpoint", run_dir / "best.pt"]
    cases = [
        (["train", "--data", tmp_path / "missing.json"], "missing.json"),
        (["train", "--data", empty], "is empty"),
        (["train", "--data", malformed], "not valid JSON"),
        (["train", "--data", useless], "no usable recipe"),
        (["train", "--out", tmp_path / "fresh", "--resume"], "no checkpoint to resume"),
        (["generate", *ckpt, ""], "is empty"),
        (["generate", *ckpt, "zzqx blorf"], "no word of prompt 'zzqx blorf'"),
        (["generate", *ckpt, "--temperature", "-1"], "temperature must be a number >= 0, got -1.0"),
        (["generate", *ckpt, "--temperature", "warm"], "invalid float value: 'warm'"),
        (["generate", *ckpt, "--temperature", "nan"], "temperature"),
        (["generate", *ckpt, "--top-k", "0"], "top_k must be an integer >= 1, got 0"),
        (["generate", *ckpt, "--top-p", "0"], "top_p must be in (0, 1], got 0.0"),
        (["generate", *ckpt, "--top-p", "1.5"], "top_p must be in (0, 1], got 1.5"),
        (["generate", *ckpt, "--max-tokens", "0"], "max_tokens must be a whole number from 1 to 5000, got 0"),
        (["generate", *ckpt, "--max-tokens", "100000000"], "max_tokens must be a whole number from 1 to 5000"),
        (["generate", *ckpt, "--num-samples", "0"], "num_samples must be a whole number from 1 to 100, got 0"),
        (["generate", *ckpt, "--num-samples", "100000000"], "num_samples must be a whole number from 1 to 100"),
        (["train", "--epochs", "-1"], "epochs must be a whole number >= 1, got -1"),
        (["train", "--epochs", "0"], "epochs must be a whole number >= 1, got 0"),
        (["train", "--max-recipes", "0"], "max_recipes must be a whole number >= 1, got 0"),
        (["train", "--clip-grad-norm", "-1"], "clip_grad_norm must be a number > 0, got -1.0"),
        (["train", "--learning-rate", "inf"], "learning_rate must be a number > 0, got inf"),
        (["train", "--dropout-rate", "1"], "dropout_rate must be in [0, 1), got 1.0"),
        (["train", "--val-fraction", "0"], "val_fraction must be between 0 and 1"),
        (["train", "--out", a_file], f"--out {a_file}: {a_file} is a file, not a folder"),
        (["train", "--out", a_file / "below"], f"{a_file} is a file, not a folder"),
        (["train", "--out", run_dir, "--resume", "--preset", "cpu"], "--preset cannot be used with --resume"),
        (["train", "--out", run_dir, "--resume", "--hidden-dim", "64"], "cannot change hidden_dim when resuming"),
        (["generate", "--checkpoint", tmp_path / "nothing.pt"], "checkpoint not found"),
        (["generate", "--checkpoint", truncated], "not a readable checkpoint"),
        (["generate", "--checkpoint", foreign], "not a readable checkpoint"),
        (["evaluate", *ckpt, "--data", malformed], "not valid JSON"),
        (["train", "--preset", "huge"], "invalid choice: 'huge'"),
        (["generate", *ckpt, "--device", "gpu"], "--device 'gpu' is not a device"),
    ]
    if not torch.cuda.is_available():
        cases.append((["train", "--device", "cuda:0"], "no CUDA GPU is available"))
    for args, message in cases:
        result = cli(*args)
        assert result.returncode == 2, (args, result.returncode)
        assert message in result.stderr, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, (args, result.stderr)
        assert "Traceback" not in result.stderr


def test_console_script_is_declared_in_pyproject():
    import tomllib
    from pathlib import Path

    pyproject = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())
    assert pyproject["project"]["scripts"]["lstm-tutorial"] == "lstm_tutorial.cli:main"


def test_every_config_field_is_a_train_flag():
    import dataclasses

    from lstm_tutorial import TrainConfig

    help_text = cli("train", "--help").stdout
    for field in dataclasses.fields(TrainConfig):
        assert "--" + field.name.replace("_", "-") in help_text, field.name


def test_help_does_not_import_torch_and_import_does_not_load_widgets_or_plots():
    probe = ("import sys, lstm_tutorial.cli as cli\n"
             "try: cli.main(['--help'])\n"
             "except SystemExit: pass\n"
             "print(sorted(m for m in ('torch', 'ipywidgets', 'matplotlib') if m in sys.modules))\n"
             "import lstm_tutorial; lstm_tutorial.Trainer\n"
             "print(sorted(m for m in ('torch', 'ipywidgets', 'matplotlib') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    lines = result.stdout.strip().splitlines()
    assert lines[-2:] == ["[]", "['torch']"], result.stdout


def test_include_ingredients_is_used_in_training_and_evaluate(tmp_path):
    out = tmp_path / "run"
    flags = [*TINY_FLAGS, "--epochs", "1", "--data", "original", "--include-ingredients", "--out", out]
    trained = cli("train", *flags)
    assert trained.returncode == 0, trained.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    evaluated = cli("evaluate", "--checkpoint", out / "last.pt", "--json")
    assert evaluated.returncode == 0, evaluated.stderr
    assert json.loads(evaluated.stdout)["loss"] == pytest.approx(metrics[-1]["val_loss"], rel=1e-4)
    checkpoint = torch.load(out / "last.pt", weights_only=True)
    assert checkpoint["config"]["include_ingredients"] is True and checkpoint["config"]["data"] == "original"


def test_resume_applies_a_new_learning_rate(run_dir, tmp_path):
    for name in ["last.pt", "best.pt", "metrics.json"]:
        (tmp_path / name).write_bytes((run_dir / name).read_bytes())
    result = cli("train", "--out", tmp_path, "--resume", "--epochs", "3", "--learning-rate", "0.0005",
                 "--no-progress")
    assert result.returncode == 0, result.stderr
    assert torch.load(tmp_path / "last.pt", weights_only=True)["config"]["learning_rate"] == 0.0005
