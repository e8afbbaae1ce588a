"""Actions that bring in a person: on request, after misunderstandings, and the fallback."""

from __future__ import annotations

from bot.actions.conversation import MISSES_BEFORE_OFFER, Conversation, GuideAction


class ActionHandoff(GuideAction):
    """The citizen asked for a person: hand off with a summary for the staff."""

    NAME = "action_handoff"

    def act(self, conv: Conversation) -> None:
        conv.hand_off("requested")


class ActionFallback(GuideAction):
    """Not understood: say so with buttons; after two misses in a row, offer a person."""

    NAME = "action_fallback"
    resets_misses = False

    def act(self, conv: Conversation) -> None:
        if conv.helper_started:  # not understood, but it said who the citizen helps: that was the point
            conv.set(misses=0.0)
            if conv.flow and conv.step:
                conv.resume()
            else:
                conv.ask_flow()
            return
        misses = conv.count("misses") + 1
        conv.set(misses=float(misses))
        if misses >= MISSES_BEFORE_OFFER:
            conv.offer_human("misses")
        else:
            conv.say("fallback", "step" if conv.flow else "choose_flow")
