"""The problem catalogue: remedy, follow-up, in-person cases, escalation."""

import pytest
from rasa_sdk.events import SlotSet

from bot.actions.flow import ActionAnswer
from bot.actions.problems import ActionHandleProblem, in_person
import content


@pytest.mark.parametrize("code", content.load().problem_codes())
def test_every_problem_gets_its_remedy_lines(run, guide, code):
    r = run(ActionHandleProblem, f"problem_{code}", slots={"flow": "A", "step": 3.0})
    problem = guide.problem(code)
    sent = r.texts
    assert sent[0].startswith(problem["title"])
    for line in problem["remedy"]:
        assert guide.fill(line) in sent
    assert r.slots["problem"] == code and r.slots["tried"] == [code]
    if in_person(problem) == "yes":
        assert r.slots["awaiting"] == "human_offer" and r.slots["handoff_reason"] == "in_person"
        assert any("Công an" in t and problem["bring"] in t for t in sent)
    else:
        assert r.slots["awaiting"] == "remedy"
        assert r.buttons() == ["/affirm", "/deny", "/request_human"]


def test_the_problems_that_always_need_the_police_say_so_at_once():
    # guide.yml writes `in_person: yes` unquoted, which YAML reads as true: it must still mean "yes"
    codes = [c for c in content.load().problem_codes() if in_person(content.load().problem(c)) == "yes"]
    assert codes == ["not_level2", "phone_number_changed"]


def test_otp_not_received_exact_events(run):
    r = run(ActionHandleProblem, "problem_otp_not_received", slots={"flow": "A", "step": 4.0, "awaiting": "step"})
    assert r.events == [
        SlotSet("problem", "otp_not_received"),
        SlotSet("tried", ["otp_not_received"]),
        SlotSet("step_failures", 1.0),
        SlotSet("awaiting", "remedy"),
    ]


def test_a_problem_tried_twice_is_listed_once(run):
    r = run(
        ActionHandleProblem,
        "problem_otp_invalid",
        slots={"flow": "A", "step": 4.0, "tried": ["otp_invalid"], "problem": "otp_invalid"},
    )
    assert "tried" not in r.slots


def test_remedy_worked_continues_at_the_same_step(run):
    r = run(
        ActionAnswer,
        "affirm",
        slots={"flow": "A", "step": 4.0, "problem": "otp_invalid", "awaiting": "remedy", "step_failures": 1.0},
    )
    assert r.events == [SlotSet("problem", None), SlotSet("awaiting", "step")]
    assert r.texts[-1].startswith("Bước 4/5: ")


def test_remedy_failed_retries_the_step(run):
    r = run(
        ActionAnswer,
        "deny",
        slots={"flow": "A", "step": 4.0, "problem": "otp_invalid", "awaiting": "remedy", "step_failures": 1.0},
    )
    assert r.events == [SlotSet("step_failures", 2.0), SlotSet("awaiting", "step")]


def test_remedy_failed_for_a_maybe_in_person_problem_says_what_to_bring(run, guide):
    r = run(
        ActionAnswer,
        "deny",
        slots={"flow": "A", "step": 4.0, "problem": "otp_not_received", "awaiting": "remedy", "step_failures": 1.0},
    )
    assert r.events == [
        SlotSet("step_failures", 2.0),
        SlotSet("awaiting", "human_offer"),
        SlotSet("handoff_reason", "in_person"),
    ]
    assert guide.problem("otp_not_received")["bring"] in r.texts[0]


def test_third_failure_with_a_remedy_offers_a_person(run):
    r = run(ActionHandleProblem, "problem_wrong_password", slots={"flow": "A", "step": 3.0, "step_failures": 2.0})
    assert r.slots["awaiting"] == "human_offer" and r.slots["handoff_reason"] == "stuck"


def test_problem_outside_a_flow_asks_the_outcome_when_the_remedy_worked(run):
    r = run(ActionHandleProblem, "problem_qr_expired")
    assert "step_failures" not in r.slots
    r = run(ActionAnswer, "affirm", slots={"problem": "qr_expired", "awaiting": "remedy"})
    assert r.slots["awaiting"] == "outcome"


def test_outage_notice_comes_before_the_remedy_of_related_problems(guide):
    from rasa_sdk.executor import CollectingDispatcher

    from tests.support.actions import make_tracker

    for code, expected in (("portal_unavailable", True), ("wrong_password", False)):
        tracker = make_tracker(f"problem_{code}", slots={"flow": "A", "step": 5.0})
        tracker.latest_message["metadata"] = {"outage_notice": "Cổng đang bảo trì."}
        dispatcher = CollectingDispatcher()
        ActionHandleProblem().run(dispatcher, tracker, {})
        first = dispatcher.messages[0]["text"]
        assert (first == "Thông báo của xã: Cổng đang bảo trì.") is expected
