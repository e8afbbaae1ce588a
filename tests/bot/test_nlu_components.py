"""The custom Rasa components: tokenizer and secret signal, on odd and hostile input."""

import unicodedata

import pytest
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu import sensitive
from bot.nlu.sensitive_signal import SensitiveDataSignal
from bot.nlu.tokenizer import VietnameseTokenizer


@pytest.fixture(scope="module")
def tokenizer():
    return VietnameseTokenizer(VietnameseTokenizer.get_default_config())


def tokens(tokenizer, value):
    return tokenizer.tokenize(Message(data={TEXT: value}), TEXT)


def test_words_are_segmented_and_lemmas_drop_diacritics(tokenizer):
    result = tokens(tokenizer, "Tôi quên mật khẩu rồi")
    assert [t.text for t in result] == ["tôi", "quên", "mật_khẩu", "rồi"]
    assert [t.lemma for t in result] == ["toi", "quen", "mat khau", "roi"]


def test_shorthand_and_accents_give_the_same_lemmas(tokenizer):
    def lemmas(value):
        return " ".join(t.lemma for t in tokens(tokenizer, value))

    assert lemmas("ko nhận dc mã otp") == lemmas("không nhận được mã OTP")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "😀😀",
        "!!!",
        unicodedata.normalize("NFD", "Không   nhận được mã"),
        "Ðăng nhập",
        "a" * 10000,
        "1" * 10000,
        "mã\x00otp\u200b",
        "<script>alert(1)</script>",
        "ủy ban  \t\n xã",
    ],
)
def test_odd_input_never_raises_and_offsets_stay_in_range(tokenizer, value):
    result = tokens(tokenizer, value)
    assert result
    for token in result:
        assert 0 <= token.start <= token.end <= max(len(value), 1)


def message_with(text, intent="step_done", confidence=0.9):
    return Message(
        data={
            TEXT: text,
            INTENT: {"name": intent, "confidence": confidence},
            INTENT_RANKING_KEY: [{"name": intent, "confidence": confidence}],
        }
    )


def test_signal_overrides_the_intent_and_keeps_the_original_in_the_ranking():
    signal = SensitiveDataSignal(SensitiveDataSignal.get_default_config())
    [message] = signal.process([message_with("mã otp của tôi là 482913", "problem_otp_invalid")])
    assert message.get(INTENT) == {"name": "share_secret", "confidence": 1.0}
    assert [r["name"] for r in message.get(INTENT_RANKING_KEY)] == ["share_secret", "problem_otp_invalid"]
    assert [(e["entity"], e["value"]) for e in message.get(ENTITIES)] == [("sensitive", "otp")]


def test_signal_keeps_a_scam_report_and_ignores_ordinary_text():
    signal = SensitiveDataSignal(SensitiveDataSignal.get_default_config())
    scam, plain = signal.process(
        [
            message_with("họ bảo đọc mã otp 482913 cho họ", "report_scam"),
            message_with("ngày 01/07/2024 tôi làm cccd", "ask_why_vneid"),
        ]
    )
    assert scam.get(INTENT)["name"] == "report_scam" and scam.get(ENTITIES)[0]["value"] == "otp"
    assert plain.get(INTENT)["name"] == "ask_why_vneid" and not plain.get(ENTITIES)


@pytest.mark.parametrize(
    "value, kinds",
    [
        ("mã otp là 482913", ["otp"]),
        ("482913", ["otp"]),
        ("mat khau cua toi la Hoa@1987", ["password"]),
        ("mk: Abc12345!", ["password"]),
        ("cccd 038195004321", ["id_number"]),
        ("038 195 004 321", ["id_number"]),
        ("cmnd cũ 123456789", ["id_number"]),
        ("sdt 0912 345 678", ["phone"]),
        ("+84 912345678", ["phone"]),
        ("0912.345.678 và mã 4829", ["otp", "phone"]),
        ("số định danh [số định danh] mã [mã OTP]", ["otp", "id_number"]),
        ("mật khẩu là gì vậy", []),
        ("quên mk rồi, mk 8-20 ký tự à", []),
        ("ngày 01/07/2024, nghị định 59/2022", []),
        ("mã hồ sơ 000.00.12.H56-240101-0001", []),
        ("phí 1.500.000 đồng", []),
        ("tôi 65 tuổi, nhập sai 3 lần", []),
    ],
)
def test_sensitive_kinds(value, kinds):
    assert sensitive.sensitive_kinds(value) == kinds
