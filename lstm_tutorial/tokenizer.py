"""Turn text into word tokens and back.

The book pads every punctuation mark with spaces and splits on whitespace, so
``"Chop 1/2 onion."`` becomes ``chop 1 / 2 onion .``. We do the same with a
Unicode-aware regular expression, so Korean or accented words stay words.
The same function tokenizes the training text and the generation prompt (the
blog post split prompts with ``.lower().split()``, which never matches ``onion.``).
"""

from __future__ import annotations

import re
import unicodedata

# A word is a run of letters/digits in any script; any other visible
# character (punctuation, symbols such as ° or |) is a token of its own.
_TOKEN_PATTERN = re.compile(r"[^\W_]+|[^\w\s]|_")

# The special tokens of the vocabulary (lstm_tutorial.vocab gives them their ids).
PAD = "<PAD>"  # id 0: the blog post's CrossEntropyLoss(ignore_index=0) skips it
UNK = "<UNK>"  # any word outside the vocabulary
EOS = "<EOS>"  # ends every recipe, so the generator knows when to stop
SPECIAL_TOKENS = [PAD, UNK, EOS]
_NOT_WRITTEN = {PAD, EOS}  # what detokenize leaves out

_CLOSING = {".", ",", ";", ":", "!", "?", ")", "]", "}", "%"}
_OPENING = {"(", "[", "{"}
_CONTRACTION_ENDINGS = {"s", "t", "re", "ll", "d", "ve", "m"}


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
    before = previous = ""
    for token in tokens:
        if token in _NOT_WRITTEN:
            continue
        glued = not text or _glued(previous, token) or _inside_number(before, previous, token)
        text += token if glued else " " + token
        before, previous = previous, token
    return text


def _inside_number(before: str, previous: str, token: str) -> bool:
    """Whether ``token`` is the digits after the point of 1.5 or the colon of a 1:1 ratio."""
    return previous in (".", ":") and before.isdigit() and token.isdigit()


def _glued(previous: str, token: str) -> bool:
    """Whether ``token`` is written right after ``previous``, without a space."""
    if token in _CLOSING or previous in _OPENING:
        return True
    if token in ("/", "°"):  # 1/2, 350°
        return previous.isdigit()
    if token in ("-", "'"):  # 9-inch, don't
        return previous.isalnum()
    if previous == "/":
        return token.isdigit()
    if previous == "°":
        return token in ("f", "c")
    if previous == "-":
        return token.isalnum()
    if previous == "'":
        return token in _CONTRACTION_ENDINGS
    return False
