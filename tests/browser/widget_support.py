"""Helpers and fixtures for the web widget's browser tests (imported by test_widget_browser.py).

The real gateway app (in front of the real Rasa server and action server: the session fixture `bot`) is served by
werkzeug's `make_server(threaded=True)` on a free loopback port in a thread. The browser is Debian's `chromium`,
driven by the `playwright` Python package through `executable_path`: never `playwright install`.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import List

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from gateway.models import Conversation, Message
from gateway.services import runtime_settings
from tests.e2e.servers import ROOT, free_port
from tests.gateway.conftest import build_app, csrf_header, login, make_settings

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SCREENSHOTS = ROOT / "results" / "screenshots"
ALWAYS_OPEN = {"days": list(range(7)), "periods": [["00:00", "23:59"]], "holidays": []}
STAFF_NAME = "Nguyễn Văn Cán"  # the display name build_app gives the "canbo" account


def ensure_chromium() -> Path:
    """Debian's chromium, installed with apt-get when missing (the tests run as root in CI)."""
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


@dataclass
class WidgetServer:
    """The gateway app on 127.0.0.1 in a background thread, with helpers to look into its database."""

    app: object
    port: int = field(default_factory=free_port)

    def __post_init__(self) -> None:
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, name="widget-live-server", daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)

    def db(self):
        return self.app.extensions["vneid"].db.session()

    def messages(self, sender: str) -> List[Message]:
        """Every stored message of a widget conversation (detached copies of author and text)."""
        with self.db() as session:
            conv = session.scalar(select(Conversation).where(Conversation.channel == "widget",
                                                             Conversation.external_id == sender))
            if conv is None:
                return []
            rows = session.scalars(select(Message).where(Message.conversation_id == conv.id).order_by(Message.id))
            return [Message(id=m.id, author=m.author, text=m.text) for m in rows]

    def widget_conversations(self) -> List[str]:
        with self.db() as session:
            return list(session.scalars(select(Conversation.external_id).where(Conversation.channel == "widget")))


class Staff:
    """A logged-in staff member using the staff JSON API (Flask test client on the same app and database)."""

    def __init__(self, app) -> None:
        self.client = app.test_client()
        response = login(self.client)
        assert response.status_code in (200, 302), response.status_code

    def waiting_card(self, sender_conv_id: int):
        queue = self.client.get("/api/staff/queue").get_json()
        return next(c for c in queue if c["conversation_id"] == sender_conv_id and c["status"] == "waiting")

    def claim(self, handoff_id: int) -> None:
        response = self.client.post(f"/api/staff/handoffs/{handoff_id}/claim", headers=csrf_header(self.client))
        assert response.status_code == 200, response.get_data(as_text=True)

    def reply(self, conv_id: int, text: str) -> None:
        response = self.client.post(f"/api/staff/conversations/{conv_id}/reply", headers=csrf_header(self.client),
                                    json={"text": text})
        assert response.status_code == 200, response.get_data(as_text=True)

    def return_to_bot(self, conv_id: int) -> None:
        response = self.client.post(f"/api/staff/conversations/{conv_id}/return", headers=csrf_header(self.client))
        assert response.status_code == 200, response.get_data(as_text=True)

    def messages(self, conv_id: int):
        return self.client.get(f"/api/staff/conversations/{conv_id}/messages?after=0").get_json()


def conversation_id(server: WidgetServer, sender: str) -> int:
    with server.db() as session:
        return session.scalar(select(Conversation.id).where(Conversation.channel == "widget",
                                                            Conversation.external_id == sender))


@pytest.fixture(scope="module")
def widget_server(bot, tmp_path_factory):
    """The gateway (real bot behind it) for this module; working hours always open so a handoff waits for staff."""
    tmp = tmp_path_factory.mktemp("widget-gateway")
    app = build_app(make_settings(tmp, bot.rasa_url, bot.token, bot.action_url,
                                  f"sqlite:///{bot.workdir / 'tracker.db'}"))
    with app.extensions["vneid"].db.session() as session:
        runtime_settings.put(session, "working_hours", ALWAYS_OPEN)
    server = WidgetServer(app)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def widget_browser(request):
    """One headless Debian Chromium for the module.

    Playwright's sync API allows one running instance per thread: when the suite has a `browser` fixture
    (tests/browser/conftest.py, the staff console's), it is shared; otherwise one is started here.
    """
    path = ensure_chromium()
    try:
        shared = request.getfixturevalue("browser")
    except pytest.FixtureLookupError:
        shared = None
    if shared is not None:
        yield shared
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(path), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Console:
    """Console messages and page errors of a browser context (CSP violations, script errors)."""

    def __init__(self) -> None:
        self.lines: List[str] = []

    def attach(self, page) -> None:
        page.on("console", lambda m: self.lines.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: self.lines.append(f"pageerror: {e}"))

    def problems(self) -> List[str]:
        """Script errors and CSP violations (a missing favicon is not one)."""
        return [line for line in self.lines
                if line.startswith("pageerror") or re.search(r"Content Security Policy|Refused to", line)]


@pytest.fixture
def widget_context(widget_browser):
    """A fresh browser profile (its own localStorage) at desktop size; yields (context, console)."""
    context = widget_browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    console = Console()
    try:
        yield context, console
    finally:
        context.close()


def new_page(widget_context):
    """A new tab in the context, its console recorded."""
    context, console = widget_context
    page = context.new_page()
    console.attach(page)
    return page


def shot(page, name: str, **kwargs) -> Path:
    """Save results/screenshots/widget-<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"widget-{name}.png"
    page.screenshot(path=str(path), **kwargs)
    return path
