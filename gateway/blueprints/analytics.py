"""Where citizens get stuck (admins only): the analytics page, and each report as JSON and CSV.

GET /console/analytics/?from=YYYY-MM-DD&to=YYYY-MM-DD&channel=widget|zalo|rest|hotline&period=day|week
GET /api/staff/analytics                       the list of reports
GET /api/staff/analytics/<report>.json         one report (same filters); reports: summary, funnel, problems,
                                               handoffs, self_service, first_reply, outcomes, volume
GET /api/staff/analytics/<report>.csv          its table as CSV (UTF-8 with BOM)
The figures are computed by gateway.services.analytics (definitions there and in the README).
"""
from __future__ import annotations

from typing import Any, Dict, List

from flask import Blueprint, Response, flash, jsonify, render_template, request, url_for

from gateway.blueprints.auth import admin_required
from gateway.blueprints.common import error, services
from gateway.services import analytics as an

bp = Blueprint("analytics", __name__)

COLORS = {"reached": "#0b4f9c", "stopped": "#c2410c", "chat": "#0b4f9c", "hotline": "#2f855a",
          "handoff_rate": "#c2410c", "self_service_rate": "#2f855a", "median": "#0b4f9c", "p90": "#7c3aed",
          "conversations": "#0b4f9c", "handoffs": "#c2410c", "self_served": "#2f855a", "hotline_calls": "#7c3aed"}


@bp.errorhandler(403)
def forbidden(_error):
    if request.path.startswith("/api/"):
        return error(403, "admin_required", "Chỉ quản trị viên xem được báo cáo.")
    return render_template("console/error.html", title="Không có quyền truy cập",
                           message="Trang thống kê chỉ dành cho quản trị viên."), 403


def _report(name: str, filters: an.Filters) -> Dict[str, Any]:
    svc = services()
    with svc.db.session() as session:
        return an.build(name, session, svc.texts.guide, filters)


@bp.get("/api/staff/analytics")
@admin_required
def index():
    """The reports and their URLs."""
    return jsonify({"reports": [{"name": name, "title": an.REPORT_TITLES[name],
                                 "json": url_for("analytics.report_json", report=name),
                                 "csv": url_for("analytics.report_csv", report=name)} for name in an.REPORTS],
                    "filters": {"from": "YYYY-MM-DD (giờ Việt Nam, tính cả ngày đó)", "to": "YYYY-MM-DD",
                                "channel": list(an.CHANNELS), "period": ["day", "week"]}})


def _filters_or_error():
    try:
        return an.parse_filters(request.args), None
    except an.FilterError as exc:
        return None, error(400, "bad_filter", str(exc))


@bp.get("/api/staff/analytics/<report>.json")
@admin_required
def report_json(report: str):
    """One report as JSON."""
    if report not in an.REPORTS:
        return error(404, "unknown_report", "Không có báo cáo này.")
    filters, failed = _filters_or_error()
    if failed:
        return failed
    return jsonify(_report(report, filters))


@bp.get("/api/staff/analytics/<report>.csv")
@admin_required
def report_csv(report: str):
    """One report's table as CSV."""
    if report not in an.REPORTS:
        return error(404, "unknown_report", "Không có báo cáo này.")
    filters, failed = _filters_or_error()
    if failed:
        return failed
    body = an.to_csv(_report(report, filters))
    stamp = "-".join(filter(None, [filters.date_from and filters.date_from.isoformat(),
                                   filters.date_to and filters.date_to.isoformat(), filters.channel]))
    filename = f"tro-ly-vneid-{report}{'-' + stamp if stamp else ''}.csv"
    return Response(body, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# --- the page -----------------------------------------------------------------------------------------------------

def _pct(value):
    return None if value is None else round(value * 100, 1)


def _channel_label(code: str) -> str:
    return "Tất cả" if code == "all" else an.CHANNEL_LABELS.get(code, code)


def charts(reports: Dict[str, Dict[str, Any]]) -> Dict[str, Dict[str, Any]]:
    """Chart specs for analytics.js (type, labels, datasets, axis titles): plain data, drawn with Chart.js."""
    out: Dict[str, Dict[str, Any]] = {}
    for flow in reports["funnel"]["flows"]:
        out[f"funnel-{flow['flow']}"] = {
            "type": "bar", "labels": [f"Bước {s['step']}" for s in flow["steps"]],
            "datasets": [{"label": "Đã đến bước này", "data": [s["reached"] for s in flow["steps"]],
                          "color": COLORS["reached"]},
                         {"label": "Dừng ở bước này (chưa vào được)", "data": [s["stopped"] for s in flow["steps"]],
                          "color": COLORS["stopped"]}],
            "y": "Số cuộc trò chuyện và cuộc gọi",
        }
    top = reports["problems"]["by_problem"][:12]
    out["problems"] = {
        "type": "bar", "horizontal": True, "stacked": True, "labels": [p["title"] for p in top],
        "datasets": [{"label": "Trò chuyện", "data": [p["chat"] for p in top], "color": COLORS["chat"]},
                     {"label": "Đường dây nóng", "data": [p["hotline"] for p in top], "color": COLORS["hotline"]}],
        "y": "Số lần gặp",
    }
    rates = reports["handoffs"]["by_channel"] + [{"channel": "all"}]
    handoff_rows = {r["channel"]: r for r in reports["handoffs"]["table"]["rows"]}
    self_rows = {r["channel"]: r for r in reports["self_service"]["table"]["rows"]}
    out["rates"] = {
        "type": "bar", "labels": [_channel_label(r["channel"]) for r in rates], "percent": True,
        "datasets": [{"label": "Tỷ lệ chuyển cán bộ (%)",
                      "data": [_pct(handoff_rows[r["channel"]]["rate"]) for r in rates],
                      "color": COLORS["handoff_rate"]},
                     {"label": "Tỷ lệ tự làm được (%)",
                      "data": [_pct(self_rows.get(r["channel"], {}).get("rate")) for r in rates],
                      "color": COLORS["self_service_rate"]}],
        "y": "%",
    }
    reply_rows = reports["first_reply"]["table"]["rows"]
    out["first_reply"] = {
        "type": "bar", "labels": [_channel_label(r["channel"]) for r in reply_rows],
        "datasets": [{"label": "Trung vị (phút)", "data": [r["median_minutes"] for r in reply_rows],
                      "color": COLORS["median"]},
                     {"label": "90% trong vòng (phút)", "data": [r["p90_minutes"] for r in reply_rows],
                      "color": COLORS["p90"]}],
        "y": "Phút",
    }
    rows = reports["outcomes"]["rows"]
    out["outcomes"] = {
        "type": "bar", "stacked": True, "horizontal": True, "labels": [r["label"] for r in rows],
        "datasets": [{"label": "Cán bộ hỗ trợ qua trò chuyện", "data": [r["handoff"] for r in rows],
                      "color": COLORS["chat"]},
                     {"label": "Đường dây nóng", "data": [r["hotline"] for r in rows], "color": COLORS["hotline"]}],
        "y": "Số lượng",
    }
    vol = reports["volume"]["rows"]
    out["volume"] = {
        "type": "line", "labels": [r["period"] for r in vol],
        "datasets": [{"label": "Cuộc trò chuyện", "data": [r["conversations"] for r in vol],
                      "color": COLORS["conversations"]},
                     {"label": "Chuyển cán bộ", "data": [r["handoffs"] for r in vol], "color": COLORS["handoffs"]},
                     {"label": "Tự vào được", "data": [r["self_served"] for r in vol], "color": COLORS["self_served"]},
                     {"label": "Cuộc gọi đường dây nóng", "data": [r["hotline_calls"] for r in vol],
                      "color": COLORS["hotline_calls"]}],
        "y": "Số lượng",
    }
    return out


def chart_summary(spec: Dict[str, Any]) -> str:
    """A sentence for the canvas's aria-label (the table beside it has every number)."""
    parts: List[str] = []
    for ds in spec["datasets"]:
        values = ", ".join(f"{label}: {'—' if v is None else v}" for label, v in zip(spec["labels"], ds["data"]))
        parts.append(f"{ds['label']} — {values}")
    return "; ".join(parts)[:900]


@bp.get("/console/analytics/")
@admin_required
def page():
    """Every report with its chart, table, CSV and JSON links."""
    try:
        filters = an.parse_filters(request.args)
    except an.FilterError as exc:
        flash(str(exc), "error")
        filters = an.Filters()
    reports = {}
    svc = services()
    with svc.db.session() as session:
        for name in an.REPORTS:
            reports[name] = an.build(name, session, svc.texts.guide, filters)
    specs = charts(reports)
    query = {k: v for k, v in filters.as_dict().items() if v and not (k == "period" and v == "day")}
    return render_template("analytics/page.html", reports=reports, charts=specs,
                           summaries={k: chart_summary(v) for k, v in specs.items()}, filters=filters, query=query,
                           channels=an.CHANNEL_LABELS, titles=an.REPORT_TITLES, pct=_pct,
                           channel_label=_channel_label, outcome_labels=an.OUTCOME_LABELS,
                           login_labels=an.LOGIN_LABELS)
