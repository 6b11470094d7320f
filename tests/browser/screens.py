"""Screenshots of browser tests, for people to look at: ``<folder>/<name>.png`` under
``$SCREENSHOT_DIR`` (default: ``kitakyushu-screenshots`` in the system's temporary directory)."""

import os
import tempfile
from pathlib import Path

#: The window people use (a 1366 px wide laptop screen).
LAPTOP = {"width": 1366, "height": 900}


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
