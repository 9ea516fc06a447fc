"""The model shipped in the package: it loads offline, as float32, and is what it says it is."""

import math
import subprocess
import sys

import pytest
import torch

from lstm_tutorial import pretrained_generator, pretrained_model
from lstm_tutorial.checkpoints import load_checkpoint, validation_loader
from lstm_tutorial.config import TrainConfig
from lstm_tutorial.pretrained import PRETRAINED_MODEL
from lstm_tutorial.recipes import corpus_fingerprint, load_recipes
from lstm_tutorial.training import evaluate_loss


@pytest.fixture(scope="module")
def shipped():
    return pretrained_model("cpu")


def test_it_has_the_books_architecture_and_is_small(shipped):
    model, vocab, checkpoint = shipped
    assert model.embedding.weight.shape == (len(vocab), 100)
    assert model.lstm.hidden_size == 128 and model.lstm.num_layers == 1
    assert model.fc.weight.dtype == torch.float32  # stored as float16, loaded as float32
    size = sum(path.stat().st_size for path in PRETRAINED_MODEL.parent.iterdir())
    assert size <= 8_000_000


def test_it_records_how_it_was_made(shipped):
    _, _, checkpoint = shipped
    assert checkpoint["command"].startswith("python scripts/train_pretrained.py")
    config = TrainConfig.from_dict(checkpoint["config"])
    assert config.data == "default"
    assert checkpoint["corpus_fingerprint"] == corpus_fingerprint(
        config.recipes_used(load_recipes(config.data, verbose=False)))


def test_its_recorded_validation_loss_is_what_the_shipped_weights_give(shipped):
    model, vocab, checkpoint = shipped
    loss = evaluate_loss(model, validation_loader(checkpoint), vocab.pad_idx)
    assert loss == pytest.approx(checkpoint["val_loss"], abs=1e-4)
    assert math.exp(loss) < 40  # better than a Kneser-Ney bigram's 59 on this split (benchmarks/quality.py)


def test_it_loads_with_weights_only():
    assert load_checkpoint(PRETRAINED_MODEL)["format_version"] >= 2  # load_checkpoint uses weights_only=True


def test_pretrained_generator_writes_recipes():
    generator = pretrained_generator("cpu")
    assert generator.device == torch.device("cpu")
    text = generator.sample("recipe for banana bread", max_tokens=30, temperature=0)[0]
    assert text.startswith("recipe for banana bread") and "| preheat oven to 350°f (175°c)." in text


@pytest.mark.slow
def test_the_cli_generates_from_it_without_a_path():
    result = subprocess.run([sys.executable, "-m", "lstm_tutorial", "generate", "recipe for", "--seed", "1",
                             "--max-tokens", "20"], capture_output=True, text=True, env={"OMP_NUM_THREADS": "1"})
    assert result.returncode == 0, result.stderr
    assert "recipe for" in result.stdout
