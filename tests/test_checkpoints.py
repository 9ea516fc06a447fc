import pytest
import torch

from lstm_tutorial import load_checkpoint, save_checkpoint
from lstm_tutorial.loading import load_generator


def test_round_trip(tmp_path):
    path = save_checkpoint({"epoch": 3, "weights": torch.ones(2)}, tmp_path / "sub" / "c.pt")
    checkpoint = load_checkpoint(path)
    assert checkpoint["epoch"] == 3 and torch.equal(checkpoint["weights"], torch.ones(2))


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.pt"):
        load_checkpoint(tmp_path / "nothing.pt")


def test_truncated_file(trained, tmp_path):
    data = (trained.out_dir / "last.pt").read_bytes()
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="truncated.pt is not a readable checkpoint"):
        load_checkpoint(truncated)


def test_a_file_that_is_not_a_checkpoint_at_all(tmp_path):
    text = tmp_path / "notes.pt"
    text.write_text("hello")
    with pytest.raises(ValueError, match="not a readable checkpoint"):
        load_checkpoint(text)


def test_a_torch_file_that_is_not_ours(tmp_path):
    foreign = tmp_path / "foreign.pt"
    torch.save({"state_dict": {}}, foreign)
    with pytest.raises(ValueError, match="not an lstm_tutorial checkpoint"):
        load_checkpoint(foreign)


def test_an_incompatible_version(trained, tmp_path):
    checkpoint = torch.load(trained.out_dir / "last.pt", weights_only=True)
    checkpoint["format_version"] = 99
    future = tmp_path / "future.pt"
    torch.save(checkpoint, future)
    with pytest.raises(ValueError, match="format version 99"):
        load_checkpoint(future)


def test_weights_that_do_not_fit_the_config(trained, tmp_path):
    checkpoint = torch.load(trained.out_dir / "last.pt", weights_only=True)
    checkpoint["config"]["hidden_dim"] += 1
    bad = tmp_path / "bad.pt"
    torch.save(checkpoint, bad)
    with pytest.raises(ValueError, match="do not fit"):
        load_generator(bad, "cpu")


def test_load_generator_rebuilds_the_same_model(trained):
    generator = load_generator(trained.out_dir / "last.pt", "cpu")
    assert generator.idx2token == trained.vocab.idx2token
    assert generator.sample("recipe for", max_tokens=10, temperature=0) == trained.generator.sample(
        "recipe for", max_tokens=10, temperature=0)
