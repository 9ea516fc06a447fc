"""The command line: ``main()`` in this process, and (marked slow) the installed command in a subprocess,
as a learner runs it."""

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from lstm_tutorial.cli import main
from lstm_tutorial.tokenizer import tokenize

TINY_FLAGS = ["--preset", "quick", "--max-recipes", "40", "--vocab-size", "300", "--embedding-dim", "8",
              "--hidden-dim", "8", "--max-len", "30", "--epochs", "2", "--no-progress"]


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "lstm_tutorial", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"})


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A tiny run made by the command's own ``main()``, in this process (a subprocess costs seconds)."""
    out = tmp_path_factory.mktemp("cli_run")
    assert main(["train", *TINY_FLAGS, "--out", str(out)]) == 0
    return out


def test_train_writes_checkpoints_and_metrics(run_dir):
    assert (run_dir / "last.pt").exists() and (run_dir / "best.pt").exists()
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert [m["epoch"] for m in metrics] == [1, 2]
    assert all(m["tokens_per_second"] > 0 and m["val_perplexity"] > 1 for m in metrics)


@pytest.mark.slow
def test_resume_continues_the_run(run_dir, tmp_path):
    for name in ["last.pt", "best.pt", "metrics.json"]:
        (tmp_path / name).write_bytes((run_dir / name).read_bytes())
    result = cli("train", "--out", tmp_path, "--resume", "--epochs", "3", "--no-progress")
    assert result.returncode == 0, result.stderr
    assert "Resumed from" in result.stdout and "Epoch 3/3" in result.stdout
    assert len(json.loads((tmp_path / "metrics.json").read_text())) == 3


@pytest.mark.slow
def test_generate_same_seed_same_text_at_several_temperatures(run_dir):
    args = ["generate", "--checkpoint", run_dir / "best.pt", "recipe for", "--max-tokens", "15", "--seed", "7",
            "--temperature", "0.5", "1.0", "--num-samples", "2"]
    first, second = cli(*args), cli(*args)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    assert "--- temperature 0.5 ---" in first.stdout and "--- temperature 1 ---" in first.stdout
    assert first.stdout.count("recipe for") == 4


@pytest.mark.slow
def test_generate_with_top_k_and_top_p(run_dir):
    result = cli("generate", "--checkpoint", run_dir / "best.pt", "--top-k", "5", "--top-p", "0.9", "--seed", "1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("recipe for") == 1


@pytest.mark.slow
def test_evaluate_prints_loss_and_perplexity(run_dir):
    result = cli("evaluate", "--checkpoint", run_dir / "best.pt", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["split"] == "val" and report["perplexity"] > 1 and report["recipes"] == 8
    history = json.loads((run_dir / "metrics.json").read_text())
    assert report["loss"] == pytest.approx(min(m["val_loss"] for m in history), rel=1e-4)
    plain = cli("evaluate", "--checkpoint", run_dir / "best.pt", "--split", "all")
    assert "all loss" in plain.stdout and "perplexity" in plain.stdout


@pytest.fixture(scope="module")
def bad(run_dir, tmp_path_factory):
    """Files a learner might wrongly pass, by name: bad.empty, bad.truncated, bad.a_file..."""
    folder = tmp_path_factory.mktemp("bad_input")
    files = {"empty.json": "", "malformed.json": "[{", "useless.json": "[{}]", "foreign.pt": "not a checkpoint",
             "a_file": "not a folder"}
    for name, text in files.items():
        (folder / name).write_text(text)
    (folder / "truncated.pt").write_bytes((run_dir / "best.pt").read_bytes()[:5000])
    checkpoint = torch.load(run_dir / "best.pt", weights_only=True)
    data = bytearray((run_dir / "best.pt").read_bytes())
    start = bytes(data).find(checkpoint["model_state_dict"]["fc.weight"].numpy().tobytes()[:64])  # stored raw
    data[start + 40 : start + 44] = bytes(b ^ 0xFF for b in data[start + 40 : start + 44])
    (folder / "damaged.pt").write_bytes(bytes(data))
    del checkpoint["vocab"]
    torch.save(checkpoint, folder / "incomplete.pt")
    names = {Path(name).stem: folder / name for name in [*files, "truncated.pt", "damaged.pt", "incomplete.pt"]}
    return SimpleNamespace(**names, folder=folder, missing=folder / "missing.json", run_dir=run_dir,
                           ckpt=["--checkpoint", run_dir / "best.pt"])


# (arguments, what stderr must say); each ``b`` is the ``bad`` fixture
BAD_INPUT = [
    (lambda b: ["train", "--data", b.missing], lambda b: "missing.json"),
    (lambda b: ["train", "--data", b.empty], lambda b: "is empty"),
    (lambda b: ["train", "--data", b.malformed], lambda b: "not valid JSON"),
    (lambda b: ["train", "--data", b.useless], lambda b: "no usable recipe"),
    (lambda b: ["train", "--out", b.folder / "fresh", "--resume"], lambda b: "no checkpoint to resume"),
    (lambda b: ["generate", *b.ckpt, ""], lambda b: "is empty"),
    (lambda b: ["generate", *b.ckpt, "zzqx blorf"], lambda b: "no word of prompt 'zzqx blorf'"),
    (lambda b: ["generate", *b.ckpt, "--temperature", "-1"], lambda b: "temperature must be a number >= 0, got -1.0"),
    (lambda b: ["generate", *b.ckpt, "--temperature", "warm"], lambda b: "invalid float value: 'warm'"),
    (lambda b: ["generate", *b.ckpt, "--temperature", "nan"], lambda b: "temperature"),
    (lambda b: ["generate", *b.ckpt, "--top-k", "0"], lambda b: "top_k must be an integer >= 1, got 0"),
    (lambda b: ["generate", *b.ckpt, "--top-p", "0"], lambda b: "top_p must be in (0, 1], got 0.0"),
    (lambda b: ["generate", *b.ckpt, "--top-p", "1.5"], lambda b: "top_p must be in (0, 1], got 1.5"),
    (lambda b: ["generate", *b.ckpt, "--max-tokens", "0"],
     lambda b: "max_tokens must be a whole number from 1 to 5000, got 0"),
    (lambda b: ["generate", *b.ckpt, "--max-tokens", "100000000"],
     lambda b: "max_tokens must be a whole number from 1 to 5000"),
    (lambda b: ["generate", *b.ckpt, "--num-samples", "0"],
     lambda b: "num_samples must be a whole number from 1 to 100, got 0"),
    (lambda b: ["generate", *b.ckpt, "--num-samples", "100000000"],
     lambda b: "num_samples must be a whole number from 1 to 100"),
    (lambda b: ["train", "--epochs", "-1"], lambda b: "epochs must be a whole number >= 1, got -1"),
    (lambda b: ["train", "--epochs", "0"], lambda b: "epochs must be a whole number >= 1, got 0"),
    (lambda b: ["train", "--max-recipes", "0"], lambda b: "max_recipes must be a whole number >= 1, got 0"),
    (lambda b: ["train", "--clip-grad-norm", "-1"], lambda b: "clip_grad_norm must be a number > 0, got -1.0"),
    (lambda b: ["train", "--learning-rate", "inf"], lambda b: "learning_rate must be a number > 0, got inf"),
    (lambda b: ["train", "--dropout-rate", "1"], lambda b: "dropout_rate must be in [0, 1), got 1.0"),
    (lambda b: ["train", "--val-fraction", "0"], lambda b: "val_fraction must be between 0 and 1"),
    (lambda b: ["train", "--out", b.a_file],
     lambda b: f"checkpoint folder {b.a_file}: {b.a_file} is a file, not a folder"),
    (lambda b: ["train", "--out", b.a_file / "below"], lambda b: f"{b.a_file} is a file, not a folder"),
    (lambda b: ["train", "--out", b.run_dir, "--resume", "--preset", "cpu"],
     lambda b: "cannot resume with --preset cpu's --max-recipes None: the checkpoint has 40"),
    (lambda b: ["train", "--out", b.run_dir, "--resume", "--hidden-dim", "64"],
     lambda b: "cannot resume with --hidden-dim 64: the checkpoint has 8, and a resumed run keeps its data, split "
               "and model (it may change --epochs, --patience, --learning-rate, --anneal, --clip-grad-norm, "
               "--precision, --sample-prompt, --sample-tokens)"),
    (lambda b: ["generate", "--checkpoint", b.folder / "nothing.pt"], lambda b: "checkpoint not found"),
    (lambda b: ["generate", "--checkpoint", b.truncated], lambda b: "not a readable checkpoint"),
    (lambda b: ["generate", "--checkpoint", b.foreign], lambda b: "not a readable checkpoint"),
    (lambda b: ["generate", "--checkpoint", b.damaged], lambda b: "damaged.pt is damaged: its weights do not match"),
    (lambda b: ["evaluate", "--checkpoint", b.incomplete], lambda b: "incomplete.pt is incomplete: it has no vocab"),
    (lambda b: ["evaluate", *b.ckpt, "--data", b.malformed], lambda b: "not valid JSON"),
    (lambda b: ["train", "--preset", "huge"], lambda b: "invalid choice: 'huge'"),
    (lambda b: ["generate", *b.ckpt, "--device", "gpu"], lambda b: "device 'gpu' is not a device"),
    (lambda b: ["train", "--precision", "half"], lambda b: "argument --precision: invalid choice: 'half'"),
    pytest.param(lambda b: ["train", "--device", "cuda:0"], lambda b: "no CUDA GPU is available",
                 marks=pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")),
]


@pytest.mark.parametrize("arguments, message", BAD_INPUT)
def test_bad_input_gets_one_line_on_stderr_and_exit_status_2(bad, arguments, message, capsys, monkeypatch):
    """``main()`` as the ``lstm-tutorial`` script calls it, in this process (a subprocess per case
    costs seconds of torch imports; test_the_installed_command_... runs a few that way)."""
    monkeypatch.chdir(bad.folder)  # nothing lands in the working tree if a case ever trains
    try:
        status = main([str(argument) for argument in arguments(bad)])
    except SystemExit as exit:  # argparse's errors
        status = exit.code
    stderr = capsys.readouterr().err
    assert status == 2
    assert message(bad) in stderr
    assert len(stderr.strip().splitlines()) == 1, stderr


@pytest.mark.parametrize("arguments, message", [BAD_INPUT[i] for i in (2, 8, 17, 31)])
@pytest.mark.slow
def test_the_command_run_as_a_learner_would_exits_2_with_one_line(bad, arguments, message):
    result = cli(*arguments(bad))
    assert result.returncode == 2
    assert message(bad) in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_console_script_is_declared_in_pyproject():
    import tomllib
    from pathlib import Path

    pyproject = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())
    assert pyproject["project"]["scripts"]["lstm-tutorial"] == "lstm_tutorial.cli:main"


@pytest.mark.slow
def test_every_config_field_is_a_train_flag():
    import dataclasses

    from lstm_tutorial import TrainConfig

    help_text = cli("train", "--help").stdout
    for field in dataclasses.fields(TrainConfig):
        assert "--" + field.name.replace("_", "-") in help_text, field.name


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
def test_resume_applies_a_new_learning_rate(run_dir, tmp_path):
    for name in ["last.pt", "best.pt", "metrics.json"]:
        (tmp_path / name).write_bytes((run_dir / name).read_bytes())
    result = cli("train", "--out", tmp_path, "--resume", "--epochs", "3", "--learning-rate", "0.0005",
                 "--no-progress")
    assert result.returncode == 0, result.stderr
    assert torch.load(tmp_path / "last.pt", weights_only=True)["config"]["learning_rate"] == 0.0005


def test_resume_takes_the_command_the_run_started_with(tmp_path, capsys):
    """The first thing a learner types after a crash: the same command with --resume added."""
    command = ["train", *TINY_FLAGS, "--out", str(tmp_path)]
    assert main([*command, "--epochs", "1"]) == 0  # interrupted after one epoch, say
    assert main([*command, "--resume"]) == 0
    assert "Resumed from" in capsys.readouterr().out
    assert [m["epoch"] for m in json.loads((tmp_path / "metrics.json").read_text())] == [1, 2]

    assert main([*command, "--resume", "--epochs", "3", "--patience", "2", "--precision", "float32",
                 "--learning-rate", "0.002", "--clip-grad-norm", "none"]) == 0  # what may change
    config = torch.load(tmp_path / "last.pt", weights_only=True)["config"]
    assert (config["epochs"], config["patience"], config["precision"], config["learning_rate"],
            config["clip_grad_norm"]) == (3, 2, "float32", 0.002, None)
    capsys.readouterr()

    assert main([*command, "--resume", "--seed", "5"]) == 2
    assert capsys.readouterr().err.startswith(
        "lstm-tutorial train: error: cannot resume with --seed 5: the checkpoint has 42")
    assert main(["train", "--preset", "book", "--out", str(tmp_path), "--resume"]) == 2
    assert "cannot resume with --preset book's --max-recipes None: the checkpoint has 40" in capsys.readouterr().err


@pytest.mark.slow
def test_evaluate_scores_the_recipes_data_names(run_dir, tmp_path):
    """--data with --split all scores exactly those recipes; with the default --split val, other recipes than
    the run's give another validation split, which is refused."""
    recipes = [{"title": "Toast", "directions": ["Toast the bread.", "Butter it."]},
               {"title": "Tea", "directions": ["Boil water.", "Pour it on the tea."]}]
    (tmp_path / "two.json").write_text(json.dumps(recipes))
    result = cli("evaluate", "--checkpoint", run_dir / "best.pt", "--data", tmp_path / "two.json", "--split", "all",
                 "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    texts = ["Recipe for Toast | Toast the bread. Butter it.", "Recipe for Tea | Boil water. Pour it on the tea."]
    assert report["recipes"] == 2 and report["tokens"] == sum(len(tokenize(text)) for text in texts)  # + <EOS> - 1
    refused = cli("evaluate", "--checkpoint", run_dir / "best.pt", "--data", tmp_path / "two.json")
    assert refused.returncode == 2 and "is not the one this model was validated on" in refused.stderr


@pytest.mark.slow
def test_generate_labels_each_model_so_a_quick_run_can_be_set_beside_the_pretrained_one(run_dir):
    result = cli("generate", "--checkpoint", run_dir / "best.pt", "--checkpoint", "pretrained", "--max-tokens", "8",
                 "--seed", "0")
    assert result.returncode == 0, result.stderr
    headers = [line for line in result.stdout.splitlines() if line.startswith("===")]
    assert headers[0].startswith(f"=== {run_dir / 'best.pt'} (") and "validation perplexity" in headers[0]
    assert headers[1].startswith("=== the pretrained model 'recipes' shipped in the package (")
    assert "epochs" in headers[1]
    assert len(headers) == 2 and result.stdout.count("recipe for") == 2
