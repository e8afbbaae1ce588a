"""Working hours and holidays: is a person available now?"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any, Dict, Optional
from zoneinfo import ZoneInfo

from gateway.models import as_utc

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def _parse(hhmm: str) -> time:
    hours, minutes = hhmm.split(":")
    return time(int(hours), int(minutes))


def is_open(schedule: Dict[str, Any], now: Optional[datetime] = None) -> bool:
    """True when `now` (default: the current time) falls in a working period on a working, non-holiday day."""
    local = (now or datetime.now(TZ)).astimezone(TZ)
    if local.date().isoformat() in set(schedule.get("holidays", [])):
        return False
    if local.weekday() not in set(schedule.get("days", [])):
        return False
    return any(_parse(start) <= local.time() < _parse(end) for start, end in schedule.get("periods", []))


def next_open(schedule: Dict[str, Any], now: Optional[datetime] = None, days_ahead: int = 14) -> Optional[datetime]:
    """When staff are next at work (local time): the start of the next working period after `now`, skipping
    holidays and days off; None if the schedule has no period in the next `days_ahead` days."""
    local = (now or datetime.now(TZ)).astimezone(TZ)
    holidays = set(schedule.get("holidays", []))
    days = set(schedule.get("days", []))
    starts = sorted(_parse(start) for start, _end in schedule.get("periods", []))
    for offset in range(days_ahead + 1):
        day = (local + timedelta(days=offset)).date()
        if day.isoformat() in holidays or day.weekday() not in days:
            continue
        for start in starts:
            moment = datetime.combine(day, start, tzinfo=TZ)
            if moment > local:
                return moment
    return None


def validate(schedule: Dict[str, Any]) -> Dict[str, Any]:
    """A cleaned schedule, or ValueError with a reason."""
    days = sorted({int(d) for d in schedule.get("days", [])})
    if any(d < 0 or d > 6 for d in days):
        raise ValueError("days must be 0..6")
    periods = []
    for start, end in schedule.get("periods", []):
        if _parse(start) >= _parse(end):
            raise ValueError(f"period {start}-{end} ends before it starts")
        periods.append([start, end])
    holidays = sorted({datetime.strptime(h, "%Y-%m-%d").date().isoformat() for h in schedule.get("holidays", [])})
    return {"days": days, "periods": periods, "holidays": holidays}


def local_time(value: Any, fmt: str = "%d/%m/%Y %H:%M") -> str:
    """A stored UTC time (datetime or ISO text) in Vietnam's time zone, formatted ("" for none)."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return as_utc(value).astimezone(TZ).strftime(fmt)
