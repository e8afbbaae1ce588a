"""The bot's answer to a stored message, exactly once: the message sent to Rasa with its gateway id in the REST
metadata, proof read back from Rasa's tracker store that Rasa stored the turn, and on a retry of a message Rasa
already processed, its replies rebuilt from the tracker store instead of a second send (an unanswered attempt is
undone with Rasa's `rewind` first). A failure marks the message failed and is a retryable 503 for the citizen.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, Optional

from gateway.rasa_client import RasaUnavailable
from gateway.services.container import Services
from gateway.services.inbound_errors import BotUnavailable
from gateway.services.inbound_store import mark_failed
from gateway.services.tracker_store import TrackerStoreError

log = logging.getLogger(__name__)


def commune_metadata(svc: Services, commune_id: Optional[int]) -> Dict[str, Any]:
    """What the bot needs to speak for the conversation's commune (one model serves every commune: its words
    come from here, never from training data): its slug and `{commune.*}` fields."""
    info = svc.communes.by_id(commune_id)
    if info is None:
        return {}
    return {"commune": info.slug, "commune_fields": svc.texts.guide_for(info).commune_fields}


def handoff_of(reply: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """The bot's handoff payload in a reply, if any."""
    custom = reply.get("custom")
    payload = custom.get("handoff") if isinstance(custom, dict) else None
    return payload if isinstance(payload, dict) else None


def _fail(svc: Services, message_id: int, conv_id: int, why: str) -> BotUnavailable:
    """Mark the message failed (a retry processes it) and build the citizen's honest answer."""
    log.error("bot unavailable for conversation %s: %s", conv_id, why)
    mark_failed(svc, message_id)
    return BotUnavailable(svc.texts.text("bot_unavailable"))


def _undo_unanswered(svc: Services, sender: str, message_id: int, conv_id: int, rewindable: bool) -> None:
    """Rasa holds an attempt of this message it did not answer (a custom action failed): undo it with Rasa's
    `rewind` before the message is sent again, so that Rasa's dialogue history holds the message once. Only when
    `rewind` undoes exactly that attempt (`Turn.rewindable`: the latest turn of the session, after a listen), else
    it would undo another turn too: then the message is sent again as it is. BotUnavailable if Rasa cannot be
    asked (nothing is sent)."""
    if not rewindable:
        log.warning(
            "message %s: Rasa holds an unanswered attempt that is not its latest turn after a listen; "
            "sent again without undoing it",
            message_id,
        )
        return
    try:
        svc.rasa.rewind(sender)
    except RasaUnavailable as exc:
        raise _fail(svc, message_id, conv_id, f"unanswered attempt not undone: {exc}") from exc
    log.info("message %s: Rasa's unanswered attempt undone (rewind) before it is sent again", message_id)


def ask(
    svc: Services,
    sender: str,
    recipient: str,
    text: str,
    metadata: Dict[str, Any],
    message_id: int,
    conv_id: int,
    retry: bool,
):
    """The bot's replies and slots for this message, exactly once: (replies, slots) or BotUnavailable."""
    store = svc.tracker_store
    use_store = store is not None and store.available()
    if retry and use_store:
        try:
            turn = store.turn(sender, message_id, recipient, whole=True)
        except TrackerStoreError as exc:
            raise _fail(svc, message_id, conv_id, str(exc)) from exc
        if turn.found and turn.replies:
            log.info("message %s was already processed by Rasa: replies rebuilt from the tracker store", message_id)
            return turn.replies, turn.slots
        if turn.found:
            _undo_unanswered(svc, sender, message_id, conv_id, turn.rewindable)
    try:
        replies = svc.rasa.send(sender, text, metadata)
    except RasaUnavailable as exc:
        raise _fail(svc, message_id, conv_id, str(exc)) from exc
    if not replies:  # Rasa answers [] when a custom action failed (action server down): not an answer
        raise _fail(svc, message_id, conv_id, "Rasa answered nothing (action server down?)")
    if not use_store:
        try:
            return replies, svc.rasa.tracker(sender).get("slots") or {}
        except RasaUnavailable as exc:  # the answer matters more than the summary: carry on
            log.warning("tracker not read for message %s: %s", message_id, exc)
            return replies, {}
    try:
        turn = store.turn(sender, message_id, recipient)
    except TrackerStoreError as exc:
        svc.health_cache.pop("tracker_store_ok_at", None)  # /healthz probes again at once
        raise _fail(svc, message_id, conv_id, f"{exc}: Rasa may be answering from an in-memory tracker") from exc
    if not turn.found:
        svc.health_cache.pop("tracker_store_ok_at", None)
        raise _fail(svc, message_id, conv_id, "Rasa did not store the turn in its tracker store (in-memory fallback?)")
    return replies, turn.slots
