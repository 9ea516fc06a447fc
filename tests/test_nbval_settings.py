"""How the notebooks' outputs are compared (the root conftest.py): only progress bars are dropped,
and numbers are compared to five significant digits."""

from pathlib import Path

import nbformat
import pytest

ROOT_CONFTEST = Path(__file__).resolve().parent.parent / "conftest.py"


@pytest.fixture(scope="module")
def nbval_settings(request):
    """The root conftest.py as pytest loaded it."""
    for plugin in request.config.pluginmanager.get_plugins():
        if Path(getattr(plugin, "__file__", "") or "").resolve() == ROOT_CONFTEST:
            return plugin
    raise AssertionError("the root conftest.py is not loaded")


def stream(name, text):
    return nbformat.from_dict({"output_type": "stream", "name": name, "text": text})


BAR = "\rEpoch 1:  45%|████▌     | 9/20 [00:01<00:01, 8.12it/s, loss=5.1234]"


def test_progress_bars_on_stderr_are_dropped(nbval_settings):
    outputs = [stream("stderr", BAR + BAR.replace("45%", "100%") + "\r" + " " * 60 + "\r"), stream("stdout", "hi\n")]
    assert [(o.name, o.text) for o in nbval_settings._without_progress(outputs)] == [("stdout", "hi\n")]


def test_anything_else_on_stderr_is_kept_for_comparison(nbval_settings):
    warning = "/tmp/x.py:3: UserWarning: dropout has no effect with one layer\n"
    kept = nbval_settings._without_progress([stream("stderr", BAR + "\n" + warning)])
    assert [(o.name, o.text) for o in kept] == [("stderr", warning)]


def test_a_progress_widget_is_dropped_other_widgets_are_kept(nbval_settings):
    def widget(text):
        return nbformat.from_dict({"output_type": "display_data", "metadata": {}, "data": {
            "application/vnd.jupyter.widget-view+json": {"model_id": "x"}, "text/plain": text}})

    kept = nbval_settings._without_progress([widget("Epoch 1:   0%|          | 0/8"), widget("GenerationPanel(...)")])
    assert [o.data["text/plain"] for o in kept] == ["GenerationPanel(...)"]


@pytest.mark.parametrize("a, b, same", [
    ("0.123456", "0.123459", True),  # differ in the 6th significant digit
    ("0.12345", "0.12346", True),  # one unit in the 5th
    ("0.12345", "0.12347", False),
    ("0.000012345", "0.000012399", False),  # four decimals would have called these 0.0000 and 0.0000
    ("12345.678", "12345.9", True),
    ("4.6648", "4.6651", False),
    ("1e-05", "1.00001e-05", True),
    ("-2.5", "2.5", False),
])
def test_numbers_are_compared_to_five_significant_digits(nbval_settings, a, b, same):
    assert nbval_settings.same_to_significant_digits(a, b) is same
    assert (nbval_settings.align_numbers(f"loss {a} |", f"loss {b} |") == f"loss {b} |") is same


def test_only_numbers_in_the_same_place_of_the_same_text_are_aligned(nbval_settings):
    align = nbval_settings.align_numbers
    assert align("tensor([0.1234567, -1.5000001])", "tensor([0.1234568, -1.5])") == "tensor([0.1234568, -1.5])"
    assert align("val loss 4.123451", "train loss 4.12345") == "val loss 4.123451"  # other words: no change
    assert align("at 0x7f3e5 2.0000001", "at 0x7f3e6 2.0") == "at 0x7f3e5 2.0000001"  # 3e5 is not a number here
    assert align("version 2.13.0", "version 2.13.0") == "version 2.13.0"
    assert align("loss 4.66481.", "loss 4.6648.") == "loss 4.6648."


def test_aligned_outputs_compare_equal_and_real_differences_stay(nbval_settings):
    reference = [stream("stdout", "perplexity 106.12345\n"), nbformat.from_dict(
        {"output_type": "execute_result", "execution_count": 1, "metadata": {}, "data": {"text/plain": "0.5"}})]
    close = [stream("stdout", "perplexity 106.12346\n"), nbformat.from_dict(
        {"output_type": "execute_result", "execution_count": 1, "metadata": {}, "data": {"text/plain": "0.500001"}})]
    far = [stream("stdout", "perplexity 106.2\n"), close[1]]
    aligned = nbval_settings._with_aligned_numbers(nbval_settings._without_progress(close), reference)
    assert aligned[0].text == "perplexity 106.12345\n" and aligned[1].data["text/plain"] == "0.5"
    assert close[0].text == "perplexity 106.12346\n"  # the outputs themselves are left as they were
    assert nbval_settings._with_aligned_numbers(nbval_settings._without_progress(far), reference)[0].text == \
        "perplexity 106.2\n"
