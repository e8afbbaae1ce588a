"""Per-conversation ordering: one message of a conversation is processed at a time, in arrival order.

Rasa's SQL tracker store must never see two writers on one conversation (RASA-NOTES.md), and the gateway's own
rows (idempotency, handoff state, the call-back dialogue) assume one message at a time, so the gateway
serialises each conversation:
- in one process, a first-come-first-served queue per conversation (`ConversationLocks`);
- with several workers (REDIS_URL set), also a first-come-first-served queue per conversation in Redis
  (`RedisConversationLocks`), so two workers never process the same conversation at once and messages are
  taken in the order they arrived, whichever worker got them.
Arrival order is the order in which requests reach the application, which is not always the order the client
sent them: two requests on their own connections a few milliseconds apart can overtake each other inside the
HTTP server (a worker paused by garbage collection accepts both at once and its threads race; with several
workers each takes one). A client that sends several messages of a conversation without waiting for answers
numbers them (`seq`: 1, 2, 3, … per conversation, a retry keeps its number): a message whose predecessor has
not taken its place yet is refused at once with `OutOfOrder` (answered 409 `sequence_gap` with Retry-After,
nothing stored), and the client sends it again, as it does any unanswered message; so the conversation is
processed in the client's order whatever happened on the way. No thread ever waits for a message that may not
come (issue 17: a dozen gapped requests used to park every worker thread for ORDER_GAP_WAIT_S each). The gap is
remembered instead: once it has been open ORDER_GAP_WAIT_S, the next try of a later number goes on without its
predecessor (it may never come).
Every wait is bounded (ORDER_WAIT_S): a message that cannot get its turn gets `Busy`, answered as a retryable
503, never a silent drop. A process killed while holding a turn (kill -9) loses it within `lease_s`: the
holder's lease is refreshed by a heartbeat thread, and a queue head whose lease expired is skipped.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict, deque
from contextlib import contextmanager
from typing import Deque, Dict, Iterator, Optional, Tuple

log = logging.getLogger(__name__)


class Busy(Exception):
    """The conversation's turn did not come within the bounded wait (retryable)."""


class OutOfOrder(Exception):
    """A numbered message came before its predecessor took its place: refused at once, nothing held (the client
    sends it again; once the gap has been open `gap_wait_s` it goes on)."""

    def __init__(self, key: str, seq: int) -> None:
        super().__init__(f"message {seq} before its predecessor")
        self.key, self.seq = key, seq


class ConversationLocks:
    """A first-come-first-served lock per conversation key, in this process; dropped when nobody uses it.
    Numbered messages (`seq`) take their place in the client's order (see the module's docstring)."""

    REMEMBERED = 50_000  # conversations whose last number is kept (least recently used forgotten first)

    def __init__(self, wait_s: float = 30.0, gap_wait_s: float = 2.0) -> None:
        self.wait_s = wait_s
        self.gap_wait_s = gap_wait_s
        self._guard = threading.Lock()
        self._queues: Dict[str, Deque[object]] = {}
        self._conditions: Dict[str, threading.Condition] = {}
        self._last_seq: "OrderedDict[str, int]" = OrderedDict()  # the highest number that took its place
        self._gaps: "OrderedDict[str, Tuple[int, float]]" = OrderedDict()  # (last number, when the gap was seen)

    @contextmanager
    def hold(self, key: str, wait_s: Optional[float] = None, seq: Optional[int] = None) -> Iterator[None]:
        """Hold the conversation's turn for the duration of the block (Busy if it does not come in time)."""
        ticket = object()
        deadline = time.monotonic() + (self.wait_s if wait_s is None else wait_s)
        with self._guard:
            if seq is not None:
                self._take_place(key, seq)
            queue = self._queues.setdefault(key, deque())
            condition = self._conditions.setdefault(key, threading.Condition(self._guard))
            queue.append(ticket)
            while queue[0] is not ticket:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    queue.remove(ticket)
                    condition.notify_all()
                    raise Busy(key)
                condition.wait(remaining)
        try:
            yield
        finally:
            with self._guard:
                queue.popleft()
                if queue:
                    condition.notify_all()
                else:
                    del self._queues[key]
                    del self._conditions[key]

    def _take_place(self, key: str, seq: int) -> None:
        """(Guard held.) Record message `seq` as taking its place, or OutOfOrder when seq - 1 has not taken its
        place yet and the gap is younger than `gap_wait_s` (never a wait)."""
        last = self._last_seq.get(key)
        if last is not None and seq > last + 1:
            now = time.monotonic()
            seen = self._gaps.get(key)
            if seen is None or seen[0] != last:  # a new gap: remember since when
                self._gaps[key] = seen = (last, now)
                if len(self._gaps) > self.REMEMBERED:
                    self._gaps.popitem(last=False)
            if now - seen[1] < self.gap_wait_s:
                raise OutOfOrder(key, seq)
            log.warning(
                "message %d of a conversation came without %d..%d for %.1f s: it goes on",
                seq,
                last + 1,
                seq - 1,
                self.gap_wait_s,
            )
        if last is None or seq > last:  # unknown, next, or past a gap; a retry / an old number: in arrival order
            self._last_seq[key] = seq
            self._gaps.pop(key, None)
        self._last_seq.move_to_end(key)
        if len(self._last_seq) > self.REMEMBERED:
            self._last_seq.popitem(last=False)

    def waiting(self, key: str) -> int:
        """Messages of the conversation holding or waiting for their turn here (for tests)."""
        with self._guard:
            return len(self._queues.get(key, ()))


# In Redis: a list per conversation (the queue, in arrival order) and a lease key per member. The head of the
# list holds the turn; a member whose lease expired (its process died) is dropped when it reaches the head.
# A numbered message (ARGV[5]) takes its place only after its predecessor did (KEYS[2]: the highest number
# that took its place): -1 means "not yet" (the caller refuses it at once), unless the gap has been open
# ARGV[6] ms (KEYS[2] .. ':gap' holds "<last number>:<first seen, ms>"; ARGV[8]: now, ms).
_ACQUIRE = """
local queue, token, prefix = KEYS[1], ARGV[1], ARGV[2]
if not redis.call('LPOS', queue, token) then
  if ARGV[5] ~= '' then
    local seq, stored = tonumber(ARGV[5]), redis.call('GET', KEYS[2])
    local last = stored and tonumber(stored)
    if last and seq > last + 1 then
      local gap_key = KEYS[2] .. ':gap'
      local gap = redis.call('GET', gap_key)
      local gap_last, seen = nil, nil
      if gap then gap_last, seen = string.match(gap, '^(%d+):(%d+)$') end
      if gap_last ~= stored then
        redis.call('SET', gap_key, stored .. ':' .. ARGV[8], 'PX', ARGV[7])
        seen = ARGV[8]
      end
      if tonumber(ARGV[8]) - tonumber(seen) < tonumber(ARGV[6]) then return -1 end
    end
    if not last or seq > last then
      redis.call('SET', KEYS[2], ARGV[5], 'PX', ARGV[7])
      redis.call('DEL', KEYS[2] .. ':gap')
    else redis.call('PEXPIRE', KEYS[2], ARGV[7]) end
  end
  redis.call('RPUSH', queue, token)
end
redis.call('SET', prefix .. token, '1', 'PX', ARGV[3])
redis.call('PEXPIRE', queue, ARGV[4])
while true do
  local head = redis.call('LINDEX', queue, 0)
  if head == token then return 1 end
  if redis.call('EXISTS', prefix .. head) == 1 then return 0 end
  redis.call('LPOP', queue)
end
"""
_RELEASE = """
redis.call('LREM', KEYS[1], 1, ARGV[1])
redis.call('DEL', ARGV[2] .. ARGV[1])
return 1
"""


class RedisConversationLocks(ConversationLocks):
    """Per-conversation turns shared by every worker through Redis (first come, first served).

    If Redis cannot be reached the message goes on with the in-process turn only (logged): Rasa's own lock store
    still serialises a conversation inside its instance, and the gateway routes a conversation to one instance.
    """

    PREFIX = "vneid:turn:"
    SEQ_TTL_MS = 24 * 3600 * 1000  # a conversation's last number is forgotten after a day without messages

    def __init__(
        self, url: str, wait_s: float = 30.0, lease_s: float = 10.0, poll_s: float = 0.005, gap_wait_s: float = 2.0
    ) -> None:
        super().__init__(wait_s, gap_wait_s)
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2, health_check_interval=30)
        self.lease_ms = int(lease_s * 1000)
        self.poll_s = poll_s
        self._acquire = self.redis.register_script(_ACQUIRE)
        self._release = self.redis.register_script(_RELEASE)
        self._mine: Dict[str, str] = {}  # token → key, every member of this process (waiting or holding)
        self._mine_lock = threading.Lock()
        self._heartbeat: Optional[threading.Thread] = None
        self._stopped = threading.Event()

    def _keys(self, key: str):
        base = self.PREFIX + key
        return base, base + ":lease:"

    def _seq_key(self, key: str) -> str:
        return self.PREFIX + key + ":seq"

    def _beat(self) -> None:
        """Refresh the leases of this process's members until stopped (a dead process stops refreshing)."""
        while not self._stopped.wait(self.lease_ms / 3000):
            with self._mine_lock:
                mine = dict(self._mine)
            if not mine:
                continue
            try:
                pipe = self.redis.pipeline(transaction=False)
                for token, key in mine.items():
                    pipe.pexpire(self._keys(key)[1] + token, self.lease_ms)
                pipe.execute()
            except Exception as exc:  # noqa: BLE001 - Redis down: the acquire path reports it
                log.warning("turn heartbeat failed: %s", type(exc).__name__)

    def _start_heartbeat(self) -> None:
        if self._heartbeat is None or not self._heartbeat.is_alive():
            self._heartbeat = threading.Thread(target=self._beat, name="turn-heartbeat", daemon=True)
            self._heartbeat.start()

    @contextmanager
    def hold(self, key: str, wait_s: Optional[float] = None, seq: Optional[int] = None) -> Iterator[None]:
        """The conversation's turn across every worker. The place in the shared queue is taken on arrival (not
        after an in-process wait, which would let a later message on another worker overtake an earlier one
        waiting here); a numbered message's, once its predecessor's is taken, whichever worker got it."""
        wait = self.wait_s if wait_s is None else wait_s
        deadline = time.monotonic() + wait
        token = uuid.uuid4().hex
        queue, prefix = self._keys(key)
        if not self._enqueue_and_wait(key, token, queue, prefix, deadline, seq):
            with super().hold(key, max(0.0, deadline - time.monotonic()), seq):  # Redis unreachable: this process only
                yield
            return
        try:
            yield
        finally:
            with self._mine_lock:
                self._mine.pop(token, None)
            try:
                self._release(keys=[queue], args=[token, prefix])
            except Exception as exc:  # noqa: BLE001 - the lease expires by itself
                log.warning("turn release failed: %s", type(exc).__name__)

    def _enqueue_and_wait(
        self, key: str, token: str, queue: str, prefix: str, deadline: float, seq: Optional[int] = None
    ) -> bool:
        """True when the shared turn is held; False when Redis is unreachable (in-process turn only)."""
        import redis

        self._start_heartbeat()
        with self._mine_lock:
            self._mine[token] = key
        pause = self.poll_s
        keys = [queue, self._seq_key(key)]
        try:
            while True:
                # takes a place at the tail if not in the queue yet (or dropped after a stall) and, if numbered,
                # its predecessor took its place (or the gap is older than gap_wait_s); refreshes the lease
                state = self._acquire(
                    keys=keys,
                    args=[
                        token,
                        prefix,
                        self.lease_ms,
                        3600 * 1000,
                        "" if seq is None else str(seq),
                        str(int(self.gap_wait_s * 1000)),
                        self.SEQ_TTL_MS,
                        str(int(time.time() * 1000)),
                    ],
                )
                if state == 1:
                    return True
                if state == -1:  # its predecessor has not taken its place: refused now, never waited for
                    with self._mine_lock:
                        self._mine.pop(token, None)
                    raise OutOfOrder(key, seq)
                if time.monotonic() >= deadline:
                    self._give_up(token, queue, prefix)
                    raise Busy(key)
                time.sleep(pause)
                pause = min(pause * 2, 0.02)
        except redis.RedisError as exc:
            with self._mine_lock:
                self._mine.pop(token, None)
            log.error("Redis unreachable for conversation turns (%s): in-process ordering only", type(exc).__name__)
            return False

    def _give_up(self, token: str, queue: str, prefix: str) -> None:
        with self._mine_lock:
            self._mine.pop(token, None)
        try:
            self._release(keys=[queue], args=[token, prefix])
        except Exception:  # noqa: BLE001 - the lease expires by itself
            pass

    def ping(self) -> bool:
        """Whether Redis answers."""
        try:
            return bool(self.redis.ping())
        except Exception:  # noqa: BLE001 - any failure means no
            return False

    def close(self) -> None:
        self._stopped.set()
        self.redis.close()


def make_locks(redis_url: str, wait_s: float, gap_wait_s: float = 2.0) -> ConversationLocks:
    """Redis-backed turns when REDIS_URL is set, in-process otherwise."""
    if redis_url:
        return RedisConversationLocks(redis_url, wait_s, gap_wait_s=gap_wait_s)
    return ConversationLocks(wait_s, gap_wait_s)
