"""Settings staff change at run time (working hours, holidays, outage notice), stored in the database."""
from __future__ import annotations

from typing import Any, Dict

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


def put(session: Session, key: str, value: Any) -> None:
    """Store a setting (the caller commits and audits)."""
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value
