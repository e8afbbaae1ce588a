"""Start the real Rasa server and action server on loopback for tests and benchmarks."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import requests

ROOT = Path(__file__).resolve().parents[2]
BOT_VENV = Path(os.environ.get("BOT_VENV", ROOT / ".venv-bot"))
MODEL = Path(os.environ.get("MODEL_PATH", ROOT / "models" / "tro-ly-vneid.tar.gz"))
TOKEN = secrets.token_urlsafe(24)  # Rasa's HTTP API token for this test run (every pair shares it)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class BotServers:
    """A running Rasa server + action server pair, with their logs."""

    workdir: Path
    token: str = TOKEN
    rasa_port: int = field(default_factory=free_port)
    action_port: int = field(default_factory=free_port)
    procs: Dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def rasa_url(self) -> str:
        """Base URL of the Rasa server."""
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        """Base URL of the action server."""
        return f"http://127.0.0.1:{self.action_port}"

    def env(self) -> Dict[str, str]:
        """Environment of both processes (as bin/env.sh sets it)."""
        return {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "SANIC_HOST": "127.0.0.1",
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "ACTION_ENDPOINT_URL": f"{self.action_url}/webhook",
            "TRACKER_DB_URL": f"sqlite:///{self.workdir / 'tracker.db'}",
            "CONTENT_DIR": os.environ.get("CONTENT_DIR", str(ROOT / "content")),
            "CONTENT_OVERRIDES": str(self.workdir / "content-overrides.yml"),
        }

    def _spawn(self, name: str, args: List[str]) -> None:
        log = open(self.workdir / f"{name}.log", "wb")
        self.procs[name] = subprocess.Popen(args, cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT)

    def start_actions(self) -> None:
        """Start the action server."""
        self._spawn(
            "actions",
            [str(BOT_VENV / "bin/rasa"), "run", "actions", "--actions", "bot.actions", "-p", str(self.action_port)],
        )

    def start_rasa(self, model: Optional[Path] = None) -> None:
        """Start the Rasa server with the HTTP API (token-protected) and the REST channel."""
        model = model or MODEL
        if not model.exists():
            raise FileNotFoundError(f"{model} is missing: run `make train` first")
        # through bot/serve.py: `rasa run` with the project's measured fixes (as Procfile and systemd start it)
        self._spawn(
            "rasa",
            [
                str(BOT_VENV / "bin/python"),
                "-m",
                "bot.serve",
                "run",
                "--enable-api",
                f"--auth-token={self.token}",
                "-i",
                "127.0.0.1",
                "-p",
                str(self.rasa_port),
                "--endpoints",
                "bot/endpoints.yml",
                "--credentials",
                "bot/credentials.yml",
                "-m",
                str(model),
            ],
        )

    def wait_ready(self, timeout: float = 240) -> float:
        """Block until both answer (Rasa with a model loaded); returns the seconds waited."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode}:\n{self.log(name)[-3000:]}")
            try:
                actions_ok = requests.get(f"{self.action_url}/health", timeout=2).ok
                status = requests.get(f"{self.rasa_url}/status", params={"token": self.token}, timeout=2)
                if actions_ok and status.ok and status.json().get("model_id"):
                    return time.monotonic() - start
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"servers not ready after {timeout}s:\n{self.log('rasa')[-3000:]}")

    def log(self, name: str) -> str:
        """The captured output of a process."""
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def say(self, sender: str, message: str) -> List[dict]:
        """Send one message through Rasa's REST channel; returns the bot's replies."""
        response = requests.post(
            f"{self.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": message}, timeout=30
        )
        response.raise_for_status()
        return response.json()

    def tracker(self, sender: str) -> dict:
        """The conversation's tracker from the HTTP API."""
        response = requests.get(
            f"{self.rasa_url}/conversations/{sender}/tracker", params={"token": self.token}, timeout=10
        )
        response.raise_for_status()
        return response.json()

    def stop(self) -> None:
        """Stop both processes."""
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
