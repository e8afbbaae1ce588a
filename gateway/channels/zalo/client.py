"""Zalo's v3 consultation-message send API, with the OA's access token (`tokens.py`).

On -216/-220 the client refreshes the token once and retries once; Zalo's other refusals are raised as the
exceptions of `errors.py`.

Nothing here logs a token, a secret or a message text.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Dict, Optional

import requests

from gateway.channels.zalo.errors import RateLimited, ReplyWindowClosed, TokenUnavailable, Transient, ZaloError
from gateway.channels.zalo.settings import HTTP_TIMEOUT, RATE_LIMITED, REPLY_WINDOW_ERRORS, SEND_PATH, TOKEN_ERRORS
from gateway.channels.zalo.tokens import ZaloTokens
from gateway.config import Settings
from gateway.db import Database

log = logging.getLogger(__name__)


class ZaloClient:
    """Sends messages with the current access token; refreshes it when Zalo says it expired."""

    def __init__(
        self, settings: Settings, db: Database, http: Optional[requests.Session] = None, oa_id: Optional[str] = None
    ) -> None:
        """Bases and credentials from the settings, the token row in `db`: the primary OA's (`oa_id` None) or
        that OA's (a commune's own OA under the same Zalo app)."""
        self.settings = settings
        self.db = db
        self._http = http
        self._sessions = threading.local()  # one HTTP session per thread (the worker sends from several)
        self.tokens = ZaloTokens(settings, db, lambda: self.http, oa_id)
        self.oa_id = self.tokens.oa_id

    @property
    def http(self) -> requests.Session:
        """This thread's HTTP session (or the one given)."""
        if self._http is not None:
            return self._http
        if getattr(self._sessions, "session", None) is None:
            self._sessions.session = requests.Session()
        return self._sessions.session

    def _post(self, token: str, body: Dict[str, Any]) -> Dict[str, Any]:
        try:
            response = self.http.post(
                self.settings.zalo_openapi_base + SEND_PATH,
                json=body,
                timeout=HTTP_TIMEOUT,
                headers={"access_token": token},
            )
        except requests.RequestException as exc:
            raise Transient(None, type(exc).__name__) from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise Transient(None, f"HTTP {response.status_code}")
        try:
            answer = response.json()
        except ValueError as exc:
            raise Transient(None, f"HTTP {response.status_code}, not JSON") from exc
        if not isinstance(answer, dict) or not isinstance(answer.get("error"), int):
            raise Transient(None, f"HTTP {response.status_code}, unexpected answer")
        return answer

    def send(self, user_id: str, message: Dict[str, Any]) -> Dict[str, Any]:
        """Send one message (`{"text"}` and/or `{"attachment"}`) to a citizen; returns Zalo's `data`."""
        body = {"recipient": {"user_id": user_id}, "message": message}
        token, version = self.tokens.access_token()
        answer = self._post(token, body)
        if answer["error"] in TOKEN_ERRORS:
            log.info("zalo access token rejected (%d): refreshing once", answer["error"])
            token, version = self.tokens.refresh(version)
            answer = self._post(token, body)
        code = answer["error"]
        if code == 0:
            return answer.get("data") or {}
        detail = str(answer.get("message") or "")[:120]
        if code in REPLY_WINDOW_ERRORS:
            raise ReplyWindowClosed(code, detail)
        if code in RATE_LIMITED:
            raise RateLimited(code, detail)
        if code in TOKEN_ERRORS:
            raise TokenUnavailable(code, detail)
        raise ZaloError(code, detail)
