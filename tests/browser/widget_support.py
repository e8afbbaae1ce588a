"""Helpers and fixtures for the web widget's browser tests (imported by test_widget_browser.py).

The live gateway server and the session's one Chromium come from tests/browser/conftest.py.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import List

import pytest
from sqlalchemy import select

from gateway.models import Conversation, Message
from tests.browser.conftest import LiveServer, gateway_app
from tests.e2e.servers import ROOT
from tests.support.gateway import csrf_header, login

SCREENSHOTS = ROOT / "results" / "screenshots"
STAFF_NAME = "Nguyễn Văn Cán"  # the display name build_app gives the "canbo" account


class WidgetServer(LiveServer):
    """The live gateway with helpers to look into its database."""

    def messages(self, sender: str) -> List[Message]:
        """Every stored message of a widget conversation (detached copies of author and text)."""
        with self.db() as session:
            conv = session.scalar(
                select(Conversation).where(Conversation.channel == "widget", Conversation.external_id == sender)
            )
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
        response = self.client.post(
            f"/api/staff/conversations/{conv_id}/reply", headers=csrf_header(self.client), json={"text": text}
        )
        assert response.status_code == 200, response.get_data(as_text=True)

    def return_to_bot(self, conv_id: int) -> None:
        response = self.client.post(f"/api/staff/conversations/{conv_id}/return", headers=csrf_header(self.client))
        assert response.status_code == 200, response.get_data(as_text=True)

    def messages(self, conv_id: int):
        return self.client.get(f"/api/staff/conversations/{conv_id}/messages?after=0").get_json()


def conversation_id(server: WidgetServer, sender: str) -> int:
    with server.db() as session:
        return session.scalar(
            select(Conversation.id).where(Conversation.channel == "widget", Conversation.external_id == sender)
        )


@pytest.fixture(scope="module")
def widget_server(bot, tmp_path_factory):
    """The gateway (real bot behind it) for this module; working hours always open so a handoff waits for staff."""
    server = WidgetServer(gateway_app(tmp_path_factory.mktemp("widget-gateway"), bot)).start()
    try:
        yield server
    finally:
        server.stop()


class Console:
    """Console messages and page errors of a browser context (CSP violations, script errors)."""

    def __init__(self) -> None:
        self.lines: List[str] = []

    def attach(self, page) -> None:
        page.on("console", lambda m: self.lines.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: self.lines.append(f"pageerror: {e}"))

    def problems(self) -> List[str]:
        """Script errors and CSP violations (a missing favicon is not one)."""
        return [
            line
            for line in self.lines
            if line.startswith("pageerror") or re.search(r"Content Security Policy|Refused to", line)
        ]


@pytest.fixture
def widget_context(browser):
    """A fresh browser profile (its own localStorage) at desktop size; yields (context, console)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
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
