"""Analytics: every report checked against numbers computed by hand from a small seeded history of chat
conversations (with handoffs) and hotline calls; the JSON and CSV endpoints; admin-only access.

The seed (times in UTC; Vietnam is UTC+7). Flow A has 5 steps, flow B 8.

 conv  channel  flow max  login    problems seen                   handoff (reply after, outcome)   created (local)
 c1    widget   A    5    got_in   -                               -                                11-02
 c2    widget   A    4    -        otp_not_received@4              120 s, got_in                    11-02
 c3    zalo     A    3    not_in   wrong_password@3 forgot_password@3  600 s, needs_police          11-02
 c4    zalo     A    1    -        cannot_find_login@1             -                                11-02
 c5    rest     A    5    got_in   -                               -                                11-02
 c6    widget   B    6    -        qr_scan_failed@6                300 s, still open                11-04
 c7    zalo     B    8    got_in   -                               -                                11-04
 c8    widget   B    2    -        -                               no reply, no_answer              11-05 (18:30Z on 11-04)
 c9    widget   -    -    -        portal_unavailable@0            -                                11-09
 c10   zalo     -    -    -        -                               60 s, other                      11-09
 c11   widget   A    2    -        -                               -                                10-01 (outside the range)

 call  flow step problem            outcome       recorded (local)
 h1    A    4    otp_not_received   got_in        11-02
 h2    A    3    wrong_password     needs_police  11-02
 h3    B    5    not_level2         needs_police  11-05
 h4    -    -    -                  no_answer     11-10
 h5    A    2    cannot_find_login  call_back     11-10
 h6    B    3    -                  other         10-01 (outside the range)
"""

from __future__ import annotations

import csv
import io

import pytest

from gateway.services import analytics as an
from tests.support.analytics import RANGE, province_admin_client, seed
from tests.support.gateway import login


@pytest.fixture
def seeded(app):
    seed(app)
    return app


@pytest.fixture
def admin(seeded):
    return province_admin_client(seeded)


def report(app, name, **args):
    svc = app.extensions["vneid"]
    with svc.db.session() as session:
        return an.build(name, session, svc.texts.guide, an.parse_filters(args), svc.texts)


def column(steps, key):
    return [s[key] for s in steps]


# --- the numbers --------------------------------------------------------------------------------------------------


def test_funnel_counts_chat_and_hotline_together(seeded):
    funnel = report(seeded, "funnel", **RANGE)
    a, b = funnel["flows"]
    assert (a["flow"], a["steps_total"], b["flow"], b["steps_total"]) == ("A", 5, "B", 8)
    # A: c1 c2 c3 c4 c5 + h1 h2 h5
    assert column(a["steps"], "reached") == [8, 7, 6, 4, 2]
    assert column(a["steps"], "stopped") == [1, 1, 2, 0, 0]  # c4 | h5 | c3, h2 | c2 and h1 got in | c1, c5 got in
    assert (a["started"], a["got_in"], a["got_in_rate"]) == (8, 4, 0.5)
    assert a["steps"][0]["reached_by_channel"] == {"widget": 2, "zalo": 2, "rest": 1, "hotline": 3}
    assert a["steps"][2]["reached_by_channel"] == {"widget": 2, "zalo": 1, "rest": 1, "hotline": 2}
    assert a["steps"][2]["stopped_by_channel"] == {"widget": 0, "zalo": 1, "rest": 0, "hotline": 1}
    # B: c6 c7 c8 + h3
    assert column(b["steps"], "reached") == [4, 4, 3, 3, 3, 2, 1, 1]
    assert column(b["steps"], "stopped") == [0, 1, 0, 0, 1, 1, 0, 0]  # c8 | h3 | c6 (c7 got in)
    assert (b["started"], b["got_in"]) == (4, 1)


def test_funnel_without_dates_includes_older_records(seeded):
    a, b = report(seeded, "funnel")["flows"]
    assert column(a["steps"], "reached") == [9, 8, 6, 4, 2]  # + c11 (furthest step 2)
    assert column(a["steps"], "stopped") == [1, 2, 2, 0, 0]
    assert column(b["steps"], "reached") == [5, 5, 4, 3, 3, 2, 1, 1]  # + h6 (last step 3)
    assert column(b["steps"], "stopped") == [0, 1, 1, 0, 1, 1, 0, 0]


def test_funnel_split_by_channel(seeded):
    a = report(seeded, "funnel", channel="zalo", **RANGE)["flows"][0]
    assert column(a["steps"], "reached") == [2, 1, 1, 0, 0]  # c3, c4
    assert column(a["steps"], "stopped") == [1, 0, 1, 0, 0]
    assert a["steps"][0]["reached_by_channel"] == {"zalo": 2}
    hot = report(seeded, "funnel", channel="hotline", **RANGE)["flows"][0]
    assert column(hot["steps"], "reached") == [3, 3, 2, 1, 0]  # h1 (4), h2 (3), h5 (2)
    assert column(hot["steps"], "stopped") == [0, 1, 1, 0, 0]


def test_problems_per_step(seeded):
    problems = report(seeded, "problems", **RANGE)
    rows = {(r["flow"], r["step"], r["problem"]): (r["chat"], r["hotline"], r["total"]) for r in problems["by_step"]}
    assert rows == {
        ("A", 1, "cannot_find_login"): (1, 0, 1),
        ("A", 2, "cannot_find_login"): (0, 1, 1),
        ("A", 3, "forgot_password"): (1, 0, 1),
        ("A", 3, "wrong_password"): (1, 1, 2),
        ("A", 4, "otp_not_received"): (1, 1, 2),
        ("B", 5, "not_level2"): (0, 1, 1),
        ("B", 6, "qr_scan_failed"): (1, 0, 1),
        (None, 0, "portal_unavailable"): (1, 0, 1),
    }
    assert [(r["problem"], r["total"]) for r in problems["by_problem"]] == [
        ("cannot_find_login", 2),
        ("otp_not_received", 2),
        ("wrong_password", 2),
        ("forgot_password", 1),
        ("not_level2", 1),
        ("portal_unavailable", 1),
        ("qr_scan_failed", 1),
    ]
    assert problems["by_problem"][1]["title"] == "Không nhận được mã OTP"


def test_handoff_rate(seeded):
    handoffs = report(seeded, "handoffs", **RANGE)
    assert (handoffs["conversations"], handoffs["with_handoff"], handoffs["rate"]) == (10, 5, 0.5)
    by_channel = {r["channel"]: (r["conversations"], r["with_handoff"], r["rate"]) for r in handoffs["by_channel"]}
    assert by_channel == {"widget": (5, 3, 0.6), "zalo": (4, 2, 0.5), "rest": (1, 0, 0.0)}


def test_self_service_rate(seeded):
    service = report(seeded, "self_service", **RANGE)
    assert (service["in_flow"], service["self_served"], service["rate"]) == (8, 3, 0.375)  # c1, c5, c7
    rows = {r["channel"]: r for r in service["table"]["rows"]}
    assert (rows["all"]["answered"], rows["all"]["got_in"]) == (4, 4)  # answers c1 c3 c5 c7; got in c1 c2 c5 c7
    assert (rows["widget"]["in_flow"], rows["widget"]["self_served"], rows["widget"]["rate"]) == (4, 1, 0.25)
    assert (rows["zalo"]["in_flow"], rows["zalo"]["self_served"], rows["zalo"]["rate"]) == (3, 1, 0.3333)
    assert (rows["rest"]["in_flow"], rows["rest"]["self_served"], rows["rest"]["rate"]) == (1, 1, 1.0)


def test_first_staff_reply_median_and_p90(seeded):
    reply = report(seeded, "first_reply", **RANGE)
    # replied: 60, 120, 300, 600 s; c8 never answered
    assert (reply["handoffs"], reply["replied"], reply["not_replied"]) == (5, 4, 1)
    assert reply["median_seconds"] == 210.0 and reply["median_minutes"] == 3.5
    assert reply["p90_seconds"] == 600.0 and reply["p90_minutes"] == 10.0  # nearest rank: ceil(0.9 * 4) = 4th
    rows = {r["channel"]: r for r in reply["by_channel"]}
    assert (rows["widget"]["median_seconds"], rows["widget"]["p90_seconds"]) == (210.0, 300.0)  # 120, 300
    assert (rows["zalo"]["median_seconds"], rows["zalo"]["p90_seconds"]) == (330.0, 600.0)  # 60, 600
    assert (rows["rest"]["handoffs"], rows["rest"]["median_seconds"]) == (0, None)


def test_percentile_helpers():
    assert an.percentile_nearest_rank([], 90) is None
    assert an.percentile_nearest_rank([5], 90) == 5
    assert an.percentile_nearest_rank(list(range(1, 11)), 90) == 9
    assert an.percentile_nearest_rank(list(range(1, 12)), 90) == 10
    assert an.median([1, 2, 3, 10]) == 2.5


def test_outcomes(seeded):
    outcomes = report(seeded, "outcomes", **RANGE)
    assert outcomes["handoff"] == {
        "got_in": 1,
        "needs_police": 1,
        "call_back": 0,
        "no_answer": 1,
        "other": 1,
        "open": 1,
    }
    assert outcomes["hotline"] == {"got_in": 1, "needs_police": 2, "call_back": 1, "no_answer": 1, "other": 0}
    assert {r["outcome"]: r["total"] for r in outcomes["rows"]} == {
        "got_in": 2,
        "needs_police": 3,
        "call_back": 1,
        "no_answer": 2,
        "other": 1,
        "open": 1,
    }
    assert outcomes["citizen_answers"] == {"got_in": 3, "not_in": 1, "none": 4}


def test_volume_by_day_uses_vietnam_dates(seeded):
    rows = {r["period"]: r for r in report(seeded, "volume", **RANGE)["rows"]}
    assert list(rows) == [f"2026-11-{d:02d}" for d in range(2, 11)]
    day = rows["2026-11-02"]
    assert (
        day["conversations"],
        day["conversations_widget"],
        day["conversations_zalo"],
        day["conversations_rest"],
        day["in_flow"],
        day["handoffs"],
        day["self_served"],
        day["hotline_calls"],
        day["hotline_got_in"],
    ) == (5, 2, 2, 1, 5, 2, 2, 2, 1)
    assert (rows["2026-11-04"]["conversations"], rows["2026-11-04"]["handoffs"], rows["2026-11-04"]["self_served"]) == (
        2,
        1,
        1,
    )
    # c8 was created at 18:30 UTC on 11-04, which is 01:30 on 11-05 in Vietnam
    assert (
        rows["2026-11-05"]["conversations"],
        rows["2026-11-05"]["handoffs"],
        rows["2026-11-05"]["hotline_calls"],
    ) == (1, 1, 1)
    assert rows["2026-11-03"]["conversations"] == 0
    assert (rows["2026-11-09"]["conversations"], rows["2026-11-09"]["in_flow"], rows["2026-11-09"]["handoffs"]) == (
        2,
        0,
        1,
    )
    assert rows["2026-11-10"]["hotline_calls"] == 2


def test_volume_by_week(seeded):
    rows = report(seeded, "volume", period="week", **RANGE)["rows"]
    assert [
        (r["period"], r["start"], r["conversations"], r["handoffs"], r["self_served"], r["hotline_calls"]) for r in rows
    ] == [("2026-W45", "2026-11-02", 8, 4, 3, 3), ("2026-W46", "2026-11-09", 2, 1, 0, 2)]


def test_summary(seeded):
    summary = report(seeded, "summary", **RANGE)
    assert (summary["conversations"], summary["in_flow"], summary["hotline_calls"], summary["hotline_got_in"]) == (
        10,
        8,
        5,
        1,
    )
    assert (summary["handoff_rate"], summary["self_service_rate"]) == (0.5, 0.375)
    assert (summary["first_reply_median_minutes"], summary["first_reply_p90_minutes"]) == (3.5, 10.0)


def test_empty_database_gives_zeros_not_errors(app):
    for name in an.REPORTS:
        assert report(app, name)["report"] == name
    assert report(app, "handoffs")["rate"] is None
    assert report(app, "first_reply")["median_seconds"] is None


def test_bad_filters_are_refused():
    for args in (
        {"from": "27/11/2026"},
        {"from": "2026-11-10", "to": "2026-11-01"},
        {"channel": "fax"},
        {"period": "month"},
    ):
        with pytest.raises(an.FilterError):
            an.parse_filters(args)


# --- JSON, CSV, page ----------------------------------------------------------------------------------------------


def test_json_endpoint_per_report(admin):
    listing = admin.get("/api/staff/analytics").get_json()
    assert [r["name"] for r in listing["reports"]] == list(an.REPORTS) + ["communes"]  # a province admin
    for name in an.REPORTS:
        response = admin.get(f"/api/staff/analytics/{name}.json", query_string=RANGE)
        assert response.status_code == 200, name
        body = response.get_json()
        assert body["report"] == name and body["filters"]["from"] == "2026-11-02"
        assert body["table"]["columns"] and isinstance(body["table"]["rows"], list)
    funnel = admin.get("/api/staff/analytics/funnel.json", query_string=RANGE).get_json()
    assert [s["reached"] for s in funnel["flows"][0]["steps"]] == [8, 7, 6, 4, 2]
    assert admin.get("/api/staff/analytics/self_service.json", query_string=RANGE).get_json()["rate"] == 0.375
    assert admin.get("/api/staff/analytics/nope.json").status_code == 404
    bad = admin.get("/api/staff/analytics/funnel.json?from=hôm-qua")
    assert bad.status_code == 400 and bad.get_json()["error"] == "bad_filter"


def read_csv(response):
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_csv_export(admin):
    response = admin.get("/api/staff/analytics/funnel.csv", query_string=RANGE)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "tro-ly-vneid-funnel-2026-11-02-2026-11-10.csv" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0][:4] == ["Cách", "Bước", "Đã đến bước này", "Dừng ở bước này"]
    assert rows[1][:4] == ["A", "1", "8", "1"]
    assert rows[3][:4] == ["A", "3", "6", "2"]
    assert rows[6][:4] == ["B", "1", "4", "0"]
    assert len(rows) == 1 + 5 + 8
    problems = read_csv(admin.get("/api/staff/analytics/problems.csv", query_string=RANGE))
    assert ["A", "4", "otp_not_received", "Không nhận được mã OTP", "1", "1", "2"] in problems
    reply = read_csv(admin.get("/api/staff/analytics/first_reply.csv", query_string=RANGE))
    assert reply[-1] == ["all", "5", "4", "1", "3.5", "10.0"]
    for name in an.REPORTS:
        assert admin.get(f"/api/staff/analytics/{name}.csv").status_code == 200, name


def test_page_shows_charts_and_tables(admin):
    response = admin.get("/console/analytics/", query_string=RANGE)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "vendor/chart.js-4.6.1/chart.umd.js" in html and "analytics.js" in html
    assert "cdn" not in html.lower()
    assert html.count("<canvas") == 7 and 'role="img"' in html
    for table in (
        "table-funnel-A",
        "table-funnel-B",
        "table-problems",
        "table-rates",
        "table-first-reply",
        "table-outcomes",
        "table-volume",
    ):
        assert f'id="{table}"' in html
    assert 'id="kpi-self-service">37.5%' in html and 'id="kpi-handoff">50.0%' in html
    assert "/api/staff/analytics/funnel.csv?from=2026-11-02" in html
    week = admin.get("/console/analytics/?period=week&channel=hotline")
    assert week.status_code == 200 and "2026-W45" in week.get_data(as_text=True)


def test_vendored_chart_library_is_served_locally(client):
    response = client.get("/static/vendor/chart.js-4.6.1/chart.umd.js")
    assert response.status_code == 200 and b"Chart.js v4.6.1" in response.data[:200]
    assert client.get("/static/vendor/chart.js-4.6.1/LICENSE.md").status_code == 200


# --- who may see it -----------------------------------------------------------------------------------------------

ADMIN_ONLY = [
    "/console/analytics/",
    "/api/staff/analytics",
    "/api/staff/analytics/funnel.json",
    "/api/staff/analytics/funnel.csv",
]


def test_staff_get_403(seeded):
    staff = seeded.test_client()
    login(staff, "canbo")
    for url in ADMIN_ONLY:
        response = staff.get(url)
        assert response.status_code == 403, url
        assert "funnel" not in response.get_data(as_text=True)
    assert staff.get("/api/staff/analytics/funnel.json").get_json()["error"] == "admin_required"
    assert "chỉ dành cho quản trị viên" in staff.get("/console/analytics/").get_data(as_text=True)


def test_anonymous_is_sent_to_login(seeded):
    anonymous = seeded.test_client()
    page = anonymous.get("/console/analytics/")
    assert page.status_code == 302 and "/auth/login" in page.headers["Location"]
    for url in ADMIN_ONLY[1:]:
        assert anonymous.get(url).status_code == 401, url
