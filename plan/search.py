"""Normalisation for search.

So that full- and half-width forms (「ＣＯ２」 and 「CO2」, 「（」 and 「(」), case, spaces left by
the PDF, and hiragana and katakana (「りさいくる」 and 「リサイクル」, 「ゴミ」 and 「ごみ」) do not make a
search miss, the same normalisation (NFKC + casefold + removing spaces + katakana to hiragana) is
applied when saving and when searching. The published text itself is unchanged; a separate column
(search_text) holds the normalised text (``search_text_of``: it includes the project or KPI code,
so 「P022」 finds it too).

``normalize_for_search`` does not fold kana: the Excel import also uses it as the key to match
bureau and measure names.

The number and length of search terms are limited: each term adds a condition, so thousands of
terms in a URL make the query grow quadratically (SQLite: 「Expression tree is too large」,
PostgreSQL: a crashed worker). Every list's search (the admin, the export's filter) goes
through here.
"""

import re
import unicodedata

_WHITESPACE = re.compile(r"\s+")
#: Control characters (NUL, ...). PostgreSQL strings cannot hold NUL.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

#: The limits on the number of search terms and the search text's length (the excess is unused).
MAX_SEARCH_TERMS = 10
MAX_SEARCH_LENGTH = 200


#: Katakana (「ァ」〜「ヶ」) to hiragana (「ぁ」〜「ゖ」); marks such as 「ー」 stay as they are.
_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(ord("ァ"), ord("ヶ") + 1)}


def normalize_for_search(text: str) -> str:
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", text or "").casefold())


def search_key(text: str) -> str:
    """``normalize_for_search`` with katakana folded into hiragana: what search compares."""
    return normalize_for_search(text).translate(_KATAKANA_TO_HIRAGANA)


def search_text_of(*parts: str) -> str:
    """The stored search column of a record: each part (code, name, summary…) as ``search_key``,
    one per line, so that a search term (never containing a line break) matches within a part."""
    return "\n".join(search_key(part) for part in parts)


def limit_search_query(query: str) -> str:
    """Cut the search text to its first ``MAX_SEARCH_TERMS`` distinct terms (at most
    ``MAX_SEARCH_LENGTH`` characters in all, control characters removed). Not normalised (so it
    can go to Django's default search too)."""
    text = _CONTROL.sub(" ", (query or "")[:MAX_SEARCH_LENGTH])
    return " ".join(list(dict.fromkeys(text.split()))[:MAX_SEARCH_TERMS])


def search_terms(query: str) -> list[str]:
    """Split the search text at spaces (full-width ones included) and normalise each term with
    ``search_key`` (distinct, up to the limit)."""
    terms = (search_key(term) for term in limit_search_query(query).split())
    return list(dict.fromkeys(term for term in terms if term))
