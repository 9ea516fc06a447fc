import json
import math
import re

import pytest
import torch

from lstm_tutorial import (
    LSTMLM,
    PRESETS,
    TrainConfig,
    Trainer,
    Vocab,
    checkpoints,
    evaluate,
    initialize_model,
    load_recipes,
    make_dataloaders,
    run_training,
    train,
    training,
)
from lstm_tutorial.checkpoints import export_model, load_checkpoint, save_checkpoint
from lstm_tutorial.config import RESUMABLE_FIELDS
from lstm_tutorial.data import dataloaders_for, make_eval_loader, split_fingerprint
from lstm_tutorial.recipes import corpus_fingerprint
from lstm_tutorial.training import evaluate_loss, train_epoch


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
    assert set(metrics[0]) == {"epoch", "train_loss", "val_loss", "val_perplexity", "seconds", "tokens_per_second",
                               "learning_rate"}
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


def test_a_resumed_run_overwrites_best_only_with_a_better_epoch(trained, recipes, tmp_path):
    """The checkpoint says an earlier epoch reached a validation loss of 0.5, better than the last
    one: after resuming, best.pt stays that epoch's until a later epoch beats 0.5."""
    checkpoint = load_checkpoint(trained.out_dir / "last.pt")
    checkpoint["best_val_loss"] = 0.5
    checkpoint["history"][0]["val_loss"] = 0.5
    save_checkpoint(checkpoint, tmp_path / "last.pt")
    best_before = b"the best epoch's weights"
    (tmp_path / "best.pt").write_bytes(best_before)

    resumed = Trainer.resume(tmp_path / "last.pt", recipes, "cpu", progress=False, epochs=3)
    assert resumed.best_val_loss == 0.5 and resumed.epochs_without_improvement == 1
    resumed.fit()
    assert resumed.history[-1]["val_loss"] > 0.5
    assert (tmp_path / "best.pt").read_bytes() == best_before
    assert load_checkpoint(tmp_path / "last.pt")["best_val_loss"] == 0.5


def loss_per_word(model, loader) -> tuple[float, float]:
    """The blog's cross-entropy over every real target word, and the mean of the batches' means."""
    model.eval()
    total, words, batch_means = 0.0, 0, []
    with torch.no_grad():
        for x, y in loader:
            logits, _ = model(x)
            batch_sum = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1),
                                                          ignore_index=0, reduction="sum").item()
            total, words = total + batch_sum, words + int((y != 0).sum())
            batch_means.append(batch_sum / int((y != 0).sum()))
    return total / words, sum(batch_means) / len(batch_means)


def test_the_epoch_loss_is_the_mean_over_target_words_not_over_batches():
    """Four two-word recipes share one batch, a forty-word recipe fills the other: the mean over
    words weighs the long recipe 40 to 8, the mean of the two batch means 1 to 1."""
    texts = ["stir soup"] * 4 + [" ".join(f"word{i}" for i in range(39)) + " soup"]
    vocab = Vocab.build(texts, 60)
    loader = make_eval_loader(texts, vocab, max_len=100, batch_size=4)
    assert [len(y[y != 0]) for _, y in loader] == [8, 40]
    torch.manual_seed(0)
    model = LSTMLM(len(vocab), 8, 8, dropout_rate=0.0)
    with torch.no_grad():
        model.fc.bias[vocab.token2idx["soup"]] = 4.0  # "soup" is cheap to predict, the other words are not
    per_word, per_batch = loss_per_word(model, loader)
    assert abs(per_word - per_batch) > 0.5

    optimizer = torch.optim.SGD(model.parameters(), lr=0.0)  # the weights stay as they are
    epoch_loss = train_epoch(model, loader, optimizer, vocab.pad_idx, dtype=None, progress=False)
    assert epoch_loss == pytest.approx(per_word, rel=1e-5)
    assert evaluate_loss(model, loader, vocab.pad_idx) == pytest.approx(per_word, rel=1e-5)


def loss_without_padding(model, sequences: list[list[int]]) -> float:
    """Cross-entropy per target word, each recipe run on its own (nothing to pad)."""
    model.eval()
    total, words = 0.0, 0
    with torch.no_grad():
        for sequence in sequences:
            logits, _ = model(torch.tensor([sequence[:-1]]))
            total += torch.nn.functional.cross_entropy(logits[0], torch.tensor(sequence[1:]), reduction="sum").item()
            words += len(sequence) - 1
    return total / words


def test_padding_never_changes_the_loss(recipes):
    """Recipes of different lengths in padded batches of 8 score the same as one at a time."""
    texts = recipes[:24]
    vocab = Vocab.build(texts, 400)
    torch.manual_seed(0)
    model = LSTMLM(len(vocab), 8, 12, dropout_rate=0.0)
    batched = make_eval_loader(texts, vocab, max_len=150, batch_size=8)
    assert any((y == vocab.pad_idx).any() for _, y in batched)
    expected = loss_without_padding(model, batched.dataset)
    assert evaluate_loss(model, batched, vocab.pad_idx) == pytest.approx(expected, rel=1e-5)

    train_loader, _ = make_dataloaders(texts, vocab, max_len=150, batch_size=8)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.0)
    epoch_loss = train_epoch(model, train_loader, optimizer, vocab.pad_idx, dtype=None, progress=False)
    assert epoch_loss == pytest.approx(loss_without_padding(model, train_loader.dataset), rel=1e-5)


def test_gradients_are_clipped(recipes):
    torch.manual_seed(0)
    vocab = Vocab.build(recipes[:20], 300)
    loader, _ = make_dataloaders(recipes[:20], vocab, max_len=30, batch_size=20)
    norms = []
    for clip in (1e-3, None):
        model, criterion, optimizer = initialize_model(len(vocab), 8, 8, device="cpu", learning_rate=1.0)
        optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
        before = torch.nn.utils.parameters_to_vector(model.parameters()).detach().clone()
        train(model, loader, criterion, optimizer, 0, "cpu", clip_grad_norm=clip, progress=False)
        norms.append(float((torch.nn.utils.parameters_to_vector(model.parameters()).detach() - before).norm()))
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
    assert text_generator.model is model and text_generator.idx2token == vocab.idx2token
    config = load_checkpoint(tmp_path / "last.pt")["config"]
    assert (config["vocab_size"], config["embedding_dim"], config["hidden_dim"], config["epochs"]) == (300, 16, 24, 1)
    assert config["learning_rate"] == 1e-3  # the blog's Adam at its default rate, as trained
    with pytest.raises(ValueError, match="vocab_size is 5"):
        run_training(train_loader, val_loader, 5, 16, 24, 1, vocab.idx2token, vocab.token2idx, "cpu", tmp_path)


def test_run_training_records_the_split_its_loaders_came_from(recipes, tmp_path):
    texts = recipes[:30]
    vocab = Vocab.build(texts, 300)
    config = TrainConfig(max_len=25, batch_size=4, val_fraction=0.3, seed=7)
    loaders = dataloaders_for(config, texts, vocab)
    run_training(*loaders, len(vocab), 8, 8, 1, vocab.idx2token, vocab.token2idx, "cpu", tmp_path, progress=False,
                 config=config)
    saved = load_checkpoint(tmp_path / "last.pt")
    rebuilt_val = checkpoints.validation_loader(saved, texts=texts)
    assert split_fingerprint(rebuilt_val) == split_fingerprint(loaders[1]) == saved["val_split_sha256"]

    run_training(*loaders, len(vocab), 8, 8, 1, vocab.idx2token, vocab.token2idx, "cpu", tmp_path, progress=False)
    with pytest.raises(ValueError, match="validation split rebuilt from the 30 recipes given is not the one"):
        checkpoints.validation_loader(load_checkpoint(tmp_path / "last.pt"), texts=texts)  # no config: not recorded


def test_trainer_defaults_to_the_default_preset():
    import inspect

    for method in (Trainer.from_texts, Trainer.from_config):
        assert inspect.signature(method).parameters["config"].default == PRESETS["cpu"]


def test_resume_applies_resumable_changes_and_refuses_the_others(trained, recipes, tmp_path):
    resumed = Trainer.resume(trained.out_dir / "last.pt", recipes, "cpu", tmp_path, progress=False,
                             epochs=4, learning_rate=0.002)
    assert resumed.config.epochs == 4 and resumed.config.learning_rate == 0.002
    assert all(group["lr"] == 0.002 for group in resumed.optimizer.param_groups)
    with pytest.raises(ValueError, match="cannot resume with hidden_dim 99: the checkpoint has 24"):
        Trainer.resume(trained.out_dir / "last.pt", recipes, "cpu", tmp_path, progress=False, hidden_dim=99)
    same = Trainer.resume(trained.out_dir / "last.pt", recipes, "cpu", tmp_path, progress=False,
                          hidden_dim=trained.config.hidden_dim)  # the same value is no change
    assert same.config == trained.config
    with pytest.raises(ValueError, match="trained on other recipes"):
        Trainer.resume(trained.out_dir / "last.pt", list(reversed(recipes)), "cpu", tmp_path, progress=False)


def first_batch_of_40_recipes(recipes: list[str]) -> tuple[Vocab, torch.Tensor, torch.Tensor]:
    """A vocabulary and the first training batch (32 recipes of up to 60 tokens: several hundred targets)."""
    vocab = Vocab.build(recipes[:40], 500)
    train_loader, _ = make_dataloaders(recipes[:40], vocab, max_len=60, batch_size=32)
    x, y = next(iter(train_loader))
    return vocab, x, y


@pytest.mark.parametrize("chunks", ["a CPU's: several", "a GPU's: one"])
def test_the_training_step_gives_the_blogs_loss_and_gradients(recipes, monkeypatch, chunks):
    from lstm_tutorial import model as model_module
    from lstm_tutorial.model import GPU_LOSS_CHUNK_ROWS, LOSS_CHUNK_ROWS
    from lstm_tutorial.training import forward_backward

    if chunks == "a GPU's: one":
        monkeypatch.setattr(model_module, "loss_chunk_rows", lambda device: GPU_LOSS_CHUNK_ROWS)
    vocab, x, y = first_batch_of_40_recipes(recipes)
    assert LOSS_CHUNK_ROWS < int((y != 0).sum()) < GPU_LOSS_CHUNK_ROWS
    model, criterion, _ = initialize_model(len(vocab), 16, 24, dropout_rate=0.3, device="cpu")

    torch.manual_seed(1)  # the same dropout masks both times
    logits, _ = model(x)
    blog_loss = criterion(logits.view(-1, logits.size(-1)), y.view(-1))
    blog_loss.backward()
    blog_grads = {name: p.grad.clone() for name, p in model.named_parameters()}
    model.zero_grad()

    torch.manual_seed(1)
    loss, n_targets, _ = forward_backward(model, x, y, criterion.ignore_index)
    assert n_targets == int((y != 0).sum())
    assert loss == pytest.approx(blog_loss.item(), rel=1e-5)
    for name, p in model.named_parameters():
        torch.testing.assert_close(p.grad, blog_grads[name], rtol=1e-4, atol=1e-6, msg=name)


def test_a_cpu_runs_the_output_layer_in_cache_sized_chunks_and_a_gpu_a_whole_batch_at_once(recipes):
    from lstm_tutorial.model import GPU_LOSS_CHUNK_ROWS, LOSS_CHUNK_ROWS, loss_chunk_rows

    assert loss_chunk_rows(torch.device("cpu")) == LOSS_CHUNK_ROWS == 256
    assert loss_chunk_rows(torch.device("cuda", 0)) == GPU_LOSS_CHUNK_ROWS >= 32 * 200  # a batch of the book's
    vocab, x, y = first_batch_of_40_recipes(recipes)
    model = LSTMLM(len(vocab), 16, 24)
    rows_per_product = []

    class ProductRows(torch.utils._python_dispatch.TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            if func.overloadpacket.__name__ == "addmm":
                rows_per_product.append(len(args[1]))
            return func(*args, **(kwargs or {}))

    with ProductRows():
        model.loss_sum(x, y, vocab.pad_idx)
    real_targets = int((y != vocab.pad_idx).sum())
    assert rows_per_product == [256] * (real_targets // 256) + [real_targets % 256] * (real_targets % 256 > 0)


# --- the Trainer, step by step -----------------------------------------------------------------------
def test_each_epoch_is_recorded_timed_and_sampled(recipes, tmp_path, tiny_config, monkeypatch, capsys):
    """A clock that advances 2 s per reading: training reads it before and after the training pass,
    and after validation, so the epoch took 4 s and its training pass 2 s."""
    clock = iter(range(100, 10_000, 2))
    monkeypatch.setattr(training.time, "perf_counter", lambda: float(next(clock)))
    trainer = Trainer.from_texts(recipes, tiny_config.updated(epochs=1), "cpu", tmp_path, progress=False)
    record = trainer.run_epoch()
    assert record == trainer.history[0]
    assert set(record) == {"epoch", "train_loss", "val_loss", "val_perplexity", "seconds", "tokens_per_second",
                           "learning_rate", "sample"}
    assert record["epoch"] == trainer.epoch == 1 and record["learning_rate"] == tiny_config.learning_rate
    assert record["seconds"] == 4.0
    assert record["tokens_per_second"] == trainer.train_tokens / 2.0
    assert trainer.train_tokens == sum(len(sequence) - 1 for sequence in trainer.train_loader.dataset)
    assert record["val_perplexity"] == pytest.approx(math.exp(record["val_loss"]))
    assert record["val_loss"] == evaluate_loss(trainer.model, trainer.val_loader, 0)
    # the sample: the config's prompt and length, T = 1, seeded by the config's seed plus the epoch
    assert record["sample"] == trainer.generator.sample("recipe for", max_tokens=5, temperature=1.0, seed=42 + 1)[0]
    out = capsys.readouterr().out
    assert (f"Epoch 1/1 | 4.0s | train loss {record['train_loss']:.4f} | val loss {record['val_loss']:.4f} | "
            f"val perplexity {record['val_perplexity']:.1f} | {record['tokens_per_second']:,.0f} tokens/s\n"
            f"  sample (T=1.0): {record['sample']}") in out


def test_the_progress_bar_is_on_by_default_and_names_the_epoch(recipes, tiny_config, capsys):
    trainer = Trainer.from_texts(recipes, tiny_config.updated(epochs=1), "cpu")
    assert trainer.progress is True
    trainer.fit()
    assert re.search(r"Epoch 1: +\d+%\|", capsys.readouterr().err)
    quiet = Trainer.from_texts(recipes, tiny_config.updated(epochs=1), "cpu", progress=False)
    quiet.fit()
    assert "Epoch 1" not in capsys.readouterr().err


def test_every_epoch_reshuffles_the_batches(trained):
    assert trained.train_loader.batch_sampler.epoch == trained.epoch - 1  # set_epoch before each epoch


def test_a_tie_with_the_best_epoch_is_not_an_improvement(recipes, tmp_path, tiny_config, capsys):
    """With a learning rate of 1e-30 the weights never change: every epoch ties the first,
    so best.pt stays epoch 1 and early stopping counts the ties."""
    config = tiny_config.updated(epochs=5, patience=2, learning_rate=1e-30)
    trainer = Trainer.from_texts(recipes, config, "cpu", tmp_path, progress=False)
    history = trainer.fit()
    assert len({record["val_loss"] for record in history}) == 1 and len(history) == 3
    assert load_checkpoint(tmp_path / "best.pt")["epoch"] == 1
    assert (f"Early stop: no better validation loss for 2 epochs (best: epoch 1, val loss "
            f"{history[0]['val_loss']:.4f})") in capsys.readouterr().out


def test_a_checkpoint_before_the_first_epoch(recipes, tiny_config):
    checkpoint = Trainer.from_texts(recipes, tiny_config, "cpu", progress=False).checkpoint()
    assert checkpoint["epoch"] == 0 and checkpoint["history"] == [] and checkpoint["val_loss"] is None
    assert checkpoint["best_val_loss"] == math.inf


def test_checkpoints_record_the_run(trained, recipes, tiny_config):
    last = load_checkpoint(trained.out_dir / "last.pt")
    assert last["val_loss"] == trained.history[-1]["val_loss"]
    assert last["best_val_loss"] == min(record["val_loss"] for record in trained.history)
    assert last["corpus_fingerprint"] == corpus_fingerprint(recipes[: tiny_config.max_recipes])
    assert last["history"] == trained.history and last["epoch"] == 2
    assert "scaler_state_dict" not in last  # only float16 training (older GPUs) has a gradient scaler
    assert len(trained.vocab) == tiny_config.vocab_size
    metrics = (trained.out_dir / "metrics.json").read_text()
    assert metrics.startswith('[\n  {\n    "epoch": 1,\n    "train_loss": ')  # indented for reading
    assert '"sample"' not in metrics and json.loads(metrics) == [
        {key: value for key, value in record.items() if key != "sample"} for record in trained.history]


def test_a_checkpoint_without_training_state_cannot_be_resumed(trained, tmp_path):
    exported = export_model(trained.out_dir / "last.pt", tmp_path / "model.pt")
    with pytest.raises(ValueError, match="model.pt cannot be resumed: it has no optimizer_state_dict, history, "
                                         "best_val_loss, rng_state$"):
        Trainer.resume(exported)


def test_resume_refuses_a_change_it_cannot_apply_naming_what_it_can(trained, recipes, tmp_path):
    allowed = ", ".join(RESUMABLE_FIELDS)
    with pytest.raises(ValueError, match=re.escape(f"cannot resume with max_len 7: the checkpoint has 40, and a "
                                                   f"resumed run keeps its data, split and model (it may change "
                                                   f"{allowed})")):
        Trainer.resume(trained.out_dir / "last.pt", recipes, "cpu", tmp_path, progress=False, max_len=7)
    with pytest.raises(TypeError):  # a misspelt setting, as for any function
        Trainer.resume(trained.out_dir / "last.pt", recipes, "cpu", tmp_path, progress=False, epoch=7)


def test_resume_reloads_the_recipes_and_keeps_the_vocabulary_and_folder_of_its_checkpoint(tmp_path, tiny_config,
                                                                                         capsys, monkeypatch):
    config = tiny_config.updated(data="wikibooks", include_ingredients=True, epochs=1)
    Trainer.from_config(config, "cpu", tmp_path, progress=False).fit()
    checkpoint = load_checkpoint(tmp_path / "last.pt")
    vocab = checkpoint["vocab"]
    vocab[5], vocab[6] = vocab[6], vocab[5]  # the ids the weights were trained with, whatever Vocab.build says
    save_checkpoint(checkpoint, tmp_path / "last.pt")

    monkeypatch.setattr(training, "resolve_device", lambda device: torch.device(device or "meta"))  # no default
    resumed = Trainer.resume(tmp_path / "last.pt", device="cpu", epochs=2)  # no texts: the config's recipes
    assert f"Resumed from {tmp_path / 'last.pt'} after epoch 1" in capsys.readouterr().out
    assert resumed.vocab.idx2token == vocab and resumed.device == torch.device("cpu")
    assert resumed.progress is True and resumed.out_dir == tmp_path
    resumed.fit()
    assert re.search(r"Epoch 2: +\d+%\|", capsys.readouterr().err)
    assert load_checkpoint(tmp_path / "last.pt")["epoch"] == 2  # written beside the checkpoint it resumed

    elsewhere = Trainer.resume(tmp_path / "last.pt", device="cpu", out_dir=tmp_path / "more", progress=False,
                               epochs=3)
    assert elsewhere.progress is False
    elsewhere.fit()
    assert load_checkpoint(tmp_path / "more" / "last.pt")["epoch"] == 3
    assert load_checkpoint(tmp_path / "last.pt")["epoch"] == 2


def test_from_config_loads_the_recipes_the_config_names(tmp_path, tiny_config, monkeypatch):
    monkeypatch.setattr(training, "resolve_device", lambda device: torch.device(device or "meta"))  # no default
    config = tiny_config.updated(data="wikibooks", include_ingredients=True)
    trainer = Trainer.from_config(config, "cpu", tmp_path / "runs" / "first")  # folders made as needed
    expected = load_recipes("wikibooks", include_ingredients=True, verbose=False)[: config.max_recipes]
    assert trainer.corpus_fingerprint == corpus_fingerprint(expected)
    assert trainer.out_dir.is_dir() and trainer.progress is True and trainer.device == torch.device("cpu")
    assert trainer.config == config and not trainer.model.fc.weight.is_meta
    assert Trainer.from_config(config, "cpu", progress=False).progress is False


def test_the_trainer_runs_where_its_model_is_and_builds_one_on_the_gpu_if_there_is_one(recipes, tiny_config,
                                                                                       monkeypatch):
    """"meta" stands in for a GPU on machines that have only a CPU."""
    monkeypatch.setattr(training, "resolve_device", lambda device: torch.device(device or "meta"))
    assert Trainer.from_texts(recipes, tiny_config, progress=False).model.fc.weight.is_meta
    on_cpu = Trainer.from_texts(recipes, tiny_config, "cpu", progress=False)
    assert on_cpu.device == on_cpu.model.device == torch.device("cpu")

    model = LSTMLM(len(on_cpu.vocab), 8, 8).to("meta")
    trainer = Trainer(model, torch.optim.Adam(model.parameters()), on_cpu.vocab, on_cpu.train_loader,
                      on_cpu.val_loader, tiny_config)
    assert trainer.device.type == "meta" and trainer.generator.device.type == "meta"
    assert trainer.progress is True and trainer.out_dir is None


def test_a_checkpoint_folder_that_is_a_file_is_refused(recipes, tiny_config, tmp_path):
    (tmp_path / "taken").write_text("a file")
    taken = tmp_path / "taken"
    with pytest.raises(ValueError, match=f"^checkpoint folder {taken}: {taken} is a file, not a folder$"):
        Trainer.from_texts(recipes, tiny_config, "cpu", taken, progress=False)
    with pytest.raises(ValueError, match=f"^checkpoint folder {taken / 'run'}: {taken} is a file, not a folder$"):
        Trainer.from_texts(recipes, tiny_config, "cpu", taken / "run", progress=False)


def test_the_trainer_clips_with_the_configured_norm(recipes, tiny_config):
    """With plain SGD (learning rate 1) every clipped step moves the weights by exactly the clip norm."""
    probe = Trainer.from_texts(recipes, tiny_config, "cpu", progress=False)
    model = LSTMLM(len(probe.vocab), 8, 8)
    config = tiny_config.updated(clip_grad_norm=1e-3, precision="float32")
    trainer = Trainer(model, torch.optim.SGD(model.parameters(), lr=1.0), probe.vocab, probe.train_loader,
                      probe.val_loader, config, progress=False)
    before = torch.nn.utils.parameters_to_vector(model.parameters()).detach().clone()
    trainer.run_epoch()
    moved = float((torch.nn.utils.parameters_to_vector(model.parameters()).detach() - before).norm())
    assert moved == pytest.approx(1e-3 * len(probe.train_loader), rel=0.05)


def test_the_random_state_of_a_gpu_is_saved_and_restored_too(monkeypatch):
    saved, restored = [torch.tensor([1, 2, 3], dtype=torch.uint8)], []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_rng_state_all", lambda: saved)
    monkeypatch.setattr(torch.cuda, "set_rng_state_all", restored.extend)
    state = checkpoints._rng_state()
    assert state["cuda"] is saved and torch.equal(state["torch"], torch.get_rng_state())
    checkpoints._set_rng_state(state)
    assert [t.tolist() for t in restored] == [[1, 2, 3]]
    checkpoints._set_rng_state({"torch": torch.get_rng_state()})  # a checkpoint from a machine without a GPU
    assert len(restored) == 1


def test_a_batch_of_padding_alone_adds_nothing_and_one_word_counts_once():
    model = LSTMLM(10, 4, 4, dropout_rate=0.0)
    assert training.forward_backward(model, torch.tensor([[5, 6]]), torch.tensor([[0, 0]]), 0)[:2] == (0.0, 0)
    loss, words, _ = training.forward_backward(model, torch.tensor([[5, 6]]), torch.tensor([[6, 0]]), 0)
    assert words == 1 and loss == pytest.approx(loss_without_padding(model, [[5, 6]]), rel=1e-5)


def test_train_epoch_with_its_defaults(recipes, capsys):
    """Defaults: <PAD> = 0 ignored, gradients clipped to norm 1, a progress bar named "training" that
    shows the batch's loss and clears itself at the end."""
    torch.manual_seed(0)
    texts = recipes[:16]
    vocab = Vocab.build(texts, 300)
    loader = make_eval_loader(texts, vocab, max_len=80, batch_size=16)  # one batch, with padding
    model = LSTMLM(len(vocab), 8, 8, dropout_rate=0.0)
    with torch.no_grad():
        model.fc.weight.mul_(50)  # gradients far above norm 1
    expected = loss_without_padding(model, loader.dataset)
    before = torch.nn.utils.parameters_to_vector(model.parameters()).detach().clone()
    epoch_loss = train_epoch(model, loader, torch.optim.SGD(model.parameters(), lr=1.0))
    moved = torch.nn.utils.parameters_to_vector(model.parameters()).detach() - before
    assert float(moved.norm()) == pytest.approx(1.0, rel=1e-4)  # one step of exactly norm 1
    assert epoch_loss == pytest.approx(expected, rel=1e-5)  # the loss before that step, padding ignored
    bar = capsys.readouterr().err
    assert re.search(r"training: +\d+%\|.*loss=\d+\.\d{4}", bar) and bar.endswith("\r") and "\n" not in bar


def test_an_epoch_of_one_word(recipes):
    vocab = Vocab(["<PAD>", "<UNK>", "<EOS>", "stir"])
    loader = make_eval_loader(["stir"], vocab, max_len=5)  # stir <EOS>: one target
    model = LSTMLM(len(vocab), 4, 4, dropout_rate=0.0)
    expected = loss_without_padding(model, loader.dataset)
    loss = train_epoch(model, loader, torch.optim.SGD(model.parameters(), lr=0.0), progress=False)
    assert loss == pytest.approx(expected, rel=1e-5)


def test_a_diverged_run_reports_a_capped_perplexity(recipes, tiny_config, monkeypatch):
    monkeypatch.setattr(training, "evaluate_loss", lambda *args, **kwargs: 800.0)  # math.exp(800) overflows
    record = Trainer.from_texts(recipes, tiny_config, "cpu", progress=False).run_epoch()
    assert record["val_loss"] == 800.0 and record["val_perplexity"] == math.exp(50)


def test_stream_training_carries_the_state_and_learns(recipes, tiny_config):
    config = tiny_config.updated(batching="stream", bptt=12, batch_size=4, epochs=2, tie_weights=True,
                                 embedding_dim=24, num_layers=2, embedding_dropout=0.1)
    trainer = Trainer.from_texts(recipes, config, "cpu", progress=False)
    starts = []
    trainer.model.lstm.register_forward_hook(lambda module, args, output: starts.append(args[1]))
    history = trainer.fit()
    assert starts[0] is None and all(start is not None for start in starts[1:len(trainer.train_loader)])
    assert history[-1]["val_loss"] < history[0]["val_loss"] < math.log(len(trainer.vocab))


def test_sgd_with_annealing_divides_the_learning_rate_after_an_epoch_without_improvement(recipes, tiny_config,
                                                                                         tmp_path):
    config = tiny_config.updated(optimizer="sgd", learning_rate=5.0, anneal=4.0, epochs=1)
    trainer = Trainer.from_texts(recipes, config, "cpu", tmp_path, progress=False)
    assert isinstance(trainer.optimizer, torch.optim.SGD)
    trainer.fit()
    assert trainer.optimizer.param_groups[0]["lr"] == 5.0  # the first epoch is always the best so far
    trainer.best_val_loss = -1.0  # no later epoch can beat this
    trainer.config = trainer.config.updated(epochs=2)
    trainer.fit()
    assert [record["learning_rate"] for record in trainer.history] == [5.0, 5.0]
    assert trainer.optimizer.param_groups[0]["lr"] == 5.0 / 4
    resumed = Trainer.resume(tmp_path / "last.pt", recipes, "cpu", progress=False, epochs=3)
    assert resumed.optimizer.param_groups[0]["lr"] == 5.0 / 4  # the annealed rate, not the config's
    changed = Trainer.resume(tmp_path / "last.pt", recipes, "cpu", progress=False, learning_rate=2.0)
    assert changed.optimizer.param_groups[0]["lr"] == 2.0
