"""Drive the generation panel's widgets as a learner would: set values, click buttons, play."""

import html

import pytest
import torch

from lstm_tutorial import interactive_text_generation, interactive_text_generation_colab
from lstm_tutorial.panel import chart_label


def play_until_it_stops(panel) -> int:
    """Press Play and let it run, as the browser does: at the end (counter at max) it starts again from
    min, then every tick adds ``step`` to the counter until that would pass max. Returns the ticks."""
    play = panel.play
    if play.value == play.max:
        play.value = play.min
    ticks = 0
    while play.value + play.step <= play.max and ticks <= play.max:  # bounded, should the panel move it back
        play.value += play.step
        ticks += 1
    return ticks


def chart_follows_the_text(panel) -> bool:
    """Whether the chart's title names the first text's last word: it shows what comes after it."""
    last = panel.text_generator.vocab.idx2token[panel.state.token_ids[0][-1]]
    return f"Next word after '{html.escape(chart_label(last), quote=False)}'" in panel.chart.value


def test_controls_have_the_blogs_ranges_and_defaults(panel):
    assert panel.prompt.value == "recipe for"
    max_tokens = panel.max_tokens
    assert (max_tokens.min, max_tokens.max, max_tokens.step, max_tokens.value) == (10, 500, 10, 100)
    assert (panel.temperature.min, panel.temperature.max, panel.temperature.step) == (0.1, 2.0, 0.1)
    assert panel.temperature.value == 1.0


def test_generate_shows_shaded_text_and_a_chart(panel):
    panel.max_tokens.value = 20
    panel.generate_button.click()
    assert panel.message.value == ""
    assert "<b>recipe for</b>" in panel.text_view.value
    assert panel.text_view.value.count('title="p = ') == len(panel.state.picked_probs[0]) >= 1
    assert panel.chart.value.count('class="lstm-bar"') == len(panel.chart_words) == 10
    probs = [p for _, p in panel.chart_words]
    assert probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1 + 1e-6


def test_same_seed_same_text_and_empty_seed_is_random(panel):
    panel.generate_button.click()
    first = panel.text_view.value
    panel.generate_button.click()
    assert panel.text_view.value == first
    panel.seed.value = "7"
    panel.generate_button.click()
    assert panel.text_view.value != first
    panel.seed.value = ""
    panel.generate_button.click()
    assert panel.message.value == ""


def test_moving_the_temperature_redraws_the_chart(panel):
    panel.max_tokens.value = 10
    panel.generate_button.click()
    warm_top = panel.chart_words[0][1]
    chart = panel.chart.value
    panel.temperature.value = 0.3
    assert panel.chart_words[0][1] > warm_top  # colder: the top word gets more likely
    assert panel.chart.value != chart


def test_step_adds_one_word_at_a_time(panel):
    panel.step_button.click()
    panel.step_button.click()
    panel.step_button.click()
    assert len(panel.state.token_ids[0]) == panel.state.prompt_length + 3
    assert panel.text_view.value.count('title="p = ') == 3
    panel.prompt.value = "recipe for soup"
    panel.step_button.click()  # a new prompt starts over
    assert len(panel.state.token_ids[0]) == panel.state.prompt_length + 1


def test_step_after_generate_goes_on_with_the_seed(panel):
    def generate_then_step_three_times(global_seed):
        torch.manual_seed(global_seed)  # torch's own random numbers must play no part
        panel.generate_button.click()
        for _ in range(3):
            panel.step_button.click()
        return panel.state.token_ids[0]

    panel.seed.value = "42"
    panel.max_tokens.value = 10
    first = generate_then_step_three_times(0)
    assert len(first) == panel.state.prompt_length + 10 + 3  # the text did not end: every Step drew a word
    assert generate_then_step_three_times(1) == first
    assert generate_then_step_three_times(2) == first


def test_several_samples_top_k_and_top_p(panel):
    panel.num_samples.value = 3
    panel.top_k.value = 5
    panel.top_p.value = 0.8
    panel.generate_button.click()
    assert panel.text_view.value.count("<hr>") == 2
    assert sum(1 for _, p in panel.chart_words if p > 0) <= 5


def test_play_adds_one_word_per_tick_and_the_chart_follows(panel):
    for _ in range(2):
        panel.step_button.click()
    assert panel.play.value == 2  # Play's counter is the number of words drawn
    for tick in range(3, 7):
        panel.play.value = tick  # what the browser does every "ms per word" while Play plays
        assert panel.state.steps == len(panel.state.picked_probs[0]) == tick
        assert panel.text_view.value.count('title="p = ') == tick
        assert chart_follows_the_text(panel)
    played = panel.state.token_ids[0]

    panel.play.value = 0  # the stop button: back to the prompt, where a new text starts with the seed
    assert panel.state.token_ids[0] == played[: panel.state.prompt_length] and chart_follows_the_text(panel)
    for _ in range(6):
        panel.step_button.click()
    assert panel.state.token_ids[0] == played  # Play writes what Step writes


def test_play_stops_at_max_tokens(panel):
    panel.max_tokens.value = 10
    for seed in range(20):  # a seed whose text does not end before 10 words
        panel.seed.value = str(seed)
        ticks = play_until_it_stops(panel)
        if not panel.state.finished[0]:
            break
    assert ticks == panel.state.steps == 10 and panel.play.value == panel.play.max == 10
    assert "stopped at Max tokens" in panel.text_view.value
    assert chart_follows_the_text(panel)


def test_play_stops_at_eos_and_pressed_again_writes_a_new_text(panel):
    panel.max_tokens.value = 500
    eos = panel.text_generator.vocab.eos_idx
    for seed in range(50):
        panel.seed.value = str(seed)
        ticks = play_until_it_stops(panel)
        if panel.state.token_ids[0][-1] == eos:
            break
    assert panel.state.finished[0] and ticks == panel.state.steps < 500
    assert panel.play.value == panel.play.max  # moved to the end by the panel: a playing Play stops there
    assert panel.chart_ended and "ends the text" in panel.text_view.value
    ended = panel.state.token_ids[0]

    play_until_it_stops(panel)  # pressed again: a new text from the prompt, with the same seed the same text
    assert panel.state.token_ids[0] == ended
    panel.seed.value = str(seed + 100)  # another seed, another text
    play_until_it_stops(panel)
    assert panel.state.token_ids[0] != ended


def test_a_mistake_stops_play_with_a_message(panel):
    panel.play.value = 1
    panel.prompt.value = ""
    panel.play.value = 2
    assert "is empty" in panel.message.value
    assert panel.play.value == panel.play.max


def test_the_speed_slider_sets_plays_interval_and_max_tokens_its_end(panel):
    assert panel.play.interval == panel.speed.value
    panel.speed.value = 100
    assert panel.play.interval == 100  # ms between two words
    panel.max_tokens.value = 30
    assert panel.play.max == 30
    panel.generate_button.click()
    assert panel.play.value == panel.play.max  # Generate's text is at its end (<EOS> or Max tokens)


@pytest.mark.parametrize(
    "field, value, message",
    [("prompt", "", "is empty"), ("prompt", "zzqx", "no word of prompt"), ("top_p", 0.0, "top_p must be in"),
     ("seed", "abc", "seed must be a whole number")],
)
def test_bad_values_show_a_message_not_a_traceback(panel, field, value, message):
    getattr(panel, field).value = value
    panel.generate_button.click()
    assert message in panel.message.value
    panel.step_button.click()
    assert "&#9888;" in panel.message.value


def test_the_blogs_entry_points(generator, monkeypatch, capsys):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda *objects: shown.extend(objects))
    panel = interactive_text_generation_colab(generator)
    assert shown == [panel]
    answers = iter(["recipe for", "zzqx", ""])
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))
    assert interactive_text_generation(generator, max_tokens=5) is None  # plain terminal: a prompt loop
    out = capsys.readouterr().out
    assert "Generated text:" in out and "error: no word of prompt 'zzqx'" in out
