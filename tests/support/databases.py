"""An empty gateway database of either kind, for the migration tests."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from tests.stack import Postgres, need, postgres_available


@contextmanager
def empty_database(kind: str, directory: Path) -> Iterator[str]:
    """The URL of an empty database: an SQLite file in `directory`, or a throw-away PostgreSQL cluster (Debian's
    package; CI installs it) stopped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{directory / 'gateway.db'}"
        return
    need(postgres_available(), "needs Debian's postgresql package (.ci/run installs it)")
    server = Postgres().start(databases=("gateway",))
    try:
        yield server.url("gateway")
    finally:
        server.stop()
