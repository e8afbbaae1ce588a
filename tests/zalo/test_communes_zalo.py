"""The province edition on Zalo: communes with their own Official Accounts under the installation's Zalo app, and
the province's own OA where the citizen first says their commune (today's name or a former one, with or without
marks). The fake Zalo server records which OA's token every send used; a recording stand-in for Rasa says which
commune each message reached the bot for."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest
import yaml
from sqlalchemy import select

from gateway.zalo_models import ZaloEvent, ZaloToken
from gateway.token_sealing import TokenSeal
from gateway.models import AuditLog, Commune, Conversation, Message
from gateway.services import communes
from tests.support.gateway import build_app
from tests.support.fake_rasa import FakeRasa
from tests.support.zalo import Citizen, open_hours, buttons_of, pump, texts_of, zalo_settings
from tools import fake_zalo

OA_DINH_TAN, OA_HOA_LOC = "1111222233334444555", "6666777788889999000"
ZALO = yaml.safe_load(open("content/messages.yml", encoding="utf-8"))["zalo"]
ASK = ZALO["ask_commune"]
NOTICE_HEAD = "Về dữ liệu của bạn:"


class RecordingRasa(FakeRasa):
    """Answers every message with the commune it came for and the text it received."""

    def __init__(self) -> None:
        super().__init__()
        self.received: List[Dict[str, Any]] = []

    def send(self, sender, text, metadata=None):
        metadata = metadata or {}
        self.received.append({"sender": sender, "text": text, "commune": metadata.get("commune")})
        name = (metadata.get("commune_fields") or {}).get("name", "?")
        return [{"recipient_id": sender, "text": f"Trợ lý của {name}: đã nhận “{text}”"}]


def _make(tmp_path, fake, provincial=True):
    settings = zalo_settings(tmp_path, fake)
    settings.zalo_provincial = provincial
    app = build_app(settings)
    open_hours(app)
    svc = app.extensions["vneid"]
    svc.rasa = RecordingRasa()
    with svc.db.session() as session:
        communes.add(session, "dinh-tan", "Xã Định Tân")
        communes.add(session, "hoa-loc", "Xã Hoa Lộc", old_names=["Xã Xuân Lộc"])
    svc.communes.changed()
    runner = app.test_cli_runner()
    for slug, oa_id, access, refresh in (
        ("dinh-tan", OA_DINH_TAN, "at-dinh-tan", "rt-dinh-tan"),
        ("hoa-loc", OA_HOA_LOC, "at-hoa-loc", "rt-hoa-loc"),
    ):
        fake.add_oa(oa_id, access, refresh)
        result = runner.invoke(
            args=["zalo-connect", "--commune", slug, "--oa-id", oa_id],
            env={"ZALO_OA_REFRESH_TOKEN": refresh, "ZALO_OA_ACCESS_TOKEN": access},
        )
        assert result.exit_code == 0, result.output
    return app


@pytest.fixture
def province_app(tmp_path, fake):
    """Quảng Yên (the default commune), Định Tân and Hoa Lộc with their own OAs; the primary OA is the province's."""
    app = _make(tmp_path, fake)
    yield app
    app.extensions["zalo"].stop()


@pytest.fixture
def commune_app(tmp_path, fake):
    """The same communes and OAs; the primary OA is the default commune's (ZALO_PROVINCIAL off)."""
    app = _make(tmp_path, fake, provincial=False)
    yield app
    app.extensions["zalo"].stop()


def conv_of(app, user):
    with app.extensions["vneid"].db.session() as session:
        conv = session.scalar(
            select(Conversation).where(Conversation.channel == "zalo", Conversation.external_id == user)
        )
        slug = conv.commune.slug if conv.commune is not None else None
        return {
            "commune": slug,
            "account": conv.channel_account,
            "prompt": conv.gateway_prompt,
            "messages": [(m.direction, m.author, m.text, m.status) for m in conv.messages],
        }


def bot_got(app):
    return app.extensions["vneid"].rasa.received


def sent_by(fake, citizen):
    return {s["oa_id"] for s in fake.sent_to(citizen.user_id)}


# ---- communes' own OAs ---------------------------------------------------------------------------------------
def test_each_commune_oa_lands_in_its_commune_and_answers_with_its_token(province_app, fake):
    dinh_tan = Citizen(province_app, fake, oa_id=OA_DINH_TAN)
    hoa_loc = Citizen(province_app, fake, oa_id=OA_HOA_LOC)
    [first] = dinh_tan.say("xin chào")
    [other] = hoa_loc.say("không nhận được OTP")
    assert first["text"].startswith("Trợ lý của UBND xã Định Tân: đã nhận “xin chào”")
    assert NOTICE_HEAD in first["text"] and "UBND xã Định Tân lưu cuộc trò chuyện" in first["text"]
    assert other["text"].startswith("Trợ lý của UBND xã Hoa Lộc")
    assert [(r["sender"], r["commune"]) for r in bot_got(province_app)] == [
        (f"zalo:{dinh_tan.user_id}", "dinh-tan"),
        (f"zalo:{hoa_loc.user_id}", "hoa-loc"),
    ]
    assert conv_of(province_app, dinh_tan.user_id)["commune"] == "dinh-tan"
    assert conv_of(province_app, dinh_tan.user_id)["account"] == OA_DINH_TAN
    assert conv_of(province_app, hoa_loc.user_id)["commune"] == "hoa-loc"
    # each reply went out with the token of the OA the citizen wrote to
    assert sent_by(fake, dinh_tan) == {OA_DINH_TAN} and sent_by(fake, hoa_loc) == {OA_HOA_LOC}
    with province_app.extensions["vneid"].db.session() as session:
        assert {e.user_id: e.oa_id for e in session.scalars(select(ZaloEvent))} == {
            dinh_tan.user_id: OA_DINH_TAN,
            hoa_loc.user_id: OA_HOA_LOC,
        }


def test_a_follow_of_a_commune_oa_is_welcomed_by_that_commune(province_app, fake):
    citizen = Citizen(province_app, fake, oa_id=OA_HOA_LOC)
    citizen.follow()
    pump(province_app)
    [welcome] = citizen.new()
    assert "Zalo của UBND xã Hoa Lộc" in welcome["text"] and ASK not in welcome["text"]
    assert sent_by(fake, citizen) == {OA_HOA_LOC}
    assert conv_of(province_app, citizen.user_id)["commune"] == "hoa-loc"


def test_an_oa_admin_answer_on_a_commune_oa_pauses_the_bot_in_that_commune(province_app, fake):
    citizen = Citizen(province_app, fake, oa_id=OA_DINH_TAN)
    citizen.say("xin chào")
    echo = fake_zalo.oa_text(fake.app_id, OA_DINH_TAN, citizen.user_id, "Chào bạn, cán bộ xã đây.")
    assert citizen.post(echo).status_code == 200
    pump(province_app)
    conv = conv_of(province_app, citizen.user_id)
    assert conv["commune"] == "dinh-tan" and conv["messages"][-1][:2] == ("out", "staff")
    with province_app.extensions["vneid"].db.session() as session:
        [takeover] = session.scalars(select(AuditLog).where(AuditLog.action == "zalo_admin_takeover")).all()
        assert takeover.commune_id == session.scalar(select(Commune.id).where(Commune.slug == "dinh-tan"))
    # an echo first, from a citizen the gateway has never seen: the conversation is still the OA's commune's
    stranger = Citizen(province_app, fake, oa_id=OA_HOA_LOC)
    assert stranger.post(fake_zalo.oa_text(fake.app_id, OA_HOA_LOC, stranger.user_id, "Xin chào")).status_code == 200
    pump(province_app)
    assert conv_of(province_app, stranger.user_id)["commune"] == "hoa-loc"


def test_each_oa_refreshes_its_own_tokens(province_app, fake):
    dinh_tan = Citizen(province_app, fake, oa_id=OA_DINH_TAN)
    primary = Citizen(province_app, fake)
    dinh_tan.say("xin chào")
    fake.expire_access_tokens(-216)
    assert dinh_tan.say("bước tiếp theo")  # refreshed with Định Tân's refresh token, then sent
    assert [(r["ok"], r["oa_id"]) for r in fake.refreshes] == [(True, OA_DINH_TAN)]
    assert fake.spent_refresh == ["rt-dinh-tan"]
    svc = province_app.extensions["vneid"]
    with svc.db.session() as session:
        row = session.scalar(select(ZaloToken).where(ZaloToken.oa_id == OA_DINH_TAN))
        assert row.version == 2 and row.id != 1
        assert TokenSeal(svc.settings.secret_key).open(row.refresh_token) == fake.other_refresh[OA_DINH_TAN]
        assert row.refresh_token.startswith("sealed:") and "rt-" not in row.refresh_token
        hoa_loc = session.scalar(select(ZaloToken).where(ZaloToken.oa_id == OA_HOA_LOC))
        assert hoa_loc.version == 1  # the other OAs' pairs are untouched
    primary.follow()  # the primary OA then refreshes its own pair, not a commune's
    pump(province_app)
    assert primary.new() and sent_by(fake, primary) == {fake.oa_id}
    assert [r["oa_id"] for r in fake.refreshes] == [OA_DINH_TAN, fake.oa_id]
    with svc.db.session() as session:
        assert session.get(ZaloToken, 1).oa_id is None and session.get(ZaloToken, 1).version == 2


def test_a_commune_oa_without_usable_tokens_does_not_hold_up_the_others(province_app, fake):
    dinh_tan, primary = Citizen(province_app, fake, oa_id=OA_DINH_TAN), Citizen(province_app, fake)
    channel = province_app.extensions["zalo"]
    fake.rate_limit(1)  # the first send (Định Tân's) is refused with -32: only that OA pauses
    dinh_tan.send("xin chào")
    pump(province_app)
    assert channel.paused(OA_DINH_TAN) and not channel.paused(None) and dinh_tan.new() == []
    primary.follow()
    channel.run_once()
    assert primary.new() and dinh_tan.new() == []
    channel.resume_sending()
    pump(province_app)
    assert dinh_tan.new()


def test_zalo_connect_refuses_what_it_cannot_do(province_app, fake):
    runner = province_app.test_cli_runner()
    taken = runner.invoke(
        args=["zalo-connect", "--commune", "quang-yen", "--oa-id", OA_DINH_TAN, "--refresh-token", "x"]
    )
    assert taken.exit_code != 0 and "dinh-tan" in taken.output
    assert runner.invoke(args=["zalo-connect", "--commune", "nowhere", "--oa-id", "123"]).exit_code != 0
    assert runner.invoke(args=["zalo-connect", "--commune", "quang-yen", "--oa-id", "12a"]).exit_code != 0
    no_tokens = runner.invoke(args=["zalo-connect", "--commune", "quang-yen", "--oa-id", "4242"])
    assert no_tokens.exit_code != 0 and "refresh" in no_tokens.output
    check = runner.invoke(args=["zalo-check"])
    assert f"OA {OA_DINH_TAN} (dinh-tan)" in check.output and "ZALO_PROVINCIAL" in check.output
    assert "rt-dinh-tan" not in check.output and "at-dinh-tan" not in check.output


# ---- the province's OA: the citizen names the commune -------------------------------------------------------
def test_an_old_name_without_marks_picks_todays_commune_and_the_first_message_is_answered(province_app, fake):
    citizen = Citizen(province_app, fake)
    [ask] = citizen.say("toi khong nhan duoc ma OTP")
    assert ASK in ask["text"] and NOTICE_HEAD not in ask["text"]  # the notice names the commune: not yet
    assert bot_got(province_app) == []  # kept, not lost, not answered yet
    conv = conv_of(province_app, citizen.user_id)
    assert conv["commune"] is None and conv["account"] == fake.oa_id and conv["prompt"] == "zalo_commune"
    assert conv["messages"][0] == ("in", "citizen", "toi khong nhan duoc ma OTP", "received")

    picked, answer = citizen.say("xa quang long cu")
    assert picked["text"].startswith("Đã chọn xã Quảng Yên (xã Quảng Long nay là xã Quảng Yên).")
    assert "UBND xã Quảng Yên lưu cuộc trò chuyện" in picked["text"]  # the notice, in the commune's words
    assert answer["text"] == "Trợ lý của UBND xã Quảng Yên: đã nhận “toi khong nhan duoc ma OTP”"
    assert [(r["text"], r["commune"]) for r in bot_got(province_app)] == [("toi khong nhan duoc ma OTP", "quang-yen")]
    conv = conv_of(province_app, citizen.user_id)
    assert conv["commune"] == "quang-yen" and conv["prompt"] is None
    assert [m[3] for m in conv["messages"] if m[0] == "in"] == ["answered", "answered"]
    assert sent_by(fake, citizen) == {fake.oa_id}  # the province's OA's token

    assert citizen.say("buoc tiep theo")[0]["text"].endswith("“buoc tiep theo”")  # then as usual
    assert bot_got(province_app)[-1]["commune"] == "quang-yen"


def test_todays_name_after_a_follow_picks_it_and_the_commune_greets(province_app, fake):
    citizen = Citizen(province_app, fake)
    citizen.follow()
    pump(province_app)
    [welcome] = citizen.new()
    assert "Zalo của tỉnh Thanh Hóa" in welcome["text"] and ASK in welcome["text"]
    [picked] = citizen.say("Quang Yen")
    assert picked["text"].startswith("Đã chọn xã Quảng Yên.") and "nay là" not in picked["text"]
    assert "Trợ lý VNeID của UBND xã Quảng Yên" in picked["text"] and NOTICE_HEAD in picked["text"]
    assert [b["payload"] for b in buttons_of(picked)] == ["/start_login", "/request_human"]
    assert bot_got(province_app) == []  # a name alone is an answer, not a question for the bot
    assert conv_of(province_app, citizen.user_id)["commune"] == "quang-yen"


def test_a_first_message_naming_the_commune_with_a_question_is_answered_at_once(province_app, fake):
    citizen = Citizen(province_app, fake)
    picked, answer = citizen.say("Tôi ở xã Định Tân, không đăng nhập được VNeID")
    assert picked["text"].startswith("Đã chọn xã Định Tân.")
    assert answer["text"].startswith("Trợ lý của UBND xã Định Tân")
    assert sent_by(fake, citizen) == {fake.oa_id}  # still the OA the citizen wrote to


def test_an_ambiguous_old_name_gives_a_choice(province_app, fake):
    citizen = Citizen(province_app, fake)
    citizen.follow()
    pump(province_app)
    citizen.new()
    [choice] = citizen.say("xa xuan loc")
    buttons = buttons_of(choice)
    assert [(b["title"], b["payload"]) for b in buttons] == [
        ("Xã Hoa Lộc", "/commune hoa-loc"),
        ("Xã Thắng Lộc", "/commune thang-loc"),
        ("Xã Thọ Phú", "/commune tho-phu"),
    ]
    assert all(len(b["title"]) <= 20 and b["type"] == "oa.query.hide" for b in buttons)
    assert "- xã Hoa Lộc: trước đây là xã Xuân Lộc, huyện Hậu Lộc" in choice["text"]
    assert conv_of(province_app, citizen.user_id)["commune"] is None

    [refused] = citizen.say("/commune thang-loc")  # a unit this installation does not serve
    assert refused["text"].startswith("Xã Thắng Lộc chưa dùng Trợ lý VNeID") and "1800.1096" in refused["text"]
    assert conv_of(province_app, citizen.user_id)["commune"] is None

    [picked] = citizen.say("/commune hoa-loc")
    assert picked["text"].startswith("Đã chọn xã Hoa Lộc.")
    assert conv_of(province_app, citizen.user_id)["commune"] == "hoa-loc"
    assert citizen.say("xin chao")[0]["text"].startswith("Trợ lý của UBND xã Hoa Lộc")


def test_an_unknown_name_asks_again(province_app, fake):
    citizen = Citizen(province_app, fake)
    citizen.follow()
    pump(province_app)
    citizen.new()
    [kept] = citizen.say("o gan cho")  # a first message that names nothing may be a question: kept, and asked
    assert kept["text"] == ZALO["message_kept"] + "\n\n" + ASK
    [again] = citizen.say("xa abc")
    assert again["text"] == ZALO["commune_unknown"]
    [again] = citizen.say("tôi ở tỉnh Quảng Ninh")  # a province, not a unit
    assert again["text"] == ZALO["commune_unknown"]
    assert conv_of(province_app, citizen.user_id)["commune"] is None and bot_got(province_app) == []
    [refused] = citizen.say("phường Hạc Thành")  # a unit of the province this installation does not serve
    assert refused["text"].startswith("Phường Hạc Thành chưa dùng Trợ lý VNeID") and "1800.1096" in refused["text"]


def test_an_oa_admin_answer_before_the_commune_is_known_hands_the_citizen_to_that_person(province_app, fake):
    citizen = Citizen(province_app, fake)
    citizen.say("toi can giup")
    echo = fake_zalo.oa_text(fake.app_id, fake.oa_id, citizen.user_id, "Chào bạn, tỉnh đây.")
    assert citizen.post(echo).status_code == 200
    pump(province_app)
    assert citizen.say("cam on") == []  # to the person, not to the commune question nor the bot
    conv = conv_of(province_app, citizen.user_id)
    assert conv["commune"] is None and conv["messages"][-1][:3] == ("in", "citizen", "cam on")
    assert bot_got(province_app) == []


def test_a_picture_before_the_commune_is_kept_and_the_question_asked(province_app, fake):
    citizen = Citizen(province_app, fake)
    assert (
        citizen.post(
            fake_zalo.user_image(fake.app_id, fake.oa_id, citizen.user_id, "https://zalo.example/a.jpg")
        ).status_code
        == 200
    )
    pump(province_app)
    [ask] = citizen.new()
    assert ask["text"] == ASK
    [picked] = citizen.say("xã Quảng Yên")
    assert picked["text"].startswith("Đã chọn xã Quảng Yên.")


def test_erasing_before_the_commune_is_known(province_app, fake):
    citizen = Citizen(province_app, fake)
    citizen.say("toi can giup")
    [question] = citizen.say("xoa cuoc tro chuyen")
    assert [b["payload"] for b in buttons_of(question)] == ["/affirm", "/deny"]
    [done] = citizen.say("/affirm")
    assert done["text"].startswith("Đã xóa cuộc trò chuyện")
    with province_app.extensions["vneid"].db.session() as session:
        assert session.scalar(select(Conversation).where(Conversation.external_id == citizen.user_id)) is None
    assert bot_got(province_app) == []


def test_without_zalo_provincial_the_primary_oa_is_the_default_communes(commune_app, fake):
    citizen = Citizen(commune_app, fake)
    [answer] = citizen.say("xin chào")
    assert answer["text"].startswith("Trợ lý của UBND xã Quảng Yên")
    conv = conv_of(commune_app, citizen.user_id)
    assert conv["commune"] == "quang-yen" and conv["account"] == fake.oa_id
    assert sent_by(fake, citizen) == {fake.oa_id}
    commune_oa = Citizen(commune_app, fake, oa_id=OA_DINH_TAN)  # communes' own OAs are routed all the same
    assert commune_oa.say("xin chào")[0]["text"].startswith("Trợ lý của UBND xã Định Tân")


def test_kept_messages_wait_when_the_bot_is_down_and_go_once_it_is_back(province_app, fake):
    citizen = Citizen(province_app, fake)
    citizen.say("khong vao duoc dich vu cong")
    svc = province_app.extensions["vneid"]
    working = svc.rasa

    class Down(RecordingRasa):
        def send(self, sender, text, metadata=None):
            from gateway.rasa_client import RasaUnavailable

            raise RasaUnavailable("down")

    svc.rasa = Down()
    citizen.send("xa quang long")
    for _ in range(3):
        province_app.extensions["zalo"].run_once()
    with svc.db.session() as session:
        event = session.scalars(select(ZaloEvent).order_by(ZaloEvent.id.desc())).first()
        assert event.status == "queued" and event.attempts >= 1  # retried later, the kept message not lost
        first = session.scalars(select(Message).where(Message.direction == "in").order_by(Message.id)).first()
        assert first.status in ("received", "failed")
        session.execute(ZaloEvent.__table__.update().values(next_attempt_at=None))
    svc.rasa = working
    pump(province_app)
    texts = texts_of(citizen.new())
    assert texts[0].startswith("Đã chọn xã Quảng Yên (xã Quảng Long nay là xã Quảng Yên).")
    assert texts[-1].endswith("“khong vao duoc dich vu cong”")
    assert len([t for t in texts if t.startswith("Đã chọn")]) == 1
