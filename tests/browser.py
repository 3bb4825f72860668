"""Real-browser testing: a live Lettrine server on a loopback port, driven by Debian's Chromium.

Use the ``live_server`` and ``page`` fixtures (imported into conftest). Playwright never
downloads a browser of its own here: its Python package drives /usr/bin/chromium.
"""
from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
ARTIFACTS = Path(__file__).parent / "artifacts"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, app) -> None:
        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = make_server("127.0.0.1", self.port, app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> "LiveServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()


@pytest.fixture
def live_server(app):
    """The test app served over HTTP; BASE_URL points at it so emailed links work."""
    server = LiveServer(app)
    app.config["BASE_URL"] = server.url
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def csp_violations(page) -> list[str]:
    """Content-Security-Policy violations the page's console reported so far."""
    return page.context.csp_violations


@pytest.fixture
def page(_browser):
    """A Chromium page; a test fails if any page reported a Content-Security-Policy violation
    (the admin must work with the CSP on: no inline script or style blocked)."""
    context = _browser.new_context(locale="fr-FR", timezone_id="Europe/Paris", viewport={"width": 1280, "height": 900})
    context.csp_violations = []
    context.expect_csp_violations = False

    def on_console(message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            context.csp_violations.append(f"{message.page.url if message.page else ''}: {message.text}")

    context.on("console", on_console)
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    violations = list(context.csp_violations)
    expected = context.expect_csp_violations
    context.close()
    if not expected:
        assert violations == [], violations


def screenshot(page, name: str) -> Path:
    """Save a screenshot for review under tests/artifacts/ (git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
