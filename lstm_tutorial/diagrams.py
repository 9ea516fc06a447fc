"""Diagrams the course notebooks draw: here, one step of an LSTM."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyBboxPatch

GATE_COLOURS = {"f": "#f6b0a8", "i": "#a8d8f6", "g": "#b8eab0", "o": "#d8c0f0"}


def draw_lstm_step(input_size: int = 100, hidden_size: int = 128) -> Figure:
    """One LSTM step as a matplotlib figure: the cell-state line on top, the four gates below.

    Every arrow is labelled with its tensor's shape for a batch of B texts,
    ``input_size``-number word vectors and ``hidden_size`` hidden units.
    """
    fig, ax = plt.subplots(figsize=(11, 5.6))
    ax.set(xlim=(-0.6, 13.6), ylim=(-1.3, 6.4), aspect="equal")
    ax.axis("off")
    ax.add_patch(FancyBboxPatch((1.2, -0.3), 10.0, 6.1, boxstyle="round,pad=0.1", fc="#f4f6fa", ec="#8899aa"))
    state, gates = f"[B, {hidden_size}]", f"[B, {4 * hidden_size}]"

    def arrow(points):  # a line through the points, with an arrow head at the last
        for (x0, y0), (x1, y1) in zip(points[:-2], points[1:-1]):
            ax.plot([x0, x1], [y0, y1], color="black", lw=1.6, zorder=1)
        ax.annotate("", xy=points[-1], xytext=points[-2], zorder=1,
                    arrowprops=dict(arrowstyle="-|>", color="black", lw=1.6, shrinkA=0, shrinkB=0))

    def box(x, y, label, colour):
        ax.add_patch(FancyBboxPatch((x - 0.45, y - 0.27), 0.9, 0.54, boxstyle="round,pad=0.05", fc=colour,
                                    ec="black", zorder=2))
        ax.text(x, y, label, ha="center", va="center", fontsize=12, zorder=3)

    def op(x, y, symbol):  # an element-by-element operation
        ax.add_patch(Circle((x, y), 0.28, fc="#ffe9a8", ec="black", zorder=2))
        ax.text(x, y, symbol, ha="center", va="center", fontsize=14, zorder=3)

    # inputs: h_{t-1} from the left and x_t from below feed all four gates
    arrow([(-0.4, 0.6), (2.0, 0.6)])
    arrow([(2.0, -1.1), (2.0, 0.6)])
    ax.plot([2.0, 8.8], [0.6, 0.6], color="black", lw=1.6, zorder=1)
    ax.text(-0.5, 0.85, rf"$h_{{t-1}}$  {state}", fontsize=11)
    ax.text(2.15, -1.05, rf"$x_t$  [B, {input_size}]", fontsize=11)
    ax.text(3.0, 0.2, rf"$x_t W_{{ih}}^T + b_{{ih}} + h_{{t-1}} W_{{hh}}^T + b_{{hh}}$: {gates}, cut into 4 x {state}",
            fontsize=9.5, color="#334")
    for x, label, name in [(3.0, r"$\sigma$", "f"), (4.8, r"$\sigma$", "i"), (6.6, "tanh", "g"),
                           (8.8, r"$\sigma$", "o")]:
        arrow([(x, 0.6), (x, 1.73)])
        box(x, 2.0, label, GATE_COLOURS[name])
        ax.text(x - 0.58, 2.0, name, ha="right", va="center", fontsize=13, fontweight="bold")
    # the cell state: c_{t-1}, times f, plus i * g, is c_t
    arrow([(-0.4, 5.0), (2.72, 5.0)])
    ax.text(-0.5, 5.25, rf"$c_{{t-1}}$  {state}", fontsize=11)
    op(3.0, 5.0, "×")
    arrow([(3.0, 2.3), (3.0, 4.72)])
    arrow([(3.28, 5.0), (6.32, 5.0)])
    op(4.8, 3.6, "×")
    arrow([(4.8, 2.3), (4.8, 3.32)])
    arrow([(6.6, 2.3), (6.6, 3.6), (5.08, 3.6)])
    arrow([(4.8, 3.88), (4.8, 4.4), (6.6, 4.4), (6.6, 4.72)])
    op(6.6, 5.0, "+")
    arrow([(6.88, 5.0), (12.9, 5.0)])
    ax.text(11.0, 5.25, rf"$c_t$  {state}", fontsize=11)
    # the output: h_t = o * tanh(c_t)
    box(10.4, 4.0, "tanh", GATE_COLOURS["g"])
    arrow([(10.4, 5.0), (10.4, 4.3)])
    op(10.4, 2.0, "×")
    arrow([(10.4, 3.7), (10.4, 2.28)])
    arrow([(9.3, 2.0), (10.12, 2.0)])
    arrow([(10.4, 1.72), (10.4, 0.6), (12.9, 0.6)])
    ax.text(11.0, 0.85, rf"$h_t$  {state}", fontsize=11)
    ax.text(11.0, 0.4, "to the next step,\nand to dropout + fc", fontsize=9.5, va="top")
    ax.text(4.2, -0.95, r"$\sigma$: sigmoid, 0 to 1;  tanh: -1 to 1;  × and +: element by element",
            fontsize=10, color="#334")
    ax.set_title(f"One LSTM step (B = batch; {hidden_size} hidden units, {input_size}-dimensional word vectors)",
                 fontsize=12)
    return fig
