"""What the Zalo channel's tests share: settings for a gateway pointed at the fake Zalo server (tools/fake_zalo.py,
which follows Zalo's protocol), a citizen that posts signed webhook events and reads what the fake Zalo received, and
running the worker's iteration until the replies are sent (`pump`). Every loop has a deadline. The fixtures that use
them live in tests/zalo/conftest.py."""

from __future__ import annotations

import secrets
import time
from typing import Any, Dict, List, Optional

from gateway import create_app
from gateway.channels.zalo import delivery, events
from gateway.services import runtime_settings
from tests.support.gateway import ALWAYS_OPEN, make_settings
from tools import fake_zalo
from tools.fake_zalo import FakeZalo

OA_SECRET = "fake-oa-secret-key-0123456789"
PUBLIC = "https://xa-quanglong.example.vn"
WEBHOOK = "/webhooks/zalo/webhook"


def zalo_settings(tmp_path, fake_server: FakeZalo, bot=None):
    """Settings with Zalo on, pointed at the fake server (and at the real Rasa when given)."""
    if bot is not None:
        settings = make_settings(
            tmp_path, bot.rasa_url, bot.token, bot.action_url, f"sqlite:///{bot.workdir / 'tracker.db'}"
        )
    else:
        settings = make_settings(tmp_path)
    settings.zalo_app_id = fake_server.app_id
    settings.zalo_oa_secret_key = OA_SECRET
    settings.zalo_app_secret = fake_server.app_secret
    settings.zalo_access_token = "initial-access-token"
    settings.zalo_refresh_token = "initial-refresh-token"
    settings.zalo_openapi_base = settings.zalo_oauth_base = fake_server.url
    settings.public_base_url = PUBLIC
    return settings


def open_hours(app) -> None:
    """Working hours around the clock in the app's database (a handoff waits for staff)."""
    with app.extensions["vneid"].db.session() as session:
        runtime_settings.put(session, "working_hours", ALWAYS_OPEN)


def restart(app):
    """A new gateway process on the same database and settings (the old one's memory is gone)."""
    svc = app.extensions["vneid"]
    app.extensions["zalo"].stop()
    svc.db.engine.dispose()
    return create_app(svc.settings)


def new_user() -> str:
    """A Zalo user id: a string of digits longer than 2^53."""
    return "8" + "".join(secrets.choice("0123456789") for _ in range(18))


def pump(app, timeout: float = 60.0) -> None:
    """Run the worker's iteration until no event is due and nothing is pending (or sending is paused)."""
    svc, channel = app.extensions["vneid"], app.extensions["zalo"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        channel.run_once()
        waiting = [c for _, c in delivery.pending(svc) if not channel.conversation_waiting(c)]
        if not events.due(svc) and (not waiting or channel.paused()):
            return
        time.sleep(0.05)
    raise AssertionError(f"Zalo queue not drained within {timeout} s")


class Citizen:
    """One citizen on Zalo: posts signed events to the gateway and reads what the fake Zalo received."""

    def __init__(self, app, fake_server: FakeZalo, user_id: Optional[str] = None, oa_id: Optional[str] = None) -> None:
        self.app, self.fake = app, fake_server
        self.client = app.test_client()
        self.user_id = user_id or new_user()
        self.oa_id = oa_id or fake_server.oa_id  # the Official Account the citizen writes to
        self.seen = 0

    def post(
        self,
        event: Dict[str, Any],
        raw: Optional[bytes] = None,
        signature: Optional[str] = None,
        headers: Optional[dict] = None,
    ):
        """POST one event (signed over its exact bytes unless told otherwise)."""
        raw = fake_zalo.encode(event) if raw is None else raw
        if signature is None:
            signature = fake_zalo.sign(self.fake.app_id, raw, str(event["timestamp"]), OA_SECRET)
        all_headers = {"Content-Type": "application/json", "X-ZEvent-Signature": signature, **(headers or {})}
        if signature == "":
            del all_headers["X-ZEvent-Signature"]
        return self.client.post(WEBHOOK, data=raw, headers=all_headers)

    def text_event(self, text: str, msg_id: Optional[str] = None) -> Dict[str, Any]:
        return fake_zalo.user_text(self.fake.app_id, self.oa_id, self.user_id, text, msg_id)

    def follow(self) -> Dict[str, Any]:
        """The citizen follows the OA; returns the event."""
        event = fake_zalo.follow(self.fake.app_id, self.oa_id, self.user_id)
        response = self.post(event)
        assert response.status_code == 200, response.get_data(as_text=True)
        return event

    def send(self, text: str, msg_id: Optional[str] = None) -> Dict[str, Any]:
        """The citizen writes (or presses a button: the text is its payload); returns the event."""
        event = self.text_event(text, msg_id)
        response = self.post(event)
        assert response.status_code == 200, response.get_data(as_text=True)
        return event

    def received(self) -> List[Dict[str, Any]]:
        """Everything Zalo accepted for this citizen so far."""
        return [s["message"] for s in self.fake.sent_to(self.user_id)]

    def new(self) -> List[Dict[str, Any]]:
        """What arrived since the last call."""
        got = self.received()
        fresh, self.seen = got[self.seen :], len(got)
        return fresh

    def say(self, text: str) -> List[Dict[str, Any]]:
        """Write, let the worker run, return the messages that reached the citizen."""
        self.send(text)
        pump(self.app)
        return self.new()


def texts_of(messages: List[Dict[str, Any]]) -> List[str]:
    return [m.get("text", "") for m in messages if m.get("text")]


def buttons_of(message: Dict[str, Any]) -> List[Dict[str, Any]]:
    return ((message.get("attachment") or {}).get("payload") or {}).get("buttons") or []


def images_of(messages: List[Dict[str, Any]]) -> List[str]:
    out = []
    for m in messages:
        payload = (m.get("attachment") or {}).get("payload") or {}
        if payload.get("template_type") == "media":
            out += [e["url"] for e in payload["elements"]]
    return out
