"""Where the arithmetic runs: the device, and the precision of the matrix products.

Two rules, used everywhere in the package:

- **Device.** Every function that builds or loads a model takes ``device``;
  None means the GPU when there is one, else the CPU (:func:`resolve_device`).
  Objects made from a model you already have (``TextGenerator``, ``Trainer``)
  run where that model is.
- **Precision.** One setting, ``TrainConfig.precision``: ``"auto"``,
  ``"float32"``, ``"bfloat16"`` or ``"float16"``. Training runs its matrix
  products in that dtype (weights and the loss stay float32);
  :func:`resolve_precision` turns the setting into a dtype for a device.
  Validation and evaluation losses are always computed in float32, so the
  numbers compare across devices and runs.
"""

from __future__ import annotations

import torch

from .config import PRECISIONS


def resolve_device(device: torch.device | str | None = None) -> torch.device:
    """``device`` as a ``torch.device``; None means ``cuda`` when a GPU is available, else ``cpu``.

    Raises ValueError naming ``device`` if it is not a device name, or names a GPU this machine lacks.
    """
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"device {device!r} is not a device: use cpu, cuda or cuda:N") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r}: no CUDA GPU is available here; use cpu")
    return resolved


def cpu_supports_bfloat16() -> bool:
    """Whether this CPU multiplies bfloat16 matrices natively (AVX-512 BF16 or AMX), as oneDNN sees it.

    Without it, bfloat16 is emulated and slower than float32.
    """
    return torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported()


def resolve_precision(precision: str, device: torch.device | str) -> torch.dtype | None:
    """The dtype of the matrix products for the setting ``precision`` on ``device``; None means float32.

    ``"auto"`` picks bfloat16 on CPUs with native bfloat16 and on GPUs of compute
    capability 8.0 and up, float16 (trained with a gradient scaler) on older GPUs
    such as Colab's T4, and float32 elsewhere. Raises ValueError for a setting
    the device cannot run.
    """
    device = torch.device(device)
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    if precision == "float32":
        return None
    if precision == "float16":
        if device.type != "cuda":
            raise ValueError(f"precision float16 needs a CUDA GPU; on the {device.type} use bfloat16 or float32")
        return torch.float16
    if device.type == "cuda":
        modern = torch.cuda.get_device_capability(device)[0] >= 8
        if precision == "bfloat16" and not modern:
            raise ValueError("precision bfloat16 needs a GPU of compute capability 8.0 or more; use float16")
        return torch.bfloat16 if modern else torch.float16
    if precision == "bfloat16" or (device.type == "cpu" and cpu_supports_bfloat16()):
        return torch.bfloat16
    return None


def describe_precision(device: torch.device, dtype: torch.dtype | None) -> str:
    """One line for a training log, e.g. ``cpu: matrix products in bfloat16, weights and loss in float32``."""
    if dtype is None:
        return f"{device.type}: float32"
    return f"{device.type}: matrix products in {str(dtype).removeprefix('torch.')}, weights and loss in float32"


def autocast(device: torch.device, dtype: torch.dtype | None):
    """``torch.autocast`` to ``dtype`` on ``device``, or a context that changes nothing when ``dtype`` is None."""
    return torch.autocast(device_type=device.type, dtype=dtype or torch.float32, enabled=dtype is not None)
