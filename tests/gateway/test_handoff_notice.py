"""One coherent message when a person is asked for — staff on duty and free, a queue (place and expected wait),
off hours (when staff answer, the call-back offer), an outage notice first — and the question after a resolved
handoff, asked once, its answer kept per handoff for analytics."""

from __future__ import annotations

from datetime import datetime

from gateway.models import Conversation, Handoff, HandoffEvent
from gateway.services import hours, runtime_settings
from tests.support.gateway import ALWAYS_OPEN, csrf_header, login
from tests.support.fake_rasa import FakeRasa

CLOSED_NOW = {"days": [], "periods": [["07:00", "11:30"]], "holidays": []}  # never open: no next opening


def _app(app, schedule=ALWAYS_OPEN, outage=None):
    svc = app.extensions["vneid"]
    svc.rasa = FakeRasa()
    with svc.db.session() as session:
        runtime_settings.put(session, "working_hours", schedule, 1)
        if outage:
            runtime_settings.put(session, "outage_notice", {"on": True, "text": outage}, 1)
    return svc


def ask_person(client, sender):
    response = client.post("/webhooks/rest/webhook", json={"sender": sender, "message": "cho tôi gặp cán bộ"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return [r for r in response.get_json() if r.get("text")]


def test_with_nobody_on_duty_the_citizen_learns_the_place_and_the_wait(app):
    _app(app)
    client = app.test_client()
    first = ask_person(client, "a1")[-1]["text"]
    second = ask_person(client, "a2")[-1]["text"]
    assert "vị trí thứ 1" in first and "khoảng 5 phút" in first and "giây lát" not in first
    assert "vị trí thứ 2" in second and "khoảng 10 phút" in second
    assert "024.38541051" in second  # the commune's hotline if it is urgent


def test_with_staff_on_duty_and_nobody_ahead_it_says_staff_will_answer_here(app):
    _app(app)
    staff = app.test_client()
    login(staff)
    staff.get("/console/")  # a console request: on duty
    replies = ask_person(app.test_client(), "b1")
    handoff_texts = [r["text"] for r in replies if "cán bộ" in r["text"]]
    assert len(handoff_texts) == 1 and "đang trực" in handoff_texts[0]


def test_off_hours_is_one_message_with_the_next_opening_and_the_call_back_offer(app):
    schedule = {"days": list(range(7)), "periods": [["00:00", "00:01"]], "holidays": []}
    svc = _app(app, schedule)
    replies = ask_person(app.test_client(), "c1")
    notice = replies[-1]
    assert "ngoài giờ làm việc" in notice["text"] and "0h00" in notice["text"]
    assert [b["payload"] for b in notice["buttons"]] == ["/affirm", "/deny"]
    assert sum("cán bộ" in r["text"] for r in replies) == 1  # never "chờ trong giây lát" beside it
    with svc.db.session() as session:
        conv = session.query(Conversation).filter_by(external_id="c1").one()
        assert conv.gateway_prompt == "callback_offer"


def test_off_hours_without_any_opening_says_working_hours(app):
    _app(app, CLOSED_NOW)
    text = ask_person(app.test_client(), "d1")[-1]["text"]
    assert "khi vào giờ làm việc" in text


def test_an_outage_notice_comes_first_in_the_same_message(app):
    _app(app, outage="Cổng dịch vụ công bảo trì đến 17h.")
    text = ask_person(app.test_client(), "e1")[-1]["text"]
    assert text.startswith("Lưu ý: Cổng dịch vụ công bảo trì đến 17h. Tôi đã nhờ cán bộ")


def test_next_open_skips_holidays_and_days_off():
    schedule = {
        "days": [0, 1, 2, 3, 4],
        "periods": [["07:00", "11:30"], ["13:30", "17:00"]],
        "holidays": ["2026-12-07"],
    }
    saturday_evening = datetime(2026, 12, 5, 20, 0, tzinfo=hours.TZ)
    assert hours.next_open(schedule, saturday_evening) == datetime(2026, 12, 8, 7, 0, tzinfo=hours.TZ)
    lunch = datetime(2026, 12, 8, 12, 0, tzinfo=hours.TZ)
    assert hours.next_open(schedule, lunch) == datetime(2026, 12, 8, 13, 30, tzinfo=hours.TZ)


def _resolve(app, sender):
    svc = app.extensions["vneid"]
    staff = app.test_client()
    login(staff)
    with svc.db.session() as session:
        handoff_id = session.query(Handoff).join(Conversation).filter(Conversation.external_id == sender).one().id
    response = staff.post(
        f"/api/staff/handoffs/{handoff_id}/resolve", json={"outcome": "got_in"}, headers=csrf_header(staff)
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return handoff_id


def test_after_a_resolved_handoff_the_citizen_is_asked_once_and_the_answer_is_kept(app):
    svc = _app(app)
    citizen = app.test_client()
    ask_person(citizen, "f1")
    handoff_id = _resolve(app, "f1")
    history = citizen.get("/api/widget/messages?sender=f1&after=0")
    # the REST channel reads staff messages through the staff API; the stored messages tell what was sent
    with svc.db.session() as session:
        conv = session.query(Conversation).filter_by(external_id="f1").one()
        last = conv.messages[-1]
        assert last.text == "Vấn đề đăng nhập của bạn đã được giải quyết chưa?"
        assert [b["payload"] for b in last.data["buttons"]] == ["/satisfied", "/not_satisfied"]
    del history
    answer = citizen.post("/webhooks/rest/webhook", json={"sender": "f1", "message": "/satisfied"}).get_json()
    assert answer[0]["text"].startswith("Cảm ơn bạn đã cho biết")
    again = citizen.post("/webhooks/rest/webhook", json={"sender": "f1", "message": "/not_satisfied"}).get_json()
    assert again and again[0]["text"].startswith("Xin lỗi vì bạn chưa đăng nhập được")
    with svc.db.session() as session:
        events = session.query(HandoffEvent).filter_by(handoff_id=handoff_id, kind="satisfaction").all()
        assert [e.detail for e in events] == [{"solved": True}]  # the first answer counts, once


def test_the_answers_show_in_analytics_per_problem_and_per_staff_member(app):
    svc = _app(app)
    citizen = app.test_client()
    for sender, answer in (("g1", "/satisfied"), ("g2", "/not_satisfied"), ("g3", None)):
        ask_person(citizen, sender)
        staff = app.test_client()
        login(staff)
        with svc.db.session() as session:
            handoff_id = session.query(Handoff).join(Conversation).filter(Conversation.external_id == sender).one().id
        staff.post(f"/api/staff/handoffs/{handoff_id}/claim", headers=csrf_header(staff))
        assert (
            staff.post(
                f"/api/staff/handoffs/{handoff_id}/resolve", json={"outcome": "got_in"}, headers=csrf_header(staff)
            ).status_code
            == 200
        )
        if answer:
            citizen.post("/webhooks/rest/webhook", json={"sender": sender, "message": answer})
    admin = app.test_client()
    login(admin, "quantri")
    report = admin.get("/api/staff/analytics/satisfaction.json").get_json()
    assert (report["resolved"], report["answered"], report["solved"], report["solved_rate"]) == (3, 2, 1, 0.5)
    [by_staff] = report["by_staff"]
    assert by_staff["label"] == "Nguyễn Văn Cán" and by_staff["answered"] == 2 and by_staff["solved"] == 1
    assert sum(r["resolved"] for r in report["by_problem"]) == 3
    csv = admin.get("/api/staff/analytics/satisfaction.csv").get_data(as_text=True)
    assert "Tỷ lệ đã giải quyết" in csv and "Nguyễn Văn Cán" in csv
    assert "Người dân đánh giá" in admin.get("/console/analytics/").get_data(as_text=True)


class HelperRasa(FakeRasa):
    """The bot in helper mode: the handoff payload says a relative asks for the account holder."""

    def send(self, sender, text, metadata=None):
        replies = super().send(sender, text, metadata)
        for reply in replies:
            if "custom" in reply:
                reply["custom"]["handoff"]["helper"] = True
        return replies


def test_the_card_says_a_relative_is_helping(app):
    svc = _app(app)
    svc.rasa = HelperRasa()
    ask_person(app.test_client(), "h1")
    svc.rasa = FakeRasa()
    ask_person(app.test_client(), "h2")
    staff = app.test_client()
    login(staff)
    cards = {c["conversation_id"]: c["helper"] for c in staff.get("/api/staff/queue").get_json()}
    with svc.db.session() as session:
        ids = {c.external_id: c.id for c in session.query(Conversation)}
    assert cards == {ids["h1"]: True, ids["h2"]: False}
    page = staff.get("/console/").get_data(as_text=True)
    assert page.count('class="card-helper">Người nhà hỗ trợ<') == 1
