"""A fake Zalo server for tests and benchmarks: the OpenAPI send endpoint and the OAuth token endpoint, exactly
as /work/shared/product/ZALO.md describes them, plus builders of signed webhook events.

    fake = FakeZalo().start()            # a free loopback port, in a thread
    fake.url                             # use as ZALO_OPENAPI_BASE and ZALO_OAUTH_BASE
    fake.sent                            # what was accepted: [{"user_id", "message", "message_id", "at", "oa_id"}]
    fake.add_oa(oa_id, access, refresh)  # another OA under the same app: its own token pair (sends are recorded
                                         # with the OA whose access token they used: `oa_id`)
    fake.expire_access_tokens(-216)      # every access token issued so far is now invalid (-216 or -220)
    fake.block_user(uid)                 # -230 for this citizen (outside the reply window)
    fake.rate_limit(n)                   # the next n sends answer -32
    fake.fail_next(code, ...)            # the next sends answer these codes
    fake.refresh_delay_s = 0.5           # slow OAuth answers (to race two refreshers)
    fake.stop()

Switches can be flipped from the command line too: `python -m tools.fake_zalo --port 8899` serves it and
`POST /_fake/<switch>` (expire, block/<uid>, rate_limit/<n>) flips a switch; `GET /_fake/sent` lists what was sent.
Refresh tokens are single use and rotate on every refresh, like Zalo's.
"""

from __future__ import annotations

import argparse
import json
import secrets
import socket
import threading
import time
from typing import Any, Dict, List, Optional

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

BUTTON_TYPES = ("oa.query.show", "oa.query.hide", "oa.open.url", "oa.open.phone", "oa.open.sms")


def sign(app_id: str, raw: bytes, timestamp: str, oa_secret_key: str) -> str:
    """The `X-ZEvent-Signature` value of a body: mac=sha256(app_id + body + timestamp + OA secret key)."""
    import hashlib

    return "mac=" + hashlib.sha256(app_id.encode() + raw + timestamp.encode() + oa_secret_key.encode()).hexdigest()


def encode(event: Dict[str, Any]) -> bytes:
    """A body as Zalo sends it (compact JSON, UTF-8, non-ASCII kept)."""
    return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _ts() -> str:
    return str(int(time.time() * 1000))


def user_text(
    app_id: str, oa_id: str, user_id: str, text: str, msg_id: Optional[str] = None, timestamp: Optional[str] = None
) -> Dict[str, Any]:
    """A `user_send_text` event (a button press is one too: its text is the button's payload)."""
    return {
        "app_id": app_id,
        "user_id_by_app": "9" + user_id[::-1][:17],
        "event_name": "user_send_text",
        "timestamp": timestamp or _ts(),
        "sender": {"id": user_id},
        "recipient": {"id": oa_id},
        "message": {"msg_id": msg_id or secrets.token_hex(16), "text": text},
    }


def user_image(
    app_id: str, oa_id: str, user_id: str, url: str, caption: str = "", msg_id: Optional[str] = None
) -> Dict[str, Any]:
    """A `user_send_image` event."""
    return {
        "app_id": app_id,
        "user_id_by_app": "9" + user_id[::-1][:17],
        "event_name": "user_send_image",
        "timestamp": _ts(),
        "sender": {"id": user_id},
        "recipient": {"id": oa_id},
        "message": {
            "msg_id": msg_id or secrets.token_hex(16),
            "text": caption,
            "attachments": [{"type": "image", "payload": {"url": url, "thumbnail": url + "?thumb"}}],
        },
    }


def user_sticker(app_id: str, oa_id: str, user_id: str) -> Dict[str, Any]:
    """A `user_send_sticker` event."""
    return {
        "app_id": app_id,
        "event_name": "user_send_sticker",
        "timestamp": _ts(),
        "sender": {"id": user_id},
        "recipient": {"id": oa_id},
        "message": {
            "msg_id": secrets.token_hex(16),
            "attachments": [{"type": "sticker", "payload": {"id": "abc", "url": "https://zalo.example/sticker.png"}}],
        },
    }


def follow(app_id: str, oa_id: str, user_id: str, name: str = "follow", timestamp: Optional[str] = None):
    """A `follow` (or `unfollow`) event."""
    return {
        "app_id": app_id,
        "oa_id": oa_id,
        "user_id_by_app": "9" + user_id[::-1][:17],
        "event_name": name,
        "timestamp": timestamp or _ts(),
        "source": "oa_profile",
        "follower": {"id": user_id},
    }


def oa_text(app_id: str, oa_id: str, user_id: str, text: str, msg_id: Optional[str] = None) -> Dict[str, Any]:
    """An `oa_send_text` echo (sender and recipient swapped): a message the OA sent to the citizen."""
    return {
        "app_id": app_id,
        "event_name": "oa_send_text",
        "timestamp": _ts(),
        "sender": {"id": oa_id},
        "recipient": {"id": user_id},
        "message": {"msg_id": msg_id or secrets.token_hex(16), "text": text},
    }


class FakeZalo:
    """The fake server and its switches; every attribute is safe to read from the test thread."""

    def __init__(
        self,
        app_id: str = "1234567890123456789",
        app_secret: str = "fake-app-secret",
        access_token: str = "initial-access-token",
        refresh_token: str = "initial-refresh-token",
        oa_id: str = "579745863508352884",
    ) -> None:
        """Credentials the fake accepts; the initial tokens are what ZALO_ACCESS/REFRESH_TOKEN hold."""
        self.app_id, self.app_secret, self.oa_id = app_id, app_secret, oa_id
        self.lock = threading.Lock()
        self.valid_access = {access_token}
        self.token_oa: Dict[str, str] = {access_token: oa_id}  # every access token issued → its OA
        self.refresh_token = refresh_token  # the primary OA's current refresh token
        self.other_refresh: Dict[str, str] = {}  # the other OAs' current refresh tokens, by OA id
        self.spent_refresh: List[str] = []
        self.token_error = -216
        self.expires_in = "90000"
        self.refresh_delay_s = 0.0
        self.sent: List[Dict[str, Any]] = []  # accepted messages
        self.calls: List[Dict[str, Any]] = []  # every send call: {"user_id", "error", "token"}
        self.refreshes: List[Dict[str, Any]] = []  # every OAuth call: {"ok", "error"}
        self.blocked: set = set()
        self.rate_limited = 0
        self.failures: List[int] = []
        self.send_delay_s = 0.0
        self.server = None
        self.thread = None

    # ---- switches -----------------------------------------------------------------------------------------
    def add_oa(self, oa_id: str, access_token: str, refresh_token: str) -> None:
        """Another Official Account under the same app (same app id, secrets): its own access/refresh tokens."""
        with self.lock:
            self.valid_access.add(access_token)
            self.token_oa[access_token] = oa_id
            self.other_refresh[oa_id] = refresh_token

    def sent_by(self, oa_id: str) -> List[Dict[str, Any]]:
        """The accepted messages sent with the tokens of one OA, in order."""
        with self.lock:
            return [s for s in self.sent if s.get("oa_id") == oa_id]

    def expire_access_tokens(self, code: int = -216) -> None:
        """Every access token issued so far stops working; sends answer `code` (-216 or -220)."""
        with self.lock:
            self.valid_access.clear()
            self.token_error = code

    def block_user(self, user_id: str) -> None:
        """Sends to this citizen answer -230 (no interaction within the reply window)."""
        with self.lock:
            self.blocked.add(user_id)

    def unblock_user(self, user_id: str) -> None:
        with self.lock:
            self.blocked.discard(user_id)

    def rate_limit(self, n: int) -> None:
        """The next `n` sends answer -32."""
        with self.lock:
            self.rate_limited = n

    def fail_next(self, *codes: int) -> None:
        """The next sends answer these error codes, in order."""
        with self.lock:
            self.failures.extend(codes)

    def sent_to(self, user_id: str) -> List[Dict[str, Any]]:
        """The accepted messages of one citizen, in order."""
        with self.lock:
            return [s for s in self.sent if s["user_id"] == user_id]

    # ---- the two endpoints --------------------------------------------------------------------------------
    # Plain http.server: WSGI servers drop headers with an underscore, and Zalo's are `access_token` and
    # `secret_key`; this server reads them exactly as sent.
    def handle_send(self, headers, raw: bytes):
        token = headers.get("access_token")  # a bare header, not "Authorization: Bearer"
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return {"error": -201, "message": "Body is not JSON"}
        user = ((body if isinstance(body, dict) else {}).get("recipient") or {}).get("user_id")
        if self.send_delay_s:
            time.sleep(self.send_delay_s)
        with self.lock:
            call = {"user_id": user, "token": token, "error": 0, "oa_id": self.token_oa.get(token)}
            self.calls.append(call)

            def fail(code, message):
                call["error"] = code
                return {"error": code, "message": message}

            if token not in self.valid_access:
                return fail(
                    self.token_error,
                    "Access token is invalid" if self.token_error == -216 else "Access token has expired",
                )
            if self.failures:
                code = self.failures.pop(0)
                return fail(code, f"forced error {code}")
            if self.rate_limited > 0:
                self.rate_limited -= 1
                return fail(-32, "Request exceeds limit")
            problem = validate_message(body)
            if problem:
                return fail(-201, f"Parameters are invalid: {problem}")
            if user in self.blocked:
                return fail(-230, "User has not interacted with the OA in the last 7 days")
            message_id = secrets.token_hex(16)
            self.sent.append(
                {
                    "user_id": user,
                    "message": body["message"],
                    "message_id": message_id,
                    "at": time.time(),
                    "oa_id": self.token_oa.get(token),
                }
            )
        return {"error": 0, "message": "Success", "data": {"message_id": message_id, "user_id": user}}

    def handle_token(self, headers, raw: bytes):
        form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8")).items()}
        if self.refresh_delay_s:
            time.sleep(self.refresh_delay_s)
        with self.lock:

            def fail(code, name):
                self.refreshes.append({"ok": False, "error": code})
                return {"error": code, "error_name": name, "error_reason": name, "error_description": name}

            if headers.get("secret_key") != self.app_secret:
                return fail(-14003, "Invalid secret key")
            if form.get("app_id") != self.app_id:
                return fail(-14004, "Invalid app id")
            if form.get("grant_type") != "refresh_token":
                return fail(-14005, "Invalid grant type")
            given = form.get("refresh_token")
            oa_id = (
                self.oa_id
                if given and given == self.refresh_token
                else next((oa for oa, token in self.other_refresh.items() if given and token == given), None)
            )
            if oa_id is None:
                return fail(-14014, "Invalid refresh token")
            self.spent_refresh.append(given)
            access, refresh = "at-" + secrets.token_hex(12), "rt-" + secrets.token_hex(12)
            self.valid_access.add(access)
            self.token_oa[access] = oa_id
            if oa_id == self.oa_id:
                self.refresh_token = refresh  # single use: the old one no longer works
            else:
                self.other_refresh[oa_id] = refresh
            self.refreshes.append({"ok": True, "error": 0, "oa_id": oa_id})
        return {"access_token": access, "refresh_token": refresh, "expires_in": self.expires_in}

    def handle_switch(self, path: str):
        parts = path.split("/")
        if parts[0] == "expire":
            self.expire_access_tokens(int(parts[1]) if len(parts) > 1 else -216)
        elif parts[0] == "block":
            self.block_user(parts[1])
        elif parts[0] == "rate_limit":
            self.rate_limit(int(parts[1]))
        else:
            return None
        return {"ok": True}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):  # headers and body go in two writes: without this, Nagle adds ~40 ms per answer
                super().setup()
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, *args):  # quiet
                pass

            def _answer(self, status: int, payload: Any) -> None:
                data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):  # noqa: N802 - http.server's naming
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                path = urlsplit(self.path).path
                if path == "/v3.0/oa/message/cs":
                    return self._answer(200, fake.handle_send(self.headers, raw))
                if path == "/v4/oa/access_token":
                    return self._answer(200, fake.handle_token(self.headers, raw))
                if path.startswith("/_fake/"):
                    result = fake.handle_switch(path[len("/_fake/") :])
                    return self._answer(200 if result else 404, result or {"error": "unknown switch"})
                return self._answer(404, {"error": -1, "message": "not found"})

            def do_GET(self):  # noqa: N802
                if urlsplit(self.path).path == "/_fake/sent":
                    with fake.lock:
                        return self._answer(200, fake.sent)
                return self._answer(404, {"error": -1, "message": "not found"})

        return Handler

    # ---- life ---------------------------------------------------------------------------------------------
    def start(self, port: int = 0) -> "FakeZalo":
        """Serve on 127.0.0.1 (a free port by default) in a daemon thread."""
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, name="fake-zalo", daemon=True)
        self.thread.start()
        return self

    @property
    def url(self) -> str:
        """The base URL (use it for both ZALO_OPENAPI_BASE and ZALO_OAUTH_BASE)."""
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        """Stop serving."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def validate_message(body: Any) -> Optional[str]:
    """What is wrong with a send body per the protocol, or None."""
    if not isinstance(body, dict):
        return "body"
    recipient = body.get("recipient")
    if (
        not isinstance(recipient, dict)
        or not isinstance(recipient.get("user_id"), str)
        or not recipient["user_id"].isdigit()
    ):
        return "recipient.user_id must be a string of digits"
    message = body.get("message")
    if not isinstance(message, dict) or not message:
        return "message"
    text = message.get("text")
    attachment = message.get("attachment")
    if text is not None and (not isinstance(text, str) or not text.strip() or len(text) > 2000):
        return "message.text must be 1-2000 characters"
    if attachment is None:
        return None if text else "message.text"
    if not isinstance(attachment, dict) or attachment.get("type") != "template":
        return "attachment.type"
    payload = attachment.get("payload")
    if not isinstance(payload, dict):
        return "attachment.payload"
    if payload.get("template_type") == "media":
        if text is not None:
            return "a media template carries no text"
        elements = payload.get("elements")
        if not isinstance(elements, list) or len(elements) != 1:
            return "media elements"
        element = elements[0]
        if element.get("media_type") != "image" or not str(element.get("url", "")).startswith(("http://", "https://")):
            return "media element"
        return None
    buttons = payload.get("buttons")
    if not text:
        return "buttons need message.text"
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 5:
        return "1-5 buttons"
    for button in buttons:
        if not isinstance(button, dict) or button.get("type") not in BUTTON_TYPES:
            return "button.type"
        title = button.get("title")
        if not isinstance(title, str) or not title or len(title) > 20:
            return "button.title must be 1-20 characters"
        kind, value = button["type"], button.get("payload")
        if kind.startswith("oa.query.") and (not isinstance(value, str) or not value):
            return "oa.query payload"
        if kind == "oa.open.url" and not (isinstance(value, dict) and str(value.get("url", "")).startswith("http")):
            return "oa.open.url payload"
        if kind == "oa.open.phone" and not (isinstance(value, dict) and value.get("phone_code")):
            return "oa.open.phone payload"
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8899)
    args = parser.parse_args()
    fake = FakeZalo().start(args.port)
    print(
        f"fake Zalo on {fake.url} (app id {fake.app_id}, app secret {fake.app_secret}, "
        f"access token initial-access-token, refresh token initial-refresh-token)"
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
