"""Command line: ``lstm-tutorial train | generate | evaluate`` (also ``python -m lstm_tutorial``).

Every field of :class:`TrainConfig` is a ``train`` flag. Bad input ends with
one line on stderr and exit status 2, never a traceback. torch is imported
only once a command runs, so ``--help`` answers at once.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
from pathlib import Path

from .config import DEFAULT_PRESET, PRESETS, RESUMABLE_FIELDS, TrainConfig

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line instead of usage + error
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def _number_or_none(kind):
    """An argparse type: ``kind`` of the text, or None for 'none'."""
    def parse(text: str):
        return None if text.strip().lower() == "none" else kind(text)
    parse.__name__ = kind.__name__
    return parse


def _add_config_flags(group) -> None:
    """One flag per TrainConfig field (``vocab_size`` -> ``--vocab-size``); a flag not given is left out."""
    for field in dataclasses.fields(TrainConfig):
        flag = "--" + field.name.replace("_", "-")
        presets = ", ".join(f"{name} {getattr(config, field.name)}" for name, config in PRESETS.items())
        help_text = f"{field.metadata['help']} ({presets})"
        kind = {"int": int, "float": float, "str": str}.get(field.type.split(" | ")[0])
        if field.type == "bool":
            group.add_argument(flag, action=argparse.BooleanOptionalAction, default=argparse.SUPPRESS,
                               help=help_text)
        elif field.type.endswith("| None"):
            group.add_argument(flag, type=_number_or_none(kind), default=argparse.SUPPRESS, metavar="N|none",
                               help=help_text)
        else:
            group.add_argument(flag, type=kind, default=argparse.SUPPRESS, help=help_text)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="lstm-tutorial", description="Train a word-level LSTM on recipes and let it write.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    train = commands.add_parser("train", help="train a model; writes last.pt, best.pt and metrics.json")
    train.add_argument("--preset", choices=sorted(PRESETS), default=argparse.SUPPRESS,
                       help=f"starting hyperparameters (default: {DEFAULT_PRESET})")
    train.add_argument("--out", help="checkpoint folder (default: Google Drive under Colab, else ./lstm_models)")
    train.add_argument("--resume", action="store_true",
                       help=f"continue from OUT/last.pt; may change only {', '.join(RESUMABLE_FIELDS)}")
    train.add_argument("--device", help="cpu, cuda, cuda:1... (default: cuda if available)")
    train.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    _add_config_flags(train.add_argument_group("hyperparameters (override the preset; each preset's value shown)"))

    generate = commands.add_parser("generate", help="write text with a trained model (default: the pretrained one)")
    generate.add_argument("prompt", nargs="?", default="recipe for", help="start of the text (default: 'recipe for')")
    generate.add_argument("--checkpoint", help="a .pt file written by train (default: the shipped pretrained model)")
    generate.add_argument("--max-tokens", type=int, default=100)
    generate.add_argument("--temperature", type=float, nargs="+", default=[1.0],
                          help="one or more temperatures; 0 = greedy (default: 1.0)")
    generate.add_argument("--top-k", type=int, help="sample only from the K most likely words")
    generate.add_argument("--top-p", type=float, help="sample only from the most likely words covering P")
    generate.add_argument("--num-samples", type=int, default=1, help="texts per temperature, generated as a batch")
    generate.add_argument("--seed", type=int, help="random seed: same seed, same text")
    generate.add_argument("--device")

    evaluate = commands.add_parser("evaluate", help="loss and perplexity of a trained model")
    evaluate.add_argument("--checkpoint", help="a .pt file written by train (default: the shipped pretrained model)")
    evaluate.add_argument("--data", help="recipes to score (default: the ones the model was trained on)")
    evaluate.add_argument("--split", choices=["val", "all"], default="val",
                          help="val: the validation split as training made it (default); all: every recipe")
    evaluate.add_argument("--json", action="store_true", help="print the result as JSON")
    evaluate.add_argument("--device")
    return parser


def _config_changes(args) -> dict:
    names = {field.name for field in dataclasses.fields(TrainConfig)}
    return {name: value for name, value in vars(args).items() if name in names}


def _check_folder(out: Path) -> None:
    """ValueError if ``out``, or the first of its parents that exists, is a file."""
    for folder in [out, *out.parents]:
        if folder.exists():
            if not folder.is_dir():
                raise ValueError(f"--out {out}: {folder} is a file, not a folder")
            return


def _train(args) -> None:
    from .colab_drive import checkpoint_dir
    from .training import Trainer

    if args.out:
        _check_folder(Path(args.out))
    changes = _config_changes(args)
    if args.resume:
        if hasattr(args, "preset"):
            raise ValueError("--preset cannot be used with --resume: a resumed run keeps its checkpoint's settings")
        out_dir = Path(args.out) if args.out else checkpoint_dir()
        last = out_dir / "last.pt"
        if not last.exists():
            raise FileNotFoundError(f"--resume: no checkpoint to resume at {last}")
        trainer = Trainer.resume(last, device=args.device, out_dir=out_dir, progress=not args.no_progress, **changes)
    else:
        config = PRESETS[getattr(args, "preset", DEFAULT_PRESET)].updated(**changes)
        out_dir = Path(args.out) if args.out else checkpoint_dir()
        trainer = Trainer.from_config(config, args.device, out_dir, progress=not args.no_progress)
    trainer.fit()
    print(f"Done: {out_dir / 'best.pt'} (best val loss {trainer.best_val_loss:.4f}), {out_dir / 'last.pt'}, "
          f"{out_dir / 'metrics.json'}")


def _checkpoint_path(args) -> Path:
    from .pretrained import PRETRAINED_MODEL

    return Path(args.checkpoint) if args.checkpoint else PRETRAINED_MODEL


def _generate(args) -> None:
    from .checkpoints import load_generator

    generator = load_generator(_checkpoint_path(args), args.device)
    for temperature in args.temperature:
        texts = generator.sample(args.prompt, args.num_samples, args.max_tokens, temperature, args.top_k,
                                 args.top_p, args.seed)
        print(f"--- temperature {temperature:g} ---")
        print("\n\n".join(texts))
        print()


def _evaluate(args) -> None:
    from .checkpoints import load_model
    from .data import dataloaders_for, make_eval_loader, split_fingerprint
    from .recipes import load_recipes
    from .training import evaluate_loss

    path = _checkpoint_path(args)
    model, vocab, checkpoint = load_model(path, args.device)
    config = TrainConfig.from_dict(checkpoint["config"])
    if args.data:
        config = config.updated(data=args.data)
    texts = load_recipes(config.data, config.include_ingredients, verbose=not args.json)
    if args.split == "val":
        _, loader = dataloaders_for(config, texts, vocab)
        recorded = checkpoint.get("val_split_sha256")
        if recorded is not None and recorded != split_fingerprint(loader):
            raise ValueError(f"the validation split rebuilt from {config.data!r} is not the one {path} was "
                             f"validated on; pass --data with the recipes it was trained on, or use --split all")
    else:
        loader = make_eval_loader(texts, vocab, config.max_len, config.batch_size)
    loss = evaluate_loss(model, loader, model.device, vocab.pad_idx)
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
    except (ValueError, OSError, RuntimeError) as error:  # FileNotFoundError is an OSError
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        print(f"lstm-tutorial {args.command}: error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"lstm-tutorial {args.command}: interrupted", file=sys.stderr)
        return 130
    return 0
