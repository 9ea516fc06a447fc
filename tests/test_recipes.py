import json
import sys
import types

import pytest

from lstm_tutorial import load_epicurious, load_recipes, tokenize
from lstm_tutorial.recipes import bundled_corpus_path, download_epicurious, recipe_to_text

RECORD = {"title": "Toast", "directions": ["Toast the bread.", "Butter it."], "ingredients": ["2 slices bread"]}


def test_bundled_corpus_is_big_varied_and_in_the_epicurious_schema():
    records = json.loads(bundled_corpus_path().read_text(encoding="utf-8"))
    complete = [r for r in records if r.get("title") and r.get("directions")]
    assert len(complete) >= 300
    words = sum(len(" ".join([r["title"], r.get("desc") or ""] + r["ingredients"] + r["directions"]).split())
                for r in complete)
    assert words >= 30_000
    assert len({r["title"] for r in complete}) == len(complete)
    keys = {"title", "desc", "date", "categories", "ingredients", "directions", "rating", "calories", "protein",
            "fat", "sodium"}
    assert all(set(r) == keys for r in complete)
    assert {} in records  # like the real file, some records are empty


def test_load_recipes_formats_like_the_book_and_reports_skips(capsys):
    texts = load_recipes()
    assert texts[0].startswith("Recipe for ") and " | " in texts[0]
    assert texts.skipped == 5
    assert "skipped 5 without a title or directions" in capsys.readouterr().out


def test_korean_text_in_the_corpus_comes_out_as_words():
    texts = load_recipes(verbose=False)
    assert any("김치찌개" in tokenize(text) for text in texts)


def test_recipe_to_text_with_and_without_ingredients():
    assert recipe_to_text(RECORD) == "Recipe for Toast | Toast the bread. Butter it."
    assert recipe_to_text(RECORD, include_ingredients=True) == (
        "Recipe for Toast | 2 slices bread | Toast the bread. Butter it.")
    assert recipe_to_text({"title": "No steps", "directions": []}) is None
    assert recipe_to_text({"directions": ["Stir."]}) is None


def test_json_file_plain_text_and_folder(tmp_path):
    json_file = tmp_path / "r.json"
    json_file.write_text(json.dumps([RECORD, {}, {"title": None, "directions": ["x"]}]))
    loaded = load_recipes(json_file, verbose=False)
    assert list(loaded) == ["Recipe for Toast | Toast the bread. Butter it."]
    assert loaded.skipped == 2

    text_file = tmp_path / "notes.txt"
    text_file.write_text("First recipe\nline two\n\n\nSecond recipe\n")
    assert list(load_recipes(text_file, verbose=False)) == ["First recipe line two", "Second recipe"]

    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "a.txt").write_text("Alpha soup")
    (folder / "b.md").write_text("Beta stew\n\nGamma pie")
    (folder / "ignored.csv").write_text("x,y")
    assert list(load_recipes(folder, verbose=False)) == ["Alpha soup", "Beta stew", "Gamma pie"]


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
    assert list(load_epicurious()) == ["Recipe for Toast | Toast the bread. Butter it."]


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
