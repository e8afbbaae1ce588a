"""Fixtures for the browser tests (the staff console, the web widget, the script aid) in a real headless browser.

Debian's `chromium` package (`apt-get install -y chromium`) with the `playwright` Python package, launched by
path: no browser download, never `playwright install`. The gateway runs with werkzeug's `make_server` on a free
loopback port in a thread, in front of the real Rasa server and action server (the session fixture `bot`). The
helpers are in tests/support/browser.py.
"""

from __future__ import annotations

import pytest

from tests.support.browser import (
    CHROMIUM_ARGS,
    SCREENSHOTS,
    Console,
    LiveServer,
    PageProblems,
    WidgetServer,
    chromium_path,
    gateway_app,
    shoot,
)


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


@pytest.fixture
def live_server(tmp_path, bot):
    """The gateway (talking to the real bot) on a free port; working hours always open so handoffs wait."""
    server = LiveServer(gateway_app(tmp_path, bot)).start()
    try:
        yield server
    finally:
        server.stop()


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
    return shoot


# ---- the web widget ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def widget_server(bot, tmp_path_factory):
    """The gateway (real bot behind it) for this module; working hours always open so a handoff waits for staff."""
    server = WidgetServer(gateway_app(tmp_path_factory.mktemp("widget-gateway"), bot)).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def widget_context(browser):
    """A fresh browser profile (its own localStorage) at desktop size; yields (context, console)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    console = Console()
    try:
        yield context, console
    finally:
        context.close()


# ---- the script aid, analytics and content pages -----------------------------------------------------------------
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
