"""bot/serve.py: the fixes applied to Rasa 3.6 keep Rasa's behaviour (same validation errors, same event classes,
the same tracker store contents) and only remove repeated work."""

from __future__ import annotations

import sqlite3

import jsonschema
import pytest

from bot import serve


@pytest.fixture(scope="module", autouse=True)
def fixes():
    serve.apply()
    serve.apply()  # idempotent


def test_action_responses_are_validated_as_rasa_does():
    from rasa.core.actions.action import RemoteAction

    action = RemoteAction.__new__(RemoteAction)
    good = {"events": [{"event": "slot", "name": "step", "value": 2}], "responses": [{"text": "Bước 2/5"}]}
    assert action._validate_action_result(good) is True
    bad = {"events": "not a list", "responses": []}
    with pytest.raises(jsonschema.ValidationError) as ours:
        action._validate_action_result(bad)
    with pytest.raises(jsonschema.ValidationError) as theirs:
        jsonschema.validate(bad, RemoteAction.action_response_format_spec())
    assert ours.value.message.startswith(theirs.value.message)
    assert "Failed to validate Action server response from API" in ours.value.message


def test_event_classes_are_the_same():
    from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SlotSet, UserUttered

    for name, cls in [
        ("slot", SlotSet),
        ("user", UserUttered),
        ("bot", BotUttered),
        ("action", ActionExecuted),
        ("slot", SlotSet),
    ]:
        assert Event.resolve_by_type(name) is cls
    with pytest.raises(ValueError):
        Event.resolve_by_type("no_such_event")
    assert Event.resolve_by_type("no_such_event", default=SlotSet) is SlotSet
    assert Event.resolve_by_type("topic") is None


async def _round_trip(store, sender):
    from rasa.shared.core.events import SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    tracker = DialogueStateTracker.from_events(sender, [UserUttered("xin chào"), SlotSet("step", 2)])
    await store.save(tracker)
    return await store.retrieve(sender)


def test_sqlite_tracker_store_uses_wal_and_keeps_the_conversation(tmp_path):
    import asyncio

    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    path = tmp_path / "tracker.db"
    store = SQLTrackerStore(
        Domain.from_dict({"slots": {"step": {"type": "any", "mappings": [{"type": "custom"}]}}}),
        host=f"sqlite:///{path}",
    )
    again = asyncio.run(_round_trip(store, "c-1"))
    assert again.get_slot("step") == 2 and len(list(again.events)) == 2
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
