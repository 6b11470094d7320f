"""Helpers for tests that drive the admin: a signed-in client, and reading an admin form as a
browser would submit it, so tests can post it back (or forge it)."""

import re
from html.parser import HTMLParser

from django.test import Client


def client_as(user) -> Client:
    """A test client signed in as ``user`` (without going through the sign-in form)."""
    client = Client()
    client.force_login(user)
    return client


def viewed_twice(user, url: str) -> str:
    """The page at ``url`` as ``user`` sees it the second time (the first view prepares and
    keeps what the second reuses); both views must succeed."""
    client = client_as(user)
    first = client.get(url)
    second = client.get(url)
    assert first.status_code == second.status_code == 200
    return second.content.decode()


class _FormParser(HTMLParser):
    def __init__(self, form_id: str | None):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.in_form = form_id is None
        self.data: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._select: str | None = None
        self._select_value: str | None = None
        self._select_first: str | None = None
        self._option_value: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and self.form_id is not None:
            self.in_form = attributes.get("id") == self.form_id
        if not self.in_form or "disabled" in attributes:
            return
        name = attributes.get("name")
        if tag == "input" and name:
            kind = attributes.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attributes:
                    self.data.append((name, attributes.get("value", "on")))
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self.data.append((name, attributes.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data.append((name, ""))
        elif tag == "select" and name:
            self._select, self._select_value, self._select_first = name, None, None
        elif tag == "option" and self._select:
            value = attributes.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in attributes:
                self._select_value = value

    def handle_endtag(self, tag):
        if tag == "form" and self.form_id is not None:
            self.in_form = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select:
            chosen = self._select_value if self._select_value is not None else self._select_first
            self.data.append((self._select, chosen or ""))
            self._select = None

    def handle_data(self, data):
        if self._textarea is not None:
            name, value = self.data[-1]
            self.data[-1] = (name, value + data.lstrip("\n") if not value else value + data)


def read_form(html: str, form_id: str | None = None) -> dict[str, str | list[str]]:
    """The fields a browser would submit, as a dict suitable for the test client's ``post``."""
    parser = _FormParser(form_id)
    parser.feed(html)
    data: dict[str, str | list[str]] = {}
    for name, value in parser.data:
        if name in data:
            existing = data[name]
            data[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            data[name] = value
    return data


_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def without_csrf(html: str) -> str:
    """A page's HTML with its CSRF tokens emptied (they differ between any two requests)."""
    return _CSRF.sub('name="csrfmiddlewaretoken" value=""', html)
