"""The Zalo channel object kept in `app.extensions["zalo"]`: the client, the back-off state, and `run_once`,
which the worker calls every iteration (about once a second): process queued events, then send what is pending.

Only the process holding the `worker` lease does this, so events and sends keep their order even when several
worker processes run. The others stand by and take over when the lease expires (30 s), or at once when the
holder was a process of this host that is gone (a restarted worker does not wait).

Several Official Accounts under one Zalo app (the province's and communes' own): a conversation's replies go out
with the token of the OA it came through (`client_for(conversation.channel_account)`); an OA without its own token
row (`flask zalo-connect`) is the primary OA. A pause (-32, no usable token) holds one OA's sending, not the
others'.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Dict, Optional

from sqlalchemy import select

from gateway.channels.zalo import delivery, events, leases
from gateway.channels.zalo.client import ZaloClient
from gateway.zalo_models import ZaloToken
from gateway.services.container import Services

log = logging.getLogger(__name__)

WORKER_LEASE_S = 30.0
CLEANUP_EVERY_S = 24 * 3600.0
NOT_OWN_TTL_S = 10.0  # an OA found without its own tokens is looked up again after this (zalo-connect elsewhere)
ANY = object()  # `paused(ANY)`: whether any OA's sending is paused


_LIVE_OWNERS: set = set()  # channels of this process that may hold the lease


def _dead_here(owner: str) -> bool:
    """Whether a lease owner (`host:pid:nonce`) was a process of this host that no longer runs."""
    mine = socket.gethostname()[:24]
    try:
        host, pid, _ = owner.rsplit(":", 2)
        pid_number = int(pid)
    except ValueError:
        return False
    if host != mine:
        return False
    if pid_number == os.getpid():
        # our pid: a channel of this process, or an earlier life of this pid (e.g. pid 1 in a container)
        return owner not in _LIVE_OWNERS
    try:
        os.kill(pid_number, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


class ZaloChannel:
    """State of the channel in one process."""

    def __init__(self, svc: Services, threads: int = 4) -> None:
        """Build the client on the app's settings and database; `threads` citizens are served side by side."""
        self.svc = svc
        self.threads = max(1, threads)
        self._pool: Optional[ThreadPoolExecutor] = None
        self._pool_guard = threading.Lock()
        self.client = ZaloClient(svc.settings, svc.db)  # the primary OA's
        self.owner = self.client.tokens.owner
        _LIVE_OWNERS.add(self.owner)
        self._clients: Dict[str, ZaloClient] = {}  # commune OAs with their own tokens, by OA id
        self._not_own: Dict[str, float] = {}  # OA ids without their own tokens, until when that is believed
        self._clients_guard = threading.Lock()
        self._paused_until: Dict[Optional[str], float] = {}  # by account (None: the primary OA)
        self._pause_step: Dict[Optional[str], int] = {}
        self._held: Dict[int, float] = {}
        self._transient: Dict[int, int] = {}
        self._last_cleanup = 0.0
        self._lease_fresh_until = 0.0

    # ---- accounts (Official Accounts under the app) -------------------------------------------------------
    def account(self, oa_id: Optional[str]) -> Optional[str]:
        """The account an OA's messages go out with: the OA itself when it has its own token row, else None (the
        primary OA's tokens)."""
        if not oa_id:
            return None
        with self._clients_guard:
            if oa_id in self._clients:
                return oa_id
            if self._not_own.get(oa_id, 0.0) > time.monotonic():
                return None
        with self.svc.db.session() as session:
            own = session.scalar(select(ZaloToken.id).where(ZaloToken.oa_id == oa_id)) is not None
        with self._clients_guard:
            if own:
                self._not_own.pop(oa_id, None)
                if oa_id not in self._clients:
                    self._clients[oa_id] = ZaloClient(self.svc.settings, self.svc.db, oa_id=oa_id)
                return oa_id
            if len(self._not_own) > 4096:
                self._not_own.clear()
            self._not_own[oa_id] = time.monotonic() + NOT_OWN_TTL_S
            return None

    def client_for(self, oa_id: Optional[str]) -> ZaloClient:
        """The client sending with the tokens of the OA a conversation came through."""
        account = self.account(oa_id)
        if account is None:
            return self.client
        with self._clients_guard:
            return self._clients[account]

    # ---- back-off -----------------------------------------------------------------------------------------
    def back_off(self, why: str, seconds: Optional[float] = None, account: Optional[str] = None) -> None:
        """Pause one OA's sending (`account`, None: the primary OA): -32 doubles the pause each time (2 s … 5 min)
        until a send succeeds."""
        if seconds is None:
            step = self._pause_step[account] = min(self._pause_step.get(account, 0) + 1, 8)
            seconds = min(300.0, 2.0**step)
        self._paused_until[account] = time.monotonic() + seconds
        log.warning("zalo sending paused for %.0f s%s: %s", seconds, f" (OA {account})" if account else "", why)

    def paused(self, account=ANY) -> bool:
        """Whether an OA's sending is paused now (without an account: any OA's)."""
        now = time.monotonic()
        if account is ANY:
            return any(now < until for until in list(self._paused_until.values()))
        return now < self._paused_until.get(account, 0.0)

    def resume_sending(self) -> None:
        """Lift every pause (tests, or an operator after fixing the tokens)."""
        self._paused_until.clear()

    def transient_failure(self, message_id: int) -> int:
        """Count a network failure of a message; returns the count."""
        self._transient[message_id] = self._transient.get(message_id, 0) + 1
        return self._transient[message_id]

    def transient_success(self, message_id: int, account: Optional[str] = None) -> None:
        """A message went: forget its failures and its OA's rate-limit back-off."""
        self._transient.pop(message_id, None)
        self._pause_step.pop(account, None)

    def hold_conversation(self, conv_id: int) -> None:
        """Wait before the next try of this conversation (its order is kept: later messages wait too)."""
        tries = max(1, max(list(self._transient.values()), default=1))
        self._held[conv_id] = time.monotonic() + min(60.0, 2.0**tries)

    def conversation_waiting(self, conv_id: int) -> bool:
        """Whether a conversation is in its retry wait."""
        until = self._held.get(conv_id)
        if until is None:
            return False
        if time.monotonic() >= until:
            del self._held[conv_id]
            return False
        return True

    # ---- the worker's iteration ---------------------------------------------------------------------------
    def _serve(self, event_id: int, user: Optional[str]) -> None:
        """Process one event, then send that citizen's replies at once (one thread per citizen in a batch)."""
        events.process(self.svc, event_id)
        if user:
            delivery.deliver_citizen(self.svc, self, user)

    def _lease(self) -> bool:
        """Hold the worker lease; renewed in the database only when less than half of it is left."""
        if time.monotonic() < self._lease_fresh_until:
            return True
        started = time.monotonic()
        held = leases.acquire(self.svc.db, "worker", self.owner, WORKER_LEASE_S, stale=_dead_here)
        self._lease_fresh_until = started + WORKER_LEASE_S / 2 if held else 0.0
        return held

    def pool(self) -> ThreadPoolExecutor:
        """The threads that serve several citizens at once (one event or conversation per thread)."""
        with self._pool_guard:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="zalo")
            return self._pool

    def run_once(self, event_limit: int = 50, budget_s: float = 20.0) -> Dict[str, int]:
        """Process due events, then deliver pending messages (only in the process holding the lease).

        `events.due` returns at most one event per citizen, so the batch is processed side by side without
        breaking any citizen's order; each conversation's messages are sent in order by one thread.
        """
        svc = self.svc
        if not self._lease():
            return {"events": 0, "sent": 0, "standby": 1}
        due = events.due(svc, event_limit)
        if len(due) > 1 and self.threads > 1:
            futures = [self.pool().submit(self._serve, event_id, user) for event_id, user in due]
            while wait(futures, timeout=5.0)[1]:
                self._lease()  # renew while a long batch runs (a Rasa call can take seconds)
        else:
            for event_id, user in due:
                self._serve(event_id, user)
                self._lease()
        sent = delivery.deliver_due(svc, self, budget_s=budget_s, pool=self.pool() if self.threads > 1 else None)
        if time.monotonic() - self._last_cleanup > CLEANUP_EVERY_S:
            self._last_cleanup = time.monotonic()
            removed = events.cleanup(svc)
            if removed:
                log.info("zalo: %d processed events older than a week removed", removed)
        return {"events": len(due), "sent": sent, "standby": 0}

    def busy(self, result: Dict[str, int]) -> bool:
        """Whether an iteration found work (the worker then goes on at once instead of waiting)."""
        return bool(result.get("events") or result.get("sent"))

    def stop(self) -> None:
        """Give the worker lease back and stop the threads (on a clean shutdown)."""
        leases.release(self.svc.db, "worker", self.owner)
        _LIVE_OWNERS.discard(self.owner)
        self._lease_fresh_until = 0.0
        with self._pool_guard:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None
