"""Which commune and which conversation a Zalo event belongs to: a commune's own OA routes to that commune; the
installation's primary OA to the default commune, or to none yet when it is the province's (ZALO_PROVINCIAL=1).
A conversation keeps the commune and the OA it started with.
"""

from __future__ import annotations

from typing import Optional, Tuple

from sqlalchemy import select

from gateway.models import Conversation
from gateway.services.communes import CommuneInfo
from gateway.services.container import Services
from gateway.services.messages import get_or_create_conversation


def route(svc: Services, oa_id: Optional[str]) -> Tuple[Optional[CommuneInfo], bool]:
    """(the commune, provincial) of a new conversation on this OA: a commune's own OA → that commune; else the
    installation's primary OA → (None, True) when it is the province's (ZALO_PROVINCIAL=1), else the default
    commune."""
    own = svc.communes.by_oa(oa_id) if oa_id else None
    if own is not None:
        return own, False
    if svc.settings.zalo_provincial:
        return None, True
    return svc.communes.default(), False


def conversation(svc: Services, session, user: str, oa_id: Optional[str]) -> Conversation:
    """The citizen's Zalo conversation, created on first contact in the commune its OA routes to, remembering the
    OA (its replies go out with that OA's token). An existing one keeps its commune and OA."""
    conv = session.scalar(select(Conversation).where(Conversation.channel == "zalo", Conversation.external_id == user))
    if conv is not None:
        if conv.commune_id is None and not svc.settings.zalo_provincial:  # ZALO_PROVINCIAL was turned off
            default = svc.communes.default()
            conv.commune_id = default.id if default is not None else None
        return conv
    info, _ = route(svc, oa_id)
    conv = get_or_create_conversation(session, "zalo", user, info.id if info is not None else None)
    conv.channel_account = oa_id
    session.flush()
    return conv


def commune_of(svc: Services, user: str, oa_id: Optional[str]) -> Optional[CommuneInfo]:
    """The commune an event of this citizen speaks for: their conversation's, else the one its OA routes to."""
    with svc.db.session() as session:
        row = session.execute(
            select(Conversation.id, Conversation.commune_id).where(
                Conversation.channel == "zalo", Conversation.external_id == user
            )
        ).first()
    if row is not None:
        return svc.communes.by_id(row.commune_id)
    return route(svc, oa_id)[0]
