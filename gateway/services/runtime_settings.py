"""Settings staff change at run time (working hours, holidays, outage notice), stored in the database.

Each commune has its own (key `working_hours@<commune id>`); a commune that set nothing reads the province's
(the bare key, set by a province admin), then the defaults below."""

from __future__ import annotations

import time
from typing import Any, Dict, Optional, Tuple

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from gateway.models import Setting

DEFAULTS: Dict[str, Any] = {
    # Monday=0 … Sunday=6; periods in local time (Asia/Ho_Chi_Minh).
    "working_hours": {"days": [0, 1, 2, 3, 4], "periods": [["07:00", "11:30"], ["13:30", "17:00"]], "holidays": []},
    "outage_notice": {"on": False, "text": ""},
    "wait_minutes": 5,
}


def scoped(key: str, commune_id: Optional[int]) -> str:
    """The stored key of a commune's setting (the province's: the bare key)."""
    return key if commune_id is None else f"{key}@{commune_id}"


def get(session: Session, key: str, commune_id: Optional[int] = None) -> Any:
    """A commune's setting, else the province's, else its default."""
    if commune_id is not None:
        row = session.get(Setting, scoped(key, commune_id))
        if row is not None:
            return row.value
    row = session.get(Setting, key)
    return row.value if row is not None else DEFAULTS.get(key)


_recent: Dict[Tuple[Engine, str, Optional[int]], Tuple[float, Any]] = {}


def get_recent(engine: Engine, key: str, commune_id: Optional[int] = None, max_age_s: float = 5.0) -> Any:
    """A setting read at most `max_age_s` ago in this process (for the per-message path: the outage notice),
    in its own short session when it is read. A change made in this process is seen at once; other workers see
    it within `max_age_s`."""
    cache_key = (engine, key, commune_id)
    now = time.monotonic()
    hit = _recent.get(cache_key)
    if hit is not None and now - hit[0] < max_age_s:
        return hit[1]
    with Session(engine) as session:
        value = get(session, key, commune_id)
    _recent[cache_key] = (now, value)
    return value


def put(session: Session, key: str, value: Any, commune_id: Optional[int] = None) -> None:
    """Store a commune's setting (None: the province's); the caller commits and audits."""
    bind = session.get_bind()
    for cached in [k for k in _recent if k[0] is bind and k[1] == key]:  # the province's changes every commune's
        _recent.pop(cached, None)
    key = scoped(key, commune_id)
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value
