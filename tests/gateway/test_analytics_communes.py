"""Analytics per commune: a commune admin's reports (page, JSON, CSV) count only their commune; a province admin
chooses one commune or all, and sees every commune side by side (the roll-up: one row each, sortable, CSV, the
communes with nothing folded at the end), computed with a fixed number of queries whatever the number of communes.

Two communes with different data:
- quang-yen (id 1): the seed of tests/support/analytics.py (its figures are checked in test_analytics.py);
- hac-thanh: d1 widget A step 5 got in; d2 zalo B step 2, handoff answered after 240 s, resolved got_in; d3 rest
  without a flow; one hotline call A step 5 got_in;
and one conversation of no commune yet (a provincial Zalo OA's), and a third commune with nothing at all.
"""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import event

from gateway.models import Conversation, HotlineCall
from gateway.services import analytics as an
from gateway.services import analytics_communes as rollup
from gateway.services import communes, staff_accounts
from tests.support.gateway import PASSWORD, login
from tests.support.analytics import RANGE, add_conversation, add_handoff, province_admin_client, seed, utc

SECOND = ("hac-thanh", "Phường Hạc Thành")
EMPTY = ("hoang-hoa", "Xã Hoằng Hóa")


def seed_communes(app) -> dict:
    seed(app)
    svc = app.extensions["vneid"]
    with svc.db.session() as session:
        second = communes.add(session, *SECOND).id
        communes.add(session, *EMPTY)
        for name, channel, flow, step, outcome in (
            ("d1", "widget", "A", 5, "got_in"),
            ("d2", "zalo", "B", 2, None),
            ("d3", "rest", None, None, None),
        ):
            conv = add_conversation(
                session, name, channel, flow, step, outcome, utc("2026-11-03T03:00:00"), commune_id=second
            )
            if name == "d2":
                add_handoff(session, conv, 240, "got_in")
        session.add(
            HotlineCall(
                staff_id=1,
                commune_id=second,
                flow="A",
                last_step=5,
                outcome="got_in",
                created_at=utc("2026-11-03T04:00:00"),
            )
        )
        created = utc("2026-11-06T03:00:00")
        session.add(
            Conversation(
                channel="zalo",
                external_id="nobody",
                rasa_sender_id="zalo:nobody",
                created_at=created,
                last_message_at=created,
            )
        )
        staff_accounts.create(session, "qt.quangyen", "Quản trị Quảng Yên", PASSWORD, "admin", commune_id=1)
        staff_accounts.create(session, "qt.hacthanh", "Quản trị Hạc Thành", PASSWORD, "admin", commune_id=second)
    svc.communes.changed()
    return {"quang-yen": 1, "hac-thanh": second}


@pytest.fixture
def ids(app):
    return seed_communes(app)


def client_of(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def read_csv(response):
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


# --- a commune admin sees their commune only -----------------------------------------------------------------------


def test_each_commune_admin_counts_only_their_commune(app, ids):
    first, second = client_of(app, "qt.quangyen"), client_of(app, "qt.hacthanh")
    one = first.get("/api/staff/analytics/summary.json", query_string=RANGE).get_json()
    assert (one["conversations"], one["in_flow"], one["hotline_calls"], one["handoff_rate"]) == (10, 8, 5, 0.5)
    assert (one["first_reply_median_minutes"], one["first_reply_p90_minutes"]) == (3.5, 10.0)
    two = second.get("/api/staff/analytics/summary.json", query_string=RANGE).get_json()
    assert (two["conversations"], two["in_flow"], two["hotline_calls"], two["hotline_got_in"]) == (3, 2, 1, 1)
    assert (two["handoff_rate"], two["first_reply_median_minutes"]) == (0.3333, 4.0)
    funnel = second.get("/api/staff/analytics/funnel.json", query_string=RANGE).get_json()
    assert [(f["started"], f["got_in"]) for f in funnel["flows"]] == [(2, 2), (1, 1)]
    outcomes = second.get("/api/staff/analytics/outcomes.json", query_string=RANGE).get_json()
    assert outcomes["handoff"]["got_in"] == 1 and outcomes["handoff"]["needs_police"] == 0
    # whatever the filter says, never the other commune's (nor the province's)
    refused = second.get("/api/staff/analytics/summary.json", query_string={**RANGE, "commune": "quang-yen"})
    assert refused.status_code == 400 and refused.get_json()["error"] == "bad_filter"
    own = second.get("/api/staff/analytics/summary.json", query_string={**RANGE, "commune": "hac-thanh"})
    assert own.get_json()["conversations"] == 3
    assert second.get("/api/staff/analytics/communes.json").status_code == 403
    assert second.get("/api/staff/analytics/communes.csv").status_code == 403
    assert "communes" not in [r["name"] for r in second.get("/api/staff/analytics").get_json()["reports"]]
    assert second.get("/api/staff/analytics").get_json()["filters"]["commune"] == ["hac-thanh"]


def test_commune_admin_csv_and_page(app, ids):
    second = client_of(app, "qt.hacthanh")
    response = second.get("/api/staff/analytics/handoffs.csv", query_string=RANGE)
    rows = read_csv(response)
    assert rows[-1] == ["all", "3", "1", "1", "0.3333"]
    assert "tro-ly-vneid-handoffs-hac-thanh-2026-11-02" in response.headers["Content-Disposition"]
    volume = read_csv(second.get("/api/staff/analytics/volume.csv", query_string=RANGE))
    assert sum(int(r[2]) for r in volume[1:]) == 3  # conversations per day add up to the commune's
    first_rows = read_csv(client_of(app, "qt.quangyen").get("/api/staff/analytics/handoffs.csv", query_string=RANGE))
    assert first_rows[-1] == ["all", "10", "5", "5", "0.5"]
    html = second.get("/console/analytics/", query_string=RANGE).get_data(as_text=True)
    assert 'id="kpi-conversations">3<' in html and 'id="kpi-hotline">1<' in html
    assert "Số liệu của Phường Hạc Thành." in html
    assert 'id="an-commune"' not in html and 'id="table-communes"' not in html  # no choice, no roll-up
    assert "Quảng Yên" not in html


# --- a province admin: one commune or all, and the roll-up -------------------------------------------------------


def test_province_chooses_a_commune(app, ids):
    province = province_admin_client(app)
    every = province.get("/api/staff/analytics/summary.json", query_string=RANGE).get_json()
    assert every["conversations"] == 10 + 3 + 1 and every["hotline_calls"] == 5 + 1
    one = province.get("/api/staff/analytics/summary.json", query_string={**RANGE, "commune": "hac-thanh"}).get_json()
    assert one["conversations"] == 3 and one["filters"]["commune"] == "hac-thanh"
    assert province.get("/api/staff/analytics/summary.json?commune=nowhere").status_code == 400
    html = province.get("/console/analytics/", query_string={**RANGE, "commune": "hac-thanh"}).get_data(as_text=True)
    assert 'id="an-commune"' in html and '<option value="hac-thanh" selected>Phường Hạc Thành</option>' in html
    assert 'id="kpi-conversations">3<' in html and 'id="table-communes"' not in html
    assert "/api/staff/analytics/funnel.csv?from=2026-11-02&amp;to=2026-11-10&amp;commune=hac-thanh" in html


def test_rollup_has_one_row_per_commune_with_the_right_counts(app, ids):
    province = province_admin_client(app)
    body = province.get("/api/staff/analytics/communes.json", query_string=RANGE).get_json()
    rows = {r["slug"]: r for r in body["rows"]}
    assert list(rows) == ["quang-yen", "hac-thanh", ""]  # by conversations, most first; the unassigned one
    q, h, nobody = rows["quang-yen"], rows["hac-thanh"], rows[""]
    assert (q["conversations"], q["hotline_calls"], q["started"], q["reached_last"], q["got_in"]) == (10, 5, 12, 3, 5)
    assert (q["handoff_rate"], q["handoffs"], q["median_minutes"], q["p90_minutes"]) == (0.5, 5, 3.5, 10.0)
    assert (q["resolved"], q["outcome_got_in"], q["outcome_needs_police"]) == (9, 2, 3)
    assert (h["conversations"], h["hotline_calls"], h["started"], h["reached_last"], h["got_in"]) == (3, 1, 3, 2, 3)
    assert (h["reached_last_rate"], h["got_in_rate"], h["handoff_rate"]) == (0.6667, 1.0, 0.3333)
    assert (h["handoffs"], h["median_minutes"], h["p90_minutes"], h["resolved"], h["outcome_got_in"]) == (
        1,
        4.0,
        4.0,
        2,
        2,
    )
    assert (nobody["conversations"], nobody["name"]) == (1, "Chưa rõ xã/phường (Zalo của tỉnh)")
    assert [r["slug"] for r in body["empty"]] == ["hoang-hoa"]  # nothing in the period: at the end
    assert body["total"]["conversations"] == 14 and body["total"]["resolved"] == 11
    # the same figures as each commune's own reports
    for slug in ("quang-yen", "hac-thanh"):
        scoped = {**RANGE, "commune": slug}
        funnel = province.get("/api/staff/analytics/funnel.json", query_string=scoped).get_json()
        assert rows[slug]["started"] == sum(f["started"] for f in funnel["flows"])
        assert rows[slug]["got_in"] == sum(f["got_in"] for f in funnel["flows"])
        reply = province.get("/api/staff/analytics/first_reply.json", query_string=scoped).get_json()
        assert (rows[slug]["median_minutes"], rows[slug]["p90_minutes"]) == (
            reply["median_minutes"],
            reply["p90_minutes"],
        )
        outcomes = province.get("/api/staff/analytics/outcomes.json", query_string=scoped).get_json()
        assert rows[slug]["resolved"] == sum(r["total"] for r in outcomes["rows"] if r["outcome"] != "open")


def test_rollup_sorts_and_exports(app, ids):
    province = province_admin_client(app)
    by_name = province.get("/api/staff/analytics/communes.json", query_string={**RANGE, "sort": "name"}).get_json()
    assert [r["slug"] for r in by_name["rows"]] == ["", "hac-thanh", "quang-yen"]  # C…, P…, X…
    by_rate = province.get(
        "/api/staff/analytics/communes.json", query_string={**RANGE, "sort": "got_in_rate", "dir": "asc"}
    ).get_json()
    assert [r["slug"] for r in by_rate["rows"]] == ["quang-yen", "hac-thanh", ""]  # 5/12, 3/3, none last
    rows = read_csv(province.get("/api/staff/analytics/communes.csv", query_string=RANGE))
    assert rows[0][:4] == ["Xã/phường", "Mã xã/phường", "Cuộc trò chuyện", "Cuộc gọi đường dây nóng"]
    assert "Kết quả: Đã đăng nhập được" in rows[0]
    assert [r[1] for r in rows[1:]] == ["quang-yen", "hac-thanh", "", "hoang-hoa"]
    assert rows[2][:4] == ["Phường Hạc Thành", "hac-thanh", "3", "1"] and rows[4][2:4] == ["0", "0"]
    html = province.get("/console/analytics/", query_string={**RANGE, "sort": "name"}).get_data(as_text=True)
    assert 'id="table-communes"' in html and 'aria-sort="ascending"' in html
    assert html.index('data-commune="hac-thanh"') < html.index('data-commune="quang-yen"')
    assert 'id="an-communes-empty"' in html and "1 xã/phường chưa có" in html and "Xã Hoằng Hóa" in html
    assert "/api/staff/analytics/communes.csv?" in html


def test_rollup_queries_do_not_grow_with_the_communes(app, ids):
    svc = app.extensions["vneid"]
    statements = []
    event.listen(svc.db.engine, "before_cursor_execute", lambda *a, **k: statements.append(a[2]))

    def run():
        every = svc.communes.all()  # the registry (read again at most every few seconds), not the report
        statements.clear()
        with svc.db.session() as session:
            body = rollup.rollup(session, svc.texts.guide, an.parse_filters(RANGE), svc.texts, every)
        assert body["communes"] == len(every) + 1  # and the conversations of no commune
        return len(statements)

    before = run()
    with svc.db.session() as session:
        for n in range(30):
            communes.add(session, f"xa-thu-{n}", f"Xã Thử {n}")
    svc.communes.changed()
    assert run() == before == 3  # one GROUP BY per table, one query of reply times
