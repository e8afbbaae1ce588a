"""The Procfile `make run` starts under honcho: honcho sets PORT per process (base + 100 × its position), so a
process reading $PORT would not listen where bin/run says. Each service reads its own variable."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_no_process_binds_to_the_port_honcho_rewrites():
    lines = dict(line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip())
    assert set(lines) == {"rasa", "actions", "gateway", "worker"}
    assert all("$PORT" not in command and "${PORT" not in command for command in lines.values())
    assert '"127.0.0.1:$GATEWAY_PORT"' in lines["gateway"]
    assert 'export GATEWAY_PORT="$PORT"' in (ROOT / "bin" / "env.sh").read_text()
