"""The hotline script aid without a browser: the page (steps, checks, problem scripts, keys, accessibility hooks),
recording a call as codes only, validation, CSRF and who may use it. The keyboard is tested in
tests/browser/test_script_aid_browser.py."""

from __future__ import annotations

import re

from sqlalchemy import inspect, select

from gateway.models import AuditLog, HotlineCall, Staff
from gateway.services import hotline
from tests.support.gateway import csrf_header, login


def staff_client(app, username="canbo"):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def calls(app):
    with app.extensions["vneid"].db.session() as session:
        return [
            (c.flow, c.last_step, c.problem, c.outcome, c.staff_id)
            for c in session.scalars(select(HotlineCall).order_by(HotlineCall.id))
        ]


def staff_id(app, username):
    with app.extensions["vneid"].db.session() as session:
        return session.scalar(select(Staff.id).where(Staff.username == username))


def test_page_shows_every_step_with_what_to_say_and_check(app):
    html = staff_client(app).get("/console/script/").get_data(as_text=True)
    guide = app.extensions["vneid"].texts.guide
    for flow in ("A", "B"):
        for n, step in enumerate(guide.steps(flow), start=1):
            assert f'id="step-{flow}-{n}"' in html
            assert guide.fill(step["text"]).replace('"', "&#34;") in html or guide.fill(step["text"]) in html
            assert guide.fill(step["check"]) in html
    for code in guide.problem_codes():
        assert f'id="problem-{code}"' in html
        for line in guide.problem(code)["remedy"]:
            assert guide.fill(line) in html
    # nothing chosen yet: every step hidden, the hint shown
    assert re.search(r'id="step-A-1"[^>]*hidden', html, re.S)
    assert 'id="aid-no-flow" class="empty">' in html


def test_page_documents_keys_and_accessibility_hooks(app):
    html = staff_client(app).get("/console/script/").get_data(as_text=True)
    assert 'aria-live="polite"' in html and 'id="aid-live"' in html
    assert '<label for="aid-said">' in html
    for key in ("→, J hoặc N", "←, K hoặc P", "1 … 9", "Enter", "A / B", "/ hoặc S"):
        assert key in html
    assert 'name="csrf_token"' in html and "data-csrf=" in html
    assert 'src="/static/script_aid.js"' in html
    assert "<script>" not in html  # CSP: no inline script
    assert 'autocomplete="off"' in html
    # the parse box has no name: without JavaScript nothing the caller said can be submitted
    said = re.search(r'<input id="aid-said"[^>]*>', html).group(0)
    assert "name=" not in said


def test_page_state_from_the_query(app):
    html = staff_client(app).get("/console/script/?flow=A&step=4&problem=otp_not_received").get_data(as_text=True)
    assert not re.search(r'id="step-A-4"[^>]*hidden', html, re.S)
    assert re.search(r'id="step-A-3"[^>]*hidden', html, re.S)
    assert not re.search(r'id="problem-otp_not_received"[^>]*hidden', html, re.S)
    assert "Cách A, bước 4 trên 5" in html
    assert 'name="last_step" id="aid-rec-step" value="4"' in html
    # the problems of step 4 are numbered 1, 2, 3
    step4 = html[html.index('id="step-A-4"') : html.index('id="step-A-5"')]
    assert [m for m in re.findall(r'data-problem="([a-z_]+)" data-key="(\d)"', step4)] == [
        ("otp_not_received", "1"),
        ("otp_invalid", "2"),
        ("phone_number_changed", "3"),
    ]
    # out-of-range values fall back safely
    html = staff_client(app).get("/console/script/?flow=Z&step=99&problem=<x>").get_data(as_text=True)
    assert 'data-flow="" data-step="1"' in html


def test_script_view_data():
    import content

    view = hotline.script_view(content.load())
    assert view["flows"]["A"]["total"] == 5 and view["flows"]["B"]["total"] == 8
    assert view["problems"]["otp_not_received"]["where"] == [["A", 4]]
    assert view["problems"]["cannot_find_login"]["where"] == [["A", 1], ["A", 2], ["B", 1], ["B", 2]]
    assert view["problems"]["phone_number_changed"]["in_person"] == "yes"
    assert view["problems"]["account_locked"]["in_person"] == "maybe"
    assert view["problems"]["qr_expired"]["in_person"] == "no"


def test_record_a_call_as_json(app):
    client = staff_client(app)
    response = client.post(
        "/console/script/calls",
        headers=csrf_header(client),
        json={"flow": "A", "last_step": 4, "problem": "otp_not_received", "outcome": "call_back"},
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["today"] == 1
    assert body["call"]["outcome_label"] == "Cần gọi lại" and body["call"]["problem_title"] == "Không nhận được mã OTP"
    assert calls(app) == [("A", 4, "otp_not_received", "call_back", staff_id(app, "canbo"))]
    with app.extensions["vneid"].db.session() as session:
        entry = session.scalars(select(AuditLog).where(AuditLog.action == "hotline_call")).one()
        assert entry.detail == {"flow": "A", "last_step": 4, "problem": "otp_not_received", "outcome": "call_back"}
    # a second call counts for today
    again = client.post("/console/script/calls", headers=csrf_header(client), json={"outcome": "no_answer"})
    assert again.status_code == 201 and again.get_json()["today"] == 2
    assert calls(app)[-1][:4] == (None, None, None, "no_answer")


def test_record_a_call_with_the_form_without_javascript(app):
    client = staff_client(app)
    token = csrf_header(client)["X-CSRFToken"]
    response = client.post(
        "/console/script/calls",
        data={"csrf_token": token, "flow": "B", "last_step": "6", "problem": "qr_scan_failed", "outcome": "got_in"},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/console/script/")
    assert calls(app)[-1][:4] == ("B", 6, "qr_scan_failed", "got_in")
    page = client.get("/console/script/").get_data(as_text=True)
    assert "Đã ghi kết quả cuộc gọi: Đã đăng nhập được." in page
    bad = client.post("/console/script/calls", data={"csrf_token": token, "flow": "B", "last_step": "6"})
    assert bad.status_code == 302 and "flow=B" in bad.headers["Location"]
    assert "Chưa ghi được" in client.get(bad.headers["Location"]).get_data(as_text=True)


def test_only_codes_are_stored(app):
    """Free text sent along (a name, a phone number) goes nowhere: the table has no column for it."""
    columns = {c.name for c in inspect(HotlineCall).columns}
    assert columns == {"id", "staff_id", "commune_id", "flow", "last_step", "problem", "outcome", "created_at"}
    client = staff_client(app)
    response = client.post(
        "/console/script/calls",
        headers=csrf_header(client),
        json={
            "flow": "A",
            "last_step": 3,
            "problem": "wrong_password",
            "outcome": "got_in",
            "note": "Bà Nguyễn Thị Lan, 0912345678",
            "said": "mat khau la Abc@12345",
        },
    )
    assert response.status_code == 201
    engine = app.extensions["vneid"].db.engine
    with engine.connect() as connection:
        dump = "\n".join(
            str(row)
            for table in ("hotline_calls", "audit_log")
            for row in connection.exec_driver_sql(f"SELECT * FROM {table}")
        )
    assert "0912345678" not in dump and "Lan" not in dump and "Abc@12345" not in dump


def test_invalid_calls_are_refused(app):
    client = staff_client(app)
    cases = [
        ({"flow": "A", "last_step": 4, "outcome": "great"}, "bad_outcome"),
        ({"flow": "A", "last_step": 6, "outcome": "got_in"}, "bad_step"),  # flow A has 5 steps
        ({"flow": "C", "outcome": "got_in"}, "bad_flow"),
        ({"last_step": 2, "outcome": "got_in"}, "bad_step"),  # a step needs a flow
        ({"flow": "A", "last_step": "2; DROP", "outcome": "got_in"}, "bad_step"),
        ({"flow": "A", "last_step": True, "outcome": "got_in"}, "bad_step"),
        ({"flow": "A", "problem": "my_problem", "outcome": "got_in"}, "bad_problem"),
        ({"flow": "A", "problem": ["otp_invalid"], "outcome": "got_in"}, "bad_problem"),
    ]
    for body, code in cases:
        response = client.post("/console/script/calls", headers=csrf_header(client), json=body)
        assert response.status_code == 400 and response.get_json()["error"] == code, (body, response.get_json())
    assert calls(app) == []


def test_csrf_and_login_are_required(app):
    anonymous = app.test_client()
    page = anonymous.get("/console/script/")
    assert page.status_code == 302 and "/auth/login" in page.headers["Location"]
    assert anonymous.post("/console/script/calls", json={"outcome": "got_in"}).status_code == 400  # CSRF first
    client = staff_client(app)
    no_token = client.post("/console/script/calls", json={"outcome": "got_in"})
    assert no_token.status_code == 400 and no_token.get_json()["error"] == "csrf"
    assert calls(app) == []


def test_admins_use_it_too(app):
    admin = staff_client(app, "quantri")
    assert admin.get("/console/script/").status_code == 200
    response = admin.post("/console/script/calls", headers=csrf_header(admin), json={"outcome": "other"})
    assert response.status_code == 201
    assert calls(app)[-1][4] == staff_id(app, "quantri")


def test_page_follows_content_edits(app):
    """The script aid reads the same guide (with the commune's overrides) as the bot."""
    overrides = app.extensions["vneid"].settings.content_overrides
    overrides.write_text(
        'guide:\n  flows.A.steps.3.check: "Hỏi người dân số điện thoại nhận OTP có đuôi mấy."\n', encoding="utf-8"
    )
    html = staff_client(app).get("/console/script/?flow=A&step=4").get_data(as_text=True)
    assert "Hỏi người dân số điện thoại nhận OTP có đuôi mấy." in html
