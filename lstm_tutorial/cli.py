"""Command line: ``lstm-tutorial train | generate | evaluate`` (also ``python -m lstm_tutorial``).

Bad input ends with one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from .config import DEFAULT_PRESET, PRESETS
from .storage import checkpoint_dir


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line instead of usage + error
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="lstm-tutorial", description="Train a word-level LSTM on recipes and let it write.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    train = commands.add_parser("train", help="train a model; writes last.pt, best.pt and metrics.json")
    train.add_argument("--data", help="recipes: Epicurious JSON, a text file or a folder (default: bundled corpus)")
    train.add_argument("--preset", choices=sorted(PRESETS), default=DEFAULT_PRESET,
                       help=f"starting hyperparameters (default: {DEFAULT_PRESET})")
    train.add_argument("--out", help="checkpoint folder (default: Google Drive under Colab, else ./lstm_models)")
    train.add_argument("--resume", action="store_true", help="continue from OUT/last.pt")
    train.add_argument("--device", help="cpu, cuda, cuda:1... (default: cuda if available)")
    train.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    hyper = train.add_argument_group("hyperparameters (override the preset; the presets' values shown)")
    for flag, kind in [("--epochs", int), ("--seed", int), ("--vocab-size", int), ("--max-len", int),
                       ("--max-recipes", int), ("--embedding-dim", int), ("--hidden-dim", int),
                       ("--dropout-rate", float), ("--batch-size", int), ("--learning-rate", float),
                       ("--clip-grad-norm", float), ("--val-fraction", float)]:
        field = flag[2:].replace("-", "_")
        values = ", ".join(f"{name} {getattr(config, field)}" for name, config in PRESETS.items())
        hyper.add_argument(flag, type=kind, help=values)
    hyper.add_argument("--include-ingredients", action="store_true", default=None,
                       help="put each recipe's ingredient list between its title and directions")

    generate = commands.add_parser("generate", help="write text with a trained model")
    generate.add_argument("prompt", nargs="?", default="recipe for", help="start of the text (default: 'recipe for')")
    generate.add_argument("--checkpoint", required=True, help="a .pt file written by train")
    generate.add_argument("--max-tokens", type=int, default=100)
    generate.add_argument("--temperature", type=float, nargs="+", default=[1.0],
                          help="one or more temperatures; 0 = greedy (default: 1.0)")
    generate.add_argument("--top-k", type=int, help="sample only from the K most likely words")
    generate.add_argument("--top-p", type=float, help="sample only from the most likely words covering P")
    generate.add_argument("--num-samples", type=int, default=1, help="texts per temperature, generated as a batch")
    generate.add_argument("--seed", type=int, help="same seed, same text")
    generate.add_argument("--device")

    evaluate = commands.add_parser("evaluate", help="loss and perplexity of a trained model")
    evaluate.add_argument("--checkpoint", required=True)
    evaluate.add_argument("--data", help="recipes to score (default: bundled corpus)")
    evaluate.add_argument("--split", choices=["val", "all"], default="val",
                          help="val: the validation split as training made it (default); all: every recipe")
    evaluate.add_argument("--json", action="store_true", help="print the result as JSON")
    evaluate.add_argument("--device")
    return parser


def _train(args) -> None:
    from .recipes import load_recipes
    from .train import Trainer

    texts = load_recipes(args.data)
    out_dir = Path(args.out) if args.out else checkpoint_dir()
    overrides = {name: getattr(args, name) for name in [
        "epochs", "seed", "vocab_size", "max_len", "max_recipes", "embedding_dim", "hidden_dim", "dropout_rate",
        "batch_size", "learning_rate", "clip_grad_norm", "val_fraction", "include_ingredients"]}
    progress = not args.no_progress
    if args.resume:
        last = out_dir / "last.pt"
        if not last.exists():
            raise FileNotFoundError(f"--resume: no checkpoint to resume at {last}")
        trainer = Trainer.resume(last, texts, args.device, out_dir, progress, epochs=overrides["epochs"])
    else:
        config = PRESETS[args.preset].updated(**overrides)
        trainer = Trainer.from_texts(texts, config, args.device, out_dir, progress=progress)
    trainer.fit()
    print(f"Done: {out_dir / 'best.pt'} (best val loss {trainer.best_val_loss:.4f}), {out_dir / 'last.pt'}, "
          f"{out_dir / 'metrics.json'}")


def _generate(args) -> None:
    from .loading import load_generator

    generator = load_generator(args.checkpoint, args.device)
    for temperature in args.temperature:
        texts = generator.sample(args.prompt, args.num_samples, args.max_tokens, temperature, args.top_k,
                                 args.top_p, args.seed)
        print(f"--- temperature {temperature:g} ---")
        print("\n\n".join(texts))
        print()


def _evaluate(args) -> None:
    import torch

    from .config import TrainConfig
    from .data import make_dataloaders, make_eval_loader
    from .loading import load_model
    from .recipes import load_recipes
    from .train import evaluate

    model, vocab, checkpoint = load_model(args.checkpoint, args.device)
    config = TrainConfig.from_dict(checkpoint["config"])
    texts = load_recipes(args.data, config.include_ingredients, verbose=not args.json)
    if args.split == "val":
        texts = config.recipes_used(texts)
        _, loader = make_dataloaders(texts, vocab, config.max_len, config.batch_size, config.val_fraction, config.seed)
    else:
        loader = make_eval_loader(texts, vocab, config.max_len, config.batch_size)
    loss = evaluate(model, loader, torch.nn.CrossEntropyLoss(ignore_index=vocab.pad_idx), model.fc.weight.device)
    result = {"loss": loss, "perplexity": math.exp(min(loss, 50.0)), "split": args.split,
              "recipes": len(loader.dataset), "tokens": sum(len(s) - 1 for s in loader.dataset)}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{args.split} loss {loss:.4f} | perplexity {result['perplexity']:.2f} | "
              f"{result['recipes']} recipes, {result['tokens']} target words")


def _check_device(device: str | None) -> None:
    import torch

    if device is None:
        return
    try:
        kind = torch.device(device).type
    except RuntimeError:
        raise ValueError(f"--device {device!r} is not a device: use cpu, cuda or cuda:N") from None
    if kind == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"--device {device!r}: no CUDA GPU is available here; use cpu")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = {"train": _train, "generate": _generate, "evaluate": _evaluate}[args.command]
    try:
        _check_device(args.device)
        command(args)
    except (ValueError, FileNotFoundError, RuntimeError) as error:
        print(f"lstm-tutorial {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"lstm-tutorial {args.command}: interrupted", file=sys.stderr)
        return 130
    return 0
