"""Screenshots of the browser tests at 1366×900, where people can look at them.

They go to ``$SCREENSHOT_DIR`` when set, otherwise to a folder under pytest's temporary directory;
each test says where in its output (``-s``) so that they can be opened.
"""

import os
from pathlib import Path

import pytest

VIEWPORT = {"width": 1366, "height": 900}


@pytest.fixture
def screens(page, tmp_path_factory, request):
    """``screens(name)``: save the page as ``<folder>/<test>-<name>.png`` and return the path."""
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(VIEWPORT)

    def take(name: str, *, full_page: bool = False) -> Path:
        path = folder / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        print(f"screenshot: {path}")
        return path

    return take
