"""Background worker (`python -m gateway.worker`): periodic jobs that must not run in a web request.

Now: offer call-backs in handoffs nobody claimed in time, and purge data past the retention period once a day.
"""
from __future__ import annotations

import logging
import signal
import threading
import time

from gateway import create_app
from gateway.services import handoff

log = logging.getLogger("gateway.worker")


def run(interval_s: float = 30.0, stop: threading.Event | None = None) -> None:
    """Loop until stopped (SIGTERM/SIGINT or the event)."""
    stop = stop or threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    app = create_app()
    svc = app.extensions["vneid"]
    last_purge = 0.0
    log.info("worker started (every %.0f s)", interval_s)
    while not stop.is_set():
        try:
            with svc.db.session() as session:
                offered = handoff.sweep_timeouts(svc, session)
            if offered:
                log.info("call-back offered in %d waiting conversations", offered)
            if time.monotonic() - last_purge > 24 * 3600:
                app.test_cli_runner().invoke(args=["purge"])
                last_purge = time.monotonic()
        except Exception:  # noqa: BLE001 - keep the worker alive; the failure is logged and health shows it
            log.exception("worker iteration failed")
        stop.wait(interval_s)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    run()
