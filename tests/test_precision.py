"""Precision: the one setting (``TrainConfig.precision``), what it resolves to on each device, and that
the dtype asked for is the dtype the matrix products really run in.

``auto`` is bfloat16 on CPUs with native bfloat16 and on GPUs of compute capability 8.0 and up,
float16 with a gradient scaler on older GPUs (Colab's T4), float32 otherwise. Validation is always
float32. No GPU is needed: the CUDA cases patch the capability query.
"""

import collections
import copy
import math
import warnings

import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode

from lstm_tutorial import LSTMLM, TrainConfig, Trainer, Vocab, devices, make_dataloaders
from lstm_tutorial.checkpoints import load_checkpoint
from lstm_tutorial.cli import _config_changes, build_parser
from lstm_tutorial.devices import describe_precision, resolve_precision
from lstm_tutorial.training import evaluate_loss, forward_backward, train_epoch

needs_bf16_cpu = pytest.mark.skipif(not devices.cpu_supports_bfloat16(), reason="this CPU has no native bfloat16")


class OperatorDtypes(TorchDispatchMode):
    """Records the floating-point dtypes each operator ran with: ``seen["addmm"] == {"bfloat16"}``."""

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
        forward_backward(model, x, y, vocab.pad_idx, dtype)
    return model, recorder.seen


def precision_line(text: str) -> str:
    return next(line for line in text.splitlines() if line.startswith("Precision"))


# --- what each setting resolves to ------------------------------------------------------------------
@pytest.mark.parametrize(("capability", "auto"), [
    ((7, 5), torch.float16),  # T4 (Colab's free GPU)
    ((7, 0), torch.float16),  # V100
    ((8, 0), torch.bfloat16),  # A100
    ((8, 9), torch.bfloat16),  # L4
    ((9, 0), torch.bfloat16),  # H100
])
def test_on_a_gpu_auto_is_bfloat16_from_capability_8_and_float16_below(monkeypatch, capability, auto):
    asked = []
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: asked.append(device) or capability)
    assert resolve_precision("auto", "cuda:1") == auto
    assert asked == [torch.device("cuda:1")]
    assert resolve_precision("float32", "cuda") is None
    assert resolve_precision("float16", "cuda") == torch.float16
    if capability >= (8, 0):
        assert resolve_precision("bfloat16", "cuda") == torch.bfloat16
    else:
        with pytest.raises(ValueError, match="bfloat16 needs a GPU of compute capability 8.0"):
            resolve_precision("bfloat16", "cuda")


def test_on_a_cpu_auto_is_bfloat16_only_where_it_is_native(monkeypatch):
    for native in (True, False):
        monkeypatch.setattr(devices, "cpu_supports_bfloat16", lambda native=native: native)
        assert resolve_precision("auto", "cpu") == (torch.bfloat16 if native else None)
        assert resolve_precision("bfloat16", "cpu") == torch.bfloat16  # asked for: emulated if need be
        assert resolve_precision("float32", "cpu") is None
    with pytest.raises(ValueError, match="float16 needs a CUDA GPU"):
        resolve_precision("float16", "cpu")
    with pytest.raises(ValueError, match="precision must be one of auto, float32, bfloat16, float16, got 'half'"):
        resolve_precision("half", "cpu")
    with pytest.raises(ValueError, match="precision must be one of .*, got 'fp8'"):
        TrainConfig(precision="fp8")


def test_native_bfloat16_needs_onednn_and_its_bfloat16_kernels(monkeypatch):
    monkeypatch.setattr(torch.backends.mkldnn, "is_available", lambda: True)
    for supported in (True, False):
        monkeypatch.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda supported=supported: supported)
        assert devices.cpu_supports_bfloat16() is supported


def test_precision_is_described_in_one_line():
    cpu = torch.device("cpu")
    assert describe_precision(cpu, torch.bfloat16) == "cpu: matrix products in bfloat16, weights and loss in float32"
    assert describe_precision(cpu, None) == "cpu: float32"


def test_the_command_line_sets_precision_and_keeps_the_old_switch_as_a_synonym():
    def changes(*flags):
        return _config_changes(build_parser().parse_args(["train", *flags]))

    assert changes("--precision", "bfloat16") == {"precision": "bfloat16"}
    assert changes("--no-mixed-precision") == {"precision": "float32"}
    assert changes("--mixed-precision") == {"precision": "auto"}
    assert "precision" not in changes()  # the preset decides: auto


def test_an_older_checkpoints_mixed_precision_flag_becomes_the_setting():
    assert TrainConfig.from_dict({"mixed_precision": False}).precision == "float32"
    assert TrainConfig.from_dict({"mixed_precision": True}).precision == "auto"
    assert TrainConfig.from_dict({"mixed_precision": False, "precision": "bfloat16"}).precision == "bfloat16"


# --- what really runs ----------------------------------------------------------------------------------
@needs_bf16_cpu
def test_auto_is_bfloat16_on_this_cpu_and_the_products_really_run_in_it(recipes, tiny_config, capsys):
    trainer = Trainer.from_texts(recipes, tiny_config, "cpu", progress=False)
    assert trainer.dtype == torch.bfloat16 and trainer.scaler is None
    assert precision_line(capsys.readouterr().out) == \
        "Precision: cpu: matrix products in bfloat16, weights and loss in float32"

    model, seen = dtypes_of_a_training_step(recipes, torch.bfloat16)
    assert seen["addmm"] == {"bfloat16"}  # the output layer, forward
    assert seen["mm"] == {"bfloat16"}  # the output layer's gradients
    assert seen["mkldnn_rnn_layer"] == {"bfloat16"} and seen["mkldnn_rnn_layer_backward"] == {"bfloat16"}
    assert seen["_softmax"] == {"float32"}  # the loss
    assert all(p.dtype == torch.float32 and p.grad.dtype == torch.float32 for p in model.parameters())


def test_float32_trains_in_float32_without_autocast(recipes, tiny_config, capsys):
    trainer = Trainer.from_texts(recipes, tiny_config.updated(precision="float32"), "cpu", progress=False)
    assert trainer.dtype is None and trainer.scaler is None
    assert precision_line(capsys.readouterr().out) == "Precision: cpu: float32"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # autocast would warn about float32 on a CPU
        trainer.fit()

    _, seen = dtypes_of_a_training_step(recipes, None)
    assert "bfloat16" not in set().union(*seen.values())
    assert seen["addmm"] == {"float32"}


def test_validation_is_float32_whatever_the_training_precision(recipes, tiny_config):
    trainer = Trainer.from_texts(recipes, tiny_config.updated(epochs=1, precision="bfloat16"), "cpu",
                                 progress=False)
    record = trainer.run_epoch()
    recorder = OperatorDtypes()
    with recorder:
        again = evaluate_loss(trainer.model, trainer.val_loader, trainer.vocab.pad_idx)
    assert "bfloat16" not in set().union(*recorder.seen.values())
    assert record["val_loss"] == again


def test_a_precision_the_device_cannot_run_is_refused_before_training(recipes, tiny_config):
    with pytest.raises(ValueError, match="float16 needs a CUDA GPU"):
        Trainer.from_texts(recipes, tiny_config.updated(precision="float16"), "cpu", progress=False)


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
        train_epoch(model, [batch], optimizer, vocab.pad_idx, clip_grad_norm=0.5, scaler=used_scaler, progress=False)
    assert calls == ["step"] and scaler.get_scale() == 2.0**12
    for (name, p), q in zip(plain.named_parameters(), scaled.parameters()):
        torch.testing.assert_close(q, p, rtol=1e-5, atol=1e-6, msg=name)


@pytest.mark.filterwarnings("ignore:TF32 acceleration")
def test_float16_training_keeps_its_gradient_scaler_across_a_resume(recipes, tiny_config, tmp_path, monkeypatch):
    """Older GPUs (Colab's T4) train in float16 with a gradient scaler; a CPU can run that path too
    (with oneDNN off: its LSTM has no float16 kernel), once the setting is let through."""
    monkeypatch.setattr("lstm_tutorial.training.resolve_precision",
                        lambda precision, device: torch.float16 if precision == "float16" else None)
    with torch.backends.mkldnn.flags(enabled=False):
        config = tiny_config.updated(epochs=1, precision="float16")
        trainer = Trainer.from_texts(recipes, config, "cpu", tmp_path, progress=False)
        assert trainer.scaler.is_enabled() and trainer.scaler.get_scale() == 2.0**16  # GradScaler's start
        trainer.scaler.load_state_dict({"scale": 8.0, "growth_factor": 2.0, "backoff_factor": 0.5,
                                        "growth_interval": 1, "_growth_tracker": 0})  # doubles after each step
        recorder = OperatorDtypes()
        with recorder:
            trainer.fit()
        assert "float16" in recorder.seen["addmm"]
        steps = len(trainer.train_loader)
        assert trainer.scaler.get_scale() == 8.0 * 2**steps  # stepped once per batch
        assert math.isfinite(trainer.history[0]["train_loss"])
        assert load_checkpoint(tmp_path / "last.pt")["scaler_state_dict"]["scale"] == 8.0 * 2**steps

        resumed = Trainer.resume(tmp_path / "last.pt", recipes, "cpu", progress=False, epochs=2)
        assert resumed.scaler.get_scale() == 8.0 * 2**steps
        in_float32 = Trainer.resume(tmp_path / "last.pt", recipes, "cpu", progress=False, precision="float32")
        assert in_float32.scaler is None and in_float32.dtype is None


@needs_bf16_cpu
def test_bfloat16_learns_as_well_as_float32(recipes, tiny_config):
    config = tiny_config.updated(vocab_size=1000, max_len=60, max_recipes=160, embedding_dim=32, hidden_dim=64,
                                 batch_size=16, epochs=2, learning_rate=0.005)
    runs = {}
    for precision in ("bfloat16", "float32"):
        trainer = Trainer.from_texts(recipes, config.updated(precision=precision), "cpu", progress=False)
        trainer.fit()
        runs[precision] = trainer
    bf16, fp32 = (runs[precision].history for precision in ("bfloat16", "float32"))
    assert bf16[-1]["val_loss"] < bf16[0]["val_loss"] < 7  # it learned
    assert bf16[-1]["val_loss"] != fp32[-1]["val_loss"]
    assert bf16[-1]["val_loss"] == pytest.approx(fp32[-1]["val_loss"], rel=0.01)
