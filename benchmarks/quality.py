"""How good are the shipped models? Perplexity against count-based baselines, and novelty.

    python benchmarks/quality.py                                  # the shipped models, side by side
    python benchmarks/quality.py --checkpoint runs/cpu/best.pt    # any checkpoints (give it more than once)
    python benchmarks/quality.py --heldout runs/other_sites.json.gz   # also recipes of other sites

Printed for each model, all on the same vocabulary and the same targets:
(a) perplexity on the validation split the model was trained with, beside a
    unigram and an interpolated Kneser-Ney bigram trained on the training split;
(b) perplexity on real recipes that are in no corpus the model saw, and the
    ratio to the bigram's: the Wikibooks recipes held out by
    scripts/build_corpus.py, and each further --heldout PATH (for example the
    recipes of other sites that scripts/build_other_sites.py builds);
(c) novelty: 20 samples of 80 tokens at temperature 0.8, the longest run of
    tokens each copies from the corpus, and how many copy a run of 12 or more;
    the first few samples are printed. For scale, the same count is printed
    first for real recipes the models never saw (the beginning of each
    held-out Wikibooks recipe, as long as a sample): how often a new recipe
    written by a person shares such a run with the corpus.
"""

from __future__ import annotations

import argparse

import torch

from lstm_tutorial.baselines import CopyFinder, KneserNeyBigram, UnigramModel, perplexity, perplexity_from_loss
from lstm_tutorial.checkpoints import load_model, validation_loader
from lstm_tutorial.config import TrainConfig
from lstm_tutorial.data import dataloaders_for, make_eval_loader
from lstm_tutorial.generate import TextGenerator
from lstm_tutorial.pretrained import PRETRAINED_PRESETS, pretrained_path
from lstm_tutorial.recipes import load_recipes
from lstm_tutorial.tokenizer import tokenize
from lstm_tutorial.training import evaluate_loss

COPY_RUN = 12
SAMPLE_TOKENS = 80
PROMPT = "recipe for"
SHOWN_SAMPLES = 4


def lstm_perplexity(model, loader, pad_idx: int) -> float:
    return perplexity_from_loss(evaluate_loss(model, loader, pad_idx))


def copiers(runs: list[int]) -> int:
    """How many of the texts whose longest copied runs are ``runs`` copy COPY_RUN tokens or more."""
    return sum(run >= COPY_RUN for run in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", action="append",
                        help="a checkpoint to score (default: every shipped model)")
    parser.add_argument("--heldout", action="append", default=[],
                        help="more recipes in no corpus, scored besides the held-out Wikibooks set (repeatable)")
    parser.add_argument("--samples", type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(min(2, torch.get_num_threads()))
    paths = args.checkpoint or [str(pretrained_path(name)) for name in PRETRAINED_PRESETS]

    # The baselines: counted on the first model's training split, its recipes one at a time.
    _, vocab, checkpoint = load_model(paths[0], "cpu")
    config = TrainConfig.from_dict(checkpoint["config"])
    texts = config.recipes_used(load_recipes(config.data, config.include_ingredients, verbose=False))
    train_ids = dataloaders_for(config.updated(batching="recipes"), texts, vocab)[0].dataset
    unigram, bigram = UnigramModel(train_ids, len(vocab)), KneserNeyBigram(train_ids, len(vocab))
    val_ids = validation_loader(checkpoint, texts=texts).dataset
    heldout_sets = {name: load_recipes(name, config.include_ingredients, verbose=False)
                    for name in ["heldout", *args.heldout]}
    finder = CopyFinder([tokenize(text) for text in texts])
    print(f"corpus '{config.data}': {len(texts)} recipes, {len(val_ids)} for validation; vocabulary {len(vocab)}")
    print(f"  {'unigram (add-one)':20s} perplexity: validation {perplexity(unigram, val_ids):7.2f}")
    print(f"  {'Kneser-Ney bigram':20s} perplexity: validation {perplexity(bigram, val_ids):7.2f}")
    bigram_on = {}
    for name, recipes in heldout_sets.items():
        ids = make_eval_loader(recipes, vocab, config.max_len, config.batch_size).dataset
        bigram_on[name] = perplexity(bigram, ids)
        print(f"  held out: {name}, {len(recipes)} real recipes in no corpus; perplexity: unigram "
              f"{perplexity(unigram, ids):.2f}, Kneser-Ney bigram {bigram_on[name]:.2f}")
    sample_length = len(tokenize(PROMPT)) + SAMPLE_TOKENS
    people = [finder.longest_run(tokenize(text)[:sample_length]) for text in heldout_sets["heldout"]]
    print(f"  copying by people: the first {sample_length} tokens of the {len(people)} held-out recipes copy a run "
          f"of {COPY_RUN}+ tokens from the corpus in {copiers(people)} ({copiers(people) / len(people):.0%})")

    for path in paths:
        model, model_vocab, checkpoint = load_model(path, "cpu")
        if model_vocab.idx2token != vocab.idx2token:
            raise SystemExit(f"{path} has another vocabulary than {paths[0]}: its scores would not compare")
        model_config = TrainConfig.from_dict(checkpoint["config"])
        val = lstm_perplexity(model, validation_loader(checkpoint, texts=texts), vocab.pad_idx)
        print(f"model: {path} (epoch {checkpoint.get('epoch')}; {model_config.num_layers} x "
              f"{model_config.hidden_dim}, embedding {model_config.embedding_dim}, tied {model_config.tie_weights}, "
              f"batching {model_config.batching})")
        print(f"  (a) validation perplexity {val:.2f}")
        for name, recipes in heldout_sets.items():
            loader = make_eval_loader(recipes, vocab, model_config.max_len, model_config.batch_size)
            held = lstm_perplexity(model, loader, vocab.pad_idx)
            print(f"  (b) {name}: perplexity {held:.2f}; LSTM / Kneser-Ney bigram: {held / bigram_on[name]:.3f}")
        generator = TextGenerator(model, vocab)
        runs = []
        for seed in range(args.samples):
            text = generator.sample(PROMPT, max_tokens=SAMPLE_TOKENS, temperature=0.8, seed=seed)[0]
            runs.append(finder.longest_run(tokenize(text)))
            if seed < SHOWN_SAMPLES:
                print(f"      {runs[-1]:3d}  {text[:110]}{'...' if len(text) > 110 else ''}")
        print(f"  (c) longest copied run per sample (T = 0.8): {', '.join(map(str, runs))}; "
              f"{copiers(runs)} of {args.samples} copy {COPY_RUN}+ tokens")


if __name__ == "__main__":
    main()
