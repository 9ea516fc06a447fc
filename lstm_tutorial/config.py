"""Every hyperparameter in one place, and the named presets."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace


@dataclass(frozen=True)
class TrainConfig:
    # data
    vocab_size: int = 10000  # the book's vocabulary size, special tokens included
    max_len: int = 200  # tokens per recipe (the book pads every recipe to this length)
    max_recipes: int | None = None  # use only the first N recipes (None: all)
    include_ingredients: bool = False
    val_fraction: float = 0.2
    # model
    embedding_dim: int = 100
    hidden_dim: int = 128
    dropout_rate: float = 0.1
    # optimisation
    batch_size: int = 32
    epochs: int = 10
    learning_rate: float = 1e-3
    clip_grad_norm: float = 1.0
    seed: int = 42
    # the sample printed after every epoch
    sample_prompt: str = "recipe for"
    sample_tokens: int = 60

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "TrainConfig":
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in values.items() if key in known})

    def recipes_used(self, texts: list[str]) -> list[str]:
        """The recipes a run trains on: the first ``max_recipes`` of ``texts`` (all if None)."""
        return list(texts[: self.max_recipes]) if self.max_recipes else list(texts)

    def updated(self, **changes) -> "TrainConfig":
        """A copy with the given fields changed; None values are ignored."""
        return replace(self, **{key: value for key, value in changes.items() if value is not None})


PRESETS: dict[str, TrainConfig] = {
    # Seconds on a 2-core CPU: a small model, 300 recipes, one epoch. Small batches
    # and a high learning rate make that one epoch already learn some recipe words.
    "quick": TrainConfig(
        vocab_size=3000, max_len=120, max_recipes=300, embedding_dim=64, hidden_dim=128, batch_size=4,
        learning_rate=0.01, epochs=1, sample_tokens=40,
    ),
    # The default: the book's model, with smaller batches and a higher learning rate,
    # since the bundled corpus gives only 8 batches of 32 per epoch.
    "cpu": TrainConfig(batch_size=8, learning_rate=3e-3, epochs=20),
    # The seed's and the book's settings: made for a GPU and the full Epicurious set.
    "book": TrainConfig(epochs=25),
}
DEFAULT_PRESET = "cpu"
