"""Load test of the running application: N clients sign in and read admin pages for a while.

    .venv/bin/python benchmarks/load.py [--url http://127.0.0.1:8000] [--clients 8] [--duration 30]

Meant for gunicorn in production mode (``make serve``) on this machine, and run by .ci/run against
one. Only 127.0.0.1 or localhost is accepted (it is a load test, not an attack), with at most 32
clients for at most 300 s; it stops by itself.

Each client signs in as one of the demo users (``setup_demo``; password ``$DEMO_PASSWORD`` or the
demo default), cycling through them, then requests the admin pages its role may read (the index,
the project and KPI lists, a project's page, the measures), and one of the static files the index
links to, one after the other until the time is up. The requests carry ``X-Forwarded-Proto: https``
as the proxy in front of gunicorn would (production mode redirects plain HTTP and sends cookies
over HTTPS only), and ``Origin``/``Referer`` for the sign-in's CSRF check.

Prints the number of requests, the errors (any answer but 200 on a page, or a failed sign-in; the
first few are shown), the median and 95th percentile of the response times, and exits 1 if there
was any error.
"""

from __future__ import annotations

import argparse
import http.client
import ipaddress
import os
import re
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

DEMO_USERS = ("coordinator", "kankyo", "sangyo", "viewer", "admin")
DEFAULT_DEMO_PASSWORD = "kitakyushu-demo-2024"
PAGES = (
    "/admin/",
    "/admin/plan/project/",
    "/admin/plan/project/?own=all",
    "/admin/kpis/kpi/",
    "/admin/plan/measure/",
)
MAX_CLIENTS = 32
MAX_DURATION = 300.0
REQUEST_TIMEOUT = 60.0
LOCAL_NAMES = {"localhost"}


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    times: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    by_page: dict[str, list[float]] = field(default_factory=dict)

    def add(self, seconds: float, error: str | None, page: str | None = None) -> None:
        with self.lock:
            self.times.append(seconds)
            if page is not None:
                self.by_page.setdefault(page, []).append(seconds)
            if error:
                self.errors.append(error)


class Browser:
    """One signed-in client: its own cookies, one connection per request (sync gunicorn workers
    close the connection after each answer)."""

    def __init__(self, host: str, port: int, tally: Tally):
        self.host, self.port, self.tally = host, port, tally
        self.origin = f"https://{host}:{port}"
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, dict, str]:
        headers = {
            "Host": f"{self.host}:{self.port}",
            "X-Forwarded-Proto": "https",
            "User-Agent": "kitakyushu-load-test",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.origin
            headers["Referer"] = f"{self.origin}/admin/login/"
        connection = http.client.HTTPConnection(self.host, self.port, timeout=REQUEST_TIMEOUT)
        started = time.perf_counter()
        error = None
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read().decode("utf-8", "replace")
            status, response_headers = response.status, response.getheaders()
        except (OSError, http.client.HTTPException) as failure:
            status, response_headers, content = 0, [], ""
            error = f"{method} {path}: {type(failure).__name__}: {failure}"
        finally:
            connection.close()
        elapsed = time.perf_counter() - started
        for name, value in response_headers:
            if name.lower() == "set-cookie":
                for morsel in SimpleCookie(value).values():
                    self.cookies[morsel.key] = morsel.value
        if error is None and status != 200 and not (method == "POST" and status == 302):
            error = f"{method} {path}: HTTP {status}"
        page = re.sub(r"/\d+/", "/<id>/", path) if not path.startswith("/static/") else "static"
        self.tally.add(elapsed, error, f"{method} {page}")
        return status, dict((k.lower(), v) for k, v in response_headers), content

    def sign_in(self, username: str, password: str) -> bool:
        _status, _headers, page = self.request("GET", "/admin/login/?next=/admin/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if token is None:
            self.tally.add(0.0, f"{username}: no sign-in form")
            return False
        body = urlencode(
            {
                "csrfmiddlewaretoken": token.group(1),
                "username": username,
                "password": password,
                "next": "/admin/",
            }
        )
        status, headers, _ = self.request("POST", "/admin/login/", body)
        if status != 302 or headers.get("location") != "/admin/":
            self.tally.add(0.0, f"{username}: sign-in failed (HTTP {status})")
            return False
        return True


def run_client(host, port, username, password, deadline, tally) -> None:
    browser = Browser(host, port, tally)
    if not browser.sign_in(username, password):
        return
    _status, _headers, index = browser.request("GET", "/admin/")
    pages = list(PAGES)
    static = re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"', index)
    pages += static[:1]
    _status, _headers, projects = browser.request("GET", "/admin/plan/project/?own=all")
    project = re.search(r'href="(/admin/plan/project/\d+/change/)[^"]*"', projects)
    if project:
        pages.append(project.group(1))
    else:
        tally.add(0.0, f"{username}: no project in the list")
    position = 0
    while time.monotonic() < deadline:
        browser.request("GET", pages[position % len(pages)])
        position += 1


def local_target(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme != "http" or not host:
        raise ValueError
    if host not in LOCAL_NAMES and not ipaddress.ip_address(host).is_loopback:
        raise ValueError
    return host, parts.port or 80


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="gunicorn's address")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds")
    arguments = parser.parse_args(argv)
    try:
        host, port = local_target(arguments.url)
    except ValueError:
        parser.error(f"{arguments.url}: 127.0.0.1 か localhost だけを相手にします")
    if not 1 <= arguments.clients <= MAX_CLIENTS:
        parser.error(f"--clients は 1〜{MAX_CLIENTS} です")
    if not 1 <= arguments.duration <= MAX_DURATION:
        parser.error(f"--duration は 1〜{MAX_DURATION:.0f} 秒です")
    password = os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD

    tally = Tally()
    deadline = time.monotonic() + arguments.duration
    started = time.perf_counter()
    threads = [
        threading.Thread(
            target=run_client,
            args=(host, port, DEMO_USERS[n % len(DEMO_USERS)], password, deadline, tally),
            daemon=True,
        )
        for n in range(arguments.clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=arguments.duration + REQUEST_TIMEOUT + 30)
    wall = time.perf_counter() - started

    times = sorted(tally.times)
    count = len(times)
    print(f"clients: {arguments.clients}, duration: {wall:.1f} s, url: {arguments.url}")
    print(f"requests: {count} ({count / wall:.1f}/s), errors: {len(tally.errors)}")
    if times:
        median = statistics.median(times) * 1000
        p95 = times[min(count - 1, int(0.95 * count))] * 1000
        print(f"median: {median:.1f} ms, p95: {p95:.1f} ms, max: {times[-1] * 1000:.1f} ms")
        for page, page_times in sorted(tally.by_page.items()):
            print(
                f"  {page}: {len(page_times)} requests, "
                f"median {statistics.median(page_times) * 1000:.1f} ms"
            )
    for error in tally.errors[:10]:
        print(f"error: {error}", file=sys.stderr)
    if any(thread.is_alive() for thread in threads):
        print("error: a client did not stop", file=sys.stderr)
        return 1
    return 1 if tally.errors or not count else 0


if __name__ == "__main__":
    sys.exit(main())
