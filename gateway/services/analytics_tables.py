"""The tables every analytics report carries (columns headed in the staff words, rows of figures) and their CSV."""

from __future__ import annotations

import csv
import io
from typing import Any, Dict, Iterable, List, Optional, Tuple

from content import Guide
from gateway.services.analytics_data import CHANNELS, CHAT_CHANNELS, Filters
from gateway.services.texts import Texts


def channels_of(filters: Filters, chat_only: bool = False) -> List[str]:
    """The channels a report shows a column or row for (the one chosen, or every one; chat channels only)."""
    pool = CHAT_CHANNELS if chat_only else CHANNELS
    return [c for c in pool if filters.channel in (None, c)]


def table(columns: Iterable[Tuple[str, str]], rows: List[Dict[str, Any]]) -> Dict[str, Any]:
    """A report's table: its columns ([key, heading]) and its rows."""
    return {"columns": [list(c) for c in columns], "rows": rows}


def headings(texts: Texts, report: str, keys: Iterable[str]) -> List[Tuple[str, str]]:
    """(column key, heading) for columns headed as in content/staff.yml `analytics_columns.<report>`."""
    labels = texts.staff(f"analytics_columns.{report}")
    return [(key, labels[key]) for key in keys]


def per_channel(texts: Texts, report: str, heading: str, prefix: str, channels: Iterable[str]) -> List[Tuple[str, str]]:
    """One column per channel: key `<prefix>_<channel>`, the heading `heading` with its {channel} filled in."""
    labels, names = texts.staff(f"analytics_columns.{report}"), texts.staff("channels")
    return [(f"{prefix}_{ch}", labels.fill(heading, channel=names[ch])) for ch in channels]


def problem_title(guide: Guide, code: Optional[str]) -> str:
    """A problem's title in the guide (its code when the guide has no such problem)."""
    if not code:
        return ""
    problem = guide.problem(code)
    return problem["title"] if problem else code


def to_csv(report: Dict[str, Any]) -> str:
    """The report's table as CSV (UTF-8 with a byte-order mark so spreadsheet programs read the accents)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    columns = report["table"]["columns"]
    writer.writerow([label for _, label in columns])
    for row in report["table"]["rows"]:
        writer.writerow(["" if row.get(key) is None else row.get(key) for key, _ in columns])
    return "\ufeff" + out.getvalue()
