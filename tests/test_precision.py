"""Mixed precision: which dtype each device gets, the switch to turn it off, and that it learns as well.

bfloat16 on CPUs with native bfloat16 and on GPUs of compute capability 8.0 and up,
float16 with a gradient scaler on older GPUs (Colab's T4), float32 otherwise or
when ``mixed_precision`` is off. No GPU is needed: the CUDA cases patch the
capability query.
"""

import collections
import copy

import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode

from lstm_tutorial import LSTMLM, Trainer, Vocab, make_dataloaders
from lstm_tutorial import training
from lstm_tutorial.cli import _config_changes, build_parser
from lstm_tutorial.training import SoftmaxCrossEntropy, autocast_dtype, forward_backward, train_epoch

needs_bf16_cpu = pytest.mark.skipif(not training.cpu_supports_bfloat16(), reason="this CPU has no native bfloat16")


class OperatorDtypes(TorchDispatchMode):
    """Records the floating-point dtypes each operator ran with: ``seen["aten.addmm"] == {"bfloat16"}``."""

    def __init__(self):
        super().__init__()
        self.seen = collections.defaultdict(set)

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        for value in torch.utils._pytree.tree_leaves((args, kwargs)):
            if isinstance(value, torch.Tensor) and value.is_floating_point():
                self.seen[func.overloadpacket.__name__].add(str(value.dtype).removeprefix("torch."))
        return func(*args, **kwargs)


def one_batch(recipes, vocab_size=300):
    vocab = Vocab.build(recipes[:30], vocab_size)
    train_loader, _ = make_dataloaders(recipes[:30], vocab, max_len=50, batch_size=16)
    return vocab, next(iter(train_loader))


def dtypes_of_a_training_step(recipes, dtype):
    vocab, (x, y) = one_batch(recipes)
    torch.manual_seed(0)
    model = LSTMLM(len(vocab), 16, 24)
    recorder = OperatorDtypes()
    with recorder:
        forward_backward(model, x, y, vocab.pad_idx, torch.device("cpu"), dtype)
    return model, recorder.seen


def precision_lines(text: str) -> list[str]:
    """The lines of ``text`` about precision (not the epochs' summaries and samples)."""
    return [line for line in text.splitlines() if any(word in line for word in ("Precision", "float16", "float32"))]


@needs_bf16_cpu
def test_bf16_is_on_by_default_on_this_cpu_and_the_products_really_run_in_it(recipes, tiny_config, capsys):
    assert autocast_dtype("cpu") == torch.bfloat16
    trainer = Trainer.from_texts(recipes, tiny_config, "cpu", progress=False)
    assert trainer.dtype == torch.bfloat16 and trainer.scaler is None
    assert precision_lines(capsys.readouterr().out) == [
        "Precision: cpu: matrix products in bfloat16, weights and loss in float32"]

    model, seen = dtypes_of_a_training_step(recipes, torch.bfloat16)
    assert seen["addmm"] == {"bfloat16"}  # the output layer, forward
    assert seen["mm"] == {"bfloat16"}  # the output layer, backward
    assert seen["mkldnn_rnn_layer"] == {"bfloat16"} and seen["mkldnn_rnn_layer_backward"] == {"bfloat16"}
    assert seen["_softmax"] == {"float32"}  # the loss
    assert all(p.dtype == torch.float32 and p.grad.dtype == torch.float32 for p in model.parameters())


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_the_written_out_loss_gradient_is_autograds(dtype):
    torch.manual_seed(0)
    scores = (torch.randn(50, 300) * 4).to(dtype)
    targets = torch.randint(0, 300, (50,))
    ours = scores.clone().requires_grad_()
    loss = SoftmaxCrossEntropy.apply(ours, targets)
    (loss * 0.25).backward()
    reference = scores.clone().requires_grad_()
    expected = torch.nn.functional.cross_entropy(reference.float(), targets, reduction="sum")
    (expected * 0.25).backward()
    assert loss.dtype == torch.float32 and ours.grad.dtype == dtype
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)
    torch.testing.assert_close(ours.grad, reference.grad)


def test_mixed_precision_off_trains_in_float32(recipes, tiny_config, capsys):
    assert autocast_dtype("cpu", mixed_precision=False) is None
    trainer = Trainer.from_texts(recipes, tiny_config.updated(mixed_precision=False), "cpu", progress=False)
    assert trainer.dtype is None and trainer.scaler is None
    assert precision_lines(capsys.readouterr().out) == ["Precision: cpu: float32 (mixed precision is off)"]

    _, seen = dtypes_of_a_training_step(recipes, None)
    assert "bfloat16" not in set().union(*seen.values())
    assert seen["addmm"] == {"float32"}


def test_the_command_line_turns_mixed_precision_off_and_on():
    assert _config_changes(build_parser().parse_args(["train", "--no-mixed-precision"])) == {"mixed_precision": False}
    assert _config_changes(build_parser().parse_args(["train", "--mixed-precision"])) == {"mixed_precision": True}
    assert "mixed_precision" not in _config_changes(build_parser().parse_args(["train"]))  # the preset decides


def test_a_cpu_without_bf16_falls_back_to_float32_with_one_notice(recipes, tiny_config, monkeypatch, capsys):
    monkeypatch.setattr(training, "cpu_supports_bfloat16", lambda: False)
    assert autocast_dtype("cpu") is None
    trainer = Trainer.from_texts(recipes, tiny_config.updated(epochs=2), "cpu", progress=False)
    trainer.fit()
    assert trainer.dtype is None
    assert precision_lines(capsys.readouterr().out) == ["Precision: cpu: float32 (this cpu has no fast bfloat16)"]


@pytest.mark.parametrize(("capability", "expected"), [
    ((7, 5), torch.float16),  # T4 (Colab's free GPU)
    ((7, 0), torch.float16),  # V100
    ((8, 0), torch.bfloat16),  # A100
    ((8, 9), torch.bfloat16),  # L4
    ((9, 0), torch.bfloat16),  # H100
])
def test_a_gpu_gets_bf16_from_capability_8_and_float16_below(monkeypatch, capability, expected):
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: capability)
    assert autocast_dtype("cuda") == expected
    assert autocast_dtype("cuda:0", mixed_precision=False) is None


def test_float16_gets_a_gradient_scaler_and_bf16_does_not(recipes, tiny_config, monkeypatch, capsys):
    for dtype, wants_scaler in [(torch.float16, True), (torch.bfloat16, False), (None, False)]:
        monkeypatch.setattr(training, "autocast_dtype", lambda device, mixed_precision=True, dtype=dtype: dtype)
        trainer = Trainer.from_texts(recipes, tiny_config, "cpu", progress=False)
        assert isinstance(trainer.scaler, torch.amp.GradScaler) == wants_scaler, dtype
    assert "matrix products in float16" in capsys.readouterr().out


def test_the_scaled_step_is_the_unscaled_step(recipes):
    """With a scaler the loss is scaled before backward and unscaled before clipping and the update."""
    vocab, batch = one_batch(recipes)
    torch.manual_seed(0)
    plain = LSTMLM(len(vocab), 16, 24)
    scaled = copy.deepcopy(plain)
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0**12)
    calls = []
    real_step = scaler.step

    def counted_step(optimizer):
        calls.append("step")
        return real_step(optimizer)

    scaler.step = counted_step
    for model, used_scaler in [(plain, None), (scaled, scaler)]:
        optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
        torch.manual_seed(1)  # the same dropout
        train_epoch(model, [batch], optimizer, "cpu", vocab.pad_idx, clip_grad_norm=0.5, scaler=used_scaler,
                    progress=False)
    assert calls == ["step"] and scaler.get_scale() == 2.0**12
    for (name, p), q in zip(plain.named_parameters(), scaled.parameters()):
        torch.testing.assert_close(q, p, rtol=1e-5, atol=1e-6, msg=name)


@needs_bf16_cpu
def test_bf16_learns_as_well_as_float32(recipes, tiny_config):
    config = tiny_config.updated(vocab_size=1000, max_len=60, max_recipes=160, embedding_dim=32, hidden_dim=64,
                                 batch_size=16, epochs=2, learning_rate=0.005)
    runs = {}
    for mixed in (True, False):
        trainer = Trainer.from_texts(recipes, config.updated(mixed_precision=mixed), "cpu", progress=False)
        trainer.fit()
        runs[mixed] = trainer
    assert runs[True].dtype == torch.bfloat16
    bf16_loss, fp32_loss = (runs[mixed].history[-1]["val_loss"] for mixed in (True, False))
    assert bf16_loss < runs[True].history[0]["val_loss"] < 7  # it learned
    assert bf16_loss == pytest.approx(fp32_loss, rel=0.01)
    # and evaluating one model both ways agrees closely
    model, loader, pad = runs[False].model, runs[False].val_loader, runs[False].vocab.pad_idx
    assert training.evaluate_loss(model, loader, "cpu", pad, torch.bfloat16) == pytest.approx(
        training.evaluate_loss(model, loader, "cpu", pad), rel=0.005)
