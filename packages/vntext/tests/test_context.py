"""A secret typed across two messages of one conversation: the detector reads the previous message (as stored)."""

from __future__ import annotations

import pytest

from vntext.secrets import Detector


@pytest.fixture(scope="module")
def det() -> Detector:
    return Detector(public_numbers=["024.38541051"])


def conversation(det, messages):
    """What a gateway would store: each message redacted with the stored previous one, which may be re-masked."""
    stored = []
    for message in messages:
        res = det.redact(message, previous=stored[-1] if stored else None)
        if res.previous_text is not None:
            stored[-1] = res.previous_text
        stored.append(res.text)
    return stored


@pytest.mark.parametrize(
    "messages, expected",
    [
        (["482", "913"], ["[mã OTP]", "[mã OTP]"]),
        (["48", "29", "13"], ["[mã OTP]", "[mã OTP]", "[mã OTP]"]),
        (["mã là 482", "913 nhé"], ["mã là [mã OTP]", "[mã OTP] nhé"]),
        (["038195", "004321"], ["[mã OTP]", "[mã OTP]"]),
        (["cccd em là 038 195", "004 321"], ["cccd em là [số định danh]", "[số định danh]"]),
        (["mật khẩu của em là", "thu1979"], ["mật khẩu của em là", "[mật khẩu]"]),
        (["mk của e là", "hoabinh"], ["mk của e là", "[mật khẩu]"]),
        (["mã otp của em là", "bốn tám hai chín một ba"], ["mã otp của em là", "[mã OTP]"]),
        (["mã otp nó gửi là", "48"], ["mã otp nó gửi là", "[mã OTP]"]),
        (["0912", "345 678"], ["[mã OTP]", "[mã OTP]"]),  # the kind is a guess; no digit survives
        (["482 ạ", "913"], ["[mã OTP] ạ", "[mã OTP]"]),
        (["mã otp", "bốn tám hai"], ["mã otp", "[mã OTP]"]),
        (["bốn tám hai", "chín một ba"], ["[mã OTP]", "[mã OTP]"]),
        (["mật khẩu của em là", "Hoa Binh"], ["mật khẩu của em là", "[mật khẩu]"]),
        (["mật khẩu của em là", "hoa binh 88"], ["mật khẩu của em là", "[mật khẩu]"]),
    ],
)
def test_fragments_are_masked_in_both_messages(det, messages, expected):
    assert conversation(det, messages) == expected


@pytest.mark.parametrize(
    "messages",
    [
        ["bước 3", "502"],
        ["em 82 tuổi", "ok"],
        ["lỗi 502", "3 lần rồi"],
        ["mật khẩu là gì", "sao vậy"],
        ["em quên mật khẩu", "vâng"],
        ["em ở bước 2", "bước 3 rồi"],
        ["chào", "12"],
        ["mật khẩu của em là", "sao vậy"],
        ["mật khẩu của em là", "em quên rồi"],
        ["mã otp [mã OTP]", "bước 3 bị lỗi 502, gọi 024.38541051 không được"],  # "không" is no digit there
    ],
)
def test_ordinary_pairs_are_left_alone(det, messages):
    assert conversation(det, messages) == messages


def test_previous_spans_index_the_previous_text(det):
    res = det.redact("913", previous="mã là 482")
    assert res.previous_spans == [("otp", 6, 9)] and res.previous_text == "mã là [mã OTP]"
    assert res.spans == [("otp", 0, 3)]


def test_a_masked_message_ahead_of_the_digits_marks_them(det):
    """A channel may queue a message already redacted: the digits before it are still found."""
    res = det.redact("[mã OTP]", previous="482")
    assert res.previous_text == "[mã OTP]"


def test_no_context_no_retroactive_change(det):
    res = det.redact("913")
    assert res.text == "913" and res.previous_text is None and res.previous_spans == []
