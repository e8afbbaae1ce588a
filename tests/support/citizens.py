"""Citizens driving conversations through the gateway during faults, and the exactly-once audit afterwards.

A citizen sends each message of its script with its own Idempotency-Key and, like the widget, retries the same
key until it gets an answer: a 200 with replies is an acknowledgement; a 503 must be a clear retryable error (JSON
`error` + Vietnamese `message` + `Retry-After`); a refused or reset connection (the gateway itself is down) is
retryable by nature. Anything else is recorded as a failure.

The audit then checks, per message: one stored inbound message, answered, with replies; Rasa's dialogue history
(its tracker store, turns undone by `rewind` left out) holds exactly one user turn for it, answered (a second
would mean Rasa processed it twice, or kept an unanswered attempt); the answer the citizen finally got is the
stored one; and the steps of the guided flow advanced exactly once each.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import requests
from sqlalchemy import create_engine, text

from gateway.db import engine_url

STEP = re.compile(r"^Bước (\d+)/(\d+): ")
FLOW_B = ["/choose_qr"] + ["/step_done"] * 7  # steps 1..8, one per message
FLOW_A = ["/choose_password_otp"] + ["/step_done"] * 4  # steps 1..5


def steps(replies: List[dict]) -> List[Tuple[int, int]]:
    return [tuple(map(int, m.groups())) for m in (STEP.match(r.get("text") or "") for r in replies) if m]


@dataclass
class Sent:
    key: str
    text: str
    attempts: int = 0
    errors: List[str] = field(default_factory=list)  # what the citizen saw before the answer
    replies: Optional[List[dict]] = None
    acknowledged_at: Optional[float] = None


class Citizen(threading.Thread):
    """One conversation in its own thread (retries each message until answered or the deadline)."""

    def __init__(
        self,
        base_url: str,
        script: List[str],
        deadline: float,
        pause: float = 0.0,
        retry_every: float = 0.5,
        sender: Optional[str] = None,
    ) -> None:
        super().__init__(daemon=True)
        self.url = base_url.rstrip("/") + "/webhooks/rest/webhook"
        self.sender = sender or f"f-{uuid.uuid4().hex[:10]}"
        self.script = script
        self.deadline = deadline
        self.pause = pause
        self.retry_every = retry_every
        self.sent: List[Sent] = []
        self.failures: List[str] = []
        self.http = requests.Session()
        self.http.trust_env = False

    def run(self) -> None:
        for i, text_ in enumerate(self.script):
            item = Sent(key=f"{self.sender}-m{i}", text=text_)
            self.sent.append(item)
            while item.replies is None:
                if time.monotonic() > self.deadline:
                    self.failures.append(f"{item.key}: no answer before the deadline ({item.errors[-3:]})")
                    return
                item.attempts += 1
                try:
                    response = self.http.post(
                        self.url,
                        json={"sender": self.sender, "message": text_},
                        headers={"Idempotency-Key": item.key},
                        timeout=40,
                    )
                except requests.RequestException as exc:  # the gateway is down: retryable by nature
                    item.errors.append(f"connection:{type(exc).__name__}")
                    self.http = requests.Session()
                    self.http.trust_env = False
                    time.sleep(self.retry_every)
                    continue
                if response.status_code == 200:
                    body = response.json()
                    if not body:
                        self.failures.append(f"{item.key}: 200 with no reply (silent)")
                        return
                    item.replies = body
                    item.acknowledged_at = time.monotonic()
                    break
                problem = _retryable_problem(response)
                if problem:
                    self.failures.append(f"{item.key}: {problem}")
                    return
                item.errors.append(f"{response.status_code}:{response.json()['error']}")
                time.sleep(self.retry_every)
            if self.pause:
                time.sleep(self.pause)

    @property
    def acknowledged(self) -> int:
        return sum(1 for s in self.sent if s.replies is not None)


def _retryable_problem(response: requests.Response) -> Optional[str]:
    """None when the answer is a clear retryable error; else what is wrong with it."""
    if response.status_code != 503:
        return f"unexpected HTTP {response.status_code}: {response.text[:200]}"
    try:
        body = response.json()
    except ValueError:
        return "503 without a JSON body"
    if body.get("error") not in ("bot_unavailable", "busy", "unavailable") or not body.get("message"):
        return f"503 without a clear error: {body}"
    if not response.headers.get("Retry-After", "").isdigit():
        return "503 without Retry-After"
    return None


def run_citizens(citizens: List[Citizen], timeout: float) -> None:
    for c in citizens:
        c.start()
    for c in citizens:
        c.join(max(0.0, c.deadline - time.monotonic()) + 5)
    stuck = [c.sender for c in citizens if c.is_alive()]
    assert not stuck, f"citizens still running after {timeout}s: {stuck}"


# ------------------------------------------------------------------------------------------------- audit
def gateway_rows(database_url: str, sender: str) -> List[dict]:
    """The conversation's inbound messages with their replies (REST form), in id order."""
    engine = create_engine(engine_url(database_url))
    try:
        with engine.connect() as c:
            conv = c.execute(text("SELECT id FROM conversations WHERE external_id = :s"), {"s": sender}).first()
            if conv is None:
                return []
            rows = c.execute(
                text(
                    "SELECT id, idempotency_key, status, text FROM messages WHERE conversation_id = :c "
                    "AND direction = 'in' ORDER BY id"
                ),
                {"c": conv[0]},
            ).all()
            out = []
            for mid, key, status, text_ in rows:
                replies = c.execute(
                    text("SELECT text, data FROM messages WHERE reply_to_id = :m ORDER BY id"), {"m": mid}
                ).all()
                rest = []
                for t, data in replies:
                    item = {"recipient_id": sender}
                    if t:
                        item["text"] = t
                    parsed = json.loads(data) if isinstance(data, str) else data
                    if parsed:
                        item.update(parsed)
                    rest.append(item)
                out.append({"id": mid, "key": key, "status": status, "text": text_, "replies": rest})
            return out
    finally:
        engine.dispose()


def rasa_turns(tracker_db_url: str, rasa_sender: str, applied: bool = True) -> Dict[Optional[int], List[int]]:
    """gateway message id → number of bot events after each user event carrying it (one entry per user event).
    A turn undone by Rasa's `rewind` (the latest user event and what followed it) is left out, as Rasa's dialogue
    history leaves it out, unless `applied` is False: then every stored user event counts."""
    if tracker_db_url.startswith("sqlite:///"):
        db = sqlite3.connect(tracker_db_url[len("sqlite:///") :])
        rows = db.execute(
            "SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id", (rasa_sender,)
        ).fetchall()
        db.close()
    else:
        engine = create_engine(engine_url(tracker_db_url))
        with engine.connect() as c:
            rows = c.execute(
                text("SELECT type_name, data FROM events WHERE sender_id = :s ORDER BY id"), {"s": rasa_sender}
            ).all()
        engine.dispose()
    turns: Dict[Optional[int], List[int]] = {}
    order: List[Optional[int]] = []  # the gateway id of each user turn counted, latest last
    for type_name, data in rows:
        if type_name == "user":
            gid = (json.loads(data).get("metadata") or {}).get("gateway_message_id")
            turns.setdefault(gid, []).append(0)
            order.append(gid)
        elif type_name == "bot" and order:
            turns[order[-1]][-1] += 1
        elif type_name == "rewind" and applied and order:
            gid = order.pop()
            turns[gid].pop()
            if not turns[gid]:
                del turns[gid]
    return turns


def rasa_applied_events(rasa_url: str, token: str, rasa_sender: str) -> List[dict]:
    """The events of the conversation's current session that Rasa applies (what its policies see), from Rasa's
    HTTP API: reverted ones left out by Rasa itself."""
    response = requests.get(
        f"{rasa_url}/conversations/{rasa_sender}/tracker",
        timeout=30,
        params={"token": token, "include_events": "APPLIED"},
    )
    response.raise_for_status()
    return response.json()["events"]


def audit(citizen: Citizen, database_url: str, tracker_db_url: str, expected_steps: List[Tuple[int, int]]) -> List[str]:
    """Everything wrong with this conversation after recovery (empty = exactly once)."""
    problems = list(citizen.failures)
    rows = gateway_rows(database_url, citizen.sender)
    by_key = {r["key"]: r for r in rows}
    if len(rows) != len(citizen.script) or len(by_key) != len(rows):
        problems.append(f"{citizen.sender}: {len(rows)} stored inbound messages for {len(citizen.script)} sent")
    seen_steps: List[Tuple[int, int]] = []
    for item in citizen.sent:
        row = by_key.get(item.key)
        if row is None:
            problems.append(f"{item.key}: not stored")
            continue
        if row["status"] != "answered" or not row["replies"]:
            problems.append(f"{item.key}: stored as {row['status']} with {len(row['replies'])} replies")
        if item.replies is not None and item.replies != row["replies"]:
            problems.append(f"{item.key}: the citizen got {item.replies} but {row['replies']} is stored")
        seen_steps += steps(item.replies or [])
    if seen_steps != expected_steps:
        problems.append(f"{citizen.sender}: steps {seen_steps} instead of {expected_steps}")
    turns = rasa_turns(tracker_db_url, f"rest:{citizen.sender}")
    for row in rows:
        counts = turns.get(row["id"], [])
        answered = sum(1 for n in counts if n > 0)
        if answered != 1 or len(counts) != 1:
            problems.append(f"{row['key']}: Rasa holds {len(counts)} user turns for it, {answered} answered")
    if None in turns:
        problems.append(f"{citizen.sender}: {len(turns[None])} user turns in Rasa without a gateway message id")
    return problems


def send_in_order(
    base_url: str,
    sender: str,
    texts: List[str],
    keys: List[str],
    gap_s: float = 0.025,
    timeout: float = 60,
    seqs: Optional[List[int]] = None,
) -> List[Tuple[int, Any]]:
    """Send messages of one conversation from one thread, each on its own new connection, `gap_s` apart, without
    waiting for answers (so they are in flight together), numbered with `Message-Sequence` if `seqs` is given;
    then read every answer: [(status, JSON body)] in the order sent. Numbered messages refused for coming before
    their predecessor (409) are sent again in number order, each once its predecessor is answered.

    Without numbers the gateway promises the order in which the requests reached the application, which a few
    milliseconds apart is not always the order sent (services/ordering.py): only numbered messages have an order
    a test can check against.

    The connections stay keep-alive: with `Connection: close`, gunicorn 27's gthread worker closes a finished
    connection gracefully *in its main thread*, waiting up to 2 s for the client to close its side, and accepts
    nothing meanwhile; a client that keeps reading for later (as this one does) would stall it (nginx in front
    closes at once, so production is not affected)."""
    import http.client
    from urllib.parse import urlparse

    url = urlparse(base_url)
    connections = []
    for i, (text_, key) in enumerate(zip(texts, keys)):
        headers = {"Content-Type": "application/json", "Idempotency-Key": key}
        if seqs is not None:
            headers["Message-Sequence"] = str(seqs[i])
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
        conn.request(
            "POST", "/webhooks/rest/webhook", body=json.dumps({"sender": sender, "message": text_}), headers=headers
        )
        connections.append(conn)
        time.sleep(gap_s)
    out = []
    for conn in connections:
        response = conn.getresponse()
        out.append((response.status, json.loads(response.read() or b"null")))
        conn.close()
    # A numbered message that came before its predecessor was refused (409 sequence_gap, nothing stored): like any
    # numbered client, send it again, in number order, once its predecessor has been answered.
    refused = [i for i, (status, _) in enumerate(out) if status == 409 and seqs is not None]
    for i in sorted(refused, key=lambda i: seqs[i]):
        deadline = time.monotonic() + timeout
        while True:
            conn = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
            conn.request(
                "POST",
                "/webhooks/rest/webhook",
                body=json.dumps({"sender": sender, "message": texts[i]}),
                headers={
                    "Content-Type": "application/json",
                    "Idempotency-Key": keys[i],
                    "Message-Sequence": str(seqs[i]),
                },
            )
            response = conn.getresponse()
            out[i] = (response.status, json.loads(response.read() or b"null"))
            conn.close()
            if out[i][0] != 409 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
    return out


SHUFFLED = [3, 2, 5, 4, 7, 6, 8]  # the numbers of the seven "/step_done" in the order they are sent


def check_numbered_order(base_url: str, database_url: str, gap_s: float = 0.025) -> None:
    """Flow B started with message 1, then its seven "/step_done" numbered 2..8 sent *out of order* (SHUFFLED),
    `gap_s` apart, each on its own connection: each is answered as the step its number says, stored in that order."""
    sender = f"ord-{uuid.uuid4().hex[:8]}"
    first = requests.post(
        base_url.rstrip("/") + "/webhooks/rest/webhook",
        json={"sender": sender, "message": "/choose_qr"},
        headers={"Idempotency-Key": "k0", "Message-Sequence": "1"},
        timeout=30,
    )
    assert steps(first.json()) == [(1, 8)]
    answers = send_in_order(base_url, sender, ["/step_done"] * 7, [f"k{n - 1}" for n in SHUFFLED], gap_s, seqs=SHUFFLED)
    assert [status for status, _ in answers] == [200] * 7, answers
    assert [steps(body) for _, body in answers] == [[(n, 8)] for n in SHUFFLED]
    assert [r["key"] for r in gateway_rows(database_url, sender)] == [f"k{i}" for i in range(8)]
