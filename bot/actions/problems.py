"""Actions of the problem catalogue: recognise a problem, give its remedy, follow up."""

from __future__ import annotations

from typing import Optional

from bot.actions.conversation import Conversation, GuideAction

PREFIX = "problem_"
# Problems an outage can cause: the outage notice (when staff switched it on) is said before their remedy.
OUTAGE_RELATED = {"portal_unavailable", "not_redirected", "otp_not_received", "app_login_failed", "qr_scan_failed"}


class ActionHandleProblem(GuideAction):
    """Answers a `problem_<code>` intent with that problem's remedy, then asks whether it worked.

    When the citizen pasted a message the screens show (the `error` entity, content/errors.yml), the bot says what
    it means if the catalogue explains it, and takes the conversation to the step where that message appears (in
    the current flow, or the only flow it belongs to), so "it worked" continues from the right step. A word on
    another purpose named in the message comes after the remedy."""

    NAME = "action_handle_problem"

    def act(self, conv: Conversation) -> None:
        code = conv.intent[len(PREFIX) :] if conv.intent.startswith(PREFIX) else ""
        problem = conv.guide.problem(code)
        if problem is None:  # only if the domain and the catalogue disagree
            conv.say("fallback", "step" if conv.flow else "choose_flow")
            return
        error = pasted_error(conv, code)
        if error:
            go_to_error_step(conv, error)
        tried = list(conv.get("tried") or [])
        if code not in tried:
            tried.append(code)
        conv.set(problem=code, tried=tried)
        stuck = conv.fail_at_step() if conv.flow else False
        if code in OUTAGE_RELATED and conv.outage_notice:
            conv.say("outage", notice=conv.outage_notice)
        if error and error.get("meaning"):
            conv.send(conv.guide.fill(str(error["meaning"])))
        conv.say("remedy_intro", problem_title=problem["title"])
        for line in problem["remedy"]:
            conv.send(conv.guide.fill(line))
        conv.mention_purpose()
        if in_person(problem) == "yes":
            say_in_person(conv, problem)
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
    if in_person(problem) == "maybe":
        say_in_person(conv, problem)
        conv.offer_human("in_person")
    elif stuck or not conv.flow:
        conv.offer_human("stuck")
    else:
        conv.say("remedy_failed")
        conv.send_step()


def in_person(problem: dict) -> str:
    """`yes`, `maybe` or `no`. YAML reads an unquoted `yes`/`no` in guide.yml as true/false: both spellings count
    (as in the gateway's script aid)."""
    value = problem.get("in_person", "no")
    if isinstance(value, bool):
        return "yes" if value else "no"
    value = str(value).strip().lower()
    return value if value in ("yes", "maybe") else "yes" if value == "true" else "no"


def say_in_person(conv: Conversation, problem: dict) -> None:
    """What to bring to Công an; in helper mode, that the relative must go in person."""
    conv.say("in_person", bring=problem.get("bring", ""))
    if conv.relative:
        conv.say("helper_in_person", relative=conv.relative)


def pasted_error(conv: Conversation, code: str) -> Optional[dict]:
    """The catalogue entry of the screen message the citizen pasted (entity `error`), if it means this problem."""
    for entity in conv.entities("error"):
        entry = conv.guide.error(str(entity.get("value") or ""))
        if entry and entry.get("problem") == code:
            return entry
    return None


def go_to_error_step(conv: Conversation, entry: dict) -> None:
    """Move to the step where the pasted message appears: in the current flow if it appears there, else in the
    only flow it belongs to when no flow is running. A step that does not exist in the guide is ignored."""
    places = []
    for place in entry.get("steps") or []:
        place = str(place).strip().upper()
        if len(place) >= 2 and place[0] in ("A", "B") and place[1:].isdigit():
            number = int(place[1:])
            if 1 <= number <= len(conv.guide.steps(place[0])):
                places.append((place[0], number))
    if conv.flow:
        here = [n for f, n in places if f == conv.flow]
        if here and conv.step not in here:
            conv.set(step=float(here[0]), step_failures=0.0)
        return
    flows = {f for f, _ in places}
    if len(flows) == 1:
        flow, number = places[0]
        conv.set(flow=flow, step=float(number), step_failures=0.0, login_outcome=None)
