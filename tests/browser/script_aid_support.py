"""Helpers for the script aid / analytics / content browser tests (imported by test_script_aid_browser.py).

Debian's `chromium` (installed with apt-get when missing and running as root) driven by the `playwright` package
through `executable_path`: never `playwright install`. The gateway app (in front of the real Rasa server and action
server: the session fixture `bot`) runs under werkzeug's `make_server(threaded=True)` on a free loopback port.
Fixture names are prefixed `aid_` so they never shadow tests/browser/conftest.py.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import threading
from pathlib import Path
from typing import List

import pytest
from werkzeug.serving import make_server

from tests.e2e.servers import ROOT, free_port
from tests.gateway.conftest import PASSWORD, build_app, make_settings

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SCREENSHOTS = ROOT / "results" / "screenshots"


def ensure_chromium() -> Path:
    """Debian's chromium, installed with apt-get when missing (CI runs as root)."""
    if CHROMIUM.exists():
        return CHROMIUM
    if shutil.which("apt-get") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update"], check=False, env=env, capture_output=True, timeout=600)
        subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "chromium"], check=False, env=env,
                       capture_output=True, timeout=900)
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing and could not be installed: apt-get install -y chromium")
    return CHROMIUM


class AidServer:
    """The gateway app on 127.0.0.1 in a background thread."""

    def __init__(self, app) -> None:
        self.app = app
        self.port = free_port()
        self.server = make_server("127.0.0.1", self.port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, name="aid-live-server", daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def db(self):
        return self.app.extensions["vneid"].db.session()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


class Problems:
    """What must not happen on a page: dialogs, script errors, console errors (CSP violations), failed requests."""

    def __init__(self, page) -> None:
        self.dialogs: List[str] = []
        self.errors: List[str] = []
        self.console: List[str] = []
        self.failed: List[str] = []
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("console", lambda m: self.console.append(m.text) if m.type == "error" else None)
        page.on("response", lambda r: self.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    def assert_none(self) -> None:
        assert self.dialogs == [], self.dialogs
        assert self.errors == [], self.errors
        assert self.console == [], self.console
        assert self.failed == [], self.failed


@pytest.fixture(scope="module")
def aid_browser():
    """One headless Chromium for the module."""
    ensure_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def aid_server(bot, tmp_path_factory):
    """The gateway (real bot behind it, for /api/parse) for this module."""
    tmp = tmp_path_factory.mktemp("aid-gateway")
    app = build_app(make_settings(tmp, bot.rasa_url, bot.token, bot.action_url,
                                  f"sqlite:///{bot.workdir / 'tracker.db'}"))
    server = AidServer(app)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def aid_page(aid_browser):
    """A fresh context and page (desktop size, Vietnamese locale and time zone) with a problem collector."""
    context = aid_browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN",
                                      timezone_id="Asia/Ho_Chi_Minh")
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.problems = Problems(page)
    try:
        yield page
    finally:
        context.close()


def shoot(page, name: str) -> Path:
    """A full-page screenshot under results/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def keyboard_login(page, server: AidServer, username: str, then: str) -> None:
    """Open `then`, get sent to the login form, log in with the keyboard only, land on `then`."""
    page.goto(f"{server.url}{then}")
    assert "/auth/login" in page.url
    if page.evaluate("document.activeElement.id") != "username":  # the form puts the cursor there itself
        page.locator("#username").focus()
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server.url}{then}")  # the login form brings back the page asked for, query included


def active(page) -> dict:
    """The focused element: id, tag, name, value, and whether its focus ring is visible."""
    return page.evaluate("""() => {
        const el = document.activeElement;
        const style = el ? getComputedStyle(el) : null;
        return {id: el ? el.id : '', tag: el ? el.tagName.toLowerCase() : '', name: el ? (el.name || '') : '',
                value: el ? (el.value || '') : '',
                outline: style ? style.outlineStyle + ' ' + style.outlineWidth : ''};
    }""")
