"""gateway.services.tracker_store on a table shaped like Rasa 3.6's `events` (SQLTrackerStore): what the gateway
reads after each turn (slots, and whether Rasa stored our message) and on a retry (the replies)."""

from __future__ import annotations

import json
import sqlite3

import pytest

from gateway.services.tracker_store import TrackerStore

SCHEMA = """CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, sender_id VARCHAR(255) NOT NULL,
type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"""


@pytest.fixture
def events(tmp_path):
    path = tmp_path / "tracker.db"
    connection = sqlite3.connect(path)
    connection.execute(SCHEMA)

    def add(sender: str, *items: dict) -> None:
        for item in items:
            # Rasa writes json.dumps(event.as_dict()); a user event carries the whole parse (about 1 KB)
            connection.execute(
                "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, ?, 0, ?)",
                (sender, item["event"], json.dumps(item)),
            )
        connection.commit()

    store = TrackerStore(f"sqlite:///{path}")
    yield store, add
    store.dispose()
    connection.close()


def user(message_id: int, text: str = "xong") -> dict:
    return {
        "event": "user",
        "text": text,
        "parse_data": {"intent": {"name": "step_done"}, "entities": [], "intent_ranking": [{"name": "step_done"}] * 10},
        "metadata": {"gateway_message_id": message_id},
    }


def slot(name: str, value) -> dict:
    return {"event": "slot", "name": name, "value": value}


def bot(text: str) -> dict:
    return {"event": "bot", "text": text, "data": {"buttons": [{"title": "Xong rồi", "payload": "/step_done"}]}}


def test_after_a_turn_the_slots_of_the_session_and_whether_our_message_was_the_last_stored(events):
    store, add = events
    add(
        "rest:a",
        slot("problem", "old"),
        {"event": "session_started"},
        slot("flow", "A"),
        user(1),
        slot("step", 1),
        bot("Bước 1"),
        user(2),
        slot("step", 2),
        slot("problem", "otp_not_received"),
        bot("Bước 2"),
    )
    add("rest:b", slot("flow", "B"), user(2))  # another conversation: never mixed in
    turn = store.turn("rest:a", 2)
    assert turn.found
    assert turn.slots == {"flow": "A", "step": 2, "problem": "otp_not_received"}  # nothing from before the session
    assert not store.turn("rest:a", 1).found  # stored, but not the last message: not this turn
    assert not store.turn("rest:a", 3).found  # Rasa did not store it (its in-memory fallback)
    add("rest:a", user(3), {"event": "reset_slots"}, slot("awaiting", "outcome"))
    assert store.turn("rest:a", 3).found and store.turn("rest:a", 3).slots == {"awaiting": "outcome"}
    add("rest:a", {"event": "session_started"})
    assert not store.turn("rest:a", 3).found  # a new session: our message is not in it


def test_a_retry_rebuilds_the_replies_from_the_whole_history(events):
    store, add = events
    add("rest:a", user(1), bot("Bước 1"), {"event": "session_started"}, user(2), bot("probe-7f3a"))
    turn = store.turn("rest:a", 1, "a", whole=True)
    assert turn.found
    assert turn.replies == [
        {"recipient_id": "a", "text": "Bước 1", "buttons": [{"title": "Xong rồi", "payload": "/step_done"}]}
    ]
    assert store.has_marker("rest:a", "probe-7f3a") and not store.has_marker("rest:b", "probe-7f3a")


def listen() -> dict:
    return {"event": "action", "name": "action_listen"}


def action(name: str) -> dict:
    return {"event": "action", "name": name}


REWIND = {"event": "rewind"}


def test_a_rewound_attempt_counts_for_nothing_and_the_resent_message_is_the_one_read(events):
    store, add = events
    add(
        "rest:a",
        {"event": "session_started"},
        slot("flow", "A"),
        listen(),
        user(1),
        slot("step", 1),
        bot("Bước 1"),
        listen(),
        user(2),
        slot("problem", "otp_not_received"),
        action("action_step_done"),
        listen(),
    )  # actions were down
    failed = store.turn("rest:a", 2, "a", whole=True)
    assert failed.found and not failed.replies and failed.rewindable  # what the gateway undoes before resending
    add("rest:a", REWIND, listen(), user(2), slot("step", 2), bot("Bước 2"), listen())
    for turn in (store.turn("rest:a", 2, "a", whole=True), store.turn("rest:a", 2)):
        assert turn.found
        assert turn.slots == {"flow": "A", "step": 2}  # the slot set during the undone attempt is gone
    assert store.turn("rest:a", 2, "a", whole=True).replies == [
        {"recipient_id": "a", "text": "Bước 2", "buttons": [{"title": "Xong rồi", "payload": "/step_done"}]}
    ]


def test_a_rewind_drops_the_bot_events_and_slots_of_the_turn_it_undoes(events):
    store, add = events
    add("rest:a", slot("flow", "B"), listen(), user(1), slot("step", 1), bot("Bước 1"), listen(), REWIND)
    for turn in (store.turn("rest:a", 1, "a", whole=True), store.turn("rest:a", 1)):
        assert not turn.found and turn.slots == {"flow": "B"}  # a retry of message 1 is sent again
    # a rewind never reaches past the start of a session (as in Rasa, with no user event in the session it undoes
    # the session's events): the earlier turn is still found on a retry
    add("rest:b", listen(), user(1), bot("Bước 1"), {"event": "session_started"}, slot("flow", "A"), REWIND)
    turn = store.turn("rest:b", 1, "b", whole=True)
    assert turn.found and turn.replies and turn.slots == {}


def test_an_unanswered_attempt_is_rewindable_only_as_the_latest_turn_after_a_listen(events):
    store, add = events
    add("rest:a", listen(), user(1), action("action_step_done"), listen(), user(2), bot("Bước 1"), listen())
    assert not store.turn("rest:a", 1, whole=True).rewindable  # a rewind would undo message 2
    add("rest:b", listen(), user(1), action("action_step_done"), listen(), {"event": "session_started"}, listen())
    assert not store.turn("rest:b", 1, whole=True).rewindable  # not in the session Rasa applies
    add("rest:c", user(1), action("action_step_done"))
    assert not store.turn("rest:c", 1, whole=True).rewindable  # `rewind` would also undo what came before it
    add("rest:d", listen(), user(1), action("action_step_done"), listen())
    assert store.turn("rest:d", 1, whole=True).rewindable


def test_a_store_rasa_creates_after_the_gateway_started_is_found_at_once(tmp_path):
    """`make run` starts the gateway beside Rasa: the SQLite file may appear a moment after the first look."""
    from sqlalchemy import create_engine, text

    from gateway.services.tracker_store import TrackerStore

    path = tmp_path / "rasa_tracker.db"
    store = TrackerStore(f"sqlite:///{path}")
    assert store.available() is False
    assert not path.exists()  # looking never creates Rasa's file
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, data TEXT)"))
    engine.dispose()
    assert store.available() is True  # no 30 s wait for the recheck
    store.dispose()
