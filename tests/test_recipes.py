import gzip
import importlib.util
import json
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

from lstm_tutorial import load_epicurious, load_recipes, tokenize
from lstm_tutorial.recipes import CORPORA, corpus_fingerprint, corpus_paths, download_epicurious, recipe_to_text

RECORD = {"title": "Toast", "directions": ["Toast the bread.", "Butter it."], "ingredients": ["2 slices bread"]}
ROOT = Path(__file__).resolve().parent.parent

# The recipes in each bundled corpus, as scripts/build_corpus.py printed them when it built the files.
EXPECTED_COUNTS = {"default": 3271, "wikibooks": 2951, "original": 320, "heldout": 177}
MAGAZINES = {"Gourmet", "Bon Appétit", "Bon Appetit", "Epicurious", "Saveur", "Food & Wine", "Self"}


def titles(texts: list[str]) -> set[str]:
    """The titles of "Recipe for {title} | {directions}" texts."""
    return {text.split(" | ")[0].removeprefix("Recipe for ") for text in texts}


def build_script():
    """scripts/build_corpus.py as a module (it needs neither network nor torch to import)."""
    spec = importlib.util.spec_from_file_location("build_corpus", ROOT / "scripts" / "build_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", list(EXPECTED_COUNTS))
def test_each_bundled_corpus_loads_by_name(name):
    texts = load_recipes(name, verbose=False)
    assert len(texts) == EXPECTED_COUNTS[name]
    assert all(text.startswith("Recipe for ") and " | " in text for text in texts)
    assert sorted(CORPORA) == sorted(EXPECTED_COUNTS)


def test_the_default_corpus_is_the_original_recipes_then_wikibooks(capsys):
    default = load_recipes()
    assert "Loaded 3271 recipes from the bundled 'default' corpus" in capsys.readouterr().out
    original = load_recipes("original", verbose=False)
    wikibooks = load_recipes("wikibooks", verbose=False)
    assert default == original + wikibooks  # always in this order
    assert [path.name for path in corpus_paths("default")] == ["original_recipes.json", "wikibooks_cookbook.json.gz"]


def test_the_default_corpus_is_big_enough_to_train_on():
    texts = load_recipes(verbose=False)
    words = sum(len(tokenize(text)) for text in texts)  # tokens of "Recipe for {title} | {directions}"
    assert len(texts) >= 3_000
    assert words >= 300_000
    assert len(titles(texts)) == len(texts)  # no recipe twice


def test_no_heldout_recipe_is_in_a_training_corpus():
    heldout = titles(load_recipes("heldout", verbose=False))
    assert 100 <= len(heldout) <= 200
    assert not heldout & titles(load_recipes("default", verbose=False))
    assert not heldout & titles(load_recipes("wikibooks", verbose=False))


def test_the_heldout_set_is_chosen_by_a_hash_of_the_title():
    is_heldout = build_script().is_heldout
    assert all(is_heldout(title) for title in titles(load_recipes("heldout", verbose=False)))
    assert not any(is_heldout(title) for title in titles(load_recipes("wikibooks", verbose=False)))


@pytest.mark.parametrize("name", list(EXPECTED_COUNTS))
def test_no_wiki_markup_is_left(name):
    texts = load_recipes(name, include_ingredients=True, verbose=False)
    for markup in ["[[", "]]", "'''", "''", "{{", "}}", "{|", "<ref", "<br", "&nbsp;", "&frac", "thumb|",
                   "Category:"]:
        assert [text for text in texts if markup in text] == [], markup


def test_unicode_is_kept():
    text = " ".join(load_recipes("wikibooks", include_ingredients=True, verbose=False))
    assert "½" in text and "°" in text and "é" in text  # not turned into 1/2, deg or e
    assert "Recipe for Crème Brûlée II" in text
    assert "1 ½ lemons, juiced" in text


def test_the_build_script_cleans_the_markup_found_in_the_wikibooks_data():
    clean_text = build_script().clean_text
    assert clean_text("Add the ''agnolotti'' and cook.") == "Add the agnolotti and cook."
    assert clean_text("Place '''dry''' chunks in a 250&nbsp;&deg;F smoker '''''or''''' grill.") == (
        "Place dry chunks in a 250 °F smoker or grill.")
    assert clean_text("1&frac12; teaspoons salt, &#189; cup milk") == "1½ teaspoons salt, ½ cup milk"
    assert clean_text("2 red bell pepper<nowiki/>s") == "2 red bell peppers"
    assert clean_text('Cream until light.<ref name="bgf" /> Add <u>the eggs</u>.<ref>A book, p. 3</ref>') == (
        "Cream until light. Add the eggs.")
    assert clean_text("Serve with [[Cookbook:Bean|beans]] or [[Cookbook:Rice]].") == "Serve with beans or Rice."
    assert clean_text("½ hatxora (Citrus macroptera|citrus macroptera)") == "½ hatxora (citrus macroptera)"
    assert clean_text("Use a quick release ([https://www.youtube.com/watch?v=x see how]).") == "Use a quick release."
    assert clean_text("thumb|The finished batterGradually add the milk.") == "Gradually add the milk."
    assert clean_text("thumb|Lentil soup|308x308pxPick over the lentils.") == "Pick over the lentils."
    assert clean_text("Smash the garlic.thumb|Wooden mortar|300x300px") == "Smash the garlic."
    assert clean_text("Fry the pepper.{{Recipe summary") == "Fry the pepper."
    assert clean_text("*Salt") == "Salt"
    assert clean_text("Category:Recipes for waffles") == ""
    assert clean_text('{| class="wikitable"') == ""
    assert clean_text("Press with your thumb; chill (< 5 °C).") == "Press with your thumb; chill (< 5 °C)."


def test_original_recipes_are_varied_and_in_the_epicurious_schema():
    (path,) = corpus_paths("original")
    records = json.loads(path.read_text(encoding="utf-8"))
    complete = [r for r in records if r.get("title") and r.get("directions")]
    assert len(complete) == 320
    words = sum(len(" ".join([r["title"], r.get("desc") or ""] + r["ingredients"] + r["directions"]).split())
                for r in complete)
    assert words >= 30_000
    assert len({r["title"] for r in complete}) == len(complete)
    keys = {"title", "desc", "date", "categories", "ingredients", "directions", "rating", "calories", "protein",
            "fat", "sodium"}
    assert all(set(r) == keys for r in complete)
    assert {} in records  # like the real file, some records are empty


def test_original_recipes_carry_no_magazine_tags():
    (path,) = corpus_paths("original")
    records = json.loads(path.read_text(encoding="utf-8"))
    categories = {category for record in records for category in record.get("categories") or []}
    assert {"Korean", "Vegetarian", "Quick & Easy"} <= categories
    assert not categories & MAGAZINES


def test_wikibooks_records_are_in_the_epicurious_schema():
    (path,) = corpus_paths("wikibooks")
    with gzip.open(path, "rt", encoding="utf-8") as file:
        records = json.load(file)
    assert len(records) == EXPECTED_COUNTS["wikibooks"]
    assert all(list(r) == ["title", "directions", "ingredients", "categories"] for r in records)
    assert all(r["title"] and r["directions"] and all(r["directions"]) for r in records)


def test_load_recipes_formats_like_the_book_and_reports_skips(capsys):
    texts = load_recipes()
    assert texts[0].startswith("Recipe for ") and " | " in texts[0]
    # the 5 incomplete records among the original recipes
    assert "skipped 5 without a title or directions" in capsys.readouterr().out


def test_korean_text_in_the_corpus_comes_out_as_words():
    texts = load_recipes(verbose=False)
    assert any("김치찌개" in tokenize(text) for text in texts)


def test_corpus_fingerprint_names_exactly_these_texts_in_this_order():
    texts = load_recipes(verbose=False)
    fingerprint = corpus_fingerprint(texts)
    assert re.fullmatch(r"[0-9a-f]{16}", fingerprint)
    assert corpus_fingerprint(load_recipes("default", verbose=False)) == fingerprint  # the same on every load
    assert corpus_fingerprint(texts[:-1]) != fingerprint
    assert corpus_fingerprint(["b", "a"]) != corpus_fingerprint(["a", "b"])
    assert corpus_fingerprint(["ab"]) != corpus_fingerprint(["a", "b"])


def test_a_bundled_corpus_file_also_loads_as_a_path():
    (path,) = corpus_paths("heldout")
    assert load_recipes(path, verbose=False) == load_recipes("heldout", verbose=False)


def test_an_unknown_corpus_name_says_which_names_exist():
    with pytest.raises(FileNotFoundError, match="recipe data not found: wikibook ") as error:
        load_recipes("wikibook")
    assert "default, wikibooks, original, heldout" in str(error.value)


def test_a_broken_gzip_file_raises_value_error_naming_the_file(tmp_path):
    path = tmp_path / "broken.json.gz"
    path.write_bytes(gzip.compress(b"[{}]")[:-6])
    with pytest.raises(ValueError, match="broken.json.gz is not a valid gzip file"):
        load_recipes(path, verbose=False)


def test_recipe_to_text_with_and_without_ingredients():
    assert recipe_to_text(RECORD) == "Recipe for Toast | Toast the bread. Butter it."
    assert recipe_to_text(RECORD, include_ingredients=True) == (
        "Recipe for Toast | 2 slices bread | Toast the bread. Butter it.")
    assert recipe_to_text({"title": "No steps", "directions": []}) is None
    assert recipe_to_text({"directions": ["Stir."]}) is None


def test_json_file_gzipped_json_plain_text_and_folder(tmp_path, capsys):
    json_file = tmp_path / "r.json"
    json_file.write_text(json.dumps([RECORD, {}, {"title": None, "directions": ["x"]}]))
    assert load_recipes(json_file) == ["Recipe for Toast | Toast the bread. Butter it."]
    assert f"Loaded 1 recipes from {json_file} (skipped 2 without a title or directions)" in capsys.readouterr().out

    text_file = tmp_path / "notes.txt"
    text_file.write_text("First recipe\nline two\n\n\nSecond recipe\n")
    assert load_recipes(text_file, verbose=False) == ["First recipe line two", "Second recipe"]

    gz_file = tmp_path / "r.json.gz"
    gz_file.write_bytes(gzip.compress(json.dumps([RECORD, {}]).encode("utf-8")))
    assert load_recipes(gz_file) == ["Recipe for Toast | Toast the bread. Butter it."]
    assert f"from {gz_file} (skipped 1 without" in capsys.readouterr().out

    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "a.txt").write_text("Alpha soup")
    (folder / "b.md").write_text("Beta stew\n\nGamma pie")
    (folder / "ignored.csv").write_text("x,y")
    assert load_recipes(folder, verbose=False) == ["Alpha soup", "Beta stew", "Gamma pie"]


def test_directions_or_ingredients_given_as_one_string_are_one_line():
    as_strings = {"title": "Toast", "directions": "Toast the bread.  Butter it.", "ingredients": "2 slices bread"}
    assert recipe_to_text(as_strings) == "Recipe for Toast | Toast the bread. Butter it."
    assert recipe_to_text(as_strings, include_ingredients=True) == (
        "Recipe for Toast | 2 slices bread | Toast the bread. Butter it.")
    assert recipe_to_text({"title": "Toast", "directions": "   "}) is None


def test_a_line_of_spaces_or_tabs_separates_two_recipes(tmp_path):
    text_file = tmp_path / "notes.txt"
    text_file.write_text("Pancakes\nWhisk the batter.\n  \t\nOmelette\nBeat the eggs.\n")
    assert load_recipes(text_file, verbose=False) == ["Pancakes Whisk the batter.", "Omelette Beat the eggs."]


def test_windows_line_endings_with_a_blank_line_of_spaces(tmp_path):
    text_file = tmp_path / "notes.txt"
    text_file.write_bytes(b"Pancakes\r\nWhisk the batter.\r\n \r\nOmelette\r\n\r\nSoup\r\n")
    assert load_recipes(text_file, verbose=False) == ["Pancakes Whisk the batter.", "Omelette", "Soup"]


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "is empty"),
        ("[{\"title\": ", "not valid JSON"),
        ("{\"title\": \"x\"}", "JSON list"),
        ("[{}, {\"title\": \"x\"}]", "no usable recipe"),
    ],
)
def test_bad_json_files_raise_value_error_naming_the_file(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=message) as error:
        load_recipes(path, verbose=False)
    assert "bad.json" in str(error.value)


def test_missing_path_and_empty_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.json"):
        load_recipes(tmp_path / "nowhere.json")
    with pytest.raises(ValueError, match="no .txt or .md files"):
        load_recipes(tmp_path)


def _stand_in_kagglehub(monkeypatch, dataset_download):
    module = types.ModuleType("kagglehub")
    module.dataset_download = dataset_download
    monkeypatch.setitem(sys.modules, "kagglehub", module)


def test_download_epicurious_finds_the_file_kagglehub_fetched(tmp_path, monkeypatch):
    download = tmp_path / "datasets" / "hugodarwood" / "epirecipes" / "versions" / "2"
    download.mkdir(parents=True)
    (download / "full_format_recipes.json").write_text(json.dumps([RECORD, {}]))
    calls = []

    def dataset_download(handle, **options):
        calls.append((handle, options))
        return str(download)

    _stand_in_kagglehub(monkeypatch, dataset_download)
    assert download_epicurious(tmp_path / "cache") == download / "full_format_recipes.json"
    assert calls == [("hugodarwood/epirecipes", {"output_dir": str(tmp_path / "cache")})]
    assert load_epicurious() == ["Recipe for Toast | Toast the bread. Butter it."]


def test_no_network_falls_back_to_the_bundled_corpus_with_a_message(monkeypatch, capsys):
    def dataset_download(handle, **options):
        raise ConnectionError("Failed to resolve 'www.kaggle.com'")

    _stand_in_kagglehub(monkeypatch, dataset_download)
    texts = load_epicurious()
    assert len(texts) == len(load_recipes(verbose=False))
    err = capsys.readouterr().err
    assert "ConnectionError" in err and "Kaggle credentials" in err and "bundled recipe corpus" in err


def test_missing_kagglehub_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "kagglehub", None)  # makes `import kagglehub` fail
    with pytest.raises(RuntimeError, match="pip install"):
        download_epicurious()


def test_recipes_of_other_sites_become_a_test_set_that_load_recipes_reads(tmp_path):
    """scripts/build_other_sites.py on two scraped pages in recipe-scrapers' layout: the English one is kept."""
    page = {"canonical_url": "https://example.org/toast", "language": "en-US", "title": "Toast",
            "ingredients": ["2 slices bread"], "instructions_list": ["Toast the bread.", "Butter it."]}
    pages = {"example.org/toast.json": page,
             "example.de/brot.json": {**page, "canonical_url": "https://example.de/brot", "language": "de"}}
    for name, content in pages.items():
        (tmp_path / "test_data" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "test_data" / name).write_text(json.dumps(content))
    output = tmp_path / "other_sites.json.gz"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "build_other_sites.py"), str(tmp_path / "test_data"),
                    "--output", str(output)], check=True, capture_output=True)
    assert load_recipes(output, verbose=False) == ["Recipe for Toast | Toast the bread. Butter it."]


def test_build_other_sites_without_scraped_pages_says_so_and_exits_2(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_other_sites.py"), str(tmp_path)],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert f"no <site>/*.json files under {tmp_path}" in result.stderr
