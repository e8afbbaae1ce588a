"""The gateway's own log lines reach stderr with their time and level, as gunicorn runs it (no logging configured
by the host), from the first request on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import logging, sys
from gateway import create_app
create_app()
logging.getLogger("gateway.services.inbound").info("an info line of the gateway")
logging.getLogger("gateway.worker").warning("a warning line of the gateway")
logging.getLogger("somebody.else").info("not ours")
"""


def run(script: str, tmp_path: Path) -> str:
    env = {
        **{k: v for k, v in os.environ.items() if k != "SECRET_KEY"},
        "VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'gateway.db'}",
    }  # SECRET_KEY: generated in VAR_DIR
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stderr


def test_info_and_warning_lines_reach_stderr_with_level_and_time(tmp_path):
    err = run(SCRIPT, tmp_path)
    info = [line for line in err.splitlines() if "an info line of the gateway" in line]
    warning = [line for line in err.splitlines() if "a warning line of the gateway" in line]
    assert len(info) == 1 and "INFO" in info[0] and info[0].startswith("[20")
    assert len(warning) == 1 and "WARNING" in warning[0]
    assert "not ours" not in err  # other libraries' INFO lines stay at Python's default


def test_logging_configured_by_the_host_is_left_alone(tmp_path):
    script = "import logging; logging.basicConfig(format='HOST %(levelname)s %(message)s', level=logging.INFO)\n"
    err = run(script + SCRIPT, tmp_path)
    lines = [line for line in err.splitlines() if "an info line of the gateway" in line]
    assert lines == ["HOST INFO an info line of the gateway"]  # once, in the host's format
