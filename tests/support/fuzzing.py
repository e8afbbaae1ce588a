"""What the fuzzing suite shares: the secrets of its gateway (random per run), hypothesis strategies for hostile
text, numbers and request bodies, the log recorder for the secret scan, and the properties every answer keeps. The
hypothesis profile and the fixtures live in tests/fuzz/conftest.py."""

from __future__ import annotations

import json
import logging
import secrets
import string
import unicodedata
from typing import Any, List

from hypothesis import strategies as st

SECRET_KEY = "fuzz-" + secrets.token_hex(24)  # random per run: the gateway refuses keys written in the repository
RASA_TOKEN = "fuzz-rasa-" + secrets.token_hex(12)
STAFF_PASSWORD = "Mat-Khau-Can-Bo-2024!"
CANARY_PASSWORD = "Canary#Pass2024"
CANARY_OTP = "739146"
SECRETS = [SECRET_KEY, RASA_TOKEN, STAFF_PASSWORD, CANARY_PASSWORD]

VIETNAMESE = (
    "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
    "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴĐ"
)
NASTY = [
    "\x00",
    "\x01",
    "\x1b",
    "\x7f",
    "\x85",
    "\u200b",
    "\u200d",
    "\u202e",
    "\u2060",
    "\ufeff",
    "\ufffd",
    "\r\n",
    "\t",
    "\u0301",
    "\u0323",
    "🙂",
    "👨‍👩‍👧",
    "🇻🇳",
    "\U000e0041",
    "\ue000",
    "Ð",
    "ð",
    "％",
    "１２３",
]
PHRASES = [
    "xin chào",
    "ko nhan dc ma otp",
    "mật khẩu của tôi là " + CANARY_PASSWORD,
    "mã otp " + CANARY_OTP,
    "quên mật khẩu",
    "/step_done",
    "/choose_qr",
    "cho tôi gặp cán bộ",
    "số định danh 038195004321",
    "Đăng nhập bị lỗi",
    "0912 345 678",
]


def _nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


# 10,000-digit numbers, written out (Python refuses to convert ints of more than 4,300 digits to text)
big_number = st.tuples(st.integers(1, 9), st.integers(0, 9), st.integers(9_990, 10_000)).map(
    lambda t: str(t[0]) + str(t[1]) * t[2]
)
# Digits str.isdigit accepts and int() does not (or reads as another number): "²", Arabic-Indic, full-width, …
UNICODE_DIGITS = ["²", "³", "¹", "٣", "۴", "१२", "１２３", "߀", "①", "½", "𝟗", "٠٠٧"]
unicode_digits = st.one_of(
    st.sampled_from(UNICODE_DIGITS), st.text(alphabet=st.characters(categories=("Nd", "No")), min_size=1, max_size=12)
)
# integers around and far past what a database column holds (SQL's BIGINT is 2^63 - 1)
huge_integer = st.one_of(
    st.integers(min_value=2**63 - 2, max_value=2**64 + 2),
    st.integers(min_value=2**64, max_value=10**60),
    st.integers(max_value=-(2**63)),
)


def nested(depth: int, kind: str, closed: bool) -> bytes:
    """JSON `depth` levels deep (arrays or objects), closed or cut off."""
    opening, closing = (b"[", b"]") if kind == "array" else (b'{"a":', b"}")
    return opening * depth + b"1" + (closing * depth if closed else b"")


# 10,000 levels mostly, and depths around the gateway's bound (32) and beyond
deep_nesting = st.builds(
    nested,
    st.one_of(st.just(10_000), st.integers(28, 40), st.integers(41, 10_000)),
    st.sampled_from(["array", "object"]),
    st.booleans(),
)
plain_text = st.lists(st.sampled_from(list(string.printable + VIETNAMESE) + NASTY), max_size=120).map("".join)
any_text = st.text(max_size=300)  # any code point but surrogates
odd_text = st.text(alphabet=st.characters(categories=("Cs", "Co", "Cc", "Cf", "Mn", "Zl", "Zp")), max_size=40)
surrogates = st.text(alphabet=st.characters(categories=("Cs",)), min_size=1, max_size=4)
vietnamese = st.one_of(
    st.sampled_from(PHRASES),
    st.sampled_from(PHRASES).map(_nfd),
    plain_text,
    plain_text.map(_nfd),
    any_text,
    odd_text,
    st.builds(lambda a, b: a + b, st.sampled_from(PHRASES), surrogates),  # only JSON escapes (\ud800) carry them
    big_number,
    unicode_digits,
    st.lists(st.sampled_from(PHRASES + NASTY), max_size=12).map(" ".join),
    st.builds(lambda a, b: a + b, st.sampled_from(PHRASES), st.sampled_from(NASTY)),
)
json_scalar = st.one_of(st.none(), st.booleans(), st.integers(), huge_integer, st.floats(allow_nan=False), vietnamese)
json_value = st.recursive(
    json_scalar,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
sender = st.one_of(
    st.sampled_from(["c-1", "c-2", "widget-abc", "x" * 128]),
    st.from_regex(r"[A-Za-z0-9_.:@\-]{1,12}", fullmatch=True),
    json_value,
)


def encode(value: Any) -> bytes:
    """JSON as a client might send it: UTF-8, or ASCII with escapes when lone surrogates are in it."""
    text = json.dumps(value, ensure_ascii=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value).encode("ascii")


def body_of(fields: st.SearchStrategy) -> st.SearchStrategy:
    """Request bodies: mostly JSON objects with the endpoint's fields, some raw or broken bytes, a few huge, some
    nested 10,000 deep (whole or in one field), some with numbers past any column (2^64, 10^60, 1e999, NaN)."""
    return st.one_of(
        fields.map(encode),
        fields.map(encode),
        fields.map(encode),
        json_value.map(encode),
        st.binary(max_size=300),
        st.builds(lambda v: b"\xff\xfe" + encode(v), json_value),
        big_number.map(lambda n: b'{"sender": "c-1", "message": ' + n.encode() + b"}"),
        big_number.map(lambda n: b'{"sender": "c-1", "message": "' + n.encode() + b'"}'),
        st.integers(min_value=65 * 1024, max_value=300 * 1024).map(lambda n: b'{"message": "' + b"a" * n + b'"}'),
        deep_nesting,  # the whole body, or one field of an otherwise well-formed one
        deep_nesting.map(lambda d: b'{"sender": "c-1", "message": "x", "text": "x", "metadata": ' + d + b"}"),
        fields.map(encode).map(
            lambda b: (
                b[:-1] + b', "n": ' + b"[" * 10_000 + b"]" * 10_000 + b"}" if b.endswith(b"}") and len(b) > 2 else b
            )
        ),
        huge_integer.map(lambda n: b'{"sender": "c-1", "message": "x", "text": "x", "n": ' + str(n).encode() + b"}"),
        st.sampled_from([b"NaN", b"Infinity", b"-Infinity", b"1e999", b"-1e400", b"1" + b"0" * 60]).map(
            lambda n: b'{"sender": "c-1", "message": "x", "text": "x", "n": ' + n + b"}"
        ),
    )


class Records(logging.Handler):
    """Every log record, for the secret scan."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: List[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def text(self) -> str:
        out = []
        for r in self.records:
            try:
                out.append(r.getMessage())
            except Exception:  # noqa: BLE001 - a broken format is itself worth seeing
                out.append(str(r.msg))
            if r.exc_info:
                out.append(logging.Formatter().formatException(r.exc_info))
        return "\n".join(out)


def assert_no_secret(logs: Records, extra: List[str] = ()) -> None:
    """No configuration secret, staff password or citizen's password (nor `extra`) in any log record."""
    text = logs.text()
    leaked = [s for s in [*SECRETS, *extra] if s and s in text]
    assert not leaked, f"secret in the logs: {leaked}"


def check(response, allowed=None) -> None:
    """No 5xx; JSON endpoints answer JSON errors."""
    assert response.status_code < 500, (response.status_code, response.get_data(as_text=True)[:300])
    if allowed is not None:
        assert response.status_code in allowed, (response.status_code, response.get_data(as_text=True)[:300])
