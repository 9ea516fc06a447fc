"""Command line: ``lstm-tutorial train | generate | evaluate`` (also ``python -m lstm_tutorial``).

Every field of :class:`TrainConfig` is a ``train`` flag. Bad input ends with
one line on stderr and exit status 2, never a traceback. torch is imported
only once a command runs, so ``--help`` answers at once.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from .config import DEFAULT_PRESET, PRESETS, RESUMABLE_FIELDS, TrainConfig

EXIT_BAD_INPUT = 2
PRETRAINED = "pretrained"  # the word --checkpoint takes for the model shipped in the package


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
        flag = _flag(field.name)
        presets = ", ".join(f"{name} {getattr(config, field.name)}" for name, config in PRESETS.items())
        help_text = f"{field.metadata['help']} ({presets})"
        kind = {"int": int, "float": float, "str": str}.get(field.type.split(" | ")[0])
        if field.type == "bool":
            group.add_argument(flag, action=argparse.BooleanOptionalAction, default=argparse.SUPPRESS,
                               help=help_text)
        elif field.metadata["choices"]:
            group.add_argument(flag, choices=field.metadata["choices"], default=argparse.SUPPRESS, help=help_text)
        elif field.type.endswith("| None"):
            group.add_argument(flag, type=_number_or_none(kind), default=argparse.SUPPRESS, metavar="N|none",
                               help=help_text)
        else:
            group.add_argument(flag, type=kind, default=argparse.SUPPRESS, help=help_text)
    # the flag's earlier name: --no-mixed-precision is --precision float32, --mixed-precision is auto
    group.add_argument("--mixed-precision", dest="precision", action="store_const", const="auto",
                       default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    group.add_argument("--no-mixed-precision", dest="precision", action="store_const", const="float32",
                       default=argparse.SUPPRESS, help="the same as --precision float32")


def _flag(field: str) -> str:
    return "--" + field.replace("_", "-")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="lstm-tutorial", description="Train a word-level LSTM on recipes and let it write.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    train = commands.add_parser("train", help="train a model; writes last.pt, best.pt and metrics.json")
    train.add_argument("--preset", choices=sorted(PRESETS), default=argparse.SUPPRESS,
                       help=f"starting hyperparameters (default: {DEFAULT_PRESET})")
    train.add_argument("--out", help="checkpoint folder (default: Google Drive under Colab, else ./lstm_models)")
    train.add_argument("--resume", action="store_true",
                       help=f"continue from OUT/last.pt: flags equal to the checkpoint's values are accepted; may "
                            f"change only {', '.join(_flag(name) for name in RESUMABLE_FIELDS)}")
    train.add_argument("--device", help="cpu, cuda, cuda:1... (default: cuda if available)")
    train.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    _add_config_flags(train.add_argument_group("hyperparameters (override the preset; each preset's value shown)"))

    generate = commands.add_parser("generate", help="write text with a trained model (default: the pretrained one)")
    generate.add_argument("prompt", nargs="?", default="recipe for", help="start of the text (default: 'recipe for')")
    generate.add_argument("--checkpoint", action="append",
                          help=f"a .pt file written by train, or '{PRETRAINED}' for the model shipped in the package "
                               f"(the default; '{PRETRAINED}:book' for the book's sizes); give it more than once to "
                               f"compare models")
    generate.add_argument("--max-tokens", type=int, default=100)
    generate.add_argument("--temperature", type=float, nargs="+", default=[1.0],
                          help="one or more temperatures; 0 = greedy (default: 1.0)")
    generate.add_argument("--top-k", type=int, help="sample only from the K most likely words")
    generate.add_argument("--top-p", type=float, help="sample only from the most likely words covering P")
    generate.add_argument("--num-samples", type=int, default=1, help="texts per temperature, generated as a batch")
    generate.add_argument("--seed", type=int, help="random seed: same seed, same text")
    generate.add_argument("--device", help="cpu, cuda, cuda:1... (default: cuda if available)")

    evaluate = commands.add_parser("evaluate", help="loss and perplexity of a trained model")
    evaluate.add_argument("--checkpoint", default=PRETRAINED,
                          help=f"a .pt file written by train, or '{PRETRAINED}' (default: the model shipped in the "
                               f"package)")
    evaluate.add_argument("--data", help="recipes to score (default: the ones the model was trained on)")
    evaluate.add_argument("--split", choices=["val", "all"], default="val",
                          help="val: the validation split as training made it (default); all: every recipe")
    evaluate.add_argument("--json", action="store_true", help="print the result as JSON")
    evaluate.add_argument("--device", help="cpu, cuda, cuda:1... (default: cuda if available)")
    return parser


def _config_changes(args) -> dict:
    names = {field.name for field in dataclasses.fields(TrainConfig)}
    return {name: value for name, value in vars(args).items() if name in names}


def _train(args) -> None:
    from .checkpoints import BEST, LAST, METRICS
    from .colab_drive import checkpoint_dir
    from .training import Trainer

    out_dir = Path(args.out) if args.out else checkpoint_dir()
    changes = _config_changes(args)
    if args.resume:
        last = out_dir / LAST
        if not last.exists():
            raise FileNotFoundError(f"--resume: no checkpoint to resume at {last}")
        # The command the run started with: the preset's values (when named) and every flag given.
        requested = PRESETS[args.preset].updated(**changes).to_dict() if hasattr(args, "preset") else changes

        def flag_of(field: str) -> str:
            from_preset = field not in changes and field not in RESUMABLE_FIELDS and hasattr(args, "preset")
            return f"--preset {args.preset}'s {_flag(field)}" if from_preset else _flag(field)

        trainer = Trainer.resume(last, device=args.device, out_dir=out_dir, progress=not args.no_progress,
                                 name_of=flag_of, **requested)
    else:
        config = PRESETS[getattr(args, "preset", DEFAULT_PRESET)].updated(**changes)
        trainer = Trainer.from_config(config, args.device, out_dir, progress=not args.no_progress)
    trainer.fit()
    print(f"Done: {out_dir / BEST} (best val loss {trainer.best_val_loss:.4f}), {out_dir / LAST}, "
          f"{out_dir / METRICS}")


def _load(checkpoint: str, device: str | None):
    """The model, vocabulary and checkpoint that ``--checkpoint`` names, and a label saying what it is."""
    from .baselines import perplexity_from_loss
    from .checkpoints import load_model
    from .pretrained import DEFAULT_PRETRAINED, pretrained_path

    shipped = checkpoint == PRETRAINED or checkpoint.startswith(PRETRAINED + ":")
    name = checkpoint.partition(":")[2] or DEFAULT_PRETRAINED
    path = pretrained_path(name) if shipped else Path(checkpoint)
    model, vocab, saved = load_model(path, device)
    what = f"the pretrained model '{name}' shipped in the package" if shipped else str(path)
    facts = [f"{saved['epoch']} epoch{'s' if saved['epoch'] != 1 else ''}"] if "epoch" in saved else []
    if saved.get("val_loss") is not None:
        facts.append(f"validation perplexity {perplexity_from_loss(saved['val_loss']):.1f} on its own split")
    return model, vocab, saved, f"{what} ({', '.join(facts)})" if facts else what


def _generate(args) -> None:
    from .generate import TextGenerator

    for checkpoint in args.checkpoint or [PRETRAINED]:
        model, vocab, _, label = _load(checkpoint, args.device)
        generator = TextGenerator(model, vocab)
        print(f"=== {label} ===")
        for temperature in args.temperature:
            texts = generator.sample(args.prompt, args.num_samples, args.max_tokens, temperature, args.top_k,
                                     args.top_p, args.seed)
            print(f"--- temperature {temperature:g} ---")
            print("\n\n".join(texts))
            print()


def _evaluate(args) -> None:
    from .baselines import perplexity_from_loss
    from .checkpoints import validation_loader
    from .data import make_eval_loader
    from .recipes import load_recipes
    from .training import evaluate_loss

    model, vocab, checkpoint, _ = _load(args.checkpoint, args.device)
    config = TrainConfig.from_dict(checkpoint["config"])
    data = args.data or config.data
    texts = load_recipes(data, config.include_ingredients, verbose=not args.json)
    if args.split == "val":
        loader = validation_loader(checkpoint, data, texts)
    else:
        loader = make_eval_loader(texts, vocab, config.max_len, config.batch_size)
    loss = evaluate_loss(model, loader, vocab.pad_idx)
    result = {"loss": loss, "perplexity": perplexity_from_loss(loss), "split": args.split,
              "recipes": len(loader.dataset), "tokens": sum(len(s) - 1 for s in loader.dataset)}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{args.split} loss {loss:.4f} (float32) | perplexity {result['perplexity']:.2f} | "
              f"{result['recipes']} recipes, {result['tokens']} target words")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = {"train": _train, "generate": _generate, "evaluate": _evaluate}[args.command]
    try:
        if args.device is not None:
            from .devices import resolve_device

            resolve_device(args.device)
        command(args)
    except (ValueError, OSError, RuntimeError) as error:  # FileNotFoundError is an OSError
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        print(f"lstm-tutorial {args.command}: error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"lstm-tutorial {args.command}: interrupted", file=sys.stderr)
        return 130
    return 0
