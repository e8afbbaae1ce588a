"""The console's communes page (/console/communes/): a province admin lists, searches, adds and edits every
commune; a commune admin edits their own (404 on any other's); staff who are not admins are refused. What an admin
saves is what the commune's citizens read (a REST webhook answer, through the registry read again at once); a
hotline left unconfirmed gives them the province's line (content/guide.yml `province.hotline`)."""

from __future__ import annotations

import re

import pytest
import yaml
from sqlalchemy import select

from gateway.models import AuditLog
from gateway.services import communes, staff_accounts
from tests.support.gateway import PASSWORD, login

ROOT_GUIDE = "content/guide.yml"


def province_line() -> str:
    from pathlib import Path

    guide = yaml.safe_load((Path(__file__).resolve().parents[2] / ROOT_GUIDE).read_text(encoding="utf-8"))
    return guide["province"]["hotline"]


@pytest.fixture
def two(app):
    """quang-yen (id 1, the demo hotline) and hac-thanh (nothing filled in), an admin and a staff member each."""
    svc = app.extensions["vneid"]
    with svc.db.session() as session:
        second = communes.add(session, "hac-thanh", "Phường Hạc Thành").id
        staff_accounts.create(session, "qt.quangyen", "Quản trị Quảng Yên", PASSWORD, "admin", commune_id=1)
        staff_accounts.create(session, "qt.hacthanh", "Quản trị Hạc Thành", PASSWORD, "admin", commune_id=second)
        staff_accounts.create(session, "cb.hacthanh", "Cán bộ Hạc Thành", PASSWORD, "staff", commune_id=second)
        staff_accounts.create(session, "tinh.admin", "Quản trị tỉnh", PASSWORD, "admin")  # of the province
    svc.communes.changed()
    return app


def client_of(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def token(client, url="/auth/login") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)


def ask(app, slug, text="xin chào"):
    """A citizen's message to the commune through the REST webhook (no Rasa behind the test app: the gateway's
    own answer, which names the commune's hotline)."""
    response = app.test_client().post(
        "/webhooks/rest/webhook", json={"sender": f"dan-{slug}", "message": text, "metadata": {"commune": slug}}
    )
    return response.get_json()


def hotline_of(app, slug) -> str:
    svc = app.extensions["vneid"]
    return svc.texts.guide_for(svc.communes.by_slug(slug)).commune["hotline"]


def audits(app, action):
    with app.extensions["vneid"].db.session() as session:
        return [
            (e.target, e.commune_id, e.detail)
            for e in session.scalars(select(AuditLog).where(AuditLog.action == action))
        ]


# --- province admin -----------------------------------------------------------------------------------------------


def test_province_admin_lists_and_searches(two):
    province = client_of(two, "tinh.admin")
    html = province.get("/console/communes/").get_data(as_text=True)
    assert 'data-commune="quang-yen"' in html and 'data-commune="hac-thanh"' in html
    row = html[html.index('data-commune="hac-thanh"') :].split("</tr>")[0]
    assert "chưa xác nhận" in row and "Phường" in row and "<td data-label=\"Cán bộ\">2</td>" in row
    assert "024.38541051" in html[html.index('data-commune="quang-yen"') :].split("</tr>")[0]
    assert 'aria-current="page">Xã/phường</a>' in html  # the admin menu's link
    found = province.get("/console/communes/?q=hac thanh").get_data(as_text=True)  # without marks
    assert 'data-commune="hac-thanh"' in found and 'data-commune="quang-yen"' not in found
    assert "1 / 2 xã/phường" in found
    assert 'data-commune="quang-yen"' in province.get("/console/communes/?q=Quảng Long").get_data(as_text=True)


def test_province_admin_adds_and_edits_any_commune(two):
    province = client_of(two, "tinh.admin")
    added = province.post(
        "/console/communes/", data={"csrf_token": token(province), "slug": "hoang-hoa", "name": "Xã Hoằng Hóa"}
    )
    assert added.status_code == 302 and added.headers["Location"].endswith("/console/communes/hoang-hoa")
    assert two.extensions["vneid"].communes.by_slug("hoang-hoa").name == "Xã Hoằng Hóa"
    assert audits(two, "commune_added")[-1][:2] == ("commune:hoang-hoa", 3)
    again = province.post(
        "/console/communes/", data={"csrf_token": token(province), "slug": "hoang-hoa", "name": "Xã Hoằng Hóa"}
    )
    assert again.status_code == 400 and "Đã có xã/phường mã hoang-hoa." in again.get_data(as_text=True)
    bad = province.post(
        "/console/communes/", data={"csrf_token": token(province), "slug": "Hoằng Hóa", "name": "Hoằng Hóa"}
    )
    assert bad.status_code == 400 and "Chưa thêm được" in bad.get_data(as_text=True)
    assert province.post("/console/communes/", data={"slug": "x-y", "name": "Xã Ích"}).status_code == 400  # no CSRF

    page = province.get("/console/communes/hac-thanh").get_data(as_text=True)
    assert f"Đường dây nóng: {province_line()}" in page and "chưa xác nhận" in page
    saved = province.post(
        "/console/communes/hac-thanh",
        data={
            "csrf_token": token(province),
            "hotline": "0237 3852 111",
            "address": "",
            "portal": "both",
            "working_hours": "Thứ Hai đến Thứ Bảy, 7h30–17h00",
        },
    )
    assert saved.status_code == 302
    page = province.get("/console/communes/hac-thanh").get_data(as_text=True)
    assert (
        "Đường dây nóng: 0237 3852 111, giờ làm việc: Thứ Hai đến Thứ Bảy, 7h30–17h00, cổng: "
        "dichvucong.thanhhoa.gov.vn (hoặc dichvucong.gov.vn)" in page
    )
    assert 'value="both" checked' in page
    info = two.extensions["vneid"].communes.by_slug("hac-thanh")
    assert info.settings == {
        "hotline": "0237 3852 111",
        "hotline_tel": "02373852111",
        "portal": "both",
        "working_hours": "Thứ Hai đến Thứ Bảy, 7h30–17h00",
    }
    target, commune_id, detail = audits(two, "commune_settings")[-1]
    assert (target, commune_id, detail["changed"]) == (
        "commune:hac-thanh",
        info.id,
        ["hotline", "portal", "working_hours"],
    )
    # the province admin edits another commune too
    assert (
        province.post(
            "/console/communes/quang-yen",
            data={
                "csrf_token": token(province),
                "hotline": "024.38541051",
                "address": "Thôn 1, xã Quảng Yên",
                "working_hours": "",
                "portal": "",
            },
        ).status_code
        == 302
    )
    assert two.extensions["vneid"].communes.by_slug("quang-yen").settings["address"] == "Thôn 1, xã Quảng Yên"
    assert province.get("/console/communes/nowhere").status_code == 404


def test_a_refused_setting_keeps_what_was_typed(two):
    province = client_of(two, "tinh.admin")
    response = province.post(
        "/console/communes/hac-thanh", data={"csrf_token": token(province), "hotline": "0237 1", "portal": "fax"}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Cổng dịch vụ công không hợp lệ." in html and 'value="0237 1"' in html
    assert not two.extensions["vneid"].communes.by_slug("hac-thanh").confirmed("hotline")


# --- commune admin, staff -----------------------------------------------------------------------------------------


def test_commune_admin_edits_only_their_own_commune(two):
    own = client_of(two, "qt.hacthanh")
    index = own.get("/console/communes/")
    assert index.status_code == 302 and index.headers["Location"].endswith("/console/communes/hac-thanh")
    page = own.get("/console/communes/hac-thanh")
    assert page.status_code == 200 and "Về danh sách" not in page.get_data(as_text=True)
    assert (
        own.post(
            "/console/communes/hac-thanh",
            data={
                "csrf_token": token(own, "/console/communes/hac-thanh"),
                "hotline": "0237.3852.999",
                "portal": "national",
            },
        ).status_code
        == 302
    )
    assert two.extensions["vneid"].communes.by_slug("hac-thanh").settings["portal"] == "national"
    for url in ("/console/communes/quang-yen", "/console/communes/nowhere"):
        assert own.get(url).status_code == 404, url
    other = own.post(
        "/console/communes/quang-yen", data={"csrf_token": token(own, "/console/communes/hac-thanh"), "hotline": "0999"}
    )
    assert other.status_code == 404
    assert two.extensions["vneid"].communes.by_slug("quang-yen").settings["hotline"] == "024.38541051"
    added = own.post(
        "/console/communes/",
        data={"csrf_token": token(own, "/console/communes/hac-thanh"), "slug": "ich-loi", "name": "Xã Ích Lợi"},
    )
    assert added.status_code == 403 and two.extensions["vneid"].communes.by_slug("ich-loi") is None


def test_staff_and_anonymous_are_refused(two):
    staff = client_of(two, "cb.hacthanh")
    for url in ("/console/communes/", "/console/communes/hac-thanh"):
        response = staff.get(url)
        assert response.status_code == 403, url
        assert "chỉ dành cho quản trị viên" in response.get_data(as_text=True)
    assert (
        staff.post(
            "/console/communes/hac-thanh", data={"csrf_token": token(staff, "/console/"), "hotline": "0999"}
        ).status_code
        == 403
    )
    assert two.test_client().get("/console/communes/").status_code == 302  # to the login


# --- what citizens read -------------------------------------------------------------------------------------------


def test_the_edited_hotline_reaches_citizens_and_unconfirmed_gives_the_province_line(two):
    line = province_line()
    assert hotline_of(two, "hac-thanh") == line  # nothing filled in yet
    assert line in ask(two, "hac-thanh")["message"] and "024.38541051" not in ask(two, "hac-thanh")["message"]
    own = client_of(two, "qt.hacthanh")
    form = {
        "csrf_token": token(own, "/console/communes/hac-thanh"),
        "hotline": "0237 3852 111",
        "working_hours": "",
        "address": "",
        "portal": "",
    }
    assert own.post("/console/communes/hac-thanh", data=form).status_code == 302
    assert hotline_of(two, "hac-thanh") == "0237 3852 111"
    answer = ask(two, "hac-thanh")
    assert answer["error"] == "bot_unavailable" and "0237 3852 111" in answer["message"]
    assert "024.38541051" in ask(two, "quang-yen")["message"]  # the other commune's line is its own
    # emptied again: unconfirmed, the province's line
    assert own.post("/console/communes/hac-thanh", data={**form, "hotline": ""}).status_code == 302
    assert hotline_of(two, "hac-thanh") == line and line in ask(two, "hac-thanh")["message"]
    html = own.get("/console/communes/hac-thanh").get_data(as_text=True)
    assert "người dân được cho số của tỉnh" in html


def test_the_pages_read_no_missing_label(two):
    from tests.support.analytics import seed
    from tests.support.texts import Recording

    svc = two.extensions["vneid"]
    svc.texts = texts = Recording(svc.settings.content_dir, svc.settings.content_overrides)
    seed(two)
    province, own = client_of(two, "tinh.admin"), client_of(two, "qt.hacthanh")
    for client, url in (
        (province, "/console/communes/?q=x"),
        (province, "/console/communes/hac-thanh"),
        (own, "/console/communes/hac-thanh"),
        (province, "/console/analytics/?sort=name"),
        (province, "/api/staff/analytics/communes.csv"),
        (own, "/console/analytics/?commune=x"),
        (own, "/api/staff/analytics/communes.json"),
    ):
        assert client.get(url).status_code in (200, 400, 403), url
    for client, url, data in (
        (province, "/console/communes/", {"slug": "X", "name": "Y"}),
        (own, "/console/communes/hac-thanh", {"portal": "fax"}),
    ):
        assert client.post(url, data={"csrf_token": token(client), **data}).status_code == 400
    assert texts.missing == set()
