"""Issue 16's invariant: whenever the bot's sensitive signal fires on the RAW text a citizen typed, no copy the
gateway keeps of that message holds the secret; and a benign message is stored unchanged.

The bot's side is `bot.nlu.sensitive` (what `SensitiveDataSignal` runs in Rasa's pipeline), called on the raw text,
and for a sample the real Rasa server's `/model/parse` on the raw text. The gateway's side is its real path with the
app's services on a real database: `inbound.handle` for the widget (validation, cleaning, redaction with the
conversation's previous stored message, the retro-masking of that message, storage), and for Zalo `events.store`
(the queued body) then `events.process` (the worker's step). Rasa is a recording stand-in here (the text the
gateway forwards is one of the copies checked); the real one is tested end to end in
tests/e2e/test_privacy_canary_stack.py.

Inputs: the seeded adversarial corpus of tools/privacy_corpus.py (every secret case, on the channel it names, and
every benign message), the canaries of the end-to-end test, and a hand-written list of shapes.

Copies checked for each message: the stored citizen message (after the whole case: a later message may have
masked it retroactively), the text sent to Rasa, and for Zalo the queued body.
"""

from __future__ import annotations

import itertools
import json
import random
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

import pytest
import requests
from sqlalchemy import select

from bot.nlu import sensitive as bot_side
from gateway.channels.zalo import events
from gateway.zalo_models import ZaloEvent
from gateway.models import Conversation, Message
from gateway.services import inbound
from tests.support.canaries import CANARIES, digits_of
from tests.support.gateway import build_app
from tests.support.fake_rasa import FakeRasa
from tests.support.leaks import standalone
from tests.support.zalo import new_user, zalo_settings
from tools import fake_zalo
from tools import privacy_corpus as pc
from tools.fake_zalo import FakeZalo

RASA_SAMPLE = 160  # raw messages also parsed by the real Rasa server

# shapes written by hand (besides the corpus): issue 16's examples and a few more; (messages, channel)
HAND_CASES = [
    ["4 8 2 9 1 3"],
    ["482 913"],
    ["48-29-13"],
    ["482.913"],
    ["48/29/13"],
    ["482_913"],
    ["4*8*2*9*1*3"],
    ["4·8·2·9·1·3"],
    ["48–29–13"],
    ["48−29−13"],
    ["(482913)"],
    ['"482913"'],
    ["４８２９１３"],
    ["④⑧②⑨①③"],
    ["⁴⁸²⁹¹³"],
    ["٤٨٢٩١٣"],
    ["4８2９1３"],
    ["bốn tám hai chín một ba"],
    ["bon tam hai chin mot ba"],
    ["không chín một hai ba bốn năm sáu bảy tám"],
    ["mật khẩu em hay dùng là thu1979"],
    ["mk: Hoàng@Anh!"],
    ["pass của tôi là abcxyz"],
    ["lỗi otp 482913"],
    ["em nhập 482913 mà nó báo sai"],
    ["mã nó gửi về là 482913 đúng không"],
    ["482", "913"],
    ["038195", "004321"],
    ["mật khẩu của em là", "thu1979"],
    ["cccd 038 195 004 321"],
    ["038.195.004.321"],
    ["+84 912 345 678"],
    ["+84.912.345.678"],
    ["0912 345 678"],
    ["mã O T P 482913"],
    ["48\u200b2913"],
    ["4️⃣8️⃣2️⃣9️⃣1️⃣3️⃣"],
    ["𝟒𝟖𝟐𝟗𝟏𝟑"],
    ["๔๘๒๙๑๓"],
    ["m\u0061\u0303 OTP la\u0300 482913"],
    ["482\n913"],
    ["otp:482913"],
    ["sđt: (+84) 912-345-678"],
    ["0084 912 345 678"],
    ["sdt 091.234.5678"],
    ["mã otp là: [482913]"],
    ["mật khẩu vneid của em là Abc@123456 và otp 904 417"],
    ["mã otp", "bốn tám hai chín một ba"],
    ["mã là 482", "913"],
    ["482", "913 ạ"],
    ["0912", "345 678"],
    ["[mã OTP] 482913"],
    ["  482913  "],
    ["mã\totp\t482913"],
    ["MÃ OTP LÀ 482913"],
    ["482913" * 3],
    ["mã otp " + "4 " * 12],
]
HAND_BENIGN = [
    "bước 3 bị lỗi 502",
    "nghị định 59/2022/NĐ-CP",
    "tôi 45 tuổi",
    "gọi 024.38541051 không được",
    "8h30 sáng mai",
    "ngày 16/01/2026 em đăng nhập",
    "VNeID 2.1.8 báo lỗi",
    "phí 1.500.000đ à",
    "em đợi 5 phút rồi",
    "xin chào",
    "cho tôi gặp cán bộ",
    "ko nhan dc ma otp",
    "mật khẩu sai",
    "quên mật khẩu thì làm sao",
    "mã otp hết hạn",
    "năm 2024 em làm cccd",
    "bước 4/5 rồi",
    "lỗi 404",
    "làm lại 3 lần rồi",
    "/choose_password_otp",
    "/step_done",
]


class RecordingRasa(FakeRasa):
    """The stand-in Rasa, keeping every text the gateway forwarded (per conversation, in order)."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: Dict[str, List[str]] = defaultdict(list)

    def send(self, sender, text, metadata=None):
        self.sent[sender].append(text)
        return super().send(sender, text, metadata)

    def parse(self, text):
        self.sent["(parse)"].append(text)
        return super().parse(text)


@dataclass
class Copies:
    """What the gateway keeps of each message of one case (index: the message's place in the case)."""

    stored: List[str]  # the stored citizen messages, after the whole case
    sent: List[Optional[str]]  # the text forwarded to Rasa for each message (None: not forwarded)
    queued: List[Optional[str]] = field(default_factory=list)  # Zalo: the text of the queued body


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    fake = FakeZalo().start()
    app = build_app(zalo_settings(tmp_path_factory.mktemp("invariant"), fake))
    svc = app.extensions["vneid"]
    svc.rasa = RecordingRasa()
    yield svc, fake
    app.extensions["zalo"].stop()
    fake.stop()


def run_case(svc, fake: FakeZalo, messages: Sequence[str], channel: str) -> Copies:
    """The messages as one citizen's consecutive messages on a channel, through the gateway."""
    rasa: RecordingRasa = svc.rasa
    sender = new_user() if channel == "zalo" else f"inv-{uuid.uuid4().hex[:12]}"
    queued, sent = [], []
    for text in messages:
        before = len(rasa.sent[f"{channel}:{sender}"])
        if channel == "widget":
            inbound.handle(svc, inbound.Inbound(channel="widget", sender=sender, text=text, key=uuid.uuid4().hex))
        else:
            event = fake_zalo.user_text(fake.app_id, fake.oa_id, sender, text)
            assert events.store(svc, fake_zalo.encode(event), event)
            with svc.db.session() as session:
                row = session.scalar(select(ZaloEvent).where(ZaloEvent.msg_id == event["message"]["msg_id"]))
                event_id, body = row.id, row.body
            queued.append(json.loads(body)["message"]["text"])
            assert events.process(svc, event_id) == "done"
        forwarded = rasa.sent[f"{channel}:{sender}"][before:]
        sent.append(forwarded[0] if forwarded else None)
    with svc.db.session() as session:
        conv = session.scalar(
            select(Conversation).where(Conversation.channel == channel, Conversation.external_id == sender)
        )
        stored = [
            m.text
            for m in session.scalars(
                select(Message)
                .where(Message.conversation_id == conv.id, Message.author == "citizen")
                .order_by(Message.id)
            )
        ]
    assert len(stored) == len(messages), (messages, stored)
    return Copies(stored, sent, queued)


def flagged(text: str) -> List[str]:
    """The pieces of the raw text the bot's signal flags (its spans), trimmed."""
    return [text[s:e].strip() for _, s, e in bot_side.find_raw(text) if text[s:e].strip()]


def _forms(piece: str) -> List[str]:
    """A flagged piece as typed, NFC, and its digits when it spells 4 or more."""
    import unicodedata

    out = {piece, unicodedata.normalize("NFC", piece), inbound.clean_text(piece)}
    digits = digits_of(piece)
    if len(digits) >= 4:
        out.add(digits)
    return [f for f in out if f]


def violations(messages: Sequence[str], copies: Copies) -> List[str]:
    """Where a piece the bot's signal flags in a raw message is still in a copy of that message."""
    found = []
    for index, raw in enumerate(messages):
        if not bot_side.sensitive_kinds(raw):
            continue
        places = {"stored": copies.stored[index], "sent to Rasa": copies.sent[index] or ""}
        if copies.queued:
            places["queued body"] = copies.queued[index]
        for piece in flagged(raw):
            for form in _forms(piece):
                for where, text in places.items():
                    if standalone(form.lower()).search(text.lower()):
                        found.append(
                            f"{list(messages)!r}: message {index + 1} flagged {piece!r}, "
                            f"{where} holds {form!r}: {text!r}"
                        )
    return found


# --------------------------------------------------------------------------------------------------- corpus
@pytest.fixture(scope="module")
def corpus() -> pc.Corpus:
    return pc.generate(pc.SEED)


@pytest.fixture(scope="module")
def corpus_run(gateway, corpus):
    """Every secret case through the gateway on its channel: (case, copies)."""
    svc, fake = gateway
    return [(case, run_case(svc, fake, case.messages, case.channel)) for case in corpus.cases]


def test_what_the_bot_flags_no_gateway_copy_holds(corpus_run):
    fired = [(case, copies) for case, copies in corpus_run if any(bot_side.sensitive_kinds(m) for m in case.messages)]
    assert len(fired) >= 0.95 * len(corpus_run)  # the signal fires on nearly every secret case
    found = [v for case, copies in fired for v in violations(case.messages, copies)]
    assert found == [], f"{len(found)} copies hold what the bot flagged:\n" + "\n".join(found[:30])


def test_when_the_bot_flags_a_case_none_of_its_secrets_is_stored(corpus_run):
    """The corpus knows each case's secrets (digits in any script or words, password fragments, split parts):
    where the signal fires on any message of a case, the stored conversation keeps none of them, and the queued
    Zalo bodies and the texts sent to Rasa keep none of the flagged message's."""
    leaks = []
    counts = Counter()
    for case, copies in corpus_run:
        fires = [bool(bot_side.sensitive_kinds(m)) for m in case.messages]
        if not any(fires):
            counts["signal silent"] += 1
            continue
        counts["signal fired"] += 1
        problems = pc.case_leaks(case, copies.stored)
        for index, fired in enumerate(fires):
            secrets_here = [s for s in case.secrets if any(i == index for i, _ in s.pieces)]
            for copy_name, copy in (
                ("sent to Rasa", copies.sent[index]),
                ("queued body", copies.queued[index] if copies.queued else None),
            ):
                if fired and copy is not None:
                    problems += [
                        f"{copy_name} of message {index + 1}: {s.kind} {found}"
                        for s in secrets_here
                        for found in pc.secret_leaks(s, [copy])
                    ]
        if problems:
            leaks.append(
                f"[{case.shape}/{case.form} {case.channel}] typed {list(case.messages)!r}\n"
                f"    stored {copies.stored!r}\n    leaked {'; '.join(problems)}"
            )
    print(f"\n{counts['signal fired']} cases where the signal fired, {counts['signal silent']} where it did not")
    assert leaks == [], f"{len(leaks)} cases:\n" + "\n".join(leaks[:30])


def test_the_gateway_keeps_no_more_than_the_detector_itself(gateway, corpus_run):
    """Every case, whether the signal fired or not (the parts of a split secret alone are no secret to the bot): the
    gateway's path (cleaning, previous stored message as context, retro-masking, Zalo's queue) leaks nothing the
    detector's own reading of the sequence (`privacy_corpus.store_sequence`) masks."""
    svc, _ = gateway
    detector = svc.redactor.detector()
    worse = []
    for case, copies in corpus_run:
        gateway_leaks = pc.case_leaks(case, copies.stored)
        if gateway_leaks and not pc.case_leaks(case, pc.store_sequence(detector, case.messages)):
            worse.append(
                f"[{case.shape}/{case.form} {case.channel}] typed {list(case.messages)!r}\n"
                f"    stored {copies.stored!r}\n    leaked {'; '.join(gateway_leaks)}"
            )
    assert worse == [], f"{len(worse)} cases:\n" + "\n".join(worse[:30])


def test_benign_messages_are_stored_unchanged(gateway, corpus):
    svc, fake = gateway
    changed, fired = [], []
    messages = (
        [(m.text, m.channel) for m in corpus.benign]
        + [(t, "widget") for t in HAND_BENIGN]
        + [(t, "zalo") for t in HAND_BENIGN]
    )
    for text, channel in messages:
        copies = run_case(svc, fake, [text], channel)
        if bot_side.sensitive_kinds(text):  # the signal fires: then the gateway masks too (consistency)
            fired.append(text)
            assert copies.stored[0] != inbound.clean_text(text), text
        elif (
            copies.stored[0] != inbound.clean_text(text)
            or copies.sent[0] != copies.stored[0]
            or (copies.queued and inbound.clean_text(copies.queued[0]) != copies.stored[0])
        ):
            changed.append(f"{text!r} ({channel}) -> stored {copies.stored[0]!r}, sent {copies.sent[0]!r}")
    print(f"\n{len(messages)} benign messages, the signal fired on {len(fired)}: {fired[:10]}")
    assert changed == [], "\n".join(changed[:30])
    assert len(fired) <= 0.05 * len(messages), fired


# ------------------------------------------------------------------------------------------ written by hand
@pytest.mark.parametrize("channel", ["widget", "zalo"])
def test_hand_written_shapes_and_canaries(gateway, channel):
    svc, fake = gateway
    cases = HAND_CASES + [list(c.messages) for c in CANARIES]
    found, silent = [], []
    for messages in cases:
        copies = run_case(svc, fake, messages, channel)
        found += violations(messages, copies)
        if len(messages) == 1 and not bot_side.sensitive_kinds(messages[0]):
            silent.append(messages[0])
    assert found == [], "\n".join(found)
    # every secret written in one message is one the signal sees (parts across messages are the gateway's to join)
    assert silent == [], silent


# ------------------------------------------------------------------------------------------- the real Rasa
def test_real_rasa_flags_what_the_bot_side_detector_flags(bot, corpus, corpus_run):
    """A sample of raw messages (secret and benign) parsed by the real Rasa server (the model's
    SensitiveDataSignal): it flags the same kinds as `bot.nlu.sensitive`, and where it flags anything, the gateway's
    copies of that message hold none of it (the corpus run above)."""
    rng = random.Random(pc.SEED)
    by_text = {}
    for case, copies in corpus_run:
        for index, raw in enumerate(case.messages):
            by_text.setdefault(raw, (case.messages, copies))
    secret_texts = rng.sample(sorted(by_text), RASA_SAMPLE * 3 // 4)
    benign_texts = rng.sample(sorted({m.text for m in corpus.benign}), RASA_SAMPLE // 4)
    disagree, flagged_by_rasa = [], 0
    for raw in itertools.chain(secret_texts, benign_texts):
        response = requests.post(
            f"{bot.rasa_url}/model/parse", params={"token": bot.token}, json={"text": raw}, timeout=30
        )
        response.raise_for_status()
        parsed = response.json()
        rasa_kinds = sorted({e["value"] for e in parsed.get("entities", []) if e.get("entity") == "sensitive"})
        if rasa_kinds != sorted(bot_side.sensitive_kinds(raw)):
            disagree.append((raw, rasa_kinds, bot_side.sensitive_kinds(raw)))
        if rasa_kinds and raw in by_text:
            flagged_by_rasa += 1
            messages, copies = by_text[raw]
            assert violations(messages, copies) == [], raw
            assert parsed["intent"]["name"] in ("share_secret", "report_scam"), (raw, parsed["intent"])
    assert disagree == [], disagree[:20]
    assert flagged_by_rasa >= RASA_SAMPLE // 2
