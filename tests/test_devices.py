"""One rule for the device: a function that builds or loads a model takes ``device``, and None means the
GPU when there is one, else the CPU. Objects made from a model (``TextGenerator``, ``Trainer``) run where
the model is."""

import inspect

import pytest
import torch

import lstm_tutorial
from lstm_tutorial import resolve_device
from lstm_tutorial.blog import PyTorchTextGenerator, initialize_model
from lstm_tutorial.checkpoints import load_generator, load_model
from lstm_tutorial.cli import main
from lstm_tutorial.pretrained import pretrained_generator, pretrained_model, pretrained_path
from lstm_tutorial.training import Trainer

BUILDERS = [load_model, load_generator, pretrained_model, pretrained_generator, initialize_model,
            Trainer.from_texts, Trainer.from_config, Trainer.resume, PyTorchTextGenerator]


def test_none_means_the_gpu_when_there_is_one_else_the_cpu(monkeypatch):
    assert resolve_device(None) == torch.device("cpu" if not torch.cuda.is_available() else "cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device(None) == torch.device("cuda")
    assert resolve_device("cuda:1") == torch.device("cuda", 1)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device(None) == resolve_device("cpu") == torch.device("cpu")
    with pytest.raises(ValueError, match="device 'cuda': no CUDA GPU is available here; use cpu"):
        resolve_device("cuda")
    with pytest.raises(ValueError, match="device 'gpu0' is not a device: use cpu, cuda or cuda:N"):
        resolve_device("gpu0")


def test_every_function_that_places_a_model_defaults_to_none_and_says_what_it_means():
    for function in BUILDERS:
        assert inspect.signature(function).parameters["device"].default is None, function.__qualname__
        assert "None means the GPU when there is one, else the CPU" in " ".join(inspect.getdoc(function).split()), \
            function.__qualname__


def test_with_a_gpu_every_way_to_get_a_model_puts_it_there(recipes, tiny_config, monkeypatch, capsys):
    """Here "a GPU" is a patched torch.cuda.is_available, and moving a model records where it was sent."""
    sent_to = []

    def record_move(module, device=None, *args, **kwargs):
        sent_to.append(torch.device(device).type)
        return module

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.nn.Module, "to", record_move)
    pretrained_generator()
    pretrained_model()
    load_model(pretrained_path())
    initialize_model(50, 8, 8)
    Trainer.from_texts(recipes, tiny_config, progress=False)
    assert main(["generate", "recipe for", "--max-tokens", "3", "--seed", "0"]) == 0
    assert sent_to == ["cuda"] * 6


def test_generators_and_trainers_run_where_their_model_is(trained):
    model = trained.model
    assert lstm_tutorial.TextGenerator(model, trained.vocab).device == model.device
    assert trained.device == model.device == trained.generator.device
