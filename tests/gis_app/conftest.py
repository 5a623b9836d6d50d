"""Fixtures of the app tests: a live server for the clients that need a real socket (GDAL, OWSLib,
Chromium), and Debian's headless Chromium kept on the machine (DESIGN.md: government intranets have
no internet). What they serve is the ``served_story`` of :mod:`tests.stories.served`."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import waitress
from flask import Flask
from playwright.sync_api import Page, Request, Response, Route, sync_playwright
from waitress import wasyncore

CHROMIUM = Path("/usr/bin/chromium")
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-proxy-server",
    # Belt and braces: no host name resolves, so even a request the page router missed cannot leave.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app on 127.0.0.1 and a free port, served by waitress in a thread of the test (``fujian-gis serve``
    runs gunicorn, which forks; it is tested as a command in ``test_server.py``).

    The loop uses poll(), not select(): closing the sockets from this thread while the server thread
    waits on them then ends its loop quietly instead of with EBADF.
    """
    sockets: dict[int, Any] = {}
    server = waitress.create_server(app, map=sockets, host="127.0.0.1", port=0, threads=4,
                                    asyncore_use_poll=True, asyncore_loop_timeout=0.2)
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        wasyncore.close_all(sockets)  # connections a client kept alive
        server.task_dispatcher.shutdown()
        thread.join(timeout=5)


@dataclass
class Traffic:
    """What the page asked for: every URL, the ones stopped for leaving loopback, the failures."""

    requested: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


def chromium_path() -> str:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium (scripts/setup.sh); "
                    "or run `apt-get install chromium`", pytrace=False)
    return str(CHROMIUM)


@pytest.fixture
def page() -> Iterator[Page]:
    """A page of Debian's headless Chromium that resolves no host name; the browser closes after the test."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 860}, service_workers="block")
            yield context.new_page()
        finally:
            browser.close()


@pytest.fixture
def watch() -> Callable[[Page], Traffic]:
    """``watch(page)`` records what the page asks for and stops every request that would leave loopback."""
    return _watch


def _watch(page: Page) -> Traffic:
    traffic = Traffic()

    def route(route: Route, request: Request) -> None:
        traffic.requested.append(request.url)
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in LOOPBACK:
            traffic.blocked.append(request.url)
            route.abort("blockedbyclient")
        else:
            route.continue_()

    def response(response: Response) -> None:
        if response.status >= 400:
            traffic.failed.append(f"{response.status} {response.url}")

    page.route("**/*", route)
    page.on("response", response)
    page.on("requestfailed", lambda request: traffic.failed.append(f"{request.failure} {request.url}"))
    page.on("pageerror", lambda error: traffic.errors.append(str(error)))
    page.on("console", lambda msg: traffic.errors.append(msg.text) if msg.type == "error" else None)
    page.on("dialog", lambda dialog: (traffic.dialogs.append(dialog.message), dialog.dismiss()))
    return traffic
