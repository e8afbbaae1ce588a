"""Actions that answer questions (why VNeID, level 2, contacts, who am I) and small talk, then resume."""

from __future__ import annotations

from bot.actions.conversation import Conversation, GuideAction

# Intent -> messages (keys in messages.yml) that answer it.
ANSWERS = {
    "ask_why_vneid": ["why_vneid", "why_vneid_now"],
    "ask_level2": ["level2", "level2_check"],
    "ask_contact": ["contact"],
    "bot_challenge": ["bot_challenge"],
    "out_of_scope": ["out_of_scope"],
    "thank": ["thank"],
}


class ActionAnswerInfo(GuideAction):
    """Answers an information question, then returns to the step the citizen was at."""

    NAME = "action_answer_info"

    def act(self, conv: Conversation) -> None:
        last_checked = conv.guide.flow("A").get("last_checked", "")
        for key in ANSWERS.get(conv.intent, ["fallback"]):
            conv.say(key, last_checked=last_checked)
        if conv.intent == "thank" and not conv.flow:
            conv.set(awaiting=None)
            return
        if conv.intent == "out_of_scope" and not (conv.flow and conv.step):
            # another service or another topic: the guide, or a person who can answer (the hotline was said)
            conv.say("out_of_scope_offer", "offer_guide")
            conv.set(awaiting="guide_offer")
            return
        conv.resume()


class ActionGoodbye(GuideAction):
    """Before saying goodbye in the middle of a flow, asks whether the citizen got in."""

    NAME = "action_goodbye"

    def act(self, conv: Conversation) -> None:
        if conv.flow and not conv.get("login_outcome"):
            conv.ask_outcome()
        else:
            conv.say("goodbye")
            conv.set(awaiting=None)
