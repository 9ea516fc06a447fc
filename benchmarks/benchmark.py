"""Speed of lstm_tutorial against the seed's way, measured in one run on one machine.

    python benchmarks/benchmark.py            # the full comparison (a few minutes on a 2-core CPU)
    python benchmarks/benchmark.py --epochs 1 # shorter
    python benchmarks/benchmark.py --data full_format_recipes.json   # (b) on other recipes

(a) Generation: 500 new tokens with the book's model sizes (vocabulary 10,000,
    embedding 100, hidden 128). The seed re-runs the model over the whole text
    for every new token; lstm_tutorial reads the prompt once and carries the
    LSTM state.
(b) Training: non-padding target tokens per second on the bundled corpus with
    the book's sizes (max_len 200, batch 32, Adam 1e-3). The seed's loop gets
    the book's data: every recipe padded to 200 tokens. lstm_tutorial batches
    recipes of similar length and pads each batch only to its longest, then
    computes the output layer and the loss only for real targets, in chunks
    that stay in the CPU's cache (same loss and gradients as the seed's lines).
    Both train the same number of epochs from the same initial weights; the
    validation loss (per target word, same validation recipes) is printed
    beside the speed, so a faster loop that learns less would show.

The seed's code below is copied from the blog post (comments translated),
changed only where noted.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time

import torch
from torch import nn

from lstm_tutorial import LSTMLM, TextGenerator, Vocab, evaluate, load_recipes, make_dataloaders, train
from lstm_tutorial.data import encode_recipes

BOOK = {"vocab_size": 10000, "embedding_dim": 100, "hidden_dim": 128, "max_len": 200, "batch_size": 32}


# --- the seed's generator (PyTorchTextGenerator.generate), printing removed ---------------------------
def seed_generate(model, idx2token, token2idx, device, start_prompt, max_tokens=100, temperature=1.0):
    model.eval()
    tokens = [token2idx.get(word, token2idx["<UNK>"]) for word in start_prompt.lower().split()]
    info = []
    with torch.no_grad():
        for _ in range(max_tokens):
            x = torch.tensor([tokens], dtype=torch.long).to(device)
            logits, _ = model(x)
            next_token_logits = logits[0, -1, :]
            probs = torch.softmax(next_token_logits, dim=0)
            probs = probs ** (1 / temperature)  # the seed's sample_from
            probs = probs / probs.sum()
            next_token = torch.multinomial(probs, 1).item()
            current_prompt = " ".join([idx2token[idx] for idx in tokens])
            info.append({"prompt": current_prompt, "word_probs": probs.cpu().numpy()})
            tokens.append(next_token)
            if next_token == token2idx["<EOS>"] or next_token == token2idx["<PAD>"]:
                break
    return info


# --- the seed's train() ---------------------------------------------------------------------------------
def seed_train(model, train_loader, criterion, optimizer, device):
    model.train()
    epoch_loss = 0
    for x, y in train_loader:
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()
        logits, _ = model(x)
        loss = criterion(logits.view(-1, logits.size(-1)), y.view(-1))
        loss.backward()
        optimizer.step()
        epoch_loss += loss.item()
    return epoch_loss / len(train_loader)


def book_padded_batches(sequences: list[list[int]], batch_size: int, max_len: int, seed: int):
    """The book's data: every recipe padded (or cut) to max_len + 1 tokens, shuffled each epoch."""
    padded = torch.zeros(len(sequences), max_len + 1, dtype=torch.long)
    for row, seq in enumerate(sequences):
        padded[row, : len(seq)] = torch.tensor(seq[: max_len + 1])
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(sequences), generator=generator)
    return [(padded[idx, :-1], padded[idx, 1:]) for idx in order.split(batch_size)]


def benchmark_generation(tokens: int, repeats: int) -> float:
    vocab = Vocab(["<PAD>", "<UNK>", "<EOS>"] + [f"word{i}" for i in range(BOOK["vocab_size"] - 3)])
    torch.manual_seed(0)
    model = LSTMLM(len(vocab), BOOK["embedding_dim"], BOOK["hidden_dim"]).eval()
    with torch.no_grad():  # never stop early, so both write exactly `tokens` words
        model.fc.bias[[vocab.pad_idx, vocab.eos_idx]] = -1e9
    generator = TextGenerator.from_vocab(model, vocab, "cpu")
    prompt = "word1 word2"

    def ours():
        return generator.generate(prompt, max_tokens=tokens, verbose=False)

    def seed_way():
        return seed_generate(model, vocab.idx2token, vocab.token2idx, "cpu", prompt, max_tokens=tokens)

    assert len(ours()) == len(seed_way()) == tokens
    runs = {"seed (re-run the whole prefix)": seed_way, "lstm_tutorial (carried state)": ours}
    times = {name: [] for name in runs}
    for _ in range(repeats):  # interleaved, so a slow moment of the machine hits both
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    for name, measured in times.items():
        print(f"  {name:34s} {statistics.median(measured) * 1000:9.1f} ms for {tokens} tokens "
              f"(median of {repeats}, fastest {min(measured) * 1000:.1f})")
    seed_time, our_time = (statistics.median(measured) for measured in times.values())
    return seed_time / our_time


def benchmark_training(epochs: int, data: str | None) -> tuple[float, float, float]:
    texts = load_recipes(data, verbose=False)
    vocab = Vocab.build(texts, BOOK["vocab_size"])
    train_loader, val_loader = make_dataloaders(texts, vocab, BOOK["max_len"], BOOK["batch_size"], seed=42)
    real_tokens = sum(len(seq) - 1 for seq in train_loader.dataset)
    print(f"  {len(texts)} recipes; real tokens fill {real_tokens / (len(train_loader.dataset) * BOOK['max_len']):.0%} "
          f"of the book's {BOOK['max_len']}-token rows")

    torch.manual_seed(0)
    initial = LSTMLM(len(vocab), BOOK["embedding_dim"], BOOK["hidden_dim"])
    criterion = nn.CrossEntropyLoss(ignore_index=0)
    results = {}
    for name in ["seed (fixed padding to 200)", "lstm_tutorial (no padding, chunked)"]:
        model = copy.deepcopy(initial)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        seconds = 0.0
        for epoch in range(epochs):
            torch.manual_seed(epoch)  # same dropout draws for both
            start = time.perf_counter()
            if name.startswith("seed"):
                batches = book_padded_batches(train_loader.dataset, BOOK["batch_size"], BOOK["max_len"], epoch)
                seed_train(model, batches, criterion, optimizer, "cpu")
            else:
                train_loader.batch_sampler.set_epoch(epoch)
                train(model, train_loader, criterion, optimizer, epoch, "cpu", progress=False)
            seconds += time.perf_counter() - start
        val_loss = evaluate(model, val_loader, criterion, "cpu")
        results[name] = (real_tokens * epochs / seconds, val_loss)
        print(f"  {name:34s} {results[name][0]:9,.0f} target tokens/s | val loss after {epochs} epochs "
              f"{val_loss:.4f}")
    (seed_speed, seed_loss), (our_speed, our_loss) = results.values()
    return our_speed / seed_speed, seed_loss, our_loss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tokens", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--data", help="recipes for (b) (default: the bundled corpus)")
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"(a) generating {args.tokens} tokens, book sizes")
    generation_ratio = benchmark_generation(args.tokens, args.repeats)
    print(f"(b) training {args.epochs} epochs on {args.data or 'the bundled corpus'}, book sizes")
    training_ratio, seed_loss, our_loss = benchmark_training(args.epochs, args.data)
    print(f"generation speed-up: {generation_ratio:.1f}x (target >= 20x)")
    print(f"training speed-up:   {training_ratio:.2f}x (target >= 1.5x), "
          f"val loss {our_loss:.4f} vs seed {seed_loss:.4f} ({'no worse' if our_loss <= seed_loss else 'WORSE'})")


if __name__ == "__main__":
    main()
