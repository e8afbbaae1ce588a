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


async def _serve_and_call(calls):
    """A loopback server answering JSON (echoing the query and the body), 404 elsewhere, text on /webhook/text; the
    given calls made through Rasa's EndpointConfig; returns their results and the client ports the server saw."""
    from aiohttp import web
    from rasa.utils.endpoints import ClientResponseError, EndpointConfig

    ports = []

    async def echo(request):
        ports.append(request.transport.get_extra_info("peername")[1])
        return web.json_response({"query": dict(request.query), "body": await request.json()})

    async def text(request):
        return web.Response(text="plain")

    app = web.Application()
    app.router.add_post("/webhook", echo)
    app.router.add_post("/webhook/text", text)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook", token="secret")
    results = []
    try:
        for subpath, body in calls:
            try:
                results.append(await endpoint.request(json=body, method="post", subpath=subpath))
            except ClientResponseError as error:
                results.append(("error", error.status))
    finally:
        await serve._close_kept_sessions()
        await runner.cleanup()
    return results, ports


def test_endpoint_requests_keep_their_connection_and_answers():
    import asyncio

    calls = [(None, {"n": 1}), (None, {"n": 2}), ("missing", {}), (None, {"n": 3})]
    results, ports = asyncio.run(_serve_and_call(calls))
    assert results[0] == {"query": {"token": "secret"}, "body": {"n": 1}}
    assert results[1]["body"] == {"n": 2} and results[3]["body"] == {"n": 3}
    assert results[2] == ("error", 404)
    assert len(set(ports)) == 1  # one kept-alive connection for every call


def test_endpoint_request_without_json_answer_gives_none():
    import asyncio

    results, _ = asyncio.run(_serve_and_call([("text", {})]))
    assert results == [None]
