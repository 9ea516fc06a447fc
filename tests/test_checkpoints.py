import os

import pytest
import torch

from lstm_tutorial import checkpoints
from lstm_tutorial.checkpoints import export_model, load_checkpoint, load_generator, load_model, save_checkpoint


def saved_copy(trained, tmp_path, name="copy.pt", change=None):
    """Re-save the tiny run's last.pt, after ``change(checkpoint)``, through save_checkpoint."""
    checkpoint = load_checkpoint(trained.out_dir / "last.pt")
    if change:
        change(checkpoint)
    return save_checkpoint(checkpoint, tmp_path / name)


def test_round_trip_keeps_weights_config_and_vocabulary(trained, tmp_path):
    loaded = load_checkpoint(saved_copy(trained, tmp_path))
    assert loaded["vocab"] == trained.vocab.idx2token
    assert loaded["config"] == trained.config.to_dict()
    for name, tensor in trained.model.state_dict().items():
        assert torch.equal(loaded["model_state_dict"][name], tensor), name


def test_a_checkpoint_loads_with_weights_only(trained):
    checkpoint = torch.load(trained.out_dir / "last.pt", weights_only=True)
    assert checkpoint["format"] == checkpoints.FORMAT_NAME
    assert len(checkpoint["weights_sha256"]) == 64


def test_loading_uses_weights_only(trained, monkeypatch):
    calls = []
    real_load = torch.load

    def spy(*args, **kwargs):
        calls.append(kwargs.get("weights_only"))
        return real_load(*args, **kwargs)

    monkeypatch.setattr(torch, "load", spy)
    load_checkpoint(trained.out_dir / "last.pt")
    assert calls == [True]


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
    torch.save(checkpoint, tmp_path / "future.pt")
    with pytest.raises(ValueError, match="format version 99"):
        load_checkpoint(tmp_path / "future.pt")


def test_flipped_bytes_inside_the_weights_are_refused(trained, tmp_path):
    data = bytearray((trained.out_dir / "last.pt").read_bytes())
    weights = trained.model.fc.weight.detach().numpy().tobytes()
    offset = bytes(data).find(weights[:64])  # the output layer's weights, stored raw in the zip
    assert offset > 0
    for i in range(offset + 100, offset + 104):
        data[i] ^= 0xFF
    damaged = tmp_path / "damaged.pt"
    damaged.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="damaged.pt is damaged: its weights do not match their checksum"):
        load_checkpoint(damaged)


def test_a_checkpoint_without_its_vocabulary_is_one_clear_error(trained, tmp_path):
    path = saved_copy(trained, tmp_path, change=lambda c: c.pop("vocab"))
    with pytest.raises(ValueError, match="copy.pt is incomplete: it has no vocab$"):
        load_model(path, "cpu")


def test_weights_that_do_not_fit_the_config(trained, tmp_path):
    def widen(checkpoint):
        checkpoint["config"]["hidden_dim"] += 1

    with pytest.raises(ValueError, match=r"do not fit the model its config describes \(Error"):
        load_generator(saved_copy(trained, tmp_path, change=widen), "cpu")


def test_load_generator_rebuilds_the_same_model(trained):
    generator = load_generator(trained.out_dir / "last.pt", "cpu")
    assert generator.idx2token == trained.vocab.idx2token
    assert generator.sample("recipe for", max_tokens=10, temperature=0) == trained.generator.sample(
        "recipe for", max_tokens=10, temperature=0)


def test_export_stores_half_precision_and_loads_as_float32(trained, tmp_path):
    exported = export_model(trained.out_dir / "last.pt", tmp_path / "model.pt", command="train --preset quick")
    raw = load_checkpoint(exported)
    assert raw["model_state_dict"]["fc.weight"].dtype == torch.float16
    assert raw["command"] == "train --preset quick" and "optimizer_state_dict" not in raw
    model, vocab, _ = load_model(exported, "cpu")
    assert model.fc.weight.dtype == torch.float32
    torch.testing.assert_close(model.fc.weight, trained.model.fc.weight, atol=1e-3, rtol=1e-3)


def test_saving_is_atomic_a_crash_mid_write_keeps_the_old_file(trained, tmp_path, monkeypatch):
    target = saved_copy(trained, tmp_path, name="last.pt")
    before = target.read_bytes()
    real_save = torch.save

    def crash_after_writing_half(obj, file, *args, **kwargs):
        real_save(obj, file, *args, **kwargs)
        file.truncate(100)  # something is already on disk when the crash comes
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", crash_after_writing_half)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(load_checkpoint(target), target)
    assert target.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["last.pt"]  # no temporary file left


def test_metrics_are_written_atomically_too(tmp_path, monkeypatch):
    checkpoints.write_metrics([{"epoch": 1, "val_loss": 2.0, "sample": "recipe for"}], tmp_path)
    assert (tmp_path / "metrics.json").read_text().count('"val_loss": 2.0') == 1

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        checkpoints.write_metrics([{"epoch": 2, "val_loss": 1.0}], tmp_path)
    assert '"epoch": 1' in (tmp_path / "metrics.json").read_text()
    assert sorted(os.listdir(tmp_path)) == ["metrics.json"]


def test_a_folder_that_is_a_file_is_a_clear_error(tmp_path):
    (tmp_path / "taken").write_text("a file")
    with pytest.raises(ValueError, match="taken is a file, not a folder"):
        save_checkpoint({"epoch": 1}, tmp_path / "taken" / "last.pt")
