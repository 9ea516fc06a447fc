import io
import os
import stat
from pathlib import Path

import pytest
import torch

from lstm_tutorial import Trainer, checkpoints
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


def test_loading_uses_weights_only_onto_the_cpu(trained, monkeypatch):
    calls = []
    real_load = torch.load

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(torch, "load", spy)
    load_checkpoint(trained.out_dir / "last.pt")
    assert calls == [{"map_location": "cpu", "weights_only": True}]  # a GPU run's file loads on any machine


@pytest.mark.parametrize("error, reason", [(RuntimeError("PytorchStreamReader failed\nmore detail"),
                                            "PytorchStreamReader failed"), (RuntimeError(), "RuntimeError")])
def test_why_a_file_is_unreadable_is_said_in_one_line(trained, monkeypatch, error, reason):
    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(torch, "load", fail)
    path = trained.out_dir / "last.pt"
    assert one_line_error(load_checkpoint, path) == \
        f"{path} is not a readable checkpoint (truncated or not a torch file?): {reason}"


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.pt"):
        load_checkpoint(tmp_path / "nothing.pt")


ran_on_load = []


class CodeOnLoad:
    """A pickled object that runs a function when unpickled (here a harmless one)."""

    def __reduce__(self):
        return ran_on_load.append, ("code ran while loading",)


def test_a_checkpoint_that_would_run_code_is_refused_without_running_it(trained, tmp_path):
    checkpoint = torch.load(trained.out_dir / "last.pt", weights_only=True)
    checkpoint["note"] = CodeOnLoad()
    torch.save(checkpoint, tmp_path / "trojan.pt")
    with pytest.raises(ValueError, match="trojan.pt is not a readable checkpoint"):
        load_checkpoint(tmp_path / "trojan.pt")
    assert ran_on_load == []


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


def one_line_error(call, *args) -> str:
    with pytest.raises(ValueError) as error:
        call(*args)
    message = str(error.value)
    assert "\n" not in message and "Traceback" not in message
    return message


@pytest.mark.parametrize("key", ["vocab", "config", "model_state_dict"])
def test_a_checkpoint_missing_what_a_model_needs_is_one_clear_error(trained, tmp_path, key):
    path = saved_copy(trained, tmp_path, change=lambda c: c.pop(key))
    assert one_line_error(load_model, path, "cpu") == f"{path} is incomplete: it has no {key}"


def test_every_missing_key_is_named(trained, tmp_path):
    def strip(checkpoint):
        del checkpoint["config"], checkpoint["vocab"]

    path = saved_copy(trained, tmp_path, change=strip)
    assert one_line_error(load_checkpoint, path) == f"{path} is incomplete: it has no config, vocab"


def test_weights_that_do_not_fit_the_config(trained, tmp_path):
    def widen(checkpoint):
        checkpoint["config"]["hidden_dim"] += 1

    path = saved_copy(trained, tmp_path, change=widen)
    message = one_line_error(load_generator, path, "cpu")
    assert message.startswith(f"{path}: its weights do not fit the model its config describes (Error")


def test_a_config_or_vocabulary_that_is_not_valid(trained, tmp_path):
    def break_vocab(checkpoint):
        checkpoint["vocab"] = ["soup", "<PAD>", "<UNK>", "<EOS>"]

    message = one_line_error(load_model, saved_copy(trained, tmp_path, change=break_vocab), "cpu")
    assert "its config or vocabulary is not valid (a vocabulary must start with" in message

    def break_config(checkpoint):
        checkpoint["config"]["hidden_dim"] = 0

    message = one_line_error(load_model, saved_copy(trained, tmp_path, change=break_config), "cpu")
    assert "its config or vocabulary is not valid (hidden_dim must be a whole number >= 1, got 0)" in message


def test_load_generator_rebuilds_the_same_model(trained):
    generator = load_generator(trained.out_dir / "last.pt", "cpu")
    assert generator.vocab.idx2token == trained.vocab.idx2token
    assert generator.sample("recipe for", max_tokens=10, temperature=0) == trained.generator.sample(
        "recipe for", max_tokens=10, temperature=0)


def test_export_stores_half_precision_and_loads_as_float32(trained, tmp_path):
    exported = export_model(trained.out_dir / "last.pt", tmp_path / "model.pt", command="train --preset quick")
    raw = load_checkpoint(exported)
    assert raw["model_state_dict"]["fc.weight"].dtype == torch.float16
    assert raw["command"] == "train --preset quick" and "optimizer_state_dict" not in raw
    last = load_checkpoint(trained.out_dir / "last.pt")
    for key in ("config", "vocab", "epoch", "val_loss", "corpus_fingerprint"):  # what the model card needs
        assert raw[key] == last[key], key
    model, vocab, _ = load_model(exported, "cpu")
    assert model.fc.weight.dtype == torch.float32
    torch.testing.assert_close(model.fc.weight, trained.model.fc.weight, atol=1e-3, rtol=1e-3)


def test_saving_is_atomic_a_crash_mid_write_keeps_the_old_file(trained, tmp_path, monkeypatch):
    target = saved_copy(trained, tmp_path, name="last.pt")
    before = target.read_bytes()
    real_save = torch.save
    written_to = []

    def crash_after_writing_a_little(obj, file, *args, **kwargs):
        """Write the first 100 bytes of the checkpoint where torch.save was told to, then fail."""
        written_to.extend(sorted(set(tmp_path.iterdir()) - {target}))  # the files beside the target, mid-write
        buffer = io.BytesIO()
        real_save(obj, buffer, *args, **kwargs)
        if hasattr(file, "write"):
            file.write(buffer.getvalue()[:100])
        else:
            Path(file).write_bytes(buffer.getvalue()[:100])
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", crash_after_writing_a_little)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(load_checkpoint(target), target)
    assert target.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["last.pt"]  # no temporary file left
    # it was written to a hidden temporary file beside the target: renaming it is then atomic
    (temporary,) = written_to
    assert temporary.parent == tmp_path and temporary.name.startswith(".last.pt.") and temporary.suffix == ".tmp"


def test_a_new_checkpoint_is_whole_or_absent(trained, tmp_path, monkeypatch):
    def crash(obj, file, *args, **kwargs):
        file.write(b"PK")  # the start of a zip file
        raise KeyboardInterrupt  # Ctrl-C or a Colab disconnect mid-save

    checkpoint = load_checkpoint(trained.out_dir / "last.pt")
    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(checkpoint, tmp_path / "best.pt")
    assert os.listdir(tmp_path) == []


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
    with pytest.raises(ValueError, match=f"checkpoint folder {tmp_path / 'taken'}: {tmp_path / 'taken'} is a file"):
        save_checkpoint({"epoch": 1}, tmp_path / "taken" / "last.pt")


def test_models_load_on_the_device_asked_for_else_the_default(trained, monkeypatch):
    """"meta" stands in for a second device (a GPU) on machines that have only a CPU."""
    monkeypatch.setattr(checkpoints, "resolve_device", lambda device: torch.device(device or "meta"))
    path = trained.out_dir / "last.pt"
    assert load_model(path)[0].fc.weight.is_meta
    assert load_model(path, "meta")[0].fc.weight.is_meta and load_model(path, "cpu")[0].device.type == "cpu"
    assert load_generator(path, "meta").model.fc.weight.is_meta
    assert load_generator(path, "cpu").device.type == "cpu"


def test_checkpoints_are_ordinary_files_in_folders_made_as_needed(trained, tmp_path):
    path = saved_copy(trained, tmp_path, name="runs/first/last.pt")
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # readable by others, like any file saved from Python
    assert load_checkpoint(path)["epoch"] == 2


def test_a_flipped_byte_far_inside_the_largest_tensor_is_refused(trained, tmp_path):
    """The checksum covers every byte of every tensor, not just the start of each."""
    weights = load_checkpoint(trained.out_dir / "last.pt")["model_state_dict"]
    largest = max(weights.values(), key=lambda tensor: tensor.numel() * tensor.element_size()).numpy().tobytes()
    assert len(largest) > 8 * 1024
    data = bytearray((trained.out_dir / "last.pt").read_bytes())
    end = bytes(data).find(largest[-64:]) + 64  # where the tensor's bytes end, stored raw in the zip
    assert end > 64
    data[end - 1] ^= 0xFF  # its very last byte
    damaged = tmp_path / "damaged.pt"
    damaged.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="damaged.pt is damaged: its weights do not match their checksum"):
        load_checkpoint(damaged)


def test_an_exported_tied_model_stores_its_shared_matrix_once(recipes, tiny_config, tmp_path):
    config = tiny_config.updated(tie_weights=True, embedding_dim=24, epochs=1)
    Trainer.from_texts(recipes, config, "cpu", tmp_path, progress=False).fit()
    exported = export_model(tmp_path / "last.pt", tmp_path / "model.pt")
    weights = torch.load(exported, weights_only=True)["model_state_dict"]
    assert weights["fc.weight"].untyped_storage().data_ptr() == weights["embedding.weight"].untyped_storage().data_ptr()
    model, _, _ = load_model(exported, "cpu")
    assert model.fc.weight is model.embedding.weight
