"""Fixtures for driving the staff console in a real headless browser.

Debian's `chromium` package (`apt-get install -y chromium`) with the `playwright` Python package, launched by
path: no browser download, never `playwright install`. The gateway runs with werkzeug's `make_server` on a free
loopback port in a thread, in front of the real Rasa server and action server (the session fixture `bot`).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from gateway.services import runtime_settings
from tests.e2e.servers import ROOT, free_port
from tests.support.gateway import ALWAYS_OPEN, build_app, make_settings

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = ROOT / "results" / "screenshots"


def chromium_path() -> Path:
    """Debian's chromium (.ci/run installs it): missing fails in CI, skips on a developer's machine."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install -y chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole run, shared by the console, widget and script-aid modules (Playwright's
    sync API allows one running instance per thread). Each test opens its own context."""
    path = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(path), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class LiveServer:
    """The gateway app served on 127.0.0.1 in a background thread (werkzeug, threaded)."""

    def __init__(self, app) -> None:
        self.app = app
        self.port = free_port()
        self.server = make_server("127.0.0.1", self.port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, name="console-live-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "LiveServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)

    def db(self):
        """A session on the app's database (for assertions on what was stored)."""
        return self.app.extensions["vneid"].db.session()


def gateway_app(tmp: Path, bot=None, always_open: bool = True):
    """The gateway app on a database under `tmp`, in front of the real bot (or of nothing, for pages that only
    read); working hours always open (so a handoff waits for staff) unless told otherwise."""
    settings = (
        make_settings(tmp)
        if bot is None
        else make_settings(tmp, bot.rasa_url, bot.token, bot.action_url, f"sqlite:///{bot.workdir / 'tracker.db'}")
    )
    app = build_app(settings)
    if always_open:
        with app.extensions["vneid"].db.session() as session:
            runtime_settings.put(session, "working_hours", ALWAYS_OPEN)
    return app


@pytest.fixture
def live_server(tmp_path, bot):
    """The gateway (talking to the real bot) on a free port; working hours always open so handoffs wait."""
    server = LiveServer(gateway_app(tmp_path, bot)).start()
    try:
        yield server
    finally:
        server.stop()


class PageProblems:
    """Everything that must not happen on a console page: dialogs (XSS), script errors, CSP violations."""

    def __init__(self, page) -> None:
        self.dialogs, self.errors, self.console, self.failed = [], [], [], []
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("console", self._console)
        page.on("response", self._response)

    def _console(self, msg) -> None:
        # A form refused with 400 logs "Failed to load resource" for the page itself: that is expected; failed
        # sub-resources and API calls are caught by _response, CSP violations ("Refused to ...") here.
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            self.console.append(msg.text)

    def _response(self, response) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            self.failed.append(f"{response.status} {response.url}")

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def assert_none(self) -> None:
        assert self.dialogs == [], f"a dialog fired: {self.dialogs}"
        assert self.errors == [], f"script errors: {self.errors}"
        assert self.console == [], f"console errors (CSP?): {self.console}"
        assert self.failed == [], f"failed requests: {self.failed}"


@pytest.fixture
def context(browser):
    """A fresh browser context (own cookies) at a desktop size, Vietnamese locale and time zone."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    ctx.set_default_timeout(15_000)
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def page(context):
    """A page whose dialogs, script errors and console errors are collected (and must stay empty)."""
    page = context.new_page()
    page.problems = PageProblems(page)
    return page


@pytest.fixture(scope="session")
def screenshots():
    """A function saving a full-page screenshot under results/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def shoot(page, name: str, full_page: bool = True) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return shoot
