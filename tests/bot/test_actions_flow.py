"""The guided flows: choosing, stepping, helping to choose, the final question."""

from rasa_sdk.events import SlotSet

from bot.actions.flow import (
    ActionAnswer,
    ActionChooseFlow,
    ActionGreet,
    ActionLoginSuccess,
    ActionStepDone,
    ActionStepFailed,
    ActionUnsureFlow,
)


def test_greet_says_it_is_automatic_and_offers_both_flows(run, guide):
    r = run(ActionGreet, "greet")
    assert "trợ lý tự động" in r.texts[0]
    assert r.buttons() == ["/choose_password_otp", "/choose_qr", "/unsure_flow"]
    assert r.events == [SlotSet("awaiting", "flow_choice")]


def test_choose_password_otp_starts_flow_a_at_step_1(run, guide):
    r = run(ActionChooseFlow, "choose_password_otp")
    assert r.events == [SlotSet("flow", "A"), SlotSet("step", 1.0), SlotSet("awaiting", "step")]
    assert r.texts[-1].startswith("Bước 1/5: ")
    assert "[Đăng nhập]" in r.texts[-1]
    assert r.messages[-2] == {
        **r.messages[-2],
        "image": "/illustrations/" + guide.step("A", 1)["illustration"],
        "text": None,
    }
    assert r.buttons() == ["/step_done", "/step_failed", "/request_human"]


def test_choose_qr_starts_flow_b_and_resets_a_previous_flow(run):
    r = run(
        ActionChooseFlow,
        "choose_qr",
        slots={"flow": "A", "step": 3.0, "step_failures": 2.0, "problem": "wrong_password", "login_outcome": "not_in"},
    )
    assert r.events == [
        SlotSet("flow", "B"),
        SlotSet("step", 1.0),
        SlotSet("step_failures", 0.0),
        SlotSet("problem", None),
        SlotSet("login_outcome", None),
        SlotSet("awaiting", "step"),
    ]
    assert r.texts[-1].startswith("Bước 1/8: ")


def test_step_done_moves_to_the_next_step(run):
    r = run(ActionStepDone, "step_done", slots={"flow": "A", "step": 2.0, "step_failures": 1.0, "awaiting": "step"})
    assert r.events == [SlotSet("step", 3.0), SlotSet("step_failures", 0.0)]
    assert r.texts == [r.texts[0]] and r.texts[0].startswith("Bước 3/5: ")


def test_step_done_after_the_last_step_asks_whether_they_got_in(run):
    r = run(ActionStepDone, "step_done", slots={"flow": "B", "step": 8.0, "awaiting": "step"})
    assert r.events == [SlotSet("awaiting", "outcome")]
    assert "đăng nhập được" in r.texts[0]
    assert r.buttons() == ["/affirm", "/deny"]


def test_step_done_without_a_flow_asks_for_one(run):
    r = run(ActionStepDone, "step_done")
    assert r.events == [SlotSet("awaiting", "flow_choice")]
    assert r.buttons() == ["/choose_password_otp", "/choose_qr", "/unsure_flow"]


def test_step_failed_lists_the_problems_of_this_step(run, guide):
    r = run(ActionStepFailed, "step_failed", slots={"flow": "A", "step": 4.0, "awaiting": "step"})
    assert r.events == [SlotSet("step_failures", 1.0)]
    expected = [f"/problem_{c}" for c in guide.step("A", 4)["problems"]] + ["/request_human"]
    assert r.buttons() == expected
    assert all(len(b["title"]) <= 20 for b in r.messages[-1]["buttons"])


def test_third_failure_at_a_step_offers_a_person(run):
    r = run(ActionStepFailed, "step_failed", slots={"flow": "A", "step": 4.0, "step_failures": 2.0})
    assert r.events == [
        SlotSet("step_failures", 3.0),
        SlotSet("awaiting", "human_offer"),
        SlotSet("handoff_reason", "stuck"),
    ]
    assert "cán bộ" in r.texts[-1]


def test_unsure_then_has_app_and_level2_leads_to_qr(run):
    r = run(ActionUnsureFlow, "unsure_flow")
    assert r.events == [SlotSet("awaiting", "has_app")]
    r = run(ActionAnswer, "affirm", slots={"awaiting": "has_app"})
    assert r.events == [SlotSet("awaiting", "level2")]
    r = run(ActionAnswer, "affirm", slots={"awaiting": "level2"})
    assert r.slots["flow"] == "B" and r.slots["step"] == 1.0
    assert r.texts[0].startswith("Bạn nên dùng cách quét mã QR")


def test_no_app_leads_to_password_flow(run):
    r = run(ActionAnswer, "deny", slots={"awaiting": "has_app"})
    assert r.slots["flow"] == "A"


def test_outcome_answers_are_recorded(run):
    r = run(ActionAnswer, "affirm", slots={"flow": "A", "step": 5.0, "awaiting": "outcome"})
    assert r.events == [SlotSet("login_outcome", "got_in"), SlotSet("awaiting", None)]
    r = run(ActionAnswer, "deny", slots={"flow": "A", "step": 5.0, "awaiting": "outcome"})
    assert r.events == [SlotSet("login_outcome", "not_in"), SlotSet("awaiting", None)]
    assert r.buttons() == ["/step_failed", "/request_human"]


def test_login_success_at_any_step_is_recorded(run):
    r = run(ActionLoginSuccess, "login_success", slots={"flow": "B", "step": 6.0, "awaiting": "step"})
    assert r.events == [SlotSet("login_outcome", "got_in"), SlotSet("awaiting", None)]


def test_affirm_at_a_step_means_done_and_deny_means_failed(run):
    r = run(ActionAnswer, "affirm", slots={"flow": "A", "step": 1.0, "awaiting": "step"})
    assert r.slots["step"] == 2.0
    r = run(ActionAnswer, "deny", slots={"flow": "A", "step": 1.0, "awaiting": "step"})
    assert r.events == [SlotSet("step_failures", 1.0)]


def test_declining_a_person_returns_to_the_step(run):
    r = run(
        ActionAnswer, "deny", slots={"flow": "A", "step": 3.0, "awaiting": "human_offer", "handoff_reason": "stuck"}
    )
    assert r.events == [SlotSet("handoff_reason", None), SlotSet("awaiting", "step")]
    assert r.texts[-1].startswith("Bước 3/5: ")


def test_resume_after_staff_returns_to_the_same_step(run):
    from bot.actions.flow import ActionResume

    r = run(ActionResume, "request_human", slots={"flow": "A", "step": 4.0, "awaiting": None})
    assert r.events == [SlotSet("awaiting", "step")]
    assert r.texts[-1].startswith("Bước 4/5: ")


def test_greeting_tells_the_outage_notice_when_staff_switched_it_on(run):
    from rasa_sdk.executor import CollectingDispatcher

    from tests.support.actions import make_tracker

    tracker = make_tracker("greet")
    tracker.latest_message["metadata"] = {"outage_notice": "Hệ thống VNeID đang bảo trì đến 17h."}
    dispatcher = CollectingDispatcher()
    ActionGreet().run(dispatcher, tracker, {})
    texts = [m["text"] for m in dispatcher.messages if m.get("text")]
    assert texts[1] == "Thông báo của xã: Hệ thống VNeID đang bảo trì đến 17h."
