"""Per-conversation order with several messages in flight: one at a time, first come first served, in one
process and across processes (Redis), every wait bounded, a dead holder's turn recovered."""
from __future__ import annotations

import threading
import time
import uuid

import pytest
import requests

from gateway.services.ordering import Busy, ConversationLocks, RedisConversationLocks
from tests.faults.support import gateway_rows, send_in_order, steps
from tests.stack import Redis, need, redis_available


def _contend(locks_for, n=8, hold_s=0.03, gap_s=0.025, key="c1"):
    """n threads ask for the same conversation's turn gap_s apart; returns the order they got it in and the
    maximum number holding it at once."""
    order, holding, peak = [], [0], [0]
    guard = threading.Lock()

    def worker(i):
        with locks_for(i).hold(key):
            with guard:
                holding[0] += 1
                peak[0] = max(peak[0], holding[0])
                order.append(i)
            time.sleep(hold_s)
            with guard:
                holding[0] -= 1

    threads = []
    for i in range(n):
        t = threading.Thread(target=worker, args=(i,))
        t.start()
        threads.append(t)
        time.sleep(gap_s)
    for t in threads:
        t.join(30)
    return order, peak[0]


def test_in_process_turns_are_first_come_first_served():
    locks = ConversationLocks(wait_s=10)
    order, peak = _contend(lambda i: locks)
    assert order == list(range(8)) and peak == 1
    assert locks.waiting("c1") == 0  # nothing kept once nobody waits


def test_in_process_wait_is_bounded():
    locks = ConversationLocks(wait_s=0.2)
    entered = threading.Event()
    release = threading.Event()

    def holder():
        with locks.hold("c"):
            entered.set()
            release.wait(5)

    t = threading.Thread(target=holder)
    t.start()
    entered.wait(5)
    started = time.monotonic()
    with pytest.raises(Busy):
        with locks.hold("c"):
            pass
    assert 0.15 < time.monotonic() - started < 2
    release.set()
    t.join(5)
    with locks.hold("c"):  # the turn is free again, and the gave-up waiter left no trace
        assert locks.waiting("c") == 1


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    need(redis_available(), "redis-server is not installed (apt-get install -y redis-server)")
    server = Redis(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


def test_redis_turns_are_shared_and_first_come_first_served(redis_server):
    workers = [RedisConversationLocks(redis_server.url, wait_s=10), RedisConversationLocks(redis_server.url, wait_s=10)]
    try:
        key = f"c-{uuid.uuid4().hex[:6]}"
        order, peak = _contend(lambda i: workers[i % 2], key=key)  # alternate between the two "workers"
        assert order == list(range(8)) and peak == 1
        assert workers[0].redis.exists(RedisConversationLocks.PREFIX + key) == 0
    finally:
        for w in workers:
            w.close()


def test_a_dead_holders_turn_is_recovered_after_its_lease(redis_server):
    dead = RedisConversationLocks(redis_server.url, wait_s=10, lease_s=1.0)
    alive = RedisConversationLocks(redis_server.url, wait_s=10, lease_s=1.0)
    key = f"c-{uuid.uuid4().hex[:6]}"
    queue, prefix = dead._keys(key)
    assert dead._acquire(keys=[queue], args=["dead-token", prefix, dead.lease_ms, 60000]) == 1  # then kill -9
    started = time.monotonic()
    with alive.hold(key):
        waited = time.monotonic() - started
    assert 0.5 < waited < 3, waited
    dead.close()
    alive.close()


def test_redis_down_falls_back_to_in_process_order(tmp_path):
    locks = RedisConversationLocks("redis://127.0.0.1:9/0", wait_s=2)  # nothing listens on port 9
    order, peak = _contend(lambda i: locks, n=4)
    assert order == [0, 1, 2, 3] and peak == 1
    locks.close()


def test_messages_in_flight_for_one_conversation_are_answered_in_arrival_order(live):
    """Seven messages of one conversation sent 25 ms apart, each on its own connection, all in flight at once:
    each is answered as the next step, in the order sent, and stored in that order."""
    url = f"{live.gateway.url}/webhooks/rest/webhook"
    sender = f"ord-{uuid.uuid4().hex[:8]}"
    first = requests.post(url, json={"sender": sender, "message": "/choose_qr"}, headers={"Idempotency-Key": "k0"},
                          timeout=30)
    assert steps(first.json()) == [(1, 8)]
    answers = send_in_order(live.gateway.url, sender, ["/step_done"] * 7, [f"k{i}" for i in range(1, 8)])
    assert [status for status, _ in answers] == [200] * 7, answers
    assert [steps(body) for _, body in answers] == [[(i + 1, 8)] for i in range(1, 8)]
    assert [r["key"] for r in gateway_rows(live.database_url, sender)] == [f"k{i}" for i in range(8)]
