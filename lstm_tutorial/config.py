"""Every hyperparameter in one place, checked once, and the named presets.

This module imports nothing heavy: the command line builds its flags from
``TrainConfig``'s fields without loading torch.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, replace

PRECISIONS = ("auto", "float32", "bfloat16", "float16")  # TrainConfig.precision; devices.py resolves it
BATCHINGS = ("recipes", "stream")
OPTIMIZERS = ("adam", "sgd")


def _help(text: str, choices: tuple[str, ...] | None = None, **kwargs):
    """A dataclass field whose help text (and choices) the command line shows next to its flag."""
    return field(metadata={"help": text, "choices": choices}, **kwargs)


@dataclass(frozen=True)
class TrainConfig:
    # data
    data: str = _help("a bundled corpus (default, wikibooks, original) or a path to recipes", default="default")
    include_ingredients: bool = _help("put each recipe's ingredients between its title and directions", default=False)
    max_recipes: int | None = _help("use only the first N recipes (default: all)", default=None)
    vocab_size: int = _help("words in the vocabulary, special tokens included", default=10000)
    max_len: int = _help("tokens per recipe; longer recipes are cut", default=200)
    val_fraction: float = _help("share of recipes held out for validation", default=0.2)
    # model
    embedding_dim: int = _help("size of each word vector", default=100)
    hidden_dim: int = _help("size of the LSTM's hidden and cell state", default=128)
    num_layers: int = _help("stacked LSTM layers (the book: 1)", default=1)
    dropout_rate: float = _help("dropout on the LSTM's output (and between its layers) while training", default=0.1)
    embedding_dropout: float = _help("dropout on the word vectors while training", default=0.0)
    tie_weights: bool = _help("one matrix for the embedding and the output layer (embedding_dim = hidden_dim)",
                              default=False)
    # optimisation
    batching: str = _help("recipes: one recipe a sequence, recipes of similar length batched together; stream: "
                          "the training recipes joined into batch_size streams cut every bptt tokens, the LSTM "
                          "state carried from cut to cut", choices=BATCHINGS, default="recipes")
    bptt: int = _help("tokens per cut of a stream (batching stream)", default=35)
    batch_size: int = _help("recipes (or streams) per batch", default=32)
    epochs: int = _help("most epochs to train", default=10)
    patience: int | None = _help("stop after this many epochs without a better validation loss (default: never)",
                                 default=None)
    optimizer: str = _help("adam, or sgd (plain gradient descent)", choices=OPTIMIZERS, default="adam")
    learning_rate: float = _help("the optimizer's learning rate", default=1e-3)
    anneal: float | None = _help("divide the learning rate by this after an epoch without a better validation "
                                 "loss (default: never)", default=None)
    clip_grad_norm: float | None = _help("clip the gradient norm to this (default: no clipping)", default=1.0)
    precision: str = _help("dtype of the matrix products: auto (bfloat16 where the device is fast at it, float16 "
                           "on older GPUs, else float32), float32, bfloat16 or float16", choices=PRECISIONS,
                           default="auto")
    seed: int = _help("random seed: same seed, same split, same run", default=42)
    # the sample printed after every epoch
    sample_prompt: str = _help("prompt of the sample printed after each epoch", default="recipe for")
    sample_tokens: int = _help("words in that sample", default=60)

    def __post_init__(self):
        for name in ("vocab_size", "max_len", "embedding_dim", "hidden_dim", "num_layers", "bptt", "batch_size",
                     "epochs", "sample_tokens"):
            _check_int(name, getattr(self, name), minimum=4 if name == "vocab_size" else 1)
        for name in ("max_recipes", "patience"):
            if getattr(self, name) is not None:
                _check_int(name, getattr(self, name), minimum=1)
        _check_range("val_fraction", self.val_fraction, 0, 1, "between 0 and 1 (exclusive)", closed_low=False)
        _check_range("dropout_rate", self.dropout_rate, 0, 1, "in [0, 1)", closed_low=True)
        _check_range("embedding_dropout", self.embedding_dropout, 0, 1, "in [0, 1)", closed_low=True)
        _check_positive("learning_rate", self.learning_rate)
        if self.anneal is not None and (not isinstance(self.anneal, (int, float)) or not self.anneal > 1):
            raise ValueError(f"anneal must be a number > 1 (the learning rate is divided by it), got {self.anneal!r}")
        if self.tie_weights and self.embedding_dim != self.hidden_dim:
            raise ValueError(f"tie_weights needs embedding_dim = hidden_dim, got {self.embedding_dim} and "
                             f"{self.hidden_dim}")
        if self.clip_grad_norm is not None:
            _check_positive("clip_grad_norm", self.clip_grad_norm)
        _check_int("seed", self.seed, minimum=0)
        if not isinstance(self.data, str) or not self.data.strip():
            raise ValueError(f"data must name a corpus or a path, got {self.data!r}")
        for name, allowed in [("precision", PRECISIONS), ("batching", BATCHINGS), ("optimizer", OPTIMIZERS)]:
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {getattr(self, name)!r}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> TrainConfig:
        """The config a checkpoint saved; an older one's ``mixed_precision`` flag becomes ``precision``."""
        values = dict(values)
        if "mixed_precision" in values and "precision" not in values:
            values["precision"] = "auto" if values["mixed_precision"] else "float32"
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in values.items() if key in known})

    def recipes_used(self, texts: list[str]) -> list[str]:
        """The recipes a run trains on: the first ``max_recipes`` of ``texts`` (all if None)."""
        return list(texts[: self.max_recipes]) if self.max_recipes else list(texts)

    def updated(self, **changes) -> TrainConfig:
        """A copy with the given fields changed (checked again)."""
        return replace(self, **changes)


def _check_int(name: str, value, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {value!r}")


def _check_positive(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a number > 0, got {value!r}")


def _check_range(name: str, value, low: float, high: float, words: str, closed_low: bool) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and (
        (low <= value if closed_low else low < value) and value < high)
    if not ok:
        raise ValueError(f"{name} must be {words}, got {value!r}")


# Fields a resumed run may change: they do not change the data, the split or the model's shape.
RESUMABLE_FIELDS = ("epochs", "patience", "learning_rate", "anneal", "clip_grad_norm", "precision", "sample_prompt",
                    "sample_tokens")


def config_for_resume(saved: TrainConfig, requested: dict, name_of=lambda field: field) -> TrainConfig:
    """The config a resumed run continues with: ``saved`` with the ``requested`` values applied.

    A requested value equal to the saved one is accepted whatever the field; a
    field in ``RESUMABLE_FIELDS`` takes the new value; any other field that
    differs (the data, the split, the model's shape) raises ValueError naming
    it as ``name_of(field)`` (the command line passes its flag names) with
    both values.
    """
    known = {f.name for f in fields(TrainConfig)}
    for name, value in requested.items():
        if name not in known:
            raise TypeError(f"TrainConfig has no setting {name!r}")
        if name not in RESUMABLE_FIELDS and value != getattr(saved, name):
            allowed = ", ".join(name_of(field) for field in RESUMABLE_FIELDS)
            raise ValueError(f"cannot resume with {name_of(name)} {value!r}: the checkpoint has "
                             f"{getattr(saved, name)!r}, and a resumed run keeps its data, split and model "
                             f"(it may change {allowed})")
    return saved.updated(**requested)

PRESETS: dict[str, TrainConfig] = {
    # Seconds on a 2-core CPU: a small model on the first 300 recipes (the original ones), one
    # epoch. Small batches and a high learning rate make that one epoch learn some recipe words.
    "quick": TrainConfig(
        vocab_size=3000, max_len=120, max_recipes=300, embedding_dim=64, hidden_dim=128, batch_size=4,
        learning_rate=0.01, epochs=1, sample_tokens=40,
    ),
    # The default, on a CPU and on a GPU alike: the book's model with smaller batches and a higher
    # learning rate than the book's, stopped when validation stops improving. The pretrained model.
    "cpu": TrainConfig(batch_size=8, learning_rate=3e-3, epochs=30, patience=3),
    # The blog post's and the book's settings (batch 32, Adam 1e-3), made for the full Epicurious set.
    "book": TrainConfig(epochs=25, patience=3),
    # The shipped default model, trained as word-level language models usually are: two layers of
    # 256, one matrix for the embedding and the output layer, dropout, the training recipes read as
    # 20 streams cut every 35 tokens, plain SGD at a high learning rate with clipping, divided by 4
    # after each epoch that does not improve. docs/model.md says how these were chosen.
    "stream": TrainConfig(embedding_dim=256, hidden_dim=256, num_layers=2, tie_weights=True, dropout_rate=0.3,
                          embedding_dropout=0.1, batching="stream", batch_size=20, bptt=35, optimizer="sgd",
                          learning_rate=20.0, anneal=4.0, clip_grad_norm=0.25, epochs=30, patience=5),
}
DEFAULT_PRESET = "cpu"
