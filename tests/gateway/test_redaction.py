"""The gateway's privacy filter is the shared detector (vntext.secrets), with the commune's hotline kept.

The detector's own cases are packages/vntext/tests; the adversarial corpus is tests/privacy. Here: the gateway
and the bot use the same code, the commune's published number follows content edits, importing is free.
"""

from __future__ import annotations

import subprocess
import sys


from bot.nlu import sensitive
from gateway.privacy import Redactor


def test_import_does_no_io_and_loads_no_spacy():
    code = "import sys, gateway.privacy; print('spacy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


TEXTS = [
    "mã OTP là số 551177",
    "4 8 2 9 1 3",
    "bốn tám hai chín một ba",
    "mật khẩu em hay dùng là thu1979",
    "mk: Hoàng@Anh!",
    "cccd 038 195 004 321",
    "sdt +84 912.345.678",
    "bước 3 bị lỗi 502",
    "Nghị định 59/2022/NĐ-CP",
    "gọi 024.38541051 được không",
    "gọi 0237 3851 234 được không",
]


def test_gateway_and_bot_see_the_same_secrets(app):
    """One detector: what the bot's NLU would flag is exactly what the gateway masks (same hotline kept)."""
    redactor = app.extensions["vneid"].redactor
    for text in TEXTS:
        assert redactor.redact(text).kinds == sensitive.sensitive_kinds(text), text
    assert redactor.detector().find(TEXTS[0]) == sensitive.detector().find(TEXTS[0])


def test_the_communes_hotline_is_kept_and_follows_its_settings(app):
    from gateway.services import communes, tenant

    svc = app.extensions["vneid"]
    assert svc.redactor.redact("gọi 024.38541051 được không").text == "gọi 024.38541051 được không"
    assert svc.redactor.redact("gọi 0237 3851 234 nhé").text == "gọi [số điện thoại] nhé"
    with svc.db.session() as session:
        communes.update_settings(session, svc.communes.default().id, {"hotline": "0237 3851 234"})
    svc.communes.changed()
    with tenant.speaking_for(svc.communes.default()):
        assert svc.texts.guide.commune["hotline"] == "0237 3851 234"
    assert svc.redactor.redact("gọi 0237 3851 234 nhé").text == "gọi 0237 3851 234 nhé"
    # the guide's own default (024.38541051) is still a published number: kept; another commune's too
    with svc.db.session() as session:
        communes.add(session, "hoang-hoa", "Xã Hoằng Hóa", settings={"hotline": "0237 3861 999"})
    svc.communes.changed()
    assert svc.redactor.redact("gọi 0237 3861 999 nhé").text == "gọi 0237 3861 999 nhé"
    assert svc.redactor.redact("gọi 0237 3861 998 nhé").text == "gọi [số điện thoại] nhé"


def test_previous_message_is_passed_through():
    redactor = Redactor(lambda: [])
    res = redactor.redact("913", previous="482")
    assert res.text == "[mã OTP]" and res.previous_text == "[mã OTP]"
    assert res.previous_spans == [("otp", 0, 3)]


def test_published_numbers_are_compared_only_when_their_source_gives_a_new_object():
    published = [("0912345678",)]
    calls = []

    def numbers():
        calls.append(1)
        return published[0]

    redactor = Redactor(numbers)
    first = redactor.detector()
    assert redactor.detector() is first  # the same tuple: nothing rebuilt
    assert "0912345678" in redactor.redact("gọi 0912345678 nhé").text
    published[0] = ("0912345678",)  # a new object with the same numbers: the same detector
    assert redactor.detector() is first
    published[0] = ("0988777666",)  # the commune published another number
    assert redactor.detector() is not first
    assert "0988777666" in redactor.redact("gọi 0988777666 nhé").text
    assert "0912345678" not in redactor.redact("gọi 0912345678 nhé").text
