"""Settings staff change at run time (working hours, holidays, outage notice), stored in the database."""
from __future__ import annotations

import time
from typing import Any, Dict, Tuple

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from gateway.models import Setting

DEFAULTS: Dict[str, Any] = {
    # Monday=0 … Sunday=6; periods in local time (Asia/Ho_Chi_Minh).
    "working_hours": {"days": [0, 1, 2, 3, 4], "periods": [["07:00", "11:30"], ["13:30", "17:00"]],
                      "holidays": []},
    "outage_notice": {"on": False, "text": ""},
    "wait_minutes": 5,
}


def get(session: Session, key: str) -> Any:
    """A setting's value, or its default."""
    row = session.get(Setting, key)
    return row.value if row is not None else DEFAULTS.get(key)


_recent: Dict[Tuple[Engine, str], Tuple[float, Any]] = {}


def get_recent(engine: Engine, key: str, max_age_s: float = 5.0) -> Any:
    """A setting read at most `max_age_s` ago in this process (for the per-message path: the outage notice),
    in its own short session when it is read. A change made in this process is seen at once; other workers see
    it within `max_age_s`."""
    cache_key = (engine, key)
    now = time.monotonic()
    hit = _recent.get(cache_key)
    if hit is not None and now - hit[0] < max_age_s:
        return hit[1]
    with Session(engine) as session:
        value = get(session, key)
    _recent[cache_key] = (now, value)
    return value


def put(session: Session, key: str, value: Any) -> None:
    """Store a setting (the caller commits and audits)."""
    _recent.pop((session.get_bind(), key), None)
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value
