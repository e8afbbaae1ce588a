"""Talks to the Rasa server (REST channel, HTTP API with token) and checks the action server. Loopback only."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional
from urllib.parse import quote

import requests

log = logging.getLogger(__name__)


class RasaUnavailable(RuntimeError):
    """Rasa did not answer (down, timeout, or an error status)."""


class RasaClient:
    """A small client for the calls the gateway needs."""

    def __init__(self, url: str, token: str, action_server_url: str, timeout: float = 20.0) -> None:
        """Base URLs, the HTTP API token and a timeout for every call."""
        self.url = url.rstrip("/")
        self.token = token
        self.action_server_url = action_server_url.rstrip("/")
        self.timeout = timeout
        self.http = requests.Session()

    def _conversation(self, sender: str, path: str) -> str:
        # Sanic does not decode %3A in the path: keep ':' and '@' (sender ids are restricted to safe characters)
        return f"{self.url}/conversations/{quote(sender, safe=':@')}/{path}"

    def send(self, sender: str, text: str, metadata: Optional[Dict[str, Any]] = None) -> List[Dict[str, Any]]:
        """Send a (redacted) message through the REST channel; returns the bot's replies."""
        try:
            response = self.http.post(f"{self.url}/webhooks/rest/webhook", timeout=self.timeout,
                                      json={"sender": sender, "message": text, "metadata": metadata or {}})
            response.raise_for_status()
            replies = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise RasaUnavailable(f"REST webhook failed: {type(exc).__name__}") from exc
        if not isinstance(replies, list):
            raise RasaUnavailable("REST webhook answered something other than a list")
        return replies

    def parse(self, text: str) -> Dict[str, Any]:
        """NLU only (no tracker change): intent, entities."""
        try:
            response = self.http.post(f"{self.url}/model/parse", params={"token": self.token},
                                      json={"text": text}, timeout=self.timeout)
            response.raise_for_status()
            return response.json()
        except (requests.RequestException, ValueError) as exc:
            raise RasaUnavailable(f"parse failed: {type(exc).__name__}") from exc

    def _events(self, sender: str, events: List[Dict[str, Any]]) -> None:
        try:
            response = self.http.post(self._conversation(sender, "tracker/events"), params={"token": self.token},
                                      json=events, timeout=self.timeout)
            response.raise_for_status()
        except requests.RequestException as exc:
            raise RasaUnavailable(f"tracker events failed: {type(exc).__name__}") from exc

    def pause(self, sender: str) -> None:
        """Pause the conversation: Rasa logs messages but predicts nothing (a person is handling it)."""
        self._events(sender, [{"event": "pause"}])

    def resume(self, sender: str) -> None:
        """Resume a paused conversation."""
        self._events(sender, [{"event": "resume"}])

    def execute(self, sender: str, action: str) -> List[Dict[str, Any]]:
        """Run one action in the conversation (e.g. action_resume) and return the messages it sent.

        Rasa does not listen after an externally executed action, and rules only match after `action_listen`,
        so the listen is added here; the citizen's next message is then understood as usual.
        """
        try:
            response = self.http.post(self._conversation(sender, "execute"), params={"token": self.token},
                                      json={"name": action}, timeout=self.timeout)
            response.raise_for_status()
            messages = response.json().get("messages", [])
        except (requests.RequestException, ValueError) as exc:
            raise RasaUnavailable(f"execute failed: {type(exc).__name__}") from exc
        self._events(sender, [{"event": "action", "name": "action_listen"}])
        return messages

    def tracker(self, sender: str, events: str = "NONE") -> Dict[str, Any]:
        """The conversation's tracker (slots, paused; events only if asked: ALL, APPLIED, NONE)."""
        try:
            response = self.http.get(self._conversation(sender, "tracker"), timeout=self.timeout,
                                     params={"token": self.token, "include_events": events})
            response.raise_for_status()
            return response.json()
        except (requests.RequestException, ValueError) as exc:
            raise RasaUnavailable(f"tracker failed: {type(exc).__name__}") from exc

    def health(self) -> Dict[str, bool]:
        """Whether the Rasa server (with a model) and the action server answer."""
        result = {"rasa": False, "action_server": False}
        try:
            status = self.http.get(f"{self.url}/status", params={"token": self.token}, timeout=3)
            result["rasa"] = status.ok and bool(status.json().get("model_id"))
        except (requests.RequestException, ValueError):
            pass
        try:
            result["action_server"] = self.http.get(f"{self.action_server_url}/health", timeout=3).ok
        except requests.RequestException:
            pass
        return result
