"""How good is the pretrained model? Perplexity against count-based baselines, and novelty.

    python benchmarks/quality.py                      # the shipped pretrained model
    python benchmarks/quality.py --checkpoint runs/cpu/best.pt

Printed, all on the same vocabulary and the same targets:
(a) perplexity on the validation split the model was trained with, beside a
    unigram and an interpolated Kneser-Ney bigram trained on its training split;
(b) perplexity on real recipes that are in no corpus the model saw (the
    Wikibooks recipes held out by scripts/build_corpus.py, or --heldout PATH),
    and the ratio to the bigram's;
(c) novelty: 20 samples of 80 words at temperature 0.8, the longest run of
    tokens each copies from the training corpus, and how many copy a run of
    12 or more.
"""

from __future__ import annotations

import argparse

import torch

from lstm_tutorial.baselines import CopyFinder, KneserNeyBigram, UnigramModel, perplexity, perplexity_from_loss
from lstm_tutorial.checkpoints import checkpoint_loaders, load_model
from lstm_tutorial.config import TrainConfig
from lstm_tutorial.data import make_eval_loader
from lstm_tutorial.generate import TextGenerator
from lstm_tutorial.pretrained import DEFAULT_PRETRAINED, pretrained_path
from lstm_tutorial.recipes import load_recipes
from lstm_tutorial.tokenizer import tokenize
from lstm_tutorial.training import evaluate_loss

COPY_RUN = 12


def lstm_perplexity(model, loader, pad_idx: int) -> float:
    return perplexity_from_loss(evaluate_loss(model, loader, pad_idx))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", default=str(pretrained_path(DEFAULT_PRETRAINED)))
    parser.add_argument("--heldout", default="heldout", help="recipes not in the corpus (default: the held-out set)")
    parser.add_argument("--samples", type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(min(2, torch.get_num_threads()))

    model, vocab, checkpoint = load_model(args.checkpoint, "cpu")
    config = TrainConfig.from_dict(checkpoint["config"])
    texts = config.recipes_used(load_recipes(config.data, config.include_ingredients, verbose=False))
    train_loader, val_loader = checkpoint_loaders(checkpoint, texts=texts)
    heldout = load_recipes(args.heldout, config.include_ingredients, verbose=False)
    heldout_loader = make_eval_loader(heldout, vocab, config.max_len, config.batch_size)
    train_ids = train_loader.dataset
    unigram, bigram = UnigramModel(train_ids, len(vocab)), KneserNeyBigram(train_ids, len(vocab))
    print(f"model: {args.checkpoint} (epoch {checkpoint.get('epoch')}, corpus '{config.data}', "
          f"{len(texts)} recipes, vocabulary {len(vocab)})")

    print(f"(a) validation split: {len(val_loader.dataset)} recipes")
    val_lstm = lstm_perplexity(model, val_loader, vocab.pad_idx)
    for name, value in [("unigram (add-one)", perplexity(unigram, val_loader.dataset)),
                        ("Kneser-Ney bigram", perplexity(bigram, val_loader.dataset)), ("LSTM", val_lstm)]:
        print(f"  {name:20s} perplexity {value:8.2f}")

    print(f"(b) real recipes in no corpus the model saw: {len(heldout_loader.dataset)} recipes ({args.heldout})")
    held_bigram = perplexity(bigram, heldout_loader.dataset)
    held_lstm = lstm_perplexity(model, heldout_loader, vocab.pad_idx)
    print(f"  {'unigram (add-one)':20s} perplexity {perplexity(unigram, heldout_loader.dataset):8.2f}")
    print(f"  {'Kneser-Ney bigram':20s} perplexity {held_bigram:8.2f}")
    print(f"  {'LSTM':20s} perplexity {held_lstm:8.2f}")
    ratio = held_lstm / held_bigram
    print(f"  LSTM / bigram: {ratio:.3f}")

    print(f"(c) novelty: {args.samples} samples of 80 words at T = 0.8, longest run copied from the corpus")
    generator = TextGenerator(model, vocab)
    finder = CopyFinder([tokenize(text) for text in texts])
    copied = 0
    for seed in range(args.samples):
        text = generator.sample("recipe for", max_tokens=80, temperature=0.8, seed=seed)[0]
        run = finder.longest_run(tokenize(text))
        copied += run >= COPY_RUN
        print(f"  {run:3d}  {text[:110]}{'...' if len(text) > 110 else ''}")
    print(f"  samples with a copied run of {COPY_RUN}+ tokens: {copied} of {args.samples}")


if __name__ == "__main__":
    main()
