"""The analytics page's charts: a spec per chart for analytics.js (drawn with Chart.js), from the reports'
figures, and a sentence for each chart's aria-label."""

from __future__ import annotations

from typing import Any, Dict, List

from gateway.services.texts import Labels
from gateway.web.current import services

COLORS = {
    "reached": "#0b4f9c",
    "stopped": "#c2410c",
    "chat": "#0b4f9c",
    "hotline": "#2f855a",
    "handoff_rate": "#c2410c",
    "self_service_rate": "#2f855a",
    "median": "#0b4f9c",
    "p90": "#7c3aed",
    "conversations": "#0b4f9c",
    "handoffs": "#c2410c",
    "self_served": "#2f855a",
    "hotline_calls": "#7c3aed",
}


def pct(value):
    """A rate (0–1) as a percentage with one decimal (None stays None)."""
    return None if value is None else round(value * 100, 1)


def channel_label(code: str) -> str:
    """A channel's name in the staff words (`all`: every channel)."""
    texts = services().texts
    return texts.staff_label("analytics", "all_channels") if code == "all" else texts.staff("channels").get(code, code)


def charts(reports: Dict[str, Dict[str, Any]], words: Labels) -> Dict[str, Dict[str, Any]]:
    """Chart specs for analytics.js (type, labels, datasets, axis titles): plain data, drawn with Chart.js;
    `words` are the series names and axis titles (content/staff.yml `analytics_charts`)."""
    out: Dict[str, Dict[str, Any]] = {}
    for flow in reports["funnel"]["flows"]:
        out[f"funnel-{flow['flow']}"] = {
            "type": "bar",
            "labels": [words.fill("step", step=s["step"]) for s in flow["steps"]],
            "datasets": [
                {"label": words["reached"], "data": [s["reached"] for s in flow["steps"]], "color": COLORS["reached"]},
                {"label": words["stopped"], "data": [s["stopped"] for s in flow["steps"]], "color": COLORS["stopped"]},
            ],
            "y": words["funnel_axis"],
        }
    top = reports["problems"]["by_problem"][:12]
    out["problems"] = {
        "type": "bar",
        "horizontal": True,
        "stacked": True,
        "labels": [p["title"] for p in top],
        "datasets": [
            {"label": words["chat"], "data": [p["chat"] for p in top], "color": COLORS["chat"]},
            {"label": words["hotline"], "data": [p["hotline"] for p in top], "color": COLORS["hotline"]},
        ],
        "y": words["problems_axis"],
    }
    rates = reports["handoffs"]["by_channel"] + [{"channel": "all"}]
    handoff_rows = {r["channel"]: r for r in reports["handoffs"]["table"]["rows"]}
    self_rows = {r["channel"]: r for r in reports["self_service"]["table"]["rows"]}
    out["rates"] = {
        "type": "bar",
        "labels": [channel_label(r["channel"]) for r in rates],
        "percent": True,
        "datasets": [
            {
                "label": words["handoff_rate"],
                "data": [pct(handoff_rows[r["channel"]]["rate"]) for r in rates],
                "color": COLORS["handoff_rate"],
            },
            {
                "label": words["self_service_rate"],
                "data": [pct(self_rows.get(r["channel"], {}).get("rate")) for r in rates],
                "color": COLORS["self_service_rate"],
            },
        ],
        "y": "%",
    }
    reply_rows = reports["first_reply"]["table"]["rows"]
    out["first_reply"] = {
        "type": "bar",
        "labels": [channel_label(r["channel"]) for r in reply_rows],
        "datasets": [
            {"label": words["median"], "data": [r["median_minutes"] for r in reply_rows], "color": COLORS["median"]},
            {"label": words["p90"], "data": [r["p90_minutes"] for r in reply_rows], "color": COLORS["p90"]},
        ],
        "y": words["minutes_axis"],
    }
    rows = reports["outcomes"]["rows"]
    out["outcomes"] = {
        "type": "bar",
        "stacked": True,
        "horizontal": True,
        "labels": [r["label"] for r in rows],
        "datasets": [
            {"label": words["handoff"], "data": [r["handoff"] for r in rows], "color": COLORS["chat"]},
            {"label": words["hotline"], "data": [r["hotline"] for r in rows], "color": COLORS["hotline"]},
        ],
        "y": words["count_axis"],
    }
    vol = reports["volume"]["rows"]
    out["volume"] = {
        "type": "line",
        "labels": [r["period"] for r in vol],
        "datasets": [
            {
                "label": words["conversations"],
                "data": [r["conversations"] for r in vol],
                "color": COLORS["conversations"],
            },
            {"label": words["handoffs"], "data": [r["handoffs"] for r in vol], "color": COLORS["handoffs"]},
            {"label": words["self_served"], "data": [r["self_served"] for r in vol], "color": COLORS["self_served"]},
            {
                "label": words["hotline_calls"],
                "data": [r["hotline_calls"] for r in vol],
                "color": COLORS["hotline_calls"],
            },
        ],
        "y": words["count_axis"],
    }
    return out


def chart_summary(spec: Dict[str, Any]) -> str:
    """A sentence for the canvas's aria-label (the table beside it has every number)."""
    parts: List[str] = []
    for ds in spec["datasets"]:
        values = ", ".join(f"{label}: {'—' if v is None else v}" for label, v in zip(spec["labels"], ds["data"]))
        parts.append(f"{ds['label']} — {values}")
    return "; ".join(parts)[:900]
