"""Safety (scam, secrets), information answers, the fallback and the handoff payload."""

from rasa_sdk.events import SlotSet

from bot.actions.flow import ActionAnswer
from bot.actions.handoff import ActionFallback, ActionHandoff
from bot.actions.info import ActionAnswerInfo, ActionGoodbye
from bot.actions.safety import ActionScamWarning, ActionSecretWarning


def test_scam_warning_then_back_to_the_step(run, guide):
    r = run(ActionScamWarning, "report_scam", slots={"flow": "A", "step": 4.0, "awaiting": "step"})
    assert r.texts[0].startswith("Cảnh báo lừa đảo")
    assert guide.commune["hotline"] in r.texts[1]
    assert r.texts[-1].startswith("Bước 4/5: ")
    assert r.events == []


def test_secret_warning_names_the_kinds_found(run):
    entities = [{"entity": "sensitive", "value": "phone"}, {"entity": "sensitive", "value": "otp"}]
    r = run(
        ActionSecretWarning,
        "share_secret",
        text="mã otp 123456 sdt 0912345678",
        entities=entities,
        slots={"flow": "A", "step": 4.0},
    )
    assert "mã OTP, số điện thoại" in r.texts[0]
    assert not any("không lưu" in t for t in r.texts)  # raw secret reached the bot: do not claim it was removed
    assert r.texts[-1].startswith("Bước 4/5: ")


def test_secret_warning_confirms_removal_when_the_gateway_redacted(run):
    r = run(
        ActionSecretWarning,
        "share_secret",
        text="mk là [mật khẩu]",
        entities=[{"entity": "sensitive", "value": "password"}],
    )
    assert "mật khẩu" in r.texts[0]
    assert any("không lưu" in t for t in r.texts)


def test_handoff_payload_carries_the_summary(run):
    r = run(
        ActionHandoff,
        "request_human",
        slots={"flow": "A", "step": 4.0, "problem": "otp_not_received", "tried": ["otp_not_received", "otp_invalid"]},
    )
    assert r.custom == [
        {
            "handoff": {
                "reason": "requested",
                "flow": "A",
                "step": 4,
                "problem": "otp_not_received",
                "tried": ["otp_not_received", "otp_invalid"],
                "helper": False,
            }
        }
    ]
    assert r.texts == []  # the gateway says what happens next, in one message (it knows the queue and the hours)
    assert r.events == [SlotSet("handoff_reason", "requested")]


def test_accepting_an_offered_person_hands_off_with_the_reason(run):
    r = run(ActionAnswer, "affirm", slots={"awaiting": "human_offer", "handoff_reason": "misses"})
    assert r.custom[0]["handoff"]["reason"] == "misses"
    assert r.events == [SlotSet("awaiting", None)]


def test_two_misses_in_a_row_offer_a_person(run):
    r = run(ActionFallback, "nlu_fallback", slots={"flow": "A", "step": 2.0})
    assert r.events == [SlotSet("misses", 1.0)]
    assert r.buttons() == ["/step_done", "/step_failed", "/request_human"]
    r = run(ActionFallback, "nlu_fallback", slots={"misses": 1.0})
    assert r.events == [SlotSet("misses", 2.0), SlotSet("awaiting", "human_offer"), SlotSet("handoff_reason", "misses")]


def test_an_understood_message_resets_misses(run):
    r = run(ActionAnswerInfo, "ask_contact", slots={"misses": 1.0})
    assert r.events[0] == SlotSet("misses", 0.0)


def test_information_answers_then_resume(run, guide):
    r = run(ActionAnswerInfo, "ask_why_vneid", slots={"flow": "B", "step": 5.0})
    assert "59/2022/NĐ-CP" in r.texts[0] and "01/07/2024" in r.texts[0]
    assert "69/2024/NĐ-CP" in r.texts[1]
    assert r.texts[-1].startswith("Bước 5/8: ")
    r = run(ActionAnswerInfo, "ask_contact")
    assert guide.commune["hotline"] in r.texts[0] and guide.commune["working_hours"] in r.texts[0]
    assert r.buttons() == ["/start_login", "/request_human"]


def test_out_of_scope_is_helpful(run):
    r = run(ActionAnswerInfo, "out_of_scope")
    assert "một cửa" in r.texts[0] and "dichvucong.thanhhoa.gov.vn" in r.texts[0]


def test_goodbye_mid_flow_asks_the_outcome_first(run):
    r = run(ActionGoodbye, "goodbye", slots={"flow": "A", "step": 3.0})
    assert r.events == [SlotSet("awaiting", "outcome")]
    r = run(ActionGoodbye, "goodbye", slots={"flow": "A", "step": 5.0, "login_outcome": "got_in"})
    assert r.texts == ["Cảm ơn bạn. Chúc bạn làm thủ tục thuận lợi!"]
