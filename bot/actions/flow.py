"""Actions of the guided login flows: greeting, choosing a flow, moving step by step, the final question."""

from __future__ import annotations

from bot.actions.conversation import Conversation, GuideAction
from bot.actions.problems import remedy_answer

FLOW_OF_INTENT = {"choose_password_otp": "A", "choose_qr": "B"}


class ActionGreet(GuideAction):
    """Greets as an automatic assistant, then asks for the flow (or returns to the current step)."""

    NAME = "action_greet"

    def act(self, conv: Conversation) -> None:
        conv.say("greet")
        if conv.outage_notice:
            conv.say("outage", notice=conv.outage_notice)
        if conv.flow and conv.step:
            conv.resume()
        else:
            conv.ask_flow()


class ActionAskFlow(GuideAction):
    """The citizen wants to log in: ask which way (after a word on another purpose they named)."""

    NAME = "action_ask_flow"

    def act(self, conv: Conversation) -> None:
        conv.ask_flow()


class ActionHelper(GuideAction):
    """The citizen logs in for a relative: welcome the helper (whose account, whose phone, consent), then the
    current step, or the choice of a way to log in."""

    NAME = "action_helper"

    def act(self, conv: Conversation) -> None:
        if not conv.helper_started:
            conv.start_helping(conv.relative or conv.guide.text("helper_default_relative"))
        conv.mention_purpose()
        if conv.flow and conv.step:
            conv.send_step()
        else:
            conv.ask_flow()


class ActionChooseFlow(GuideAction):
    """Starts flow A (password + OTP) or B (QR) at step 1."""

    NAME = "action_choose_flow"

    def act(self, conv: Conversation) -> None:
        conv.start_flow(FLOW_OF_INTENT.get(conv.intent, "A"))


class ActionUnsureFlow(GuideAction):
    """Helps choose: first asks whether the citizen has the VNeID app on a smartphone."""

    NAME = "action_unsure_flow"

    def act(self, conv: Conversation) -> None:
        conv.say("ask_has_app", "yes_no")
        conv.set(awaiting="has_app")


class ActionStepDone(GuideAction):
    """The step is done: send the next one, or after the last step ask whether the citizen got in."""

    NAME = "action_step_done"

    def act(self, conv: Conversation) -> None:
        advance(conv)


class ActionStepFailed(GuideAction):
    """The step failed without a named cause: ask which problem, with this step's usual problems as buttons."""

    NAME = "action_step_failed"

    def act(self, conv: Conversation) -> None:
        step_failed(conv)


class ActionLoginSuccess(GuideAction):
    """The citizen says they are in: record it and congratulate."""

    NAME = "action_login_success"

    def act(self, conv: Conversation) -> None:
        record_outcome(conv, got_in=True)


class ActionResume(GuideAction):
    """Back to the current step after a person handled the conversation (run by the gateway on return)."""

    NAME = "action_resume"

    def act(self, conv: Conversation) -> None:
        conv.resume()


class ActionAnswer(GuideAction):
    """A yes or no, understood from what the bot asked last (the `awaiting` slot)."""

    NAME = "action_answer"

    def act(self, conv: Conversation) -> None:
        yes = conv.intent == "affirm"
        awaiting = conv.get("awaiting")
        if awaiting == "has_app":
            if yes:
                conv.say("ask_level2", "yes_no")
                conv.set(awaiting="level2")
            else:
                conv.say("suggest_password")
                conv.start_flow("A")
        elif awaiting == "level2":
            conv.say("suggest_qr" if yes else "suggest_password")
            conv.start_flow("B" if yes else "A")
        elif awaiting == "remedy":
            remedy_answer(conv, worked=yes)
        elif awaiting == "outcome":
            record_outcome(conv, got_in=yes)
        elif awaiting == "human_offer":
            if yes:
                conv.hand_off(conv.get("handoff_reason") or "requested")
            else:
                conv.set(handoff_reason=None)
                conv.resume()
        elif awaiting == "guide_offer":
            if yes:
                conv.ask_flow()
            else:
                conv.say("goodbye")
                conv.set(awaiting=None)
        elif awaiting == "flow_choice":
            conv.say("ask_has_app", "yes_no")
            conv.set(awaiting="has_app")
        elif conv.flow:
            # At a step, "ok/rồi" means done and "không" means it did not work.
            if yes:
                advance(conv)
            else:
                step_failed(conv)
        elif yes:
            conv.ask_flow()
        else:
            conv.resume()


def advance(conv: Conversation) -> None:
    """Move to the next step; after the last one, ask for the outcome."""
    if not conv.flow:
        conv.say("not_in_flow", "choose_flow")
        conv.set(awaiting="flow_choice")
        return
    if conv.step < conv.total:
        conv.set(step=float(conv.step + 1), step_failures=0.0, problem=None)
        conv.send_step()
    else:
        conv.ask_outcome()


def step_failed(conv: Conversation) -> None:
    """Count a failure at the step; offer a person when stuck, else ask which problem it is."""
    if not conv.flow:
        conv.say("not_in_flow", "choose_flow")
        conv.set(awaiting="flow_choice")
        return
    if conv.fail_at_step():
        conv.offer_human("stuck")
        return
    step = conv.guide.step(conv.flow, conv.step)
    buttons = [
        {"title": conv.guide.problem(code)["short"], "payload": f"/problem_{code}"}
        for code in step.get("problems", [])[:4]
    ] + [b for b in conv.guide.buttons("step") if b["payload"] == "/request_human"]
    conv.dispatcher.utter_message(text=conv.guide.text("step_failed_ask", step=conv.step), buttons=buttons)
    conv.set(awaiting="step")


def record_outcome(conv: Conversation, got_in: bool) -> None:
    """Record whether the citizen got in, and answer."""
    conv.set(login_outcome="got_in" if got_in else "not_in", awaiting=None)
    if got_in:
        conv.say("outcome_yes")
    else:
        conv.say("outcome_no", "outcome_no")
