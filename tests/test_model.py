import pytest
import torch

from lstm_tutorial import LSTMLM, initialize_model


def test_forward_shapes():
    model = LSTMLM(vocab_size=50, embedding_dim=8, hidden_dim=12)
    logits, (h_n, c_n) = model(torch.randint(0, 50, (3, 7)))
    assert logits.shape == (3, 7, 50)
    assert h_n.shape == c_n.shape == (1, 3, 12)


def test_init_hidden_is_zeros_on_the_models_device():
    model = LSTMLM(50, 8, 12)
    h0, c0 = model.init_hidden(4)
    assert h0.shape == (1, 4, 12) and not h0.any() and not c0.any()
    assert h0.device == model.fc.weight.device


def test_carrying_the_hidden_state_equals_reading_it_all_at_once():
    torch.manual_seed(0)
    model = LSTMLM(50, 8, 12).eval()
    tokens = torch.randint(0, 50, (2, 10))
    full_logits, full_hidden = model(tokens)
    first_logits, hidden = model(tokens[:, :6], model.init_hidden(2))
    rest_logits, hidden = model(tokens[:, 6:], hidden)
    torch.testing.assert_close(torch.cat([first_logits, rest_logits], dim=1), full_logits)
    torch.testing.assert_close(hidden[0], full_hidden[0])


def test_one_step_from_a_carried_state_equals_forward_for_every_layer():
    torch.manual_seed(0)
    model = LSTMLM(50, 8, 12, num_layers=2).eval()
    tokens = torch.randint(0, 50, (3, 6))
    full_logits, _ = model(tokens)
    logits, hidden = model(tokens[:, :1])
    for t in range(1, 6):
        logits, hidden = model.step(tokens[:, t], hidden)
        torch.testing.assert_close(logits, full_logits[:, t], rtol=1e-5, atol=1e-5)


def test_from_config_builds_the_configured_shape():
    from lstm_tutorial import TrainConfig

    model = LSTMLM.from_config(TrainConfig(embedding_dim=6, hidden_dim=10, num_layers=3), vocab_size=40)
    assert model.embedding.weight.shape == (40, 6) and model.lstm.num_layers == 3
    assert model.init_hidden(2)[0].shape == (3, 2, 10)


def test_dropout_only_in_training_mode():
    torch.manual_seed(0)
    model = LSTMLM(50, 8, 12, dropout_rate=0.5)
    x = torch.randint(0, 50, (1, 5))
    model.eval()
    assert torch.equal(model(x)[0], model(x)[0])
    model.train()
    assert not torch.equal(model(x)[0], model(x)[0])


def test_initialize_model_gives_the_blogs_model_loss_and_optimizer():
    model, criterion, optimizer = initialize_model(50, 8, 12, dropout_rate=0.2, device="cpu", learning_rate=0.005)
    assert model.embedding.weight.shape == (50, 8) and model.lstm.hidden_size == 12 and model.dropout.p == 0.2
    assert type(criterion) is torch.nn.CrossEntropyLoss and criterion.ignore_index == 0  # <PAD> costs nothing
    assert type(optimizer) is torch.optim.Adam  # not a subclass such as AdamW
    assert optimizer.defaults["lr"] == 0.005 and optimizer.defaults["weight_decay"] == 0
    assert [p for group in optimizer.param_groups for p in group["params"]] == list(model.parameters())


def test_tied_weights_are_one_matrix_read_in_and_written_out(tmp_path):
    model = LSTMLM(50, 16, 16, dropout_rate=0.0, tie_weights=True)
    assert model.fc.weight is model.embedding.weight
    untied = LSTMLM(50, 16, 16)
    assert sum(p.numel() for p in model.parameters()) == sum(p.numel() for p in untied.parameters()) - 50 * 16
    x = torch.randint(3, 50, (2, 7))
    loss, n_targets, _ = model.loss_sum(x, x)
    loss.backward()  # the shared matrix gets the gradient of both of its uses
    embedding_only = model.embedding.weight.grad.clone()
    model.zero_grad()
    logits, _ = model(x)
    torch.nn.functional.cross_entropy(logits.reshape(-1, 50), x.reshape(-1), reduction="sum").backward()
    torch.testing.assert_close(embedding_only, model.embedding.weight.grad, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="tie_weights needs embedding_dim = hidden_dim, got 16 and 24"):
        LSTMLM(50, 16, 24, tie_weights=True)


def test_embedding_dropout_drops_word_vector_parts_in_training_only():
    model = LSTMLM(50, 16, 16, embedding_dropout=0.5)
    x = torch.randint(3, 50, (4, 9))
    model.train()
    torch.manual_seed(0)
    first, _ = model.features(x)
    second, _ = model.features(x)
    assert not torch.equal(first, second)
    model.eval()
    assert torch.equal(model.features(x)[0], model.features(x)[0])
    with pytest.raises(ValueError, match="embedding_dropout must be in"):
        LSTMLM(50, 16, 16, embedding_dropout=1.0)


def test_a_state_carried_across_pieces_is_the_state_of_the_whole_sequence():
    """What a stream's truncated backpropagation relies on: two pieces read one after the other, the second
    starting from the first's final state, give the same losses as the whole sequence read at once."""
    torch.manual_seed(0)
    model = LSTMLM(40, 8, 8, num_layers=2).eval()
    sequence = torch.randint(3, 40, (3, 21))
    x, y = sequence[:, :-1], sequence[:, 1:]
    whole, _, _ = model.loss_sum(x, y)
    first, _, state = model.loss_sum(x[:, :12], y[:, :12])
    second, _, _ = model.loss_sum(x[:, 12:], y[:, 12:], hidden=state)
    torch.testing.assert_close(first + second, whole, rtol=1e-5, atol=1e-4)
    fresh, _, _ = model.loss_sum(x[:, 12:], y[:, 12:])
    assert not torch.isclose(fresh, second)


def test_stacked_layers_get_dropout_between_them_and_one_layer_none():
    assert LSTMLM(50, 8, 8, dropout_rate=0.3, num_layers=2).lstm.dropout == 0.3
    assert LSTMLM(50, 8, 8, dropout_rate=0.3, num_layers=1).lstm.dropout == 0.0  # nn.LSTM would warn otherwise
    assert LSTMLM(50, 8, 8, dropout_rate=0.3).dropout.p == 0.3


@pytest.mark.parametrize(("arguments", "message"), [
    ({"vocab_size": 0}, "vocab_size must be at least 1, got 0"),
    ({"embedding_dim": 0}, "embedding_dim must be at least 1, got 0"),
    ({"hidden_dim": 0}, "hidden_dim must be at least 1, got 0"),
    ({"num_layers": 0}, "num_layers must be at least 1, got 0"),
    ({"dropout_rate": 1.0}, r"dropout_rate must be in \[0, 1\), got 1.0"),
    ({"embedding_dropout": -0.1}, r"embedding_dropout must be in \[0, 1\), got -0.1"),
])
def test_a_model_of_impossible_sizes_is_refused_naming_the_size(arguments, message):
    sizes = {"vocab_size": 50, "embedding_dim": 8, "hidden_dim": 8, **arguments}
    with pytest.raises(ValueError, match=message):
        LSTMLM(**sizes)
