"""Build a test set of real recipes from other sites, to score the models on text unlike the corpus.

The shipped corpus is mostly the Wikibooks Cookbook, and its held-out set comes from the same
site. These recipes come from hundreds of recipe sites instead (blogs, magazines, stores): the
test fixtures of the recipe-scrapers project (https://github.com/hhursev/recipe-scrapers, MIT),
one JSON file per scraped page under ``tests/test_data/<site>/``. The project's code is MIT, but
each recipe's text belongs to its site: the set is for measurement only, built on your machine
into ``runs/`` (ignored by git) and never shipped with the package.

What the script does:

1. reads every ``*.json`` under the given ``tests/test_data`` folder;
2. keeps English recipes (``language`` starting with ``en``) with a title, an ingredient and
   an instruction, one per page URL;
3. writes them in the Epicurious schema that ``load_recipes`` reads
   (``{"title", "directions", "ingredients", "categories"}``), gzipped with mtime 0, sorted by
   URL, so that the same checkout always gives the same bytes; prints the counts.

    git clone --depth 1 https://github.com/hhursev/recipe-scrapers
    python scripts/build_other_sites.py recipe-scrapers/tests/test_data
    python benchmarks/quality.py --heldout runs/other_sites.json.gz
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "runs" / "other_sites.json.gz"


def as_epicurious(page: dict) -> dict | None:
    """One scraped page as an Epicurious-style record, or None when it is not an English recipe."""
    if not str(page.get("language", "")).lower().startswith("en"):
        return None
    title = str(page.get("title", "")).strip()
    directions = [step.strip() for step in page.get("instructions_list") or [] if step.strip()]
    ingredients = [line.strip() for line in page.get("ingredients") or [] if line.strip()]
    if not (title and directions and ingredients):
        return None
    return {"title": title, "directions": directions, "ingredients": ingredients, "categories": []}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("test_data", type=Path, help="recipe-scrapers' tests/test_data folder")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args()
    files = sorted(args.test_data.glob("*/*.json"))
    if not files:
        print(f"no <site>/*.json files under {args.test_data}: give recipe-scrapers' tests/test_data",
              file=sys.stderr)
        sys.exit(2)

    by_url: dict[str, dict] = {}
    sites: set[str] = set()
    for path in files:
        page = json.loads(path.read_text(encoding="utf-8"))
        record = as_epicurious(page)
        url = str(page.get("canonical_url") or path)
        if record is not None and url not in by_url:
            by_url[url] = record
            sites.add(path.parent.name)
    records = [by_url[url] for url in sorted(by_url)]

    args.output.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(records, ensure_ascii=False, indent=0).encode("utf-8")
    with open(args.output, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as zipped:
        zipped.write(data)
    print(f"{len(files)} scraped pages; {len(records)} English recipes from {len(sites)} sites -> {args.output}")


if __name__ == "__main__":
    main()
