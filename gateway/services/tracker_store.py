"""Read Rasa's SQL tracker store (TRACKER_DB_URL, table `events`) directly, read-only except for health probes.

Why: after each message the gateway needs the conversation's slots (flow, step, problem, … for the staff cards and
the analytics), proof that Rasa really stored the turn (Rasa silently falls back to an in-memory tracker when its
SQL store fails: RASA-NOTES.md), and, when a message is retried after a crash, whether Rasa already processed it
and what it answered. Asking Rasa's HTTP API for the tracker costs the Rasa process about 6 ms of its single
event loop per call (it loads and replays every event); one indexed query here costs well under a millisecond and
leaves Rasa's CPU to the citizens. The schema read is Rasa 3.6's `SQLTrackerStore`: `events(id, sender_id,
type_name, timestamp, intent_name, action_name, data)`, `data` being the event as JSON.

When no SQL tracker store is reachable by configuration (no file, no `events` table: unit tests, a fake Rasa) the
reader says so (`available() is False`) and the caller falls back to the HTTP API; when it is configured but
fails (the database is down), it raises `TrackerStoreError`.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from gateway.db import engine_url

log = logging.getLogger(__name__)

METADATA_KEY = "gateway_message_id"  # sent with every message in the REST metadata; stored on Rasa's user event
_SESSION_STARTS = ("session_started", "restart")  # Rasa applies nothing from before them
_RESETS = _SESSION_STARTS + ("reset_slots",)
_LISTEN = "action_listen"
_RECHECK_S = 30.0


def _parse(data: Any) -> Optional[Dict[str, Any]]:
    try:
        event = json.loads(data) if isinstance(data, (str, bytes)) else data
    except ValueError:
        return None
    return event if isinstance(event, dict) else None


class TrackerStoreError(RuntimeError):
    """The tracker store is configured but cannot be read (database down, …)."""


@dataclass
class Turn:
    """What the tracker store says about one gateway message in a conversation."""

    found: bool  # Rasa stored a user event carrying this gateway message id
    slots: Dict[str, Any] = field(default_factory=dict)  # slot values at the end of the stored events
    replies: List[Dict[str, Any]] = field(default_factory=list)  # REST messages of the bot events after it
    # (whole history only) Rasa's `rewind` would undo exactly this message's turn: its user event is the last of
    # the conversation, in the current session, right after the `action_listen` that `rewind` also removes
    rewindable: bool = False


def rest_messages(recipient_id: str, event: Dict[str, Any]) -> List[Dict[str, Any]]:
    """A stored `bot` event as the REST channel sent it (rasa 3.6 `OutputChannel.send_response` +
    `CollectingOutputChannel`): text split on blank lines, buttons with their text, then custom, image,
    attachment, elements."""
    m: Dict[str, Any] = dict(event.get("data") or {})
    m["text"] = event.get("text")
    m.update(event.get("metadata") or {})
    if m.get("image") == m.get("attachment"):
        m["attachment"] = None

    def message(**parts: Any) -> Dict[str, Any]:
        return {"recipient_id": recipient_id, **{k: v for k, v in parts.items() if v is not None}}

    out: List[Dict[str, Any]] = []
    if m.get("quick_replies"):
        out.append(message(text=m.get("text"), buttons=m["quick_replies"]))
    elif m.get("buttons"):
        out.append(message(text=m.get("text"), buttons=m["buttons"]))
    elif m.get("text"):
        out += [message(text=part) for part in str(m["text"]).strip().split("\n\n")]
    if m.get("custom"):
        out.append(message(custom=m["custom"]))
    if m.get("image"):
        out.append(message(image=m["image"]))
    if m.get("attachment"):
        out.append(message(attachment=m["attachment"]))
    for element in m.get("elements") or []:
        out.append(
            message(
                text="{title} : {subtitle}".format(
                    title=element.get("title", ""), subtitle=element.get("subtitle", "")
                ),
                buttons=element.get("buttons", []),
            )
        )
    return out


def _unreverted(events: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The events without those a `rewind` undid, as Rasa 3.6 applies them (`UserUtteranceReverted`,
    `DialogueStateTracker.applied_events`): each `rewind` removes everything back to and including the latest
    user event, then back to and including the action before it (the `action_listen` Rasa waited with), never
    past the start of a session. Session starts and restarts stay in the list (the whole history is searched for
    a retried message); forms' loop undoing and `undo` are not reproduced (this bot has neither)."""
    kept: List[Dict[str, Any]] = []
    for event in events:
        if event.get("event") != "rewind":
            kept.append(event)
            continue
        for undo_till in ("user", "action"):
            while kept and kept[-1].get("event") not in _SESSION_STARTS:
                if kept.pop().get("event") == undo_till:
                    break
    return kept


def _message_id(event: Dict[str, Any]) -> Any:
    return (event.get("metadata") or {}).get(METADATA_KEY)


def _slots(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    """Slot values after these events (a session start, restart or slot reset empties them)."""
    slots: Dict[str, Any] = {}
    for event in events:
        kind = event.get("event")
        if kind == "slot":
            slots[event.get("name")] = event.get("value")
        elif kind in _RESETS:
            slots = {}
    return slots


def turn_from_events(events: List[Dict[str, Any]], gateway_message_id: Optional[int], recipient_id: str = "") -> Turn:
    """Slots at the end, and whether (and how) the user event with this gateway id was answered: the last one
    carrying the id that no `rewind` undid, and the bot events after it."""
    events = _unreverted(events)
    users = [i for i, event in enumerate(events) if event.get("event") == "user"]
    found = [i for i in users if gateway_message_id is not None and _message_id(events[i]) == gateway_message_id]
    if not found:
        return Turn(False, _slots(events))
    at = found[-1]
    replies: List[Dict[str, Any]] = []
    for event in events[at + 1 :]:
        if event.get("event") == "user":
            break
        if event.get("event") == "bot":
            replies += rest_messages(recipient_id, event)
    previous = events[at - 1] if at else {}
    rewindable = (
        at == users[-1]
        and not any(e.get("event") in _SESSION_STARTS for e in events[at + 1 :])
        and previous.get("event") == "action"
        and previous.get("name") == _LISTEN
    )
    return Turn(True, _slots(events), replies, rewindable)


_ALL = text("SELECT type_name, data FROM events WHERE sender_id = :s ORDER BY id")  # every kind
_CURRENT_SESSION = (
    " AND id >= COALESCE((SELECT MAX(id) FROM events WHERE sender_id = :s AND "
    "type_name = 'session_started'), 0)"
)  # what Rasa itself loads
# after a turn: the slot events, resets and rewinds of the current session, and only the last user event (each
# user event holds Rasa's whole parse, about 1 KB: a long conversation's earlier ones were most of the bytes read)
_AFTER_TURN = text(
    "SELECT type_name, data FROM events WHERE sender_id = :s"
    + _CURRENT_SESSION
    + " AND (type_name IN ("
    + ", ".join(f"'{k}'" for k in ("slot", "rewind") + _RESETS)
    + ") OR id = (SELECT MAX(id) FROM "
    "events WHERE sender_id = :s AND type_name = 'user')) ORDER BY id"
)
# the whole current session, when a rewind in it makes which events count depend on all of them
_SESSION = text("SELECT type_name, data FROM events WHERE sender_id = :s" + _CURRENT_SESSION + " ORDER BY id")


class TrackerStore:
    """Read access to Rasa's SQL tracker store."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Optional[Engine] = None
        self._available: Optional[bool] = None
        self._checked_at = 0.0
        self._lock = threading.Lock()

    def _sqlite_path(self) -> Optional[Path]:
        if self.url.startswith("sqlite:///"):
            return Path(self.url[len("sqlite:///") :].split("?", 1)[0])
        return None

    @property
    def engine(self) -> Engine:
        with self._lock:
            if self._engine is None:
                path = self._sqlite_path()
                if path is not None:  # never create Rasa's file; WAL or not is Rasa's business
                    self._engine = create_engine(
                        f"sqlite:///file:{path}?uri=true",
                        pool_pre_ping=False,
                        hide_parameters=True,
                        connect_args={"check_same_thread": False, "timeout": 10},
                    )
                else:
                    kwargs: Dict[str, Any] = {
                        "pool_pre_ping": True,
                        "pool_size": 5,
                        "max_overflow": 10,
                        "pool_timeout": 5,
                        "hide_parameters": True,
                    }
                    if self.url.startswith("postgres"):
                        kwargs["connect_args"] = {"connect_timeout": 3}
                    self._engine = create_engine(engine_url(self.url), **kwargs)
            return self._engine

    def available(self) -> bool:
        """Whether a SQL tracker store with Rasa's `events` table is configured here (cached; a missing store
        is looked for again every 30 s). Database errors count as available: reads then raise."""
        path = self._sqlite_path()
        if not self._available and path is not None and not path.exists():  # a stat: cheap enough every time
            self._available = False  # Rasa creates the file when it starts, maybe after the gateway
            return False
        now = time.monotonic()
        if self._available or (self._available is False and now - self._checked_at < _RECHECK_S):
            return bool(self._available)
        self._checked_at = now
        try:
            self._available = inspect(self.engine).has_table("events")
        except SQLAlchemyError as exc:
            log.warning("tracker store not readable (%s)", type(exc).__name__)
            self._available = not self.url.startswith("sqlite")
        if not self._available:
            log.warning("no Rasa SQL tracker store at TRACKER_DB_URL: slots are read through Rasa's HTTP API")
        return bool(self._available)

    def _read(self, query, sender: str) -> List[tuple]:
        try:
            with self.engine.connect() as connection:
                return connection.execute(query, {"s": sender}).all()
        except SQLAlchemyError as exc:
            raise TrackerStoreError(f"tracker store read failed: {type(exc).__name__}") from exc

    def _events(self, sender: str, query=_ALL) -> List[Dict[str, Any]]:
        """The conversation's events (all of them, or those `query` selects), parsed."""
        parsed = (_parse(data) for _, data in self._read(query, sender))
        return [event for event in parsed if event is not None]

    def turn(self, sender: str, gateway_message_id: Optional[int], recipient_id: str = "", whole: bool = False) -> Turn:
        """Slots of the conversation and what became of one gateway message (TrackerStoreError if unreadable).
        Events a `rewind` undid count for nothing.

        `whole=False` (right after Rasa answered, while the gateway holds the conversation's turn): our message
        must be the last user event of the current session; only the session's slot events, resets and rewinds
        and that one user event are read (the whole session if it holds a rewind).
        `whole=True` (a retry): the whole history, every kind of event (whether a turn can be rewound depends on
        the event just before it), and the replies that followed the message."""
        if whole:
            return turn_from_events(self._events(sender), gateway_message_id, recipient_id)
        rows = self._read(_AFTER_TURN, sender)
        if any(type_name == "rewind" for type_name, _ in rows):  # rare: after an action server failure
            events = _unreverted(self._events(sender, _SESSION))
            users = [event for event in events if event.get("event") == "user"]
        else:
            events, users = [], []  # users: the last user event alone
            for type_name, data in rows:
                event = _parse(data)
                if event is not None:
                    (users if type_name == "user" else events).append(event)
        found = bool(users) and _message_id(users[-1]) == gateway_message_id
        return Turn(found, _slots(events))

    def has_marker(self, sender: str, marker: str) -> bool:
        """Whether an event of this conversation contains the marker (health probe)."""
        return any(marker in str(data) for _, data in self._read(_ALL, sender))

    def delete(self, sender: str) -> None:
        """Remove one conversation's events (health probes clean up after themselves)."""
        try:
            with self.engine.begin() as connection:
                connection.execute(text("DELETE FROM events WHERE sender_id = :s"), {"s": sender})
        except SQLAlchemyError as exc:
            log.warning("probe clean-up failed: %s", type(exc).__name__)

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
