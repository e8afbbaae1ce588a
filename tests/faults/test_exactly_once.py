"""The narrow window of a crash: Rasa processed the message, the gateway died before storing the replies. The
retry must not make Rasa process it a second time: the replies are rebuilt from Rasa's tracker store."""

from __future__ import annotations

import uuid

import pytest
import requests

from gateway.rasa_client import RasaUnavailable
from gateway.services import inbound
from gateway.services.tracker_store import TrackerStore, rest_messages, turn_from_events
from tests.support.citizens import gateway_rows, rasa_turns, steps
from tests.support.gateway import build_app, make_settings


class Crash(Exception):
    """The process dies here."""


@pytest.fixture
def app(live, tmp_path):
    return build_app(
        make_settings(tmp_path, live.bot.rasa_url, live.bot.token, live.bot.action_url, live.bot.tracker_url)
    )


def test_crash_after_rasa_answered_is_rebuilt_not_sent_again(app, live, tmp_path):
    svc = app.extensions["vneid"]
    sender = f"x-{uuid.uuid4().hex[:8]}"
    real_send, calls, answered = svc.rasa.send, [], []

    def send_then_die(rasa_sender, text, metadata=None):
        calls.append(text)
        answered.append(real_send(rasa_sender, text, metadata))
        raise Crash()

    inbound.handle(svc, inbound.Inbound("rest", sender, "/choose_qr", "k0"))
    svc.rasa.send = send_then_die
    with pytest.raises(Crash):
        inbound.handle(svc, inbound.Inbound("rest", sender, "/step_done", "k1"))
    rows = gateway_rows(f"sqlite:///{tmp_path / 'gateway.db'}", sender)
    assert [(r["key"], r["status"]) for r in rows] == [("k0", "answered"), ("k1", "received")]

    svc.rasa.send = real_send  # "after restart"
    calls_before = len(calls)
    replies = inbound.handle(svc, inbound.Inbound("rest", sender, "/step_done", "k1"))
    assert len(calls) == calls_before  # Rasa was not asked again
    expected = [{**r, "recipient_id": sender} for r in answered[0]]
    assert replies == expected and steps(replies) == [(2, 8)]
    counts = rasa_turns(live.tracker_db_url, f"rest:{sender}")[rows[1]["id"]]
    assert len(counts) == 1 and counts[0] > 0  # one user turn in Rasa, answered
    # and the conversation goes on from there, once
    assert steps(inbound.handle(svc, inbound.Inbound("rest", sender, "/step_done", "k2"))) == [(3, 8)]


def test_crash_before_rasa_saw_it_is_sent_on_retry(app, live):
    svc = app.extensions["vneid"]
    sender = f"x-{uuid.uuid4().hex[:8]}"
    real_send = svc.rasa.send
    inbound.handle(svc, inbound.Inbound("rest", sender, "/choose_qr", "k0"))

    def die(*_args, **_kwargs):
        raise Crash()

    svc.rasa.send = die
    with pytest.raises(Crash):
        inbound.handle(svc, inbound.Inbound("rest", sender, "/step_done", "k1"))
    svc.rasa.send = real_send
    assert steps(inbound.handle(svc, inbound.Inbound("rest", sender, "/step_done", "k1"))) == [(2, 8)]
    # an answered retry returns the stored replies, Rasa untouched
    again = inbound.handle(svc, inbound.Inbound("rest", sender, "/step_done", "k1"))
    assert steps(again) == [(2, 8)]


def test_rebuilt_replies_are_what_the_rest_channel_sent(live):
    """For whole real conversations: the replies rebuilt from the tracker store equal the REST answers."""
    from tools.bench_stack import SCRIPTS

    for n, script in enumerate(SCRIPTS):
        sender = f"r-{uuid.uuid4().hex[:8]}"
        sent = []
        for i, text in enumerate(script):
            response = requests.post(
                f"{live.bot.rasa_url}/webhooks/rest/webhook",
                timeout=30,
                json={"sender": sender, "message": text, "metadata": {"gateway_message_id": 1000 * n + i}},
            )
            sent.append(response.json())
        store = TrackerStore(live.tracker_db_url)
        for i, replies in enumerate(sent):
            turn = store.turn(sender, 1000 * n + i, sender, whole=True)
            assert turn.found and turn.replies == replies, (script[i], turn.replies, replies)


def test_rest_messages_mirror_rasa_output_channel():
    event = {"event": "bot", "text": "Một\n\nHai", "data": {"buttons": None, "image": None, "custom": None}}
    assert rest_messages("c", event) == [{"recipient_id": "c", "text": "Một"}, {"recipient_id": "c", "text": "Hai"}]
    event = {
        "event": "bot",
        "text": "Chọn",
        "data": {"buttons": [{"title": "A", "payload": "/a"}], "custom": {"handoff": {"reason": "requested"}}},
    }
    assert rest_messages("c", event) == [
        {"recipient_id": "c", "text": "Chọn", "buttons": [{"title": "A", "payload": "/a"}]},
        {"recipient_id": "c", "custom": {"handoff": {"reason": "requested"}}},
    ]
    event = {"event": "bot", "text": None, "data": {"image": "/i.svg", "attachment": "/i.svg"}}
    assert rest_messages("c", event) == [{"recipient_id": "c", "image": "/i.svg"}]
    turn = turn_from_events(
        [
            {"event": "slot", "name": "step", "value": 1},
            {"event": "session_started"},
            {"event": "slot", "name": "flow", "value": "A"},
            {"event": "user", "metadata": {"gateway_message_id": 5}},
            {"event": "bot", "text": "x"},
            {"event": "user", "metadata": {}},
            {"event": "bot", "text": "y"},
        ],
        5,
    )
    assert turn.found and turn.slots == {"flow": "A"} and turn.replies == [{"recipient_id": "", "text": "x"}]


def test_an_unanswered_attempt_not_undone_is_not_sent_again(app, live, tmp_path, monkeypatch):
    """The action server was down: Rasa stored the message unanswered. On the retry the gateway undoes that attempt
    (`rewind`) before sending the message again; if Rasa cannot be asked to, nothing is sent (a retryable 503)."""
    svc = app.extensions["vneid"]
    sender = f"x-{uuid.uuid4().hex[:8]}"
    inbound.handle(svc, inbound.Inbound("rest", sender, "/choose_password_otp", "k0"))
    live.bot.kill("actions")
    try:
        with pytest.raises(inbound.BotUnavailable):  # Rasa answered []
            inbound.handle(svc, inbound.Inbound("rest", sender, "/step_done", "k1"))
    finally:
        live.bot.restart("actions")
    message_id = gateway_rows(f"sqlite:///{tmp_path / 'gateway.db'}", sender)[1]["id"]
    assert rasa_turns(live.tracker_db_url, f"rest:{sender}")[message_id] == [0]

    real_send, sent = svc.rasa.send, []

    def send(*args, **kwargs):
        sent.append(args)
        return real_send(*args, **kwargs)

    def rewind_fails(_sender):
        raise RasaUnavailable("tracker events failed: ConnectionError")

    monkeypatch.setattr(svc.rasa, "send", send)
    with monkeypatch.context() as patch:
        patch.setattr(svc.rasa, "rewind", rewind_fails)
        with pytest.raises(inbound.BotUnavailable):
            inbound.handle(svc, inbound.Inbound("rest", sender, "/step_done", "k1"))
    assert sent == []
    rows = gateway_rows(f"sqlite:///{tmp_path / 'gateway.db'}", sender)
    assert [(r["key"], r["status"]) for r in rows] == [("k0", "answered"), ("k1", "failed")]
    assert rasa_turns(live.tracker_db_url, f"rest:{sender}", applied=False)[message_id] == [0]  # untouched

    assert steps(inbound.handle(svc, inbound.Inbound("rest", sender, "/step_done", "k1"))) == [(2, 5)]
    assert len(sent) == 1
    assert rasa_turns(live.tracker_db_url, f"rest:{sender}")[message_id] == [2]
