"""kill -9 the gateway, the Rasa server and the action server, each during a run of conversations: every message
acknowledged is answered exactly once after recovery; unacknowledged ones got a clear retryable error."""

from __future__ import annotations

import time

import requests

from tests.support.citizens import FLOW_B, Citizen, audit
from tests.support.servers import wait_for

EXPECTED = [(n, 8) for n in range(1, 9)]
CITIZENS = 6


def start_run(live, deadline_s: float = 200):
    deadline = time.monotonic() + deadline_s
    citizens = [Citizen(live.gateway.url, FLOW_B, deadline, pause=0.05, retry_every=0.3) for _ in range(CITIZENS)]
    for c in citizens:
        c.start()
    wait_for(lambda: sum(c.acknowledged for c in citizens) >= 10, 90, "conversations under way")
    return citizens, deadline_s


def finish(live, citizens, timeout):
    for c in citizens:
        c.join(max(0.0, c.deadline - time.monotonic()) + 5)
    assert not [c.sender for c in citizens if c.is_alive()], f"citizens still running after {timeout}s"
    problems = [p for c in citizens for p in audit(c, live.database_url, live.tracker_db_url, EXPECTED)]
    assert problems == [], "\n".join(problems)


def health(live) -> int:
    try:
        return requests.get(f"{live.gateway.url}/healthz", timeout=12).status_code
    except requests.RequestException:
        return 0


def test_gateway_killed_mid_run_answers_every_message_exactly_once(live):
    citizens, timeout = start_run(live)
    # kill while messages are in flight: stored, sent to Rasa, not answered yet
    wait_for(lambda: live.in_flight() > 0, 20, "a message in flight", interval=0.002)
    time.sleep(0.005)
    in_flight = live.in_flight()
    live.gateway.kill()
    time.sleep(1.0)
    live.gateway.start()
    live.gateway.wait_ready(120)
    finish(live, citizens, timeout)
    seen = [e for c in citizens for s in c.sent for e in s.errors]
    assert any(e.startswith("connection") for e in seen), seen  # the unacknowledged saw the gateway gone
    print(
        f"\nkilled with {in_flight} message(s) in flight; rebuilt from Rasa's tracker store: "
        f"{live.gateway.log().count('replies rebuilt from the tracker store')}"
    )


def kill_bot_part_mid_run(live, part: str, what: str):
    """Kill the Rasa server or the action server during a run; /healthz turns 503 within 10 s and a citizen is
    told to retry; the part comes back. Returns the run (citizens still going, timeout) for `finish`."""
    citizens, timeout = start_run(live)
    killed_at = time.monotonic()
    live.bot.kill(part)
    wait_for(lambda: health(live) == 503, 10, f"/healthz 503 after {what} died", interval=0.2)
    assert time.monotonic() - killed_at < 10
    wait_for(
        lambda: any("503:bot_unavailable" in e for c in citizens for s in c.sent for e in s.errors),
        30,
        "a citizen told to retry",
    )
    live.bot.restart(part)
    return citizens, timeout


def test_rasa_killed_mid_run_gives_retryable_errors_then_exactly_once(live):
    finish(live, *kill_bot_part_mid_run(live, "rasa", "Rasa"))


def test_action_server_killed_mid_run_is_never_a_silent_empty_answer(live):
    # Rasa answers [] when a custom action fails: the gateway turns it into an honest retryable error
    # a message Rasa saw while the actions were down holds a user turn without answer: the retry undoes it
    # (`rewind`) and sends the message again, so Rasa's dialogue history holds it once
    finish(live, *kill_bot_part_mid_run(live, "actions", "the action server"))
