"""Screenshots of the browser tests at 1366×900, where people can look at them.

``Screens`` numbers the screenshots of one test or walkthrough in one folder under
``$SCREENSHOT_DIR`` (default: ``kitakyushu-screenshots`` in the system's temporary directory). The
``screens`` fixture saves ``<test>-<name>.png`` to ``$SCREENSHOT_DIR`` when set, otherwise to a
folder under pytest's temporary directory; each test says where in its output (``-s``).
"""

import os
import tempfile
from pathlib import Path

import pytest

#: The window people use (a 1366 px wide laptop screen).
LAPTOP = {"width": 1366, "height": 900}
VIEWPORT = LAPTOP


def screenshot_root() -> Path:
    default = Path(tempfile.gettempdir()) / "kitakyushu-screenshots"
    return Path(os.environ.get("SCREENSHOT_DIR") or default)


class Screens:
    """Numbered screenshots of one test or walkthrough in one folder."""

    def __init__(self, folder: str):
        self.folder = screenshot_root() / folder
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.count = 0

    def shot(self, page, name: str, *, full_page: bool = True) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path


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
