"""The gateway's privacy filter is the shared detector (vntext.secrets), with the commune's hotline kept.

The detector's own cases are packages/vntext/tests; the adversarial corpus is tests/privacy. Here: the gateway
and the bot use the same code, the commune's published number follows content edits, importing is free.
"""
from __future__ import annotations

import subprocess
import sys

import yaml

from bot.nlu import sensitive
from gateway.privacy import Redactor


def test_import_does_no_io_and_loads_no_spacy():
    code = "import sys, gateway.privacy; print('spacy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


TEXTS = [
    "mã OTP là số 551177", "4 8 2 9 1 3", "bốn tám hai chín một ba", "mật khẩu em hay dùng là thu1979",
    "mk: Hoàng@Anh!", "cccd 038 195 004 321", "sdt +84 912.345.678", "bước 3 bị lỗi 502",
    "Nghị định 59/2022/NĐ-CP", "gọi 024.38541051 được không", "gọi 0237 3851 234 được không",
]


def test_gateway_and_bot_see_the_same_secrets(app):
    """One detector: what the bot's NLU would flag is exactly what the gateway masks (same hotline kept)."""
    redactor = app.extensions["vneid"].redactor
    for text in TEXTS:
        assert redactor.redact(text).kinds == sensitive.sensitive_kinds(text), text
    assert redactor.detector().find(TEXTS[0]) == sensitive.detector().find(TEXTS[0])


def test_the_communes_hotline_is_kept_and_follows_a_content_edit(app):
    svc = app.extensions["vneid"]
    assert svc.redactor.redact("gọi 024.38541051 được không").text == "gọi 024.38541051 được không"
    assert svc.redactor.redact("gọi 0237 3851 234 nhé").text == "gọi [số điện thoại] nhé"
    svc.settings.content_overrides.write_text(
        yaml.safe_dump({"guide": {"commune.hotline": "0237 3851 234", "commune.hotline_tel": "02373851234"}},
                       allow_unicode=True), encoding="utf-8")
    assert svc.texts.guide.commune["hotline"] == "0237 3851 234"
    assert svc.redactor.redact("gọi 0237 3851 234 nhé").text == "gọi 0237 3851 234 nhé"
    assert svc.redactor.redact("gọi 024.38541051 được không").text == "gọi [số điện thoại] được không"


def test_previous_message_is_passed_through():
    redactor = Redactor(lambda: [])
    res = redactor.redact("913", previous="482")
    assert res.text == "[mã OTP]" and res.previous_text == "[mã OTP]"
    assert res.previous_spans == [("otp", 0, 3)]
