import json
import math

import pytest
import torch

from lstm_tutorial import Trainer, Vocab, evaluate, initialize_model, make_dataloaders, run_training, train
from lstm_tutorial.checkpoint import load_checkpoint


def test_training_lowers_the_validation_loss(recipes):
    torch.manual_seed(0)
    vocab = Vocab.build(recipes[:60], 500)
    train_loader, val_loader = make_dataloaders(recipes[:60], vocab, max_len=40, batch_size=8)
    model, criterion, optimizer = initialize_model(len(vocab), 16, 32, device="cpu", learning_rate=0.01)
    before = evaluate(model, val_loader, criterion, "cpu")
    for epoch in range(2):
        train_loss = train(model, train_loader, criterion, optimizer, epoch, "cpu", progress=False)
    after = evaluate(model, val_loader, criterion, "cpu")
    assert after < before and math.isfinite(train_loss)
    assert before == pytest.approx(math.log(len(vocab)), rel=0.1)  # untrained: about uniform


def test_a_run_writes_last_best_and_metrics(trained):
    out = trained.out_dir
    assert {p.name for p in out.iterdir()} == {"last.pt", "best.pt", "metrics.json"}  # no temporary files left
    metrics = json.loads((out / "metrics.json").read_text())
    assert [m["epoch"] for m in metrics] == [1, 2]
    assert set(metrics[0]) == {"epoch", "train_loss", "val_loss", "val_perplexity", "seconds", "tokens_per_second"}
    assert metrics[0]["val_perplexity"] == pytest.approx(math.exp(metrics[0]["val_loss"]))
    assert trained.history[0]["sample"].startswith("recipe for")


def test_best_is_the_epoch_with_the_lowest_validation_loss(trained):
    best = load_checkpoint(trained.out_dir / "best.pt")
    last = load_checkpoint(trained.out_dir / "last.pt")
    losses = [m["val_loss"] for m in trained.history]
    assert best["epoch"] == 1 + losses.index(min(losses))
    assert last["epoch"] == 2


def test_checkpoint_is_plain_data_that_loads_with_weights_only(trained, tiny_config):
    checkpoint = torch.load(trained.out_dir / "last.pt", weights_only=True)
    assert checkpoint["vocab"] == trained.vocab.idx2token
    assert checkpoint["config"] == tiny_config.to_dict()
    assert set(checkpoint["model_state_dict"]) == set(trained.model.state_dict())
    assert "optimizer_state_dict" in checkpoint and "rng_state" in checkpoint


def test_resuming_gives_the_same_model_as_an_uninterrupted_run(recipes, tmp_path, tiny_config):
    config = tiny_config.updated(epochs=3)
    straight = Trainer.from_texts(recipes, config, "cpu", tmp_path / "straight", progress=False)
    straight.fit()

    interrupted = Trainer.from_texts(recipes, config.updated(epochs=1), "cpu", tmp_path / "resumed", progress=False)
    interrupted.fit()
    resumed = Trainer.resume(tmp_path / "resumed" / "last.pt", recipes, "cpu", progress=False, epochs=3)
    resumed.fit()

    for name, tensor in straight.model.state_dict().items():
        assert torch.equal(tensor, resumed.model.state_dict()[name]), name
    assert [m["val_loss"] for m in straight.history] == [m["val_loss"] for m in resumed.history]


def test_a_failed_save_leaves_the_previous_checkpoint_intact(trained, monkeypatch):
    before = (trained.out_dir / "last.pt").read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(OSError, match="disk full"):
        trained.save_checkpoints(is_best=False)
    assert (trained.out_dir / "last.pt").read_bytes() == before
    assert not list(trained.out_dir.glob(".*.tmp"))


def test_run_training_keeps_the_seed_signature(recipes, tmp_path, capsys):
    vocab = Vocab.build(recipes[:30], 300)
    train_loader, val_loader = make_dataloaders(recipes[:30], vocab, max_len=30, batch_size=8)
    model, text_generator = run_training(
        train_loader, val_loader, len(vocab), 16, 24, 1, vocab.idx2token, vocab.token2idx, "cpu",
        save_dir=tmp_path, progress=False,
    )
    out = capsys.readouterr().out
    assert "Epoch 1/1" in out and "val perplexity" in out
    assert (tmp_path / "best.pt").exists() and (tmp_path / "last.pt").exists()
    assert text_generator.model is model
    with pytest.raises(ValueError, match="vocab_size is 5"):
        run_training(train_loader, val_loader, 5, 16, 24, 1, vocab.idx2token, vocab.token2idx, "cpu", tmp_path)


def test_the_training_step_gives_the_seeds_loss_and_gradients(recipes):
    from lstm_tutorial.train import LOSS_CHUNK_ROWS, forward_backward

    vocab = Vocab.build(recipes[:40], 500)
    train_loader, _ = make_dataloaders(recipes[:40], vocab, max_len=60, batch_size=32)
    x, y = next(iter(train_loader))
    assert int((y != 0).sum()) > LOSS_CHUNK_ROWS  # several chunks
    model, criterion, _ = initialize_model(len(vocab), 16, 24, dropout_rate=0.3, device="cpu")

    torch.manual_seed(1)  # the same dropout masks both times
    logits, _ = model(x)
    seed_loss = criterion(logits.view(-1, logits.size(-1)), y.view(-1))
    seed_loss.backward()
    seed_grads = {name: p.grad.clone() for name, p in model.named_parameters()}
    model.zero_grad()

    torch.manual_seed(1)
    loss, n_targets = forward_backward(model, x, y, criterion, torch.device("cpu"))
    assert n_targets == int((y != 0).sum())
    assert loss == pytest.approx(seed_loss.item(), rel=1e-5)
    for name, p in model.named_parameters():
        torch.testing.assert_close(p.grad, seed_grads[name], rtol=1e-4, atol=1e-6, msg=name)
