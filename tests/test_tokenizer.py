import pytest

from lstm_tutorial import detokenize, tokenize


def test_punctuation_marks_are_tokens_of_their_own():
    assert tokenize("Chop the onion, then stir!") == ["chop", "the", "onion", ",", "then", "stir", "!"]


def test_lowercase_and_pipe_separator():
    assert tokenize("Recipe for Pad Thai | Soak") == ["recipe", "for", "pad", "thai", "|", "soak"]


def test_unicode_words_survive():
    assert tokenize("Crème Fraîche") == ["crème", "fraîche"]
    assert tokenize("김치찌개 (Kimchi Jjigae)") == ["김치찌개", "(", "kimchi", "jjigae", ")"]


def test_decomposed_accents_are_joined_first():
    decomposed = "cre\u0300me"  # e + combining grave accent
    assert tokenize(decomposed) == ["crème"]


def test_vulgar_fractions_become_digits():
    assert tokenize("½ cup") == ["1", "/", "2", "cup"]
    assert tokenize("1½ cups") == ["1", "1", "/", "2", "cups"]
    assert tokenize("¾") == ["3", "/", "4"]


def test_detokenize_makes_readable_text():
    assert detokenize(["add", "1", "/", "2", "cup", "salt", "."]) == "add 1/2 cup salt."
    assert detokenize(["a", "9", "-", "inch", "pan", "(", "oiled", ")", ","]) == "a 9-inch pan (oiled),"
    assert detokenize(["bake", "at", "350", "°", "f"]) == "bake at 350°f"
    assert detokenize(["don", "'", "t", "stir"]) == "don't stir"


def test_detokenize_drops_padding_and_end_markers():
    assert detokenize(["stir", ".", "<EOS>", "<PAD>"]) == "stir."


def test_round_trip_of_a_recipe_line():
    line = "whisk 1/2 cup oil, 2 eggs and a pinch of salt."
    assert detokenize(tokenize(line)) == line


def test_detokenize_glues_symbols_only_where_they_belong():
    assert detokenize(["cracks", "/", "in", "the", "rest", "°", "of"]) == "cracks / in the rest ° of"
    tokens = ["medium", "-", "high", "heat", "and", "it", "'", "s", "done"]
    assert detokenize(tokens) == "medium-high heat and it's done"


def test_percent_sticks_to_its_number():
    assert detokenize(["use", "2", "%", "milk"]) == "use 2% milk"


@pytest.mark.parametrize(
    "marks, line",
    [
        ("° - / ( ) .", "Bake at 350°F for 9-inch pans (about 1/2 hour)."),
        (", ; : !", "Season with salt, pepper; then stir: done!"),
        ("? % [ ] { }", "Too thick? Add 2% milk [optional] {to taste}."),
        ("'", "Don't stir until it's set."),
        (". :", "Add 1.5 cups of water, a 1:1 mix."),
    ],
)
def test_every_punctuation_mark_round_trips(marks, line):
    assert detokenize(tokenize(line)) == line.lower()
    assert set(marks.split()) <= set(tokenize(line))  # each mark was split off, then glued back
