"""What the browser tests share: Debian's chromium (launched by path, never `playwright install`), the gateway
served on a free loopback port in a thread, what must not happen on a page (dialogs, script errors, CSP
violations), the staff side of a widget conversation, screenshots, and the widget's and the script aid's page
helpers. The fixtures that use them live in tests/browser/conftest.py."""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path
from typing import List

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from gateway.models import Conversation, Message
from gateway.services import runtime_settings
from tests.support.gateway import ALWAYS_OPEN, PASSWORD, build_app, csrf_header, login, make_settings
from tests.support.servers import ROOT, free_port

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


STAFF_NAME = "Nguyễn Văn Cán"  # the display name build_app gives the "canbo" account
BOT_WAIT = 30_000  # ms: a reply goes through the gateway, Rasa and the action server


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


def shoot(page, name: str, full_page: bool = True) -> Path:
    """A screenshot (full page unless told otherwise) under results/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


# ---- the widget ----------------------------------------------------------------------------------------------
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


def open_widget(page, server, path="/"):
    """Load the demo page, open the panel from the floating button, wait for the bot's greeting."""
    page.goto(server.url + path)
    launcher = page.locator(".vnw-launcher")
    expect(launcher).to_be_visible()
    launcher.click()
    expect(page.get_by_role("dialog", name="Trợ lý VNeID")).to_be_visible()
    expect(log(page)).to_contain_text("trợ lý tự động")
    expect(quick(page, "Mật khẩu + OTP")).to_be_visible()


def log(page):
    return page.locator(".vnw-log")


def quick(page, title):
    """A quick-reply button of the latest message."""
    return page.locator(".vnw-quick").get_by_role("button", name=title, exact=True)


def press(page, title):
    quick(page, title).click()


def sender(page) -> str:
    return page.evaluate(
        "() => JSON.parse(localStorage.getItem(Object.keys(localStorage)"
        ".find(k => k.startsWith('vneid-widget:') && k.endsWith(':conv'))))"
    )


def bubbles(page, kind=None):
    selector = ".vnw-list .vnw-msg" + (f".vnw-from-{kind}" if kind else "") + " .vnw-bubble"
    return [t.strip() for t in page.locator(selector).all_inner_texts()]


def wait_step(page, step, total):
    """Until the bot's "Bước step/total" is shown with its "Xong rồi" button."""
    expect(log(page).locator(".vnw-from-bot .vnw-bubble").filter(has_text=f"Bước {step}/{total}:").last).to_be_visible()
    expect(quick(page, "Xong rồi")).to_be_visible()


# ---- the script aid -----------------------------------------------------------------------------------------
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
