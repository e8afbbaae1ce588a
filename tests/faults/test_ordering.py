"""Per-conversation order with several messages in flight: one at a time, first come first served, in one
process and across processes (Redis), every wait bounded, a dead holder's turn recovered."""
from __future__ import annotations

import threading
import time
import uuid

import pytest
import requests

from gateway.services.ordering import Busy, ConversationLocks, RedisConversationLocks
from tests.faults.support import check_numbered_order, gateway_rows, send_in_order, steps
from tests.stack import Redis, need, redis_available


def _contend(locks_for, n=8, hold_s=0.03, gap_s=0.025, key="c1", seqs=None):
    """n threads ask for the same conversation's turn gap_s apart (numbered `seqs[i]` if given, then n is their
    count); returns the order they got it in (thread indexes, or their numbers) and the maximum holding it at once."""
    order, holding, peak = [], [0], [0]
    guard = threading.Lock()

    def worker(i):
        with locks_for(i).hold(key, seq=seqs[i] if seqs else None):
            with guard:
                holding[0] += 1
                peak[0] = max(peak[0], holding[0])
                order.append(seqs[i] if seqs else i)
            time.sleep(hold_s)
            with guard:
                holding[0] -= 1

    threads = []
    for i in range(len(seqs) if seqs else n):
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


def test_in_process_numbered_messages_take_their_turn_in_their_order():
    locks = ConversationLocks(wait_s=10, gap_wait_s=5)
    with locks.hold("n1", seq=1):
        pass
    assert _contend(lambda i: locks, hold_s=0.01, gap_s=0.02, key="n1", seqs=[3, 2, 5, 4, 7, 6]) \
        == ([2, 3, 4, 5, 6, 7], 1)
    for seq in (4, 8, None):  # a retry (or an old number), the next one, an unnumbered one: not held back
        started = time.monotonic()
        with locks.hold("n1", seq=seq):
            assert time.monotonic() - started < 1


def test_in_process_missing_number_is_waited_for_a_bounded_time():
    locks = ConversationLocks(wait_s=10, gap_wait_s=0.3)
    with locks.hold("n2", seq=1):
        pass
    started = time.monotonic()
    with locks.hold("n2", seq=3):  # 2 never comes
        waited = time.monotonic() - started
    assert 0.25 < waited < 2, waited
    started = time.monotonic()
    with locks.hold("n2", seq=4):  # the next one goes at once
        assert time.monotonic() - started < 0.2
    with locks.hold("n-new", seq=9):  # a conversation not seen before: nothing to wait for
        pass


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


def test_redis_numbered_messages_take_their_turn_in_their_order_across_workers(redis_server):
    workers = [RedisConversationLocks(redis_server.url, wait_s=10, gap_wait_s=5) for _ in range(2)]
    try:
        key = f"n-{uuid.uuid4().hex[:6]}"
        with workers[0].hold(key, seq=1):
            pass
        assert _contend(lambda i: workers[i % 2], hold_s=0.01, gap_s=0.02, key=key, seqs=[3, 2, 5, 4, 7, 6]) \
            == ([2, 3, 4, 5, 6, 7], 1)
        started = time.monotonic()
        workers[1].gap_wait_s = 0.3
        with workers[1].hold(key, seq=9):  # 8 never comes
            waited = time.monotonic() - started
        assert 0.25 < waited < 2, waited
        assert int(workers[0].redis.get(workers[0]._seq_key(key))) == 9
        assert workers[0].redis.exists(RedisConversationLocks.PREFIX + key) == 0
    finally:
        for w in workers:
            w.close()


def test_a_dead_holders_turn_is_recovered_after_its_lease(redis_server):
    dead = RedisConversationLocks(redis_server.url, wait_s=10, lease_s=1.0)
    alive = RedisConversationLocks(redis_server.url, wait_s=10, lease_s=1.0)
    key = f"c-{uuid.uuid4().hex[:6]}"
    queue, prefix = dead._keys(key)
    assert dead._acquire(keys=[queue, dead._seq_key(key)],  # an unnumbered message takes the turn, then kill -9
                         args=["dead-token", prefix, dead.lease_ms, 60000, "", "0", dead.SEQ_TTL_MS]) == 1
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


def test_numbered_messages_in_flight_are_answered_in_their_order(live):
    """Seven numbered messages of one conversation sent 25 ms apart *out of order* (3, 2, 5, 4, …), each on its own
    connection, all in flight at once: each is answered as the step its number says, and stored in that order."""
    check_numbered_order(live.gateway.url, live.database_url)


def test_unnumbered_messages_in_flight_are_answered_one_at_a_time(live):
    """Without numbers the order is the one in which the requests reached the gateway (a few ms apart, not always
    the order sent): each message still advances the flow exactly once, one at a time, and what each client got
    is what was stored for it, in the order stored."""
    url = f"{live.gateway.url}/webhooks/rest/webhook"
    sender = f"ord-{uuid.uuid4().hex[:8]}"
    assert steps(requests.post(url, json={"sender": sender, "message": "/choose_qr"},
                               headers={"Idempotency-Key": "k0"}, timeout=30).json()) == [(1, 8)]
    keys = [f"k{i}" for i in range(1, 8)]
    answers = send_in_order(live.gateway.url, sender, ["/step_done"] * 7, keys)
    assert [status for status, _ in answers] == [200] * 7, answers
    assert sorted(steps(body)[0] for _, body in answers) == [(i, 8) for i in range(2, 9)]
    rows = gateway_rows(live.database_url, sender)
    assert [steps(r["replies"]) for r in rows] == [[(i, 8)] for i in range(1, 9)]  # stored in processing order
    got = {key: body for key, (_, body) in zip(keys, answers)}
    assert all(got[r["key"]] == r["replies"] for r in rows[1:])
