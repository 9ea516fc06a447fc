import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from lstm_tutorial.diagrams import draw_lstm_step  # noqa: E402


def test_the_lstm_step_diagram_names_every_gate_and_state_with_its_shape():
    fig = draw_lstm_step(input_size=100, hidden_size=128)
    try:
        assert isinstance(fig, Figure)
        (ax,) = fig.axes
        labels = {text.get_text() for text in ax.texts}
        assert {"f", "i", "g", "o", "×", "+"} <= labels
        for label in [r"$h_{t-1}$  [B, 128]", r"$c_{t-1}$  [B, 128]", r"$x_t$  [B, 100]", r"$h_t$  [B, 128]",
                      r"$c_t$  [B, 128]"]:
            assert label in labels
        assert any("[B, 512], cut into 4 x [B, 128]" in label for label in labels)
        assert "128 hidden units, 100-dimensional" in ax.get_title()
    finally:
        plt.close(fig)


def test_the_shapes_follow_the_sizes_asked_for():
    fig = draw_lstm_step(input_size=16, hidden_size=32)
    try:
        labels = {text.get_text() for text in fig.axes[0].texts}
        assert r"$x_t$  [B, 16]" in labels and r"$c_t$  [B, 32]" in labels
        assert any("[B, 128], cut into 4 x [B, 32]" in label for label in labels)
    finally:
        plt.close(fig)
