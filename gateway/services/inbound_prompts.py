"""The gateway's own questions in a conversation, answered by the citizen's next message: the call back
(offer → explicit consent → phone number, stored apart → confirmation) and the satisfaction question after a
resolved handoff. Never sent to Rasa (only a yes or no in words is read with Rasa's NLU).
"""

from __future__ import annotations

from typing import List, Optional

from vntext import secrets

from gateway.models import CallbackRequest, Conversation, Message
from gateway.rasa_client import RasaUnavailable
from gateway.services import handoff, satisfaction
from gateway.services.container import Services
from gateway.services.messages import add_outbound

YES, NO = "affirm", "deny"
SATISFACTION = {"/satisfied": YES, "/not_satisfied": NO}  # the buttons of the question after a resolved handoff


def answer_of(svc: Services, prompt: str, redaction) -> Optional[str]:
    """Interpret an answer to the gateway's own question: yes, no, phone, or None (not an answer)."""
    if prompt == "callback_phone" and any(kind == "phone" for kind, _, _ in redaction.spans):
        return "phone"
    text = redaction.text.strip()
    if text in ("/affirm", "/deny"):
        return YES if text == "/affirm" else NO
    if prompt == "satisfaction" and text in SATISFACTION:
        return SATISFACTION[text]
    if prompt == "callback_phone":
        return "bad_phone" if len(text) <= 40 else None
    try:
        intent = (svc.rasa.parse(text).get("intent") or {}).get("name")
    except RasaUnavailable:
        return None
    return intent if intent in (YES, NO) else None


def apply(
    svc: Services, session, conv: Conversation, message: Message, prompt: str, answer: str, redaction, original: str
) -> List[Message]:
    """The call-back dialogue: offer → explicit consent → phone number (stored apart) → confirmation."""
    texts = svc.texts
    if prompt == "satisfaction":  # asked once: any answer ends the question
        conv.gateway_prompt = None
        satisfaction.record(session, conv, answer == YES)
        return [
            add_outbound(
                session,
                conv,
                "system",
                texts.message("satisfaction_yes" if answer == YES else "satisfaction_no"),
                message,
            )
        ]
    if answer == NO:
        conv.gateway_prompt = None
        return [add_outbound(session, conv, "system", texts.message("callback_declined"), message)]
    if prompt == "callback_offer" and answer == YES:
        conv.gateway_prompt = "callback_consent"
        return [
            add_outbound(
                session,
                conv,
                "system",
                texts.message("callback_consent", "consent", days=svc.settings.retention_days),
                message,
            )
        ]
    if prompt == "callback_consent" and answer == YES:
        conv.gateway_prompt = "callback_phone"
        return [add_outbound(session, conv, "system", texts.message("callback_ask_phone"), message)]
    if prompt == "callback_phone" and answer == "phone":
        kind, start, end = next(span for span in redaction.spans if span[0] == "phone")
        phone = secrets.digits_of(original[start:end])  # "không chín…", full-width digits: as ASCII digits
        session.add(
            CallbackRequest(
                conversation_id=conv.id,
                phone=phone,
                consent_text=texts.text("callback_consent", days=svc.settings.retention_days),
            )
        )
        open_handoff = handoff.open_handoff(session, conv)
        if open_handoff is not None:
            handoff._event(session, open_handoff, "callback_requested")
        conv.gateway_prompt = None
        digits = "".join(ch for ch in phone if ch.isdigit())
        return [add_outbound(session, conv, "system", texts.message("callback_saved", last3=digits[-3:]), message)]
    if prompt == "callback_phone":
        return [add_outbound(session, conv, "system", texts.message("callback_bad_phone"), message)]
    conv.gateway_prompt = None
    return []
