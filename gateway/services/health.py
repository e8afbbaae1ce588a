"""`GET /healthz`: is every part the citizen needs up, and is Rasa really storing conversations?

Checks, all at once, each bounded (HEALTH_TIMEOUT_S, 3 s by default; the whole answer comes within about twice
that, well under 10 s, whatever is down or hanging):
- database: `SELECT 1` on the gateway database;
- rasa: every Rasa instance answers `/status` with a model loaded;
- action_server: every action server answers `/health`;
- tracker_store: every Rasa instance persists to the SQL tracker store. Rasa silently falls back to an in-memory
  tracker when its SQL store fails (conversations then start empty and vanish): the probe logs a marker event in a
  probe conversation through each instance's HTTP API and reads it back from TRACKER_DB_URL, then deletes the
  probe conversation. A success is remembered 5 s (a failure never), so an outage shows within 10 s.
- redis (only when REDIS_URL is set): reported, but a Redis outage only degrades the gateway (ordering falls back
  to one worker's view, rate limits to per-worker memory), so it does not make /healthz fail.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Callable, Dict

from sqlalchemy import text as sql

from gateway.rasa_client import RasaUnavailable
from gateway.services.container import Services
from gateway.services.ordering import RedisConversationLocks
from gateway.services.tracker_store import TrackerStoreError

log = logging.getLogger(__name__)

PROBE_CACHE_S = 5.0
_probe_lock = threading.Lock()


def _database(svc: Services) -> bool:
    with svc.db.engine.connect() as connection:
        connection.execute(sql("SELECT 1"))
    return True


def probe_sender(index: int) -> str:
    """The probe conversation of this process for one Rasa instance."""
    return f"healthz:{socket.gethostname()}:{os.getpid()}:{index}"


def _tracker_store(svc: Services) -> bool:
    """Every instance's marker lands in the tracker store's database."""
    cached = svc.health_cache.get("tracker_store_ok_at")
    if cached and time.monotonic() - cached < PROBE_CACHE_S:
        return True
    store = svc.tracker_store
    if store is None or not store.available():
        log.error("health: no SQL tracker store readable at TRACKER_DB_URL")
        return False
    timeout = svc.settings.health_timeout_s
    with _probe_lock:
        for index, url in enumerate(svc.rasa.urls):
            sender, marker = probe_sender(index), f"healthz-{uuid.uuid4().hex}"
            try:
                svc.rasa.append_marker(url, sender, marker, timeout=timeout)
                stored = store.has_marker(sender, marker)
            except (RasaUnavailable, TrackerStoreError) as exc:
                log.error("health: tracker store probe of %s failed: %s", url, exc)
                return False
            finally:
                try:
                    store.delete(sender)
                except Exception:  # noqa: BLE001 - clean-up is best effort
                    pass
            if not stored:
                log.error("health: Rasa at %s does not persist to TRACKER_DB_URL (in-memory fallback?)", url)
                return False
    svc.health_cache["tracker_store_ok_at"] = time.monotonic()
    return True


def check(svc: Services) -> Dict[str, bool]:
    """Every check by name (True = fine). Redis appears only when configured."""
    timeout = svc.settings.health_timeout_s
    checks: Dict[str, Callable[[], object]] = {
        "database": lambda: _database(svc),
        "bot": lambda: svc.rasa.health(timeout),
        "tracker_store": lambda: _tracker_store(svc),
    }
    locks = svc.locks
    if isinstance(locks, RedisConversationLocks):
        checks["redis"] = locks.ping
    pool = ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="healthz")
    try:
        futures = {name: pool.submit(fn) for name, fn in checks.items()}
        deadline = time.monotonic() + 2 * timeout + 1
        out: Dict[str, bool] = {}
        for name, future in futures.items():
            try:
                value = future.result(timeout=max(0.0, deadline - time.monotonic()))
            except FutureTimeout:
                log.error("health: %s did not answer in time", name)
                value = False
            except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
                log.error("health: %s failed: %s", name, type(exc).__name__)
                value = False
            if name == "bot":
                bot = value if isinstance(value, dict) else {"rasa": False, "action_server": False}
                out["rasa"], out["action_server"] = bool(bot.get("rasa")), bool(bot.get("action_server"))
            else:
                out[name] = bool(value)
        return out
    finally:
        pool.shutdown(wait=False)


REQUIRED = ("database", "rasa", "action_server", "tracker_store")
