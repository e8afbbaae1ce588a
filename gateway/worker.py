"""Background worker (`python -m gateway.worker`): periodic jobs that must not run in a web request.

Now: offer call-backs in handoffs nobody claimed in time, purge data past the retention period once a day, and,
when Zalo is on, process the queued Zalo events and send pending Zalo messages every iteration (WORKER_INTERVAL_S,
default 1 s with Zalo, 30 s without).
"""

from __future__ import annotations

import logging
import signal
import threading
import time

from gateway import create_app
from gateway.services import handoff, retention

log = logging.getLogger("gateway.worker")

SWEEP_EVERY_S = 30.0
PURGE_EVERY_S = 24 * 3600.0
PURGE_RETRY_S = 3600.0


class DailyPurge:
    """Retention (gateway.services.retention) at the worker's start and then once a day, in a thread of its own:
    a province's purge can take minutes, and Zalo events and call-back offers must not wait for it. A failed run
    (a database down) is tried again after an hour."""

    def __init__(self, svc) -> None:
        self.svc = svc
        self.next_at = float("-inf")
        self.thread: threading.Thread | None = None

    def due(self) -> None:
        """Start a run when one is due and none is going on."""
        if (self.thread is not None and self.thread.is_alive()) or time.monotonic() < self.next_at:
            return
        self.next_at = time.monotonic() + PURGE_EVERY_S
        self.thread = threading.Thread(target=self._run, name="retention", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            retention.purge(self.svc)  # logs its counts
        except Exception:  # noqa: BLE001 - keep the worker alive; the failure is logged
            log.exception("retention purge failed; trying again in an hour")
            self.next_at = time.monotonic() + PURGE_RETRY_S


def run(interval_s: float | None = None, stop: threading.Event | None = None, app=None) -> None:
    """Loop until stopped (SIGTERM/SIGINT or the event)."""
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    app = app or create_app()
    svc = app.extensions["vneid"]
    zalo = app.extensions.get("zalo")
    if interval_s is None:
        interval_s = svc.settings.worker_interval_s or (1.0 if zalo is not None else 30.0)
    purge = DailyPurge(svc)
    last_sweep = float("-inf")
    log.info("worker started (every %.1f s%s)", interval_s, ", Zalo on" if zalo is not None else "")
    while not stop.is_set():
        busy = False
        if zalo is not None:
            try:
                busy = zalo.busy(zalo.run_once())  # work found: go on without waiting
            except Exception:  # noqa: BLE001 - keep the worker alive; the failure is logged
                log.exception("zalo iteration failed")
        try:
            if interval_s >= SWEEP_EVERY_S or time.monotonic() - last_sweep >= SWEEP_EVERY_S:
                last_sweep = time.monotonic()
                with svc.db.session() as session:
                    offered = handoff.sweep_timeouts(svc, session)
                if offered:
                    log.info("call-back offered in %d waiting conversations", offered)
            purge.due()
        except Exception:  # noqa: BLE001 - keep the worker alive; the failure is logged and health shows it
            log.exception("worker iteration failed")
        stop.wait(0.01 if busy else interval_s)
    if zalo is not None:
        zalo.stop()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    run()
