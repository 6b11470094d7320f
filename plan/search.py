"""Normalisation for search.

So that full- and half-width forms (「ＣＯ２」 and 「CO2」, 「（」 and 「(」), case and spaces
left by the PDF do not make a search miss, the same normalisation (NFKC + casefold + removing
spaces) is applied when saving and when searching. The published text itself is unchanged; a
separate column (search_text) holds the normalised text.

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


def normalize_for_search(text: str) -> str:
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", text or "").casefold())


def limit_search_query(query: str) -> str:
    """Cut the search text to its first ``MAX_SEARCH_TERMS`` distinct terms (at most
    ``MAX_SEARCH_LENGTH`` characters in all, control characters removed). Not normalised (so it
    can go to Django's default search too)."""
    text = _CONTROL.sub(" ", (query or "")[:MAX_SEARCH_LENGTH])
    return " ".join(list(dict.fromkeys(text.split()))[:MAX_SEARCH_TERMS])


def search_terms(query: str) -> list[str]:
    """Split the search text at spaces (full-width ones included) and normalise each term
    (distinct, up to the limit)."""
    terms = (normalize_for_search(term) for term in limit_search_query(query).split())
    return list(dict.fromkeys(term for term in terms if term))
