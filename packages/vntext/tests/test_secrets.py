"""The one secret detector (vntext.secrets): examples, placeholders, odd input, offsets, size, threads.

The adversarial corpus (thousands of generated phrasings, the benign set) is tests/privacy; these are the named
cases a reader can check by eye. Run: `.venv-app/bin/python -m pytest -q packages/vntext/tests`.
"""

from __future__ import annotations

import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor

import pytest

from vntext.secrets import KINDS, PLACEHOLDERS, Detector, Redaction, digits_of, redact


@pytest.fixture(scope="module")
def redactor() -> Detector:
    return Detector()


def check_spans(text: str, res: Redaction) -> None:
    """Spans are in bounds, sorted, disjoint, of known kinds, and `kinds` lists them in KINDS order."""
    last_end = 0
    for kind, start, end in res.spans:
        assert kind in KINDS
        assert 0 <= last_end <= start < end <= len(text), (text[:80], res.spans)
        last_end = end
    assert res.kinds == [k for k in KINDS if any(s[0] == k for s in res.spans)]


# ------------------------------------------------------------------------------------------------- interface
def test_interface_and_placeholders(redactor):
    res = redactor.redact("mã OTP của tôi là 482913")
    assert isinstance(res, Redaction)
    assert res.text == "mã OTP của tôi là [mã OTP]"
    assert res.kinds == ["otp"]
    assert res.spans == [("otp", 18, 24)]
    assert res.previous_text is None and res.previous_spans == []
    assert redact("mã OTP của tôi là 482913") == res
    assert PLACEHOLDERS == {
        "otp": "[mã OTP]",
        "password": "[mật khẩu]",
        "id_number": "[số định danh]",
        "phone": "[số điện thoại]",
    }


def test_all_kinds_in_one_message(redactor):
    text = "mã OTP là 482913, mật khẩu là Thu@1979, số cccd 038176002913, sdt 0915 206 734"
    res = redactor.redact(text)
    assert res.text == ("mã OTP là [mã OTP], mật khẩu là [mật khẩu], số cccd [số định danh], sdt [số điện thoại]")
    assert res.kinds == list(KINDS)
    assert [text[s:e] for _, s, e in res.spans] == ["482913", "Thu@1979", "038176002913", "0915 206 734"]


# ----------------------------------------------------------------------------------------------- examples
REDACTED = [
    # OTP
    ("otp:482913", "otp:[mã OTP]"),
    ("482913", "[mã OTP]"),
    (" 4829 13 ", " [mã OTP] "),
    ("ma otp la 482 913", "ma otp la [mã OTP]"),
    ("mã xác nhận: 4829", "mã xác nhận: [mã OTP]"),
    ("OTP code: 274615", "OTP code: [mã OTP]"),
    ("ma vua nhan duoc la 730418", "ma vua nhan duoc la [mã OTP]"),
    ("tin nhắn gửi về 48291305 mà nhập không được", "tin nhắn gửi về [mã OTP] mà nhập không được"),
    ("482913 là mã OTP của em", "[mã OTP] là mã OTP của em"),
    ("sms: 5512", "sms: [mã OTP]"),
    ("dạ 482913 ạ", "dạ [mã OTP] ạ"),
    # passwords
    ("mk=Abc@123", "mk=[mật khẩu]"),
    ("mật khẩu của tôi là Thu@1979", "mật khẩu của tôi là [mật khẩu]"),
    ("mk cua e la hoabinh123", "mk cua e la [mật khẩu]"),
    ("mat khau la Lan#2024abc", "mat khau la [mật khẩu]"),
    ("mk là hoabinh", "mk là [mật khẩu]"),
    ("pass: Minh@2023 nhé", "pass: [mật khẩu] nhé"),
    ("pw tuan1990", "pw [mật khẩu]"),
    ("mật mã là 12345678", "mật mã là [mật khẩu]"),
    ("mật khẩu mới: Hoa@2024", "mật khẩu mới: [mật khẩu]"),
    ("em đặt Abc@12345 mà vẫn báo sai", "em đặt [mật khẩu] mà vẫn báo sai"),
    ("passcode của em là 123456", "passcode của em là [mật khẩu]"),
    ("mật khẩu là hoa hồng đỏ 123", "mật khẩu là [mật khẩu]"),  # several words
    ("mật khẩu: Hoa Binh 88", "mật khẩu: [mật khẩu]"),
    ("mk hoabinh", "mk [mật khẩu]"),  # letters only, right after the cue
    ("mật khẩu là Hoàng", "mật khẩu là [mật khẩu]"),
    ("mã 482 và 913", "mã [mã OTP] và [mã OTP]"),  # two halves joined by "và"
    ("913 và 482", "[mã OTP] và [mã OTP]"),
    ("mật khẩu em đặt là tên con gái cộng năm sinh 1985", "mật khẩu em đặt là tên con [mật khẩu]"),  # described
    ("mã otp (641357)", "mã otp [mã OTP]"),
    # ID numbers
    ("cccd 038176002913", "cccd [số định danh]"),
    ("so dinh danh 038 176 002 913", "so dinh danh [số định danh]"),
    ("số định danh 0381.7600.2913", "số định danh [số định danh]"),
    ("CCCD: 038-176-002-913", "CCCD: [số định danh]"),
    ("CMND cũ 172345678", "CMND cũ [số định danh]"),
    # phones
    ("sdt:0912345678", "sdt:[số điện thoại]"),
    ("0912 345 678", "[số điện thoại]"),
    ("sđt 0912.345.678", "sđt [số điện thoại]"),
    ("+84 912 345 678", "[số điện thoại]"),
    ("(+84) 912-345-678", "[số điện thoại]"),
    ("84912345678", "[số điện thoại]"),
    ("0084 912 345 678", "[số điện thoại]"),
    ("gọi số 0237 3851 234", "gọi số [số điện thoại]"),
    ("hotline 024.38541051", "hotline [số điện thoại]"),  # a Detector without public numbers
    ("zalo 0912345678,0987654321", "zalo [số điện thoại]"),  # glued numbers: one masked run
    ("sdt0912345678", "sdt[số điện thoại]"),
]


@pytest.mark.parametrize("text,expected", REDACTED)
def test_redacts(redactor, text, expected):
    res = redactor.redact(text)
    assert res.text == expected
    check_spans(text, res)


KEPT = [
    "mật khẩu là gì",
    "mk sai",
    "quên mk rồi",
    "mật khẩu không đúng",
    "mk 8-20 ký tự",
    "mật khẩu mới phải có chữ hoa",
    "mat khau la gi vay",
    "Từ ngày 01/07/2024 dùng VNeID",
    "hạn 1-7-2024",
    "năm 2024",
    "Nghị định 59/2022/NĐ-CP",
    "phí 1.500.000 đồng",
    "chuyển 200k",
    "150.000.000 đồng",
    "mã hồ sơ 000.00.12.H56-240101-0001",
    "lúc 10:30",
    "bố tôi 72 tuổi",
    "nhập sai 3 lần",
    "tài khoản mức 2",
    "số định danh có 12 số",
    "mã OTP có 6 số",
    "ko nhan dc ma otp",
    "mã OTP hết hạn sau 5 phút",
    "Quyết định 06/QĐ-TTg",
    "mk wifi ủy ban là gì",
    "mật khẩu VNeID khác mật khẩu Zalo à",
    "password incorrect",
    "mật khẩu mạnh",
    "mật khẩu phải có chữ hoa",
    "lỗi 502 và 503",
    "bước 3 và 4",
    '<script>alert(1)</script> "><img src=x onerror=alert(1)>',
    "Luật 91/2025/QH15",
    "mã lỗi ERR_01",
    '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script><b>đậm</b> & "quote"',
]


@pytest.mark.parametrize("text", KEPT)
def test_keeps_ordinary_text(redactor, text):
    res = redactor.redact(text)
    assert res.text == text and res.spans == [] and res.kinds == []


# ------------------------------------------------------------------------------------ placeholders, idempotence
@pytest.mark.parametrize(
    "text",
    [
        "mã otp của tôi là [mã OTP]",
        "mk: [mật khẩu]",
        "[số định danh] [mật khẩu]",
        "[mã OTP]",
        "cccd [số định danh] pass [mật khẩu] login hộ",
        "mật khẩu là [mật khẩu] nhé",
        "sđt [số điện thoại]",
        "[ma otp] và [MẬT KHẨU]",
        "otp:[mã OTP]",
    ],
)
def test_placeholders_stay_and_are_not_reported(redactor, text):
    res = redactor.redact(text)
    assert res.text == text
    assert res.spans == [] and res.kinds == []


def test_placeholder_next_to_new_secret(redactor):
    text = "mật khẩu [mật khẩu], mã OTP là 482913"
    res = redactor.redact(text)
    assert res.text == "mật khẩu [mật khẩu], mã OTP là [mã OTP]"
    assert res.spans == [("otp", 31, 37)] and res.kinds == ["otp"]


def test_idempotent(redactor):
    for text in [t for t, _ in REDACTED] + KEPT + ODD:
        once = redactor.redact(text).text
        twice = redactor.redact(once)
        assert twice.text == once, (text, once, twice.text)
        assert twice.spans == []


# ------------------------------------------------------------------------------------------------ odd input
ODD = [
    "",
    " ",
    "\n\t ",
    "\x00",
    "\x00" * 50,
    "😀" * 20,
    "\ufeff",
    "\u200b\u200b",
    "[",
    "]",
    "[mã",
    "mk",
    "mk:",
    "otp:",
    "(",
    "(+84)",
    "+84",
    "0",
    "000000000000",
    "\ud800",
    "abc\udfffdef 0912345678",
    "\ue000mk là Abc@123\ue000",
    "m\u0323\u0302t kh\u1ea9u",
    "ｍｋ：Ａｂｃ＠１２３",
    "０９１２３４５６７８",
    "٤٨٢٩١٣",
    "mã OTP ٤٨٢٩١٣",
    "sdt 0912\u00a0345\u00a0678",
    "a" * 5000,
    "1" * 5000,
    "1 " * 3000,
    "mk " * 2000,
    "[mã OTP]" * 500,
    "🇻🇳👨‍👩‍👧 0912345678 👍🏽",
    "\r\n0912345678\r\n",
    "mk\x00là\x00Abc@123",
]


@pytest.mark.parametrize("text", ODD)
def test_odd_input_never_raises(redactor, text):
    res = redactor.redact(text)
    check_spans(text, res)
    assert redactor.redact(res.text).text == res.text


def test_random_fuzz_never_raises(redactor):
    import random

    rng = random.Random(7)
    pool = list("0123456789 .-+()[]:=@#!?,/\n\tabcxyzAMKđĐ") + [
        "\u0300",
        "\u0301",
        "\u0323",
        "\u0302",
        "\u200b",
        "\u200d",
        "\ufeff",
        "\x00",
        "\ud83d",
        "\ue000",
        "😀",
        "🇻🇳",
        "ｍ",
        "０",
        "٤",
        "mk ",
        "otp ",
        "mã ",
        "là ",
        "[mã OTP]",
        "[mật khẩu]",
        "[số",
        "định danh]",
        "0912",
        "345",
        "678",
        "+84",
        "038",
        "Abc@123",
        "mật khẩu",
        "ạ",
        "ẩ",
        "ư",
        "ơ",
    ]
    for _ in range(1500):
        text = "".join(rng.choice(pool) for _ in range(rng.randrange(0, 40)))
        res = redactor.redact(text)
        check_spans(text, res)
        again = redactor.redact(res.text).text  # on garbage a second pass may mask more, never less
        for placeholder in PLACEHOLDERS.values():
            assert again.count(placeholder) >= res.text.count(placeholder), (text, res.text, again)


def test_none_and_non_strings(redactor):
    assert redactor.redact(None).text == ""
    assert redactor.redact(912345678).spans[0][0] == "id_number"


def test_spans_index_the_original_text(redactor):
    nfd = unicodedata.normalize("NFD", "mật khẩu là Thu@1979 và số điện thoại 0915 206 734")
    res = redactor.redact(nfd)
    assert [nfd[s:e] for _, s, e in res.spans] == ["Thu@1979", "0915 206 734"]
    zw = "mã\u200b OTP: 48\u200b2913, sdt 0912\u200b345\u200b678"
    res = redactor.redact(zw)
    assert [(k, zw[s:e]) for k, s, e in res.spans] == [("otp", "48\u200b2913"), ("phone", "0912\u200b345\u200b678")]
    assert "48" not in res.text and "345" not in res.text
    nul = "otp\x00: 482913"
    res = redactor.redact(nul)
    assert res.text == "otp\x00: [mã OTP]"
    wide = "ｓｄｔ ０９１２３４５６７８"
    res = redactor.redact(wide)
    assert res.text == "ｓｄｔ [số điện thoại]"
    emoji = "😀 mk là Abc@123 😀"
    res = redactor.redact(emoji)
    assert res.text == "😀 mk là [mật khẩu] 😀"


def test_huge_message(redactor):
    unit = "Tôi tên Lan 🙏, sđt 0912 345 678, mã otp 482913, mk là Abc@1234, ngày 01/07/2024. "
    text = (unit * (100_000 // len(unit) + 1))[:100_000]
    t0 = time.perf_counter()
    res = redactor.redact(text)
    elapsed = time.perf_counter() - t0
    print(f"\n100,000 characters: {elapsed * 1000:.0f} ms, {len(res.spans)} spans")
    check_spans(text, res)
    assert "482913" not in res.text and "Abc@1234" not in res.text and "345 678" not in res.text
    assert res.text.count("01/07/2024") == text.count("01/07/2024")
    noise = unicodedata.normalize("NFD", text.replace(" ", " \u200b"))
    res = redactor.redact(noise)
    check_spans(noise, res)
    assert "482913" not in res.text


def test_concurrent_calls_agree(redactor):
    texts = [t for t, _ in REDACTED] * 20 + KEPT * 20
    expected = [redactor.redact(t) for t in texts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(redactor.redact, texts))
    assert got == expected


def test_button_payloads_pass_untouched_and_anything_more_is_still_checked(redactor):
    """Payloads skip the matcher (a third of the gateway's messages); text that only starts like one does not."""
    assert redactor.redact("/step_done") == Redaction("/step_done", [], [])
    assert redactor.redact("/choose_password_otp").text == "/choose_password_otp"
    mixed = redactor.redact("/step_done mã otp của tôi là 739146")
    assert "739146" not in mixed.text and mixed.kinds == ["otp"]


@pytest.mark.parametrize(
    "typed, digits",
    [
        ("0912 345 678", "0912345678"),
        ("+84 912.345.678", "+84912345678"),
        ("０９１２３４５６７８", "0912345678"),
        ("không chín ba sáu hai một bốn năm tám bảy", "0936214587"),
        ("", ""),
    ],
)
def test_digits_of_reads_a_number_typed_in_any_form(typed, digits):
    assert digits_of(typed) == digits
