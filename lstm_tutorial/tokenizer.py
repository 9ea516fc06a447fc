"""Turn text into word tokens and back.

The book pads every punctuation mark with spaces and splits on whitespace, so
``"Chop 1/2 onion."`` becomes ``chop 1 / 2 onion .``. We do the same with a
Unicode-aware regular expression, so Korean or accented words stay words.
The same function tokenizes the training text and the generation prompt (the
seed split prompts with ``.lower().split()``, which never matches ``onion.``).
"""

from __future__ import annotations

import re
import unicodedata

# A word is a run of letters/digits in any script; any other visible
# character (punctuation, symbols such as ° or |) is a token of its own.
_TOKEN_PATTERN = re.compile(r"[^\W_]+|[^\w\s]|_")

_NO_SPACE_BEFORE = {".", ",", ";", ":", "!", "?", ")", "]", "}", "%", "°", "'", "/"}
_NO_SPACE_AFTER = {"(", "[", "{", "'", "-", "/", "°"}
_SPECIAL_TOKENS = {"<PAD>", "<EOS>"}


def _expand_vulgar_fractions(text: str) -> str:
    """Replace ``½`` (and the other vulgar fractions) with `` 1/2 ``."""
    out = []
    for char in text:
        if unicodedata.name(char, "").startswith("VULGAR FRACTION"):
            # NFKC gives "1⁄2" with U+2044 FRACTION SLASH; the spaces keep
            # "1½" from turning into "11/2".
            out.append(" " + unicodedata.normalize("NFKC", char).replace("\u2044", "/") + " ")
        else:
            out.append(char)
    return "".join(out)


def tokenize(text: str) -> list[str]:
    """Split ``text`` into lowercase word and punctuation tokens.

    >>> tokenize("Add 1½ cups Crème fraîche, then stir.")
    ['add', '1', '1', '/', '2', 'cups', 'crème', 'fraîche', ',', 'then', 'stir', '.']
    """
    text = unicodedata.normalize("NFC", _expand_vulgar_fractions(text)).lower()
    return _TOKEN_PATTERN.findall(text)


def detokenize(tokens: list[str]) -> str:
    """Join tokens into readable text: ``["1", "/", "2", "cup"]`` -> ``"1/2 cup"``.

    ``<PAD>`` and ``<EOS>`` are dropped; punctuation sticks to its word.

    >>> detokenize(["add", "1", "/", "2", "cup", "salt", "."])
    'add 1/2 cup salt.'
    """
    text = ""
    previous = ""
    for token in tokens:
        if token in _SPECIAL_TOKENS:
            continue
        glue = (
            not text
            or token in _NO_SPACE_BEFORE
            or previous in _NO_SPACE_AFTER
            or (token == "-" and previous.isalnum())
        )
        text += token if glue else " " + token
        previous = token
    return text
