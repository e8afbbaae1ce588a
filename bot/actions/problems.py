"""Actions of the problem catalogue: recognise a problem, give its remedy, follow up."""
from __future__ import annotations

from bot.actions.conversation import Conversation, GuideAction

PREFIX = "problem_"
# Problems an outage can cause: the outage notice (when staff switched it on) is said before their remedy.
OUTAGE_RELATED = {"portal_unavailable", "not_redirected", "otp_not_received", "app_login_failed", "qr_scan_failed"}


class ActionHandleProblem(GuideAction):
    """Answers a `problem_<code>` intent with that problem's remedy, then asks whether it worked."""

    NAME = "action_handle_problem"

    def act(self, conv: Conversation) -> None:
        code = conv.intent[len(PREFIX):] if conv.intent.startswith(PREFIX) else ""
        problem = conv.guide.problem(code)
        if problem is None:  # only if the domain and the catalogue disagree
            conv.say("fallback", "step" if conv.flow else "choose_flow")
            return
        tried = list(conv.get("tried") or [])
        if code not in tried:
            tried.append(code)
        conv.set(problem=code, tried=tried)
        stuck = conv.fail_at_step() if conv.flow else False
        if code in OUTAGE_RELATED and conv.outage_notice:
            conv.say("outage", notice=conv.outage_notice)
        conv.say("remedy_intro", problem_title=problem["title"])
        for line in problem["remedy"]:
            conv.send(conv.guide.fill(line))
        if problem.get("in_person") == "yes":
            conv.say("in_person", bring=problem.get("bring", ""))
            conv.offer_human("in_person")
        elif stuck:
            conv.offer_human("stuck")
        else:
            conv.say("remedy_check", "remedy_check")
            conv.set(awaiting="remedy")


def remedy_answer(conv: Conversation, worked: bool) -> None:
    """What follows "did that work?": continue at the step, or count a failure and escalate as needed."""
    problem = conv.guide.problem(conv.get("problem") or "") or {}
    if worked:
        conv.set(problem=None)
        conv.say("remedy_worked")
        if conv.flow and conv.step:
            conv.send_step()
        else:
            conv.ask_outcome()
        return
    stuck = conv.fail_at_step() if conv.flow else False
    if problem.get("in_person") == "maybe":
        conv.say("in_person", bring=problem.get("bring", ""))
        conv.offer_human("in_person")
    elif stuck or not conv.flow:
        conv.offer_human("stuck")
    else:
        conv.say("remedy_failed")
        conv.send_step()
