"""Helpers for the script aid / analytics / content browser tests (imported by test_script_aid_browser.py).

The browser and the live gateway server come from tests/browser/conftest.py (the session's one Chromium).
Fixture names are prefixed `aid_` so they never shadow tests/browser/conftest.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import LiveServer, PageProblems, gateway_app
from tests.e2e.servers import ROOT
from tests.support.gateway import PASSWORD

SCREENSHOTS = ROOT / "results" / "screenshots"


@pytest.fixture(scope="module")
def aid_server(bot, tmp_path_factory):
    """The gateway (real bot behind it, for /api/parse) for this module."""
    server = LiveServer(gateway_app(tmp_path_factory.mktemp("aid-gateway"), bot, always_open=False)).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def aid_page(browser):
    """A fresh context and page (desktop size, Vietnamese locale and time zone) with a problem collector."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh"
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.problems = PageProblems(page)
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


def keyboard_login(page, server: LiveServer, username: str, then: str) -> None:
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
