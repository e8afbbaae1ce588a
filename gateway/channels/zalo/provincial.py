"""The province's own Official Account (ZALO_PROVINCIAL=1): its conversations start without a commune
(`conversations.commune_id` None) and the gateway asks for it before the bot speaks.

    citizen: toi khong nhan duoc ma OTP       → kept (redacted, `received`, marked `commune_pending`), and
                                                 "Bạn ở xã/phường nào? Ví dụ: xã Quảng Yên, …"
    citizen: xa quang long cu                 → the commune is set (gateway/communes/names.py finds today's unit,
                                                 from old or new names, with or without marks): "Đã chọn xã Quảng
                                                 Yên (xã Quảng Long nay là xã Quảng Yên)." and the privacy notice;
                                                 then the kept message goes to the bot, in that commune's words
    citizen: xa xuan loc                      → a name several units carry: buttons with today's names (≤ 5), each
                                                 saying which former commune it was; the button's payload
                                                 (`/commune <slug>`) comes back as the citizen's text
    a unit this installation does not serve   → said politely, with the province's hotline; asked again
    nothing recognised                        → asked again, with an example

The question is the gateway's own (`gateway_prompt = "zalo_commune"`, shown to staff like the call-back
questions); the conversation is in this state for as long as it has no commune. "xóa cuộc trò chuyện" works here
as everywhere. Words: content/messages.yml `zalo:`.
"""

from __future__ import annotations

import logging
import re
import threading
from types import SimpleNamespace
from typing import Any, Dict, List, Optional, Tuple

from sqlalchemy import select

from gateway.channels.zalo import texts as ztexts
from gateway.communes.names import Match, NameIndex, load_units
from gateway.models import Conversation, Message
from gateway.services import erase_command, inbound, privacy_notice, tenant
from gateway.services.states import WITH_A_PERSON
from gateway.services.communes import CommuneInfo
from gateway.services.container import Services
from gateway.services.messages import add_outbound

log = logging.getLogger(__name__)

PROMPT = "zalo_commune"
PAYLOAD = "/commune "  # a choice button's payload: "/commune quang-yen"
KEPT = "commune_pending"  # marks (Message.data) a message kept until the commune is known
MAX_CHOICES = 5  # Zalo's limit of buttons
MAX_TITLE = 20
_PAYLOAD = re.compile(r"^/commune ([a-z0-9][a-z0-9-]{0,47})$")
# Words around a name that ask nothing of the bot ("toi o xa quang long cu a"): a first message of only these and
# the name is an answer, not a question to keep for the bot (folded: no marks)
_FILLER = frozenset(
    (
        "toi",
        "minh",
        "em",
        "anh",
        "chi",
        "o",
        "tai",
        "thuoc",
        "cua",
        "xa",
        "phuong",
        "thi",
        "tran",
        "huyen",
        "tinh",
        "thanh",
        "hoa",
        "cu",
        "truoc",
        "day",
        "nay",
        "la",
        "va",
        "a",
        "nhe",
        "oi",
        "dang",
        "song",
        "nha",
        "que",
        "chao",
        "xin",
        "ban",
        "ad",
        "admin",
        "vang",
        "da",
    )
)

_index_lock = threading.Lock()
_index: Optional[Tuple[tuple, NameIndex]] = None


def active(svc: Services, conv: Any) -> bool:
    """Whether a conversation still has to say its commune (the province's OA, no commune yet); not while a person
    handles it (someone answered from the OA's admin page): the citizen's messages then go to that person."""
    return conv.commune_id is None and bool(svc.settings.zalo_provincial) and conv.state not in WITH_A_PERSON


def index(svc: Services) -> NameIndex:
    """The names of the province's units (content/communes/thanh-hoa.yml), plus every commune of this installation
    that the file does not hold (a commune added by hand), by its name and old names."""
    global _index
    units = load_units()
    known = {u.slug for u in units}
    extra = tuple(sorted((c.slug, (c.name, *c.old_names)) for c in svc.communes.all() if c.slug not in known))
    key = (id(units[0]) if units else 0, len(units), extra)
    with _index_lock:
        if _index is None or _index[0] != key:
            _index = (key, NameIndex(units, {slug: list(names) for slug, names in extra}))
        return _index[1]


def _province(svc: Services) -> Dict[str, Any]:
    """The province's fields the texts use (content/guide.yml `province:`)."""
    province = svc.texts.guide.guide.get("province") or {}
    return {
        "province": province.get("name", ""),
        "hotline": province.get("hotline", ""),
        "hotline_owner": province.get("hotline_owner", ""),
        "working_hours": province.get("working_hours", ""),
    }


def _lower(name: Optional[str]) -> str:
    """ "Xã Quảng Yên" → "xã Quảng Yên" (inside a sentence)."""
    return (name[:1].lower() + name[1:]) if name else ""


def ask(svc: Services, welcome: bool = False, kept: bool = False) -> Dict[str, Any]:
    """The question (after the province's welcome on a follow; after "your message is kept" on a first message)."""
    parts = []
    if welcome:
        parts.append(ztexts.text(svc, "provincial_welcome", **_province(svc)))
    if kept:
        parts.append(ztexts.text(svc, "message_kept"))
    parts.append(ztexts.text(svc, "ask_commune"))
    return {"text": "\n\n".join(parts)}


def only_a_name(text: str, said: str) -> bool:
    """Whether a message says nothing but the name (and a few words around it): then it is not kept for the bot."""
    words = erase_command.fold(text).split()
    for word in erase_command.fold(said).split():
        if word in words:
            words.remove(word)
    return not [w for w in words if w not in _FILLER and not w.isdigit()]


def _choice(svc: Services, idx: NameIndex, match: Match) -> Dict[str, Any]:
    """Buttons with today's names of the units an ambiguous name may mean, each line saying what it was."""
    found = {m.slug: m for m in idx.lookup(match.said)}
    options, buttons = [], []
    for slug in match.candidates[:MAX_CHOICES]:
        unit = idx.units.get(slug)
        info = svc.communes.by_slug(slug)
        name = unit.name if unit is not None else (info.name if info is not None else slug)
        seen = found.get(slug)
        if seen is not None and seen.old_name:
            options.append(
                ztexts.text(
                    svc,
                    "commune_option",
                    new=_lower(name),
                    old=_lower(seen.old_name),
                    district=_lower(seen.old_district) or "-",
                )
            )
        else:
            options.append(ztexts.text(svc, "commune_option_new", new=_lower(name)))
        title = name if len(name) <= MAX_TITLE else (unit.short if unit is not None else name)[:MAX_TITLE]
        buttons.append({"title": title, "payload": PAYLOAD + slug})
    return {"text": ztexts.text(svc, "commune_choose", said=match.said, options="\n".join(options)), "buttons": buttons}


def _read(svc: Services, text: str) -> Tuple[Optional[Match], Optional[str]]:
    """(the match, the slug) a reply names: a choice button's payload, or a name found in the text."""
    pressed = _PAYLOAD.match(text.strip())
    if pressed:
        slug = pressed.group(1)
        unit = index(svc).units.get(slug)
        info = svc.communes.by_slug(slug)
        name = unit.name if unit is not None else (info.name if info is not None else "")
        return Match(slug, name, name, None, None, ()), slug
    match = index(svc).find(text)
    return match, (match.slug or None) if match is not None else None


def answer(svc: Services, event_id: int, user: str, key: str, text: str, finish) -> Optional[str]:
    """Process a citizen's text in a conversation that has no commune yet; the event's status, or None when the
    conversation got its commune meanwhile (the caller then processes the text as usual). `finish(session,
    status)` closes the event in the transaction that stores the answer."""
    text = inbound.clean_text(text)[: svc.settings.max_message_chars]
    if not text:
        return None
    redaction = svc.redactor.redact(text)
    picked: Optional[CommuneInfo] = None
    with svc.locks.hold(f"zalo:{user}"):
        with svc.db.session() as session:
            conv = session.scalar(
                select(Conversation).where(Conversation.channel == "zalo", Conversation.external_id == user)
            )
            if conv is None or not active(svc, conv):
                return None
            if (
                session.scalar(
                    select(Message.id).where(Message.conversation_id == conv.id, Message.idempotency_key == key)
                )
                is not None
            ):
                finish(session, "done")  # processed before (a retry after a crash): nothing twice
                return "done"
            first = (
                session.scalar(
                    select(Message.id)
                    .where(Message.conversation_id == conv.id, Message.direction == "in", Message.author == "citizen")
                    .limit(1)
                )
                is None
            )
            incoming = Message(
                conversation=conv,
                direction="in",
                author="citizen",
                text=redaction.text,
                sensitive=redaction.kinds or None,
                idempotency_key=key,
                status="answered",
            )
            session.add(incoming)
            session.flush()
            conv_id, incoming_id, prompt = conv.id, incoming.id, conv.gateway_prompt
        own = erase_command.intercept(
            svc, user, SimpleNamespace(id=conv_id, gateway_prompt=prompt), incoming_id, redaction.text
        )
        if own is not None:
            with svc.db.session() as session:
                finish(session, "done")
            if erase_command.erased(own):
                return "erased"
            return "done"
        match, slug = _read(svc, redaction.text)
        with svc.db.session() as session:
            conv = session.get(Conversation, conv_id)
            incoming = session.get(Message, incoming_id)
            keep = first and (match is None or not only_a_name(redaction.text, match.said))
            if slug is not None and svc.communes.by_slug(slug) is not None:
                picked = svc.communes.by_slug(slug)
                conv.commune_id, conv.gateway_prompt = picked.id, None
                _picked(svc, session, conv, incoming, picked, match, welcome=not (keep or _kept(session, conv_id)))
            elif slug is not None:
                unit = index(svc).units.get(slug)
                reply = {
                    "text": ztexts.text(
                        svc, "commune_not_served", name=unit.name if unit else match.name, **_province(svc)
                    )
                }
                add_outbound(session, conv, "system", reply, incoming)
                conv.gateway_prompt = PROMPT
            elif match is not None and match.candidates:
                add_outbound(session, conv, "system", _choice(svc, index(svc), match), incoming)
                conv.gateway_prompt = PROMPT
            else:
                reply = ask(svc, kept=True) if first else {"text": ztexts.text(svc, "commune_unknown")}
                add_outbound(session, conv, "system", reply, incoming)
                conv.gateway_prompt = PROMPT
            if keep:  # the first message waits for the bot (status `received`: not answered yet)
                incoming.status, incoming.data = "received", {KEPT: True}
            if picked is None:
                finish(session, "done")
    if picked is not None:
        log.info("zalo: a provincial OA conversation chose its commune (%s)", picked.slug)
        forward_kept(svc, user, picked)
        with svc.db.session() as session:
            finish(session, "done")
    return "done"


def _kept(session, conv_id: int) -> bool:
    return any(
        (m.data or {}).get(KEPT)
        for m in session.scalars(
            select(Message).where(
                Message.conversation_id == conv_id,
                Message.direction == "in",
                Message.status.in_(("received", "failed")),
            )
        )
    )


def _picked(
    svc: Services, session, conv: Conversation, incoming: Message, info: CommuneInfo, match: Match, welcome: bool
) -> None:
    """ "Đã chọn …" (with "… nay là …" when a former name was used), in the commune's words, with the privacy
    notice; the commune's welcome and guide buttons when no message waits for the bot."""
    with tenant.speaking_for(info):
        new = info.short_name
        if match.old_name and _lower(match.old_name).casefold() != new.casefold():
            text = ztexts.text(svc, "commune_picked_old", new=new, old=_lower(match.old_name))
        else:
            text = ztexts.text(svc, "commune_picked", new=new)
        reply: Dict[str, Any] = {"text": text}
        if welcome:
            reply = ztexts.message(svc, "commune_picked_welcome", "offer_guide")
            reply["text"] = text + "\n\n" + reply["text"]
        add_outbound(session, conv, "system", privacy_notice.attach(svc, conv, reply), incoming)


def forward_kept(svc: Services, user: str, info: Optional[CommuneInfo]) -> List[Dict[str, Any]]:
    """Send the messages kept while the commune was unknown to the bot (or staff), in order, as the commune's;
    BotUnavailable when the bot cannot answer now (they stay kept: the event is retried)."""
    with svc.db.session() as session:
        conv = session.scalar(
            select(Conversation).where(Conversation.channel == "zalo", Conversation.external_id == user)
        )
        if conv is None or conv.commune_id is None:
            return []
        kept = [
            (m.text, m.idempotency_key)
            for m in session.scalars(
                select(Message)
                .where(
                    Message.conversation_id == conv.id,
                    Message.direction == "in",
                    Message.status.in_(("received", "failed")),
                )
                .order_by(Message.id)
            )
            if (m.data or {}).get(KEPT)
        ]
        info = info or svc.communes.by_id(conv.commune_id)
    replies: List[Dict[str, Any]] = []
    for text, key in kept:
        if text and key:
            replies += inbound.handle(
                svc, inbound.Inbound(channel="zalo", sender=user, text=text, key=key, commune=info)
            )
    return replies
