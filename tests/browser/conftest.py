"""Browser tests: Playwright drives Debian's Chromium against pytest-django's ``live_server``.

- Chromium is Debian's ``/usr/bin/chromium`` (``playwright install`` cannot download here).
  ``BROWSER_EXECUTABLE`` overrides the path, e.g. to check the messages below with a path that
  does not exist: ``BROWSER_EXECUTABLE=/nonexistent pytest tests/browser``.
- Without that executable every test here is skipped, except under ``CI=true``, where it fails:
  CI must not pass while silently running no browser test.
- Every test here gets the ``browser`` marker (``pytest -m "not browser"`` leaves them out).
"""

import os
from pathlib import Path

import pytest

# Playwright's sync API keeps an asyncio event loop running in the test thread for the whole
# session, so Django's ORM would raise SynchronousOnlyOperation in this thread (in these tests
# and in any test that runs after them) without this.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("BROWSER_EXECUTABLE", "/usr/bin/chromium")
MISSING_CHROMIUM = f"Chromium ({CHROMIUM}) が見つかりません: apt-get install chromium"
# Flags for running as root on a machine whose only network is the loopback.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
HERE = Path(__file__).parent


def chromium_available() -> bool:
    return os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    # Runs before -m deselection. This hook sees every collected item, so keep to ours.
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # Conftest hooks taking an item run only for items under this directory. tryfirst: before
    # any fixture is set up, so the session-scoped browser is never launched without Chromium.
    if not chromium_available():
        if in_ci():
            pytest.fail(MISSING_CHROMIUM, pytrace=False)
        pytest.skip(MISSING_CHROMIUM)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # headless unless pytest-playwright's --headed asked otherwise.
    return {
        "headless": True,
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # Accept-Language: ja, so that LocaleMiddleware serves the admin in Japanese as users see it.
    return {**browser_context_args, "locale": "ja-JP", "timezone_id": "Asia/Tokyo"}


@pytest.fixture
def admin_login(page, live_server):
    """``login(username, password)``: sign in through the admin login form; returns the page."""

    def login(username: str, password: str):
        page.goto(live_server.url + "/admin/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("#login-form [type=submit]")
        page.wait_for_url(live_server.url + "/admin/")
        return page

    return login
