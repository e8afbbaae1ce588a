"""Where citizens get stuck (admins only): the analytics page, and each report as JSON and CSV.

GET /console/analytics/?from=YYYY-MM-DD&to=YYYY-MM-DD&channel=widget|zalo|rest|hotline&period=day|week
                      &commune=<slug>&sort=<column>&dir=asc|desc
GET /api/staff/analytics                       the list of reports
GET /api/staff/analytics/<report>.json         one report (same filters); reports: summary, funnel, problems,
                                               handoffs, self_service, first_reply, outcomes, volume, and for
                                               province accounts `communes` (every commune side by side)
GET /api/staff/analytics/<report>.csv          its table as CSV (UTF-8 with BOM)
The figures are computed by gateway.services.analytics (definitions there and in the README); the page's charts
are gateway/blueprints/analytics_charts.py.

A commune admin counts only their commune's conversations, handoffs and hotline calls (whatever `commune` says);
a province admin counts every commune's, or one commune's (`commune`), and sees the communes side by side.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Set

from flask import Blueprint, Response, flash, jsonify, render_template, request, url_for
from flask_login import current_user

from gateway.blueprints.analytics_charts import channel_label, chart_summary, charts, pct
from gateway.blueprints.auth import admin_required
from gateway.blueprints.console.layout import access_refused
from gateway.services import analytics as an
from gateway.services import analytics_communes as rollup
from gateway.web.answers import error
from gateway.web.current import services
from gateway.web.endpoints import JSON, STAFF, has_mark, marked

bp = marked(STAFF)(Blueprint("analytics", __name__))


@bp.errorhandler(403)
def forbidden(_error):
    if has_mark(JSON):
        return error(403, "admin_required", services().texts.staff_label("access", "analytics_api"))
    return access_refused("analytics_only")


def _allowed() -> Optional[Set[int]]:
    """The communes the reader may count: None for a province account (every one), else their own."""
    return None if current_user.commune_id is None else {current_user.commune_id}


def _sort() -> tuple:
    """The roll-up's order from `sort` and `dir` (figures from the largest unless dir=asc; names from A)."""
    key = request.args.get("sort") or "conversations"
    key = key if key in rollup.SORTABLE else "conversations"
    return key, request.args.get("dir", "asc" if key == "name" else "desc") != "asc"


def _report(name: str, filters: an.Filters) -> Dict[str, Any]:
    svc = services()
    with svc.db.session() as session:
        if name == rollup.REPORT:
            key, descending = _sort()
            return rollup.rollup(session, svc.texts.guide, filters, svc.texts, svc.communes.all(), key, descending)
        return an.build(name, session, svc.texts.guide, filters, svc.texts)


def _known(report: str):
    """None when the reader may have this report, else the error answer (404 unknown; 403 the roll-up for a
    commune account)."""
    if report == rollup.REPORT:
        return (
            None
            if _allowed() is None
            else error(403, "province_only", services().texts.staff_label("access", "province_only"))
        )
    return None if report in an.REPORTS else error(404, "unknown_report", _say("unknown_report"))


def _say(key: str) -> str:
    return services().texts.staff_label("analytics", key)


@bp.get("/api/staff/analytics")
@marked(JSON)
@admin_required
def index():
    """The reports and their URLs."""
    titles = services().texts.staff("report_titles")
    names = list(an.REPORTS) + ([rollup.REPORT] if _allowed() is None else [])
    allowed = _allowed()
    communes = [c.slug for c in services().communes.all() if allowed is None or c.id in allowed]
    return jsonify(
        {
            "reports": [
                {
                    "name": name,
                    "title": titles[name],
                    "json": url_for("analytics.report_json", report=name),
                    "csv": url_for("analytics.report_csv", report=name),
                }
                for name in names
            ],
            "filters": {
                "from": _say("date_help"),
                "to": "YYYY-MM-DD",
                "channel": list(an.CHANNELS),
                "period": ["day", "week"],
                "commune": communes,
            },
        }
    )


def _filters_or_error():
    try:
        return an.parse_filters(request.args, services().communes.all(), _allowed()), None
    except an.FilterError as exc:
        return None, error(400, "bad_filter", services().texts.explain(exc))


@bp.get("/api/staff/analytics/<report>.json")
@marked(JSON)
@admin_required
def report_json(report: str):
    """One report as JSON."""
    refused = _known(report)
    if refused:
        return refused
    filters, failed = _filters_or_error()
    if failed:
        return failed
    return jsonify(_report(report, filters))


@bp.get("/api/staff/analytics/<report>.csv")
@marked(JSON)
@admin_required
def report_csv(report: str):
    """One report's table as CSV."""
    refused = _known(report)
    if refused:
        return refused
    filters, failed = _filters_or_error()
    if failed:
        return failed
    body = an.to_csv(_report(report, filters))
    stamp = "-".join(
        filter(
            None,
            [
                _own_slug(filters),
                filters.date_from and filters.date_from.isoformat(),
                filters.date_to and filters.date_to.isoformat(),
                filters.channel,
            ],
        )
    )
    filename = f"tro-ly-vneid-{report}{'-' + stamp if stamp else ''}.csv"
    return Response(
        body, mimetype="text/csv; charset=utf-8", headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


def _own_slug(filters: an.Filters) -> Optional[str]:
    """The commune a report is limited to, for file names and headings (None: every commune)."""
    if filters.commune or filters.communes is None or len(filters.communes) != 1:
        return filters.commune
    info = services().communes.by_id(next(iter(filters.communes)))
    return info.slug if info else None


# --- the page -----------------------------------------------------------------------------------------------------


@bp.get("/console/analytics/")
@admin_required
def page():
    """Every report with its chart, table, CSV and JSON links."""
    svc = services()
    allowed, every = _allowed(), svc.communes.all()
    try:
        filters = an.parse_filters(request.args, every, allowed)
    except an.FilterError as exc:
        flash(svc.texts.explain(exc), "error")
        filters = an.Filters(communes=None if allowed is None else frozenset(allowed))
    reports = {}
    with svc.db.session() as session:
        for name in an.REPORTS:
            reports[name] = an.build(name, session, svc.texts.guide, filters, svc.texts)
    province = allowed is None
    if province and filters.commune is None:
        reports[rollup.REPORT] = _report(rollup.REPORT, filters)
    specs = charts(reports, svc.texts.staff("analytics_charts"))
    channels = svc.texts.staff("channels")
    query = {k: v for k, v in filters.as_dict().items() if v and not (k == "period" and v == "day")}
    shown = (
        next((c for c in every if c.slug == filters.commune), None)
        if filters.commune
        else (None if province else svc.communes.by_id(current_user.commune_id))
    )
    return render_template(
        "analytics/page.html",
        reports=reports,
        charts=specs,
        province=province,
        communes=every if province else [],
        commune=shown,
        words=svc.texts.staff("analytics_communes"),
        columns=svc.texts.staff(f"analytics_columns.{rollup.REPORT}"),
        summaries={k: chart_summary(v) for k, v in specs.items()},
        filters=filters,
        query=query,
        channels={code: channels[code] for code in an.CHANNELS},
        titles=svc.texts.staff("report_titles"),
        pct=pct,
        channel_label=channel_label,
        login_labels=svc.texts.staff("analytics_answers"),
        satisfaction_columns=svc.texts.staff("analytics_columns.satisfaction"),
    )
