"""The models shipped in the package: each loads offline, as float32, and is what it says it is."""

import math
import subprocess
import sys

import pytest
import torch

from lstm_tutorial import PRESETS, pretrained_generator, pretrained_model
from lstm_tutorial.checkpoints import load_checkpoint, validation_loader
from lstm_tutorial.config import TrainConfig
from lstm_tutorial.pretrained import DEFAULT_PRETRAINED, PRETRAINED_PRESETS, pretrained_history, pretrained_path
from lstm_tutorial.recipes import corpus_fingerprint, load_recipes
from lstm_tutorial.training import evaluate_loss

NAMES = sorted(PRETRAINED_PRESETS)


@pytest.fixture(scope="module", params=NAMES)
def shipped(request):
    return request.param, *pretrained_model(request.param, "cpu")


def test_each_is_its_presets_model_and_fits_in_8_mb(shipped):
    name, model, vocab, checkpoint = shipped
    config = TrainConfig.from_dict(checkpoint["config"])
    assert config == PRESETS[PRETRAINED_PRESETS[name]]
    assert model.embedding.weight.shape == (len(vocab), config.embedding_dim)
    assert model.lstm.hidden_size == config.hidden_dim and model.lstm.num_layers == config.num_layers
    assert model.fc.weight.dtype == torch.float32  # stored as float16, loaded as float32
    assert pretrained_path(name).stat().st_size <= 8_000_000


def test_the_book_model_has_the_books_sizes():
    model, _, _ = pretrained_model("book", "cpu")
    assert model.embedding.weight.shape[1] == 100 and model.lstm.hidden_size == 128 and model.lstm.num_layers == 1


def test_each_records_how_it_was_made(shipped):
    name, _, _, checkpoint = shipped
    assert checkpoint["command"].startswith("python scripts/train_pretrained.py")
    config = TrainConfig.from_dict(checkpoint["config"])
    assert config.data == "default"
    assert checkpoint["corpus_fingerprint"] == corpus_fingerprint(
        config.recipes_used(load_recipes(config.data, verbose=False)))
    history = pretrained_history(name)
    assert history[checkpoint["epoch"] - 1]["val_loss"] == pytest.approx(checkpoint["val_loss"], rel=0.01)


@pytest.mark.slow  # scores 654 recipes in float32
def test_each_recorded_validation_loss_is_what_the_shipped_weights_give(shipped):
    _, model, vocab, checkpoint = shipped
    loss = evaluate_loss(model, validation_loader(checkpoint), vocab.pad_idx)
    assert loss == pytest.approx(checkpoint["val_loss"], abs=1e-4)
    assert math.exp(loss) < 40  # better than a Kneser-Ney bigram's 59 on this split (benchmarks/quality.py)


@pytest.mark.parametrize("name", NAMES)
def test_each_loads_with_weights_only(name):
    assert load_checkpoint(pretrained_path(name))["format_version"] >= 2  # load_checkpoint uses weights_only=True


def test_a_name_that_is_not_shipped_is_a_clear_error():
    names = ", ".join(PRETRAINED_PRESETS)
    with pytest.raises(ValueError, match=f"no pretrained model named 'huge'; the names are {names}"):
        pretrained_model("huge")


def test_pretrained_generator_writes_recipes():
    generator = pretrained_generator("book", "cpu")
    assert generator.device == torch.device("cpu")
    text = generator.sample("recipe for banana bread", max_tokens=30, temperature=0)[0]
    assert text.startswith("recipe for banana bread") and "| preheat oven to 350°f (175°c)." in text
    assert pretrained_generator(device="cpu").vocab.idx2token == pretrained_model(DEFAULT_PRETRAINED)[1].idx2token


@pytest.mark.slow
def test_the_cli_generates_from_it_without_a_path():
    result = subprocess.run([sys.executable, "-m", "lstm_tutorial", "generate", "recipe for", "--seed", "1",
                             "--max-tokens", "20"], capture_output=True, text=True, env={"OMP_NUM_THREADS": "1"})
    assert result.returncode == 0, result.stderr
    assert "recipe for" in result.stdout
