"""Actions for safety: scam warnings and secrets typed into the chat. Answered in any state."""

from __future__ import annotations

from bot.actions.conversation import Conversation, GuideAction
from bot.nlu import sensitive


class ActionScamWarning(GuideAction):
    """Warns about a described scam with the facts and official contacts, then resumes."""

    NAME = "action_scam_warning"
    reads_signals = False  # the warning comes first, alone

    def act(self, conv: Conversation) -> None:
        conv.say("scam")
        conv.say("scam_if_installed")
        conv.resume()


class ActionSecretWarning(GuideAction):
    """Warns that the bot never needs an OTP, password, ID number or phone number, then resumes."""

    NAME = "action_secret_warning"
    reads_signals = False  # the warning comes first, alone

    def act(self, conv: Conversation) -> None:
        message = conv.tracker.latest_message
        kinds = [e.get("value") for e in message.get("entities", []) if e.get("entity") == "sensitive"]
        kinds = [k for k in sensitive.KINDS if k in kinds] or ["otp"]
        names = ", ".join(conv.guide.secret_kind(k) for k in kinds)
        conv.say("secret", kind=names)
        if sensitive.find_placeholders(message.get("text") or ""):
            conv.say("secret_removed")  # only true when the gateway removed it before we saw it
        conv.resume()
