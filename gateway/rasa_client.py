"""Talks to the Rasa server (REST channel, HTTP API with token) and checks the action server. Loopback only."""

from __future__ import annotations

import http.client
import json
import logging
import select
import threading
import zlib
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union
from urllib.parse import quote, urlsplit

import requests

log = logging.getLogger(__name__)


class RasaUnavailable(RuntimeError):
    """Rasa did not answer (down, timeout, or an error status)."""


def _urls(value: Union[str, Sequence[str]]) -> List[str]:
    items = value.split(",") if isinstance(value, str) else list(value)
    return [u.strip().rstrip("/") for u in items if u.strip()]


def _dropped(connection: http.client.HTTPConnection) -> bool:
    """Whether an idle kept-alive connection was closed by the server (readable while idle = EOF or junk)."""
    if connection.sock is None:
        return True
    poller = select.poll()
    poller.register(connection.sock, select.POLLIN)
    return bool(poller.poll(0))


class _KeptAlive:
    """One kept-alive HTTP connection per thread and Rasa instance, for the REST webhook (the hot path).

    A gunicorn thread handles one request at a time, so its connection is never shared; a connection the
    server closed while idle is noticed before use and replaced. Nothing is ever re-sent."""

    def __init__(self, connect_timeout: float, read_timeout: float) -> None:
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self._local = threading.local()
        self._targets: Dict[str, Tuple[str, int, str]] = {}

    def _target(self, base: str) -> Tuple[str, int, str]:
        target = self._targets.get(base)
        if target is None:
            parts = urlsplit(base)
            if parts.scheme != "http" or not parts.hostname:
                raise ValueError(f"Rasa URL must be http://host:port (loopback): {base!r}")
            target = self._targets[base] = (parts.hostname, parts.port or 80, parts.path.rstrip("/"))
        return target

    def post_json(self, base: str, path: str, body: bytes) -> Tuple[int, bytes]:
        """POST a JSON body to base + path; (status, response body). OSError/HTTPException on failure."""
        host, port, prefix = self._target(base)
        connections = self._local.__dict__.setdefault("by_base", {})
        connection = connections.pop(base, None)
        if connection is not None and _dropped(connection):
            connection.close()
            connection = None
        if connection is None:
            connection = http.client.HTTPConnection(host, port, timeout=self.connect_timeout)
            connection.connect()
            connection.sock.settimeout(self.read_timeout)
        try:
            connection.request("POST", prefix + path, body=body, headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            data = response.read()
        except BaseException:
            connection.close()
            raise
        if response.will_close:
            connection.close()
        else:
            connections[base] = connection
        return response.status, data


class RasaClient:
    """A small client for the calls the gateway needs, over one or several Rasa instances.

    With several instances (a comma-separated list), each conversation always goes to the same one, chosen by
    a stable hash of its sender id: Rasa's SQL tracker store must have a single writer per conversation.
    """

    def __init__(
        self,
        url: Union[str, Sequence[str]],
        token: str,
        action_server_url: Union[str, Sequence[str]],
        timeout: float = 20.0,
    ) -> None:
        """Base URLs (one or a list; action servers in the same order), the HTTP API token, a timeout."""
        self.urls = _urls(url)
        self.action_server_urls = _urls(action_server_url)
        if not self.urls:
            raise ValueError("no Rasa URL")
        self.token = token
        self.timeout = timeout
        self._rest = _KeptAlive(connect_timeout=3.0, read_timeout=timeout)
        self.http = requests.Session()
        self.http.trust_env = False  # loopback only: no proxy variables, no .netrc (and no per-request scan of them)

    @property
    def url(self) -> str:
        """The first instance (for calls that may go anywhere, like parse)."""
        return self.urls[0]

    def instance(self, sender: str) -> str:
        """The Rasa instance that owns this conversation."""
        return self.urls[zlib.crc32(sender.encode("utf-8")) % len(self.urls)]

    def _conversation(self, sender: str, path: str) -> str:
        # Sanic does not decode %3A in the path: keep ':' and '@' (sender ids are restricted to safe characters)
        return f"{self.instance(sender)}/conversations/{quote(sender, safe=':@')}/{path}"

    def send(self, sender: str, text: str, metadata: Optional[Dict[str, Any]] = None) -> List[Dict[str, Any]]:
        """Send a (redacted) message through the REST channel; returns the bot's replies.

        The hot path of every message: a kept-alive http.client connection per thread (about half the CPU of
        urllib3's pool, which had half that of requests) and never a retry (a resent POST could make Rasa process
        the message twice; the gateway's own retry logic decides)."""
        body = json.dumps({"sender": sender, "message": text, "metadata": metadata or {}}).encode("utf-8")
        try:
            status, data = self._rest.post_json(self.instance(sender), "/webhooks/rest/webhook", body)
            if status >= 400:
                raise RasaUnavailable(f"REST webhook failed: HTTP {status}")
            replies = json.loads(data)
        except (http.client.HTTPException, OSError, ValueError) as exc:
            raise RasaUnavailable(f"REST webhook failed: {type(exc).__name__}") from exc
        if not isinstance(replies, list):
            raise RasaUnavailable("REST webhook answered something other than a list")
        return replies

    def parse(self, text: str) -> Dict[str, Any]:
        """NLU only (no tracker change): intent, entities."""
        try:
            response = self.http.post(
                f"{self.url}/model/parse", params={"token": self.token}, json={"text": text}, timeout=self.timeout
            )
            response.raise_for_status()
            return response.json()
        except (requests.RequestException, ValueError) as exc:
            raise RasaUnavailable(f"parse failed: {type(exc).__name__}") from exc

    def _events(self, sender: str, events: List[Dict[str, Any]]) -> None:
        try:
            response = self.http.post(
                self._conversation(sender, "tracker/events"),
                params={"token": self.token},
                json=events,
                timeout=self.timeout,
            )
            response.raise_for_status()
        except requests.RequestException as exc:
            raise RasaUnavailable(f"tracker events failed: {type(exc).__name__}") from exc

    def pause(self, sender: str) -> None:
        """Pause the conversation: Rasa logs messages but predicts nothing (a person is handling it)."""
        self._events(sender, [{"event": "pause"}])

    def resume(self, sender: str) -> None:
        """Resume a paused conversation."""
        self._events(sender, [{"event": "resume"}])

    def rewind(self, sender: str) -> None:
        """Undo the conversation's latest user turn with Rasa's `rewind`: it removes everything back to and
        including the latest user message and the `action_listen` before it, which is logged again (as Rasa's
        interactive learning does), so Rasa listens as it did before that message."""
        self._events(sender, [{"event": "rewind"}, {"event": "action", "name": "action_listen"}])

    def execute(self, sender: str, action: str) -> List[Dict[str, Any]]:
        """Run one action in the conversation (e.g. action_resume) and return the messages it sent.

        Rasa does not listen after an externally executed action, and rules only match after `action_listen`,
        so the listen is added here; the citizen's next message is then understood as usual.
        """
        try:
            response = self.http.post(
                self._conversation(sender, "execute"),
                params={"token": self.token},
                json={"name": action},
                timeout=self.timeout,
            )
            response.raise_for_status()
            messages = response.json().get("messages", [])
        except (requests.RequestException, ValueError) as exc:
            raise RasaUnavailable(f"execute failed: {type(exc).__name__}") from exc
        self._events(sender, [{"event": "action", "name": "action_listen"}])
        return messages

    def tracker(self, sender: str, events: str = "NONE") -> Dict[str, Any]:
        """The conversation's tracker (slots, paused; events only if asked: ALL, APPLIED, NONE)."""
        try:
            response = self.http.get(
                self._conversation(sender, "tracker"),
                timeout=self.timeout,
                params={"token": self.token, "include_events": events},
            )
            response.raise_for_status()
            return response.json()
        except (requests.RequestException, ValueError) as exc:
            raise RasaUnavailable(f"tracker failed: {type(exc).__name__}") from exc

    def health(self, timeout: float = 3.0) -> Dict[str, bool]:
        """Whether every Rasa server (with a model loaded) and every action server answers, all asked at once
        (the answer comes within `timeout` whatever is down)."""
        from concurrent.futures import ThreadPoolExecutor

        def rasa_ok(url: str) -> bool:
            try:
                status = self.http.get(f"{url}/status", params={"token": self.token}, timeout=timeout)
                return status.ok and bool(status.json().get("model_id"))
            except (requests.RequestException, ValueError):
                return False

        def actions_ok(url: str) -> bool:
            try:
                return self.http.get(f"{url}/health", timeout=timeout).ok
            except requests.RequestException:
                return False

        with ThreadPoolExecutor(max_workers=len(self.urls) + len(self.action_server_urls)) as pool:
            rasa = [pool.submit(rasa_ok, url) for url in self.urls]
            actions = [pool.submit(actions_ok, url) for url in self.action_server_urls]
            return {
                "rasa": bool(rasa) and all(f.result() for f in rasa),
                "action_server": bool(actions) and all(f.result() for f in actions),
            }

    def append_marker(self, instance_url: str, sender: str, marker: str, timeout: float = 3.0) -> None:
        """Log a harmless bot event carrying `marker` in a conversation of one instance (tracker-store probe)."""
        try:
            response = self.http.post(
                f"{instance_url}/conversations/{quote(sender, safe=':@')}/tracker/events",
                params={"token": self.token},
                timeout=timeout,
                json=[{"event": "bot", "text": marker, "data": {}, "metadata": {}}],
            )
            response.raise_for_status()
        except requests.RequestException as exc:
            raise RasaUnavailable(f"probe failed: {type(exc).__name__}") from exc
