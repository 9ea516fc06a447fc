"""The Colab path, tested with a stand-in ``google.colab`` module."""

import sys
import types
from pathlib import Path

import pytest

from lstm_tutorial import checkpoint_dir


@pytest.fixture
def fake_colab(monkeypatch):
    """Install a stand-in google.colab whose drive.mount behaves like Colab's (or fails)."""

    def install(mount):
        google = types.ModuleType("google")
        colab = types.ModuleType("google.colab")
        drive = types.ModuleType("google.colab.drive")
        drive.mount = mount
        colab.drive = drive
        google.colab = colab
        for name, module in [("google", google), ("google.colab", colab), ("google.colab.drive", drive)]:
            monkeypatch.setitem(sys.modules, name, module)

    return install


def test_outside_colab_the_local_folder_is_used(tmp_path, capsys):
    folder = checkpoint_dir(local_dir=tmp_path / "lstm_models")
    assert folder == tmp_path / "lstm_models" and folder.is_dir()
    assert "Checkpoint folder: " in capsys.readouterr().out


def test_under_colab_drive_is_mounted_and_used(fake_colab, tmp_path, capsys):
    mounted = []

    def mount(mount_point):
        mounted.append(mount_point)
        (Path(mount_point) / "MyDrive").mkdir(parents=True)

    fake_colab(mount)
    folder = checkpoint_dir(local_dir=tmp_path / "local", mount_point=tmp_path / "drive")
    assert mounted == [str(tmp_path / "drive")]
    assert folder == tmp_path / "drive" / "MyDrive" / "lstm_models" and folder.is_dir()
    assert "Google Drive" in capsys.readouterr().out


def test_a_failed_or_declined_mount_falls_back_to_a_local_folder(fake_colab, tmp_path, capsys):
    def mount(mount_point):
        raise ValueError("mount failed: permission denied by user")

    fake_colab(mount)
    folder = checkpoint_dir(local_dir=tmp_path / "local", mount_point=tmp_path / "drive")
    assert folder == tmp_path / "local" and folder.is_dir()
    out = capsys.readouterr().out
    assert "Could not mount Google Drive (mount failed: permission denied by user)" in out


def test_training_under_colab_writes_checkpoints_to_drive(fake_colab, tmp_path, monkeypatch, recipes):
    from lstm_tutorial import Vocab, colab_drive, make_dataloaders, run_training

    fake_colab(lambda mount_point: (Path(mount_point) / "MyDrive").mkdir(parents=True))
    monkeypatch.setattr(colab_drive, "COLAB_MOUNT_POINT", str(tmp_path / "drive"))
    vocab = Vocab.build(recipes[:20], 200)
    loaders = make_dataloaders(recipes[:20], vocab, max_len=20, batch_size=8)
    run_training(*loaders, len(vocab), 8, 8, 1, vocab.idx2token, vocab.token2idx, "cpu", progress=False)
    assert (tmp_path / "drive" / "MyDrive" / "lstm_models" / "best.pt").exists()
