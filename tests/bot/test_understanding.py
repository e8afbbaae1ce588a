"""The issue-20 NLU components on hand-made parses: sentences of a long message, pasted screen messages, helpers,
other purposes, and no safety warning without a secret (bot/nlu/sentences.py, error_screens.py, context_signals.py,
signals.py, sensitive_signal.py)."""

import pytest
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu import signals
from bot.nlu.context_signals import ContextSignals
from bot.nlu.error_screens import ErrorCatalogueMatcher
from bot.nlu.sensitive_signal import SensitiveDataSignal
from bot.nlu.sentences import PART_LEVEL, PART_OF, SentenceSplitter, SentenceVote, split_sentences


def message(text, intent="out_of_scope", confidence=0.9, ranking=None):
    return Message(
        data={
            TEXT: text,
            INTENT: {"name": intent, "confidence": confidence},
            INTENT_RANKING_KEY: ranking or [{"name": intent, "confidence": confidence}],
        }
    )


def component(cls):
    return cls(cls.get_default_config())


# --- sentences ------------------------------------------------------------------------------------------------------


def test_a_long_message_is_split_into_sentences_and_clauses():
    text = (
        "Chào cháu. Bác năm nay 68 tuổi, con cái đi làm xa. Bác nhập mật khẩu rồi mà không thấy mã gửi về. "
        "Cháu giúp bác với."
    )
    parts = split_sentences(text)
    assert "Bác nhập mật khẩu rồi mà không thấy mã gửi về." in parts
    assert "Bác nhập mật khẩu rồi" in parts and "không thấy mã gửi về." in parts  # "… mà …"
    assert "Chào cháu." not in parts  # fewer than three words
    assert split_sentences("không nhận được mã OTP") == []
    assert split_sentences("vào dichvucong.thanhhoa.gov.vn ngày 01.07.2024 thì lỗi") == []


def test_the_splitter_adds_the_sentences_after_the_messages_and_leaves_training_alone():
    splitter = component(SentenceSplitter)
    whole = message("Tôi muốn làm giấy tờ đất. Tôi không nhận được mã OTP.")
    out = splitter.process([whole])
    assert out[0] is whole and [m.get(TEXT) for m in out[1:]] == [
        "Tôi muốn làm giấy tờ đất.",
        "Tôi không nhận được mã OTP.",
    ]
    assert {m.get(PART_OF) for m in out[1:]} == {0}


def with_parts(whole, *parts):
    out = [whole]
    for text, intent, confidence, *level in parts:
        part = message(text, intent, confidence)
        part.set(PART_OF, 0)
        part.set(PART_LEVEL, level[0] if level else 0)
        out.append(part)
    return out


def test_a_sentence_is_heard_before_a_clause():
    [out] = component(SentenceVote).process(
        with_parts(
            message("…", "out_of_scope", 0.6),
            ("tôi cầm điện thoại lên quét mà nó không nhận", "problem_qr_scan_failed", 0.85),
            ("nó không nhận, cứ quét mãi", "problem_otp_not_received", 0.97, 1),
        )
    )
    assert out.get(INTENT)["name"] == "problem_qr_scan_failed"


def test_a_less_confident_whole_problem_gives_way_to_a_confident_sentence():
    [out] = component(SentenceVote).process(
        with_parts(message("…", "problem_not_redirected", 0.5), ("b", "problem_cannot_find_login", 0.9, 1))
    )
    assert out.get(INTENT)["name"] == "problem_cannot_find_login"


def test_a_confident_problem_in_one_sentence_decides_a_vague_whole():
    vote = component(SentenceVote)
    whole = message("…", "out_of_scope", 0.55)
    [out] = vote.process(
        with_parts(
            whole,
            ("a", "greet", 0.9),
            ("b", "problem_otp_not_received", 0.93),
            ("c", "problem_phone_number_changed", 0.85),
        )
    )
    assert out.get(INTENT) == {"name": "problem_otp_not_received", "confidence": 0.93}
    assert out.get(INTENT_RANKING_KEY)[0]["name"] == "problem_otp_not_received"
    assert out.get("sentence_vote") == {"sentence": 1, "intent": "problem_otp_not_received", "confidence": 0.93}


@pytest.mark.parametrize(
    "intent, confidence", [("problem_wrong_password", 0.7), ("share_secret", 0.4), ("report_scam", 0.5)]
)
def test_a_confident_whole_problem_and_the_safety_intents_are_kept(intent, confidence):
    [out] = component(SentenceVote).process(
        with_parts(message("…", intent, confidence), ("b", "problem_otp_not_received", 0.95))
    )
    assert out.get(INTENT)["name"] == intent


def test_an_unsure_sentence_decides_nothing_and_a_guidance_sentence_only_an_unclear_whole():
    vote = component(SentenceVote)
    [out] = vote.process(with_parts(message("…", "nlu_fallback", 0.45), ("b", "problem_otp_not_received", 0.6)))
    assert out.get(INTENT)["name"] == "nlu_fallback"
    [out] = vote.process(with_parts(message("…", "out_of_scope", 0.7), ("b", "start_login", 0.9)))
    assert out.get(INTENT)["name"] == "start_login"
    [out] = vote.process(with_parts(message("…", "ask_contact", 0.7), ("b", "start_login", 0.9)))
    assert out.get(INTENT)["name"] == "ask_contact"


# --- pasted screen messages -----------------------------------------------------------------------------------------


def test_a_pasted_screen_message_decides_the_problem_with_its_span():
    text = "em nhập xong thì nó hiện 'Thông tin đăng nhập không chính xác, vui lòng thử lại' ạ"
    [out] = component(ErrorCatalogueMatcher).process([message(text, "problem_otp_invalid", 0.8)])
    assert out.get(INTENT) == {"name": "problem_wrong_password", "confidence": 1.0}
    [entity] = out.get(ENTITIES)
    assert entity["entity"] == "error" and entity["value"] == "credentials_incorrect"
    assert text[entity["start"] : entity["end"]] == "Thông tin đăng nhập không chính xác"
    assert out.get("error_message") == {"key": "credentials_incorrect", "problem": "wrong_password", "steps": ["A3"]}


def test_safety_intents_keep_theirs_and_the_switch_turns_the_catalogue_off(monkeypatch):
    matcher = component(ErrorCatalogueMatcher)
    [scam] = matcher.process([message("họ gọi bảo mã OTP không chính xác, đọc lại mã cho họ", "report_scam")])
    assert scam.get(INTENT)["name"] == "report_scam"
    monkeypatch.setenv("VNEID_ERROR_CATALOGUE", "0")
    [off] = matcher.process([message("Mã QR đã hết hạn", "problem_qr_scan_failed")])
    assert off.get(INTENT)["name"] == "problem_qr_scan_failed"


# --- helper, other purpose, questions about other services -----------------------------------------------------------


@pytest.mark.parametrize(
    "text, relative",
    [
        ("tôi đang giúp mẹ tôi đăng nhập", "mẹ"),
        ("dang lam ho ong noi", "ông"),
        ("cháu đang đăng nhập dịch vụ công cho ông nội", "ông"),
        ("mẹ tôi không nhận được mã otp", "mẹ"),
        ("me toi quen mat khau vneid roi", "mẹ"),
        ("tài khoản của bố tôi bị khóa", "bố"),
        ("tôi là con gái, đang giúp ba tôi vào dịch vụ công", "người nhà"),
        ("tôi làm hộ người nhà", "người nhà"),
    ],
)
def test_a_helper_is_found_with_the_relative(text, relative):
    found = signals.helper(text)
    assert found is not None and found.value == relative
    assert text[found.start : found.end].lower().startswith(text[found.start : found.start + 1].lower())


@pytest.mark.parametrize(
    "text",
    [
        "cháu ơi giúp bà với",  # the citizen is the grandmother
        "bác không biết đăng nhập",
        "Bà tôi vẫn giữ thói quen ăn trầu.",
        "tai khoan cu cua toi mat dau roi",  # "cũ", not "cụ"
        "khong thay ma otp gui ve",  # "mã", not "má"
        "ba con oi toi nay hop thon",
        "Tôi đang làm hồ sơ cho mẹ, đăng nhập bằng tài khoản của tôi thì bị khóa",
        "Mẹ tôi thích xem chương trình ca nhạc buổi tối.",
    ],
)
def test_no_helper_in_ordinary_sentences(text):
    assert signals.helper(text) is None


@pytest.mark.parametrize(
    "text, purposes",
    [
        ("tôi muốn làm lại giấy tờ đất mà không nhận được mã otp", ["land"]),
        ("lam giay khai sinh cho chau ma tai khoan bi khoa", ["birth"]),
        ("bác hỏi về lương hưu và bảo hiểm y tế", ["pension", "health_insurance"]),
        ("đặt mật khẩu mới thế nào", []),  # "đặt" is not "đất"
        ("dat mat khau moi the nao", []),
    ],
)
def test_other_purposes(text, purposes):
    assert [f.value for f in signals.purposes(text)] == purposes


def test_context_signals_add_entities_and_make_an_unclear_service_question_out_of_scope():
    signals_component = component(ContextSignals)
    text = "giúp mẹ tôi làm giấy khai sinh cho cháu mà mã OTP không về"
    [out] = signals_component.process([message(text, "problem_otp_not_received")])
    found = {(e["entity"], e["value"]) for e in out.get(ENTITIES)}
    assert found == {("helper", "mẹ"), ("purpose", "birth")}
    assert out.get(INTENT)["name"] == "problem_otp_not_received"
    [unclear] = signals_component.process([message("sổ đỏ nhà tôi bao giờ có", "nlu_fallback", 0.45)])
    assert unclear.get(INTENT)["name"] == "out_of_scope"
    [login] = signals_component.process([message("sổ đỏ mà đăng nhập hỏng", "nlu_fallback", 0.45)])
    assert login.get(INTENT)["name"] == "nlu_fallback"


# --- no safety warning without a secret -----------------------------------------------------------------------------


def test_share_secret_without_a_secret_takes_the_next_intent_or_the_fallback():
    signal = component(SensitiveDataSignal)
    ranking = [
        {"name": "share_secret", "confidence": 0.5},
        {"name": "out_of_scope", "confidence": 0.46},
        {"name": "greet", "confidence": 0.04},
    ]
    [out] = signal.process([message("hồ sơ của tôi bị trả lại là sao", "share_secret", 0.5, ranking)])
    assert out.get(INTENT) == {"name": "out_of_scope", "confidence": 0.46}
    ranking = [{"name": "share_secret", "confidence": 0.8}, {"name": "greet", "confidence": 0.1}]
    [out] = signal.process([message("lam so ho khau o dau", "share_secret", 0.8, ranking)])
    assert out.get(INTENT)["name"] == "nlu_fallback"
    [kept] = signal.process([message("mã otp là [mã OTP]", "share_secret", 0.8)])
    assert kept.get(INTENT)["name"] == "share_secret"


def test_a_precise_whole_is_not_overridden_by_a_problem_clause():
    text = "cho tôi cách đăng nhập bằng mật khẩu, không quét mã"
    [out] = component(SentenceVote).process(
        with_parts(message(text, "choose_password_otp", 0.9), ("không quét mã", "problem_qr_scan_failed", 0.95))
    )
    assert out.get(INTENT)["name"] == "choose_password_otp"
    [vague] = component(SentenceVote).process(
        with_parts(message("…", "step_failed", 0.9), ("b", "problem_qr_scan_failed", 0.95))
    )
    assert vague.get(INTENT)["name"] == "problem_qr_scan_failed"


@pytest.mark.parametrize(
    "text, confidence, kept",
    [
        ("Bác sĩ dặn tôi phải ăn nhạt.", 0.81, False),  # no word of logging in, not sure: ordinary text
        ("Có ai biết chữa mèo bị ghẻ không?", 0.84, False),
        ("tôi chưa có tài khỏan vneidd", 0.6, True),  # typos still count as login words
        ("mất sym rồi", 0.97, True),  # said with confidence: kept
    ],
)
def test_a_problem_guess_needs_a_word_of_logging_in_unless_sure(text, confidence, kept):
    [out] = component(ContextSignals).process([message(text, "problem_no_vneid_account", confidence)])
    assert (out.get(INTENT)["name"] == "problem_no_vneid_account") is kept


def test_a_screen_message_is_never_doubted():
    matched = component(ErrorCatalogueMatcher).process([message("502 Bad Gateway", "nlu_fallback", 0.45)])
    [out] = component(ContextSignals).process(matched)
    assert out.get(INTENT)["name"] == "problem_portal_unavailable"


def test_helping_relative_without_a_relative_takes_the_next_intent():
    ranking = [{"name": "helping_relative", "confidence": 0.6}, {"name": "out_of_scope", "confidence": 0.3}]
    [out] = component(ContextSignals).process(
        [message("Bà ngoại vừa muối xong vại dưa cải.", "helping_relative", 0.6, ranking)]
    )
    assert out.get(INTENT)["name"] == "out_of_scope"
    [kept] = component(ContextSignals).process([message("tôi làm hộ mẹ", "helping_relative", 0.9)])
    assert kept.get(INTENT)["name"] == "helping_relative"


@pytest.mark.parametrize(
    "text, out_of_scope",
    [
        ("Tài khoản Facebook của tôi bị khóa rồi", True),
        ("quen mat khau zalo lay lai the nao", True),
        ("thẻ ATM nhập sai mã pin bị khóa", True),
        ("tài khoản VNeID bị khóa, zalo thì vẫn vào được", False),  # VNeID named: a VNeID problem
        ("tài khoản định danh bị khóa", False),
    ],
)
def test_another_service_s_account_is_not_a_vneid_problem(text, out_of_scope):
    [out] = component(ContextSignals).process([message(text, "problem_account_locked", 0.99)])
    assert (out.get(INTENT)["name"] == "out_of_scope") is out_of_scope


def test_a_pasted_screen_message_is_not_split_and_is_matched_once(monkeypatch):
    from bot.nlu import errors

    calls = []
    real = errors.find
    monkeypatch.setattr(errors, "find", lambda text: calls.append(text) or real(text))
    text = "Thông tin đăng nhập không chính xác, vui lòng thử lại. Em thử mấy lần rồi"
    out = component(SentenceSplitter).process([message(text, "problem_otp_invalid")])
    assert len(out) == 1
    [matched] = component(ErrorCatalogueMatcher).process(out)
    assert matched.get(INTENT)["name"] == "problem_wrong_password" and calls == [text]
