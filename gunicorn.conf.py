"""gunicorn settings, read from the repository root by every start (Procfile, systemd units, tests/support/servers.py).

The command line still says the bind address, workers and threads; this file holds what never changes.
"""

import os

# A gthread worker touches its heartbeat file after every wake-up of its loop (several times per request). On a
# disk-backed /tmp that was 5 % of the gateway's CPU under load (py-spy, issue #8); on tmpfs it costs nothing.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
