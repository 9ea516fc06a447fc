import json
import math

import pytest
import torch

from lstm_tutorial import (PRESETS, TrainConfig, Trainer, Vocab, evaluate, initialize_model, make_dataloaders,
                           run_training, train)
from lstm_tutorial.checkpoints import load_checkpoint
from lstm_tutorial.data import dataloaders_for, split_fingerprint


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
    assert checkpoint["val_loss"] == trained.history[-1]["val_loss"]
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


def test_best_is_written_only_when_the_validation_loss_improves(recipes, tmp_path, tiny_config):
    trainer = Trainer.from_texts(recipes, tiny_config.updated(epochs=1), "cpu", tmp_path, progress=False)
    trainer.fit()
    best_bytes = (tmp_path / "best.pt").read_bytes()
    trainer.best_val_loss = -1.0  # no later epoch can beat this
    trainer.config = trainer.config.updated(epochs=2)
    trainer.fit()
    assert (tmp_path / "best.pt").read_bytes() == best_bytes
    assert load_checkpoint(tmp_path / "last.pt")["epoch"] == 2


def test_resume_keeps_the_best_validation_loss(trained, recipes, tmp_path):
    resumed = Trainer.resume(trained.out_dir / "last.pt", recipes, "cpu", tmp_path, progress=False)
    assert resumed.best_val_loss == trained.best_val_loss == min(m["val_loss"] for m in trained.history)


def test_the_epoch_loss_is_the_mean_over_target_words_not_over_batches(recipes):
    """Batches of very different sizes: the mean per word differs from the mean of batch means."""
    torch.manual_seed(0)
    texts = recipes[:9]
    vocab = Vocab.build(texts, 300)
    loader, _ = make_dataloaders(texts, vocab, max_len=50, batch_size=4, val_fraction=0.1)
    model, criterion, optimizer = initialize_model(len(vocab), 8, 8, device="cpu", learning_rate=0.0)
    epoch_loss = train(model, loader, criterion, optimizer, 0, "cpu", progress=False)
    model.eval()
    with torch.no_grad():
        total, words = 0.0, 0
        for x, y in loader:
            logits, _ = model(x)
            total += torch.nn.functional.cross_entropy(logits.reshape(-1, len(vocab)), y.reshape(-1),
                                                       ignore_index=0, reduction="sum").item()
            words += int((y != 0).sum())
    # learning rate 0: the weights never move, only dropout differs (rate 0.1), so compare loosely
    assert epoch_loss == pytest.approx(total / words, rel=0.02)


def test_gradients_are_clipped(recipes):
    torch.manual_seed(0)
    vocab = Vocab.build(recipes[:20], 300)
    loader, _ = make_dataloaders(recipes[:20], vocab, max_len=30, batch_size=20)
    norms = []
    for clip in (1e-3, None):
        model, criterion, optimizer = initialize_model(len(vocab), 8, 8, device="cpu", learning_rate=1.0)
        optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
        before = torch.nn.utils.parameters_to_vector(model.parameters()).clone()
        train(model, loader, criterion, optimizer, 0, "cpu", clip_grad_norm=clip, progress=False)
        norms.append(float((torch.nn.utils.parameters_to_vector(model.parameters()) - before).norm()))
    assert norms[0] == pytest.approx(1e-3 * len(loader), rel=0.05)  # each SGD step moves exactly the clip norm
    assert norms[1] > 100 * norms[0]


def test_early_stopping_after_patience_epochs_without_improvement(recipes, tmp_path, tiny_config, capsys):
    config = tiny_config.updated(epochs=10, patience=2, learning_rate=0.5)  # far too high: it gets worse
    trainer = Trainer.from_texts(recipes, config, "cpu", tmp_path, progress=False)
    history = trainer.fit()
    losses = [m["val_loss"] for m in history]
    best_epoch = 1 + losses.index(min(losses))
    assert len(history) == best_epoch + 2 < 10
    assert "Early stop: no better validation loss for 2 epochs" in capsys.readouterr().out
    assert load_checkpoint(tmp_path / "best.pt")["epoch"] == best_epoch


def test_run_training_keeps_the_blogs_signature(recipes, tmp_path, capsys):
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
    config = load_checkpoint(tmp_path / "last.pt")["config"]
    assert (config["max_len"], config["batch_size"], config["seed"]) == (30, 8, 42)
    with pytest.raises(ValueError, match="vocab_size is 5"):
        run_training(train_loader, val_loader, 5, 16, 24, 1, vocab.idx2token, vocab.token2idx, "cpu", tmp_path)


def test_run_training_records_the_split_its_loaders_came_from(recipes, tmp_path):
    texts = recipes[:30]
    vocab = Vocab.build(texts, 300)
    loaders = make_dataloaders(texts, vocab, max_len=25, batch_size=4, val_fraction=0.3, seed=7)
    run_training(*loaders, len(vocab), 8, 8, 1, vocab.idx2token, vocab.token2idx, "cpu", tmp_path, progress=False)
    saved = load_checkpoint(tmp_path / "last.pt")
    config = TrainConfig.from_dict(saved["config"])
    _, rebuilt_val = dataloaders_for(config, texts, vocab)
    assert split_fingerprint(rebuilt_val) == split_fingerprint(loaders[1]) == saved["val_split_sha256"]


def test_trainer_defaults_to_the_default_preset():
    import inspect

    for method in (Trainer.from_texts, Trainer.from_config):
        assert inspect.signature(method).parameters["config"].default == PRESETS["cpu"]


def test_resume_applies_resumable_changes_and_refuses_the_others(trained, recipes, tmp_path):
    resumed = Trainer.resume(trained.out_dir / "last.pt", recipes, "cpu", tmp_path, progress=False,
                             epochs=4, learning_rate=0.002)
    assert resumed.config.epochs == 4 and resumed.config.learning_rate == 0.002
    assert all(group["lr"] == 0.002 for group in resumed.optimizer.param_groups)
    with pytest.raises(ValueError, match="cannot change hidden_dim when resuming"):
        Trainer.resume(trained.out_dir / "last.pt", recipes, "cpu", tmp_path, progress=False, hidden_dim=99)
    same = Trainer.resume(trained.out_dir / "last.pt", recipes, "cpu", tmp_path, progress=False,
                          hidden_dim=trained.config.hidden_dim)  # the same value is no change
    assert same.config == trained.config
    with pytest.raises(ValueError, match="trained on other recipes"):
        Trainer.resume(trained.out_dir / "last.pt", list(reversed(recipes)), "cpu", tmp_path, progress=False)


def test_the_training_step_gives_the_blogs_loss_and_gradients(recipes):
    from lstm_tutorial.training import LOSS_CHUNK_ROWS, forward_backward

    vocab = Vocab.build(recipes[:40], 500)
    train_loader, _ = make_dataloaders(recipes[:40], vocab, max_len=60, batch_size=32)
    x, y = next(iter(train_loader))
    assert int((y != 0).sum()) > LOSS_CHUNK_ROWS  # several chunks
    model, criterion, _ = initialize_model(len(vocab), 16, 24, dropout_rate=0.3, device="cpu")

    torch.manual_seed(1)  # the same dropout masks both times
    logits, _ = model(x)
    blog_loss = criterion(logits.view(-1, logits.size(-1)), y.view(-1))
    blog_loss.backward()
    blog_grads = {name: p.grad.clone() for name, p in model.named_parameters()}
    model.zero_grad()

    torch.manual_seed(1)
    loss, n_targets = forward_backward(model, x, y, criterion.ignore_index, torch.device("cpu"), dtype=None)
    assert n_targets == int((y != 0).sum())
    assert loss == pytest.approx(blog_loss.item(), rel=1e-5)
    for name, p in model.named_parameters():
        torch.testing.assert_close(p.grad, blog_grads[name], rtol=1e-4, atol=1e-6, msg=name)
