"""Whole numbers read from a query string, a form or a URL, where anything else is ignored."""

from __future__ import annotations

#: At most this many digits: within a 64-bit integer column, so a database never overflows.
MAX_DIGITS = 18


def whole_number(value: object) -> int | None:
    """``value`` as an int if it is ASCII digits only (at most ``MAX_DIGITS``), else None.

    ``str.isdigit`` alone is not enough: it accepts 「²」 and other digits that ``int`` refuses
    (a 500 instead of the page), and any number of digits (an overflow in PostgreSQL).
    """
    text = str(value) if value is not None else ""
    if text and text.isascii() and text.isdigit() and len(text) <= MAX_DIGITS:
        return int(text)
    return None
