"""What the actions do with issue 20's signals: a pasted screen message, another purpose, helper mode, questions
about other services (exact events and replies)."""

from rasa_sdk.events import SlotSet

from bot.actions.flow import ActionAnswer, ActionAskFlow, ActionHelper, ActionStepDone
from bot.actions.handoff import ActionFallback, ActionHandoff
from bot.actions.info import ActionAnswerInfo
from bot.actions.problems import ActionHandleProblem
from bot.actions.safety import ActionSecretWarning


def error(key):
    return {"entity": "error", "value": key, "start": 0, "end": 10}


def helper(relative="mẹ"):
    return {"entity": "helper", "value": relative, "start": 0, "end": 2}


def purpose(key):
    return {"entity": "purpose", "value": key, "start": 0, "end": 3}


# --- a pasted screen message ----------------------------------------------------------------------------------------


def test_pasted_wrong_credentials_at_the_otp_step_goes_back_to_step_3_and_says_what_it_means(run, guide):
    r = run(
        ActionHandleProblem,
        "problem_wrong_password",
        slots={"flow": "A", "step": 4.0},
        entities=[error("credentials_incorrect")],
    )
    assert r.slots["step"] == 3.0 and r.slots["problem"] == "wrong_password"
    assert r.texts[0] == guide.error("credentials_incorrect")["meaning"]
    assert "không phải lỗi mã OTP" in r.texts[0]
    assert r.texts[1].startswith(guide.problem("wrong_password")["title"])
    assert r.buttons() == ["/affirm", "/deny", "/request_human"]
    worked = run(
        ActionAnswer, "affirm", slots={"flow": "A", "step": 3.0, "awaiting": "remedy", "problem": "wrong_password"}
    )
    assert worked.texts[-1].startswith("Bước 3/5: ")


def test_a_pasted_message_outside_a_flow_starts_the_flow_it_belongs_to(run):
    r = run(ActionHandleProblem, "problem_qr_expired", entities=[error("qr_refresh")])
    assert r.slots["flow"] == "B" and r.slots["step"] == 3.0
    both = run(ActionHandleProblem, "problem_portal_unavailable", entities=[error("system_busy")])
    assert "flow" not in both.slots  # shown in both flows: no guess


def test_an_error_entity_of_another_problem_changes_nothing(run):
    r = run(
        ActionHandleProblem,
        "problem_otp_invalid",
        slots={"flow": "A", "step": 4.0},
        entities=[error("credentials_incorrect")],
    )
    assert "step" not in r.slots and not any("không phải lỗi mã OTP" in t for t in r.texts)


# --- another purpose ------------------------------------------------------------------------------------------------


def test_login_help_first_then_a_word_on_the_other_purpose_once(run, guide):
    r = run(
        ActionHandleProblem, "problem_otp_not_received", slots={"flow": "A", "step": 4.0}, entities=[purpose("land")]
    )
    remedy = guide.problem("otp_not_received")["remedy"]
    assert r.texts[1 : 1 + len(remedy)] == [guide.fill(line) for line in remedy]
    assert r.texts[-2].startswith("Còn việc giấy tờ đất:") and guide.commune["hotline"] in r.texts[-2]
    assert r.texts[-1] == guide.text("remedy_check")
    assert r.slots["purpose"] == "land"
    again = run(
        ActionHandleProblem,
        "problem_otp_invalid",
        slots={"flow": "A", "step": 4.0, "purpose": "land"},
        entities=[purpose("land")],
    )
    assert not any(t.startswith("Còn ") for t in again.texts)


def test_a_request_to_be_guided_with_another_purpose(run):
    r = run(ActionAskFlow, "start_login", entities=[purpose("birth")])
    assert r.texts == [
        "Còn việc đăng ký khai sinh: sau khi đăng nhập được, bạn tìm thủ tục đó trên Dịch vụ công, "
        "hoặc hỏi Bộ phận một cửa của xã (đường dây nóng 024.38541051).",
        "Bạn muốn đăng nhập theo cách nào?",
    ]
    assert r.buttons() == ["/choose_password_otp", "/choose_qr", "/unsure_flow"]


# --- questions about other services ---------------------------------------------------------------------------------


def test_another_service_gets_the_hotline_and_an_offer_of_a_person_never_a_warning(run, guide):
    r = run(ActionAnswerInfo, "out_of_scope", text="hồ sơ của tôi bị trả lại là sao", entities=[purpose("other")])
    assert guide.commune["hotline"] in r.texts[0]
    assert r.texts[1] == guide.text("out_of_scope_offer")
    assert r.buttons() == ["/start_login", "/request_human"]
    assert r.events == [SlotSet("purpose", "other"), SlotSet("awaiting", "guide_offer")]
    assert not any("Cảnh báo" in t or "Bạn đừng gửi" in t for t in r.texts)
    in_flow = run(ActionAnswerInfo, "out_of_scope", slots={"flow": "A", "step": 2.0})
    assert in_flow.texts[-1].startswith("Bước 2/5: ") and "/request_human" in in_flow.buttons()


# --- helper mode ----------------------------------------------------------------------------------------------------


def test_a_helper_is_welcomed_and_reminded_whose_phone_and_consent(run):
    r = run(ActionHelper, "helping_relative", entities=[helper("mẹ")])
    assert r.texts[0] == ("Cảm ơn bạn đã giúp mẹ. Tôi hướng dẫn bạn từng bước, đăng nhập bằng tài khoản VNeID của mẹ.")
    assert "số điện thoại đã đăng ký VNeID của mẹ" in r.texts[1] and "đồng ý" in r.texts[1]
    assert r.texts[2] == "Bạn muốn đăng nhập theo cách nào?"
    assert r.slots["helping"] == "mẹ" and r.slots["awaiting"] == "flow_choice"


def test_a_helper_without_a_named_relative_and_mid_flow(run):
    r = run(ActionHelper, "helping_relative", slots={"flow": "B", "step": 4.0})
    assert r.slots["helping"] == "người nhà"
    assert "ứng dụng VNeID trên điện thoại của người nhà" in r.texts[2]  # the app step, on the relative's phone
    assert r.texts[-1].startswith("Bước 4/8: ")


def test_the_otp_step_reminds_the_helper(run):
    r = run(ActionStepDone, "step_done", slots={"flow": "A", "step": 3.0, "helping": "bố"})
    assert r.texts[0] == (
        "Mã OTP sẽ về điện thoại của bố. Bạn nhờ bố mở tin nhắn và cùng nhập mã, không đọc mã cho ai khác."
    )
    assert r.texts[1].startswith("Bước 4/5: ")
    plain = run(ActionStepDone, "step_done", slots={"flow": "A", "step": 3.0})
    assert plain.texts[0].startswith("Bước 4/5: ")


def test_a_problem_said_for_a_relative_welcomes_the_helper_first_and_in_person_is_for_the_relative(run):
    r = run(
        ActionHandleProblem, "problem_phone_number_changed", slots={"flow": "A", "step": 4.0}, entities=[helper("ông")]
    )
    assert r.texts[0].startswith("Cảm ơn bạn đã giúp ông.")
    assert "Việc này ông phải tự đến Công an" in r.texts[-2]
    assert r.slots["helping"] == "ông" and r.slots["awaiting"] == "human_offer"
    once = run(
        ActionHandleProblem,
        "problem_otp_invalid",
        slots={"flow": "A", "step": 4.0, "helping": "ông"},
        entities=[helper("ông")],
    )
    assert not any(t.startswith("Cảm ơn bạn đã giúp") for t in once.texts)


def test_the_handoff_payload_says_a_relative_is_helping(run):
    r = run(ActionHandoff, "request_human", slots={"flow": "A", "step": 4.0, "helping": "mẹ"})
    assert r.custom == [
        {"handoff": {"reason": "requested", "flow": "A", "step": 4, "problem": None, "tried": [], "helper": True}}
    ]


def test_not_understood_but_naming_a_relative_is_no_miss(run):
    r = run(ActionFallback, "nlu_fallback", entities=[helper("bà")], slots={"misses": 1.0})
    assert r.slots["misses"] == 0.0 and r.slots["helping"] == "bà"
    assert r.texts[-1] == "Bạn muốn đăng nhập theo cách nào?"


def test_the_safety_warning_comes_alone(run):
    r = run(
        ActionSecretWarning,
        "share_secret",
        text="mk của mẹ tôi là [mật khẩu]",
        entities=[{"entity": "sensitive", "value": "password"}, helper("mẹ")],
    )
    assert r.texts[0].startswith("Bạn đừng gửi mật khẩu")
    assert "helping" not in r.slots
