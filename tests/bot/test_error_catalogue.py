"""The catalogue of messages the screens show (content/errors.yml) and its matcher (bot/nlu/errors.py): every entry
is well formed, is found however it is pasted or retyped, and ordinary text does not set it off (issue 20)."""

import time
import unicodedata

import pytest
import yaml
from vntext.secrets import redact

import content
from bot.nlu import errors
from bot.nlu.text import strip_diacritics
from tools.nlu_data import heldout_examples, training_examples

CATALOGUE = content.load_errors()
ENTRIES = CATALOGUE["errors"]
GUIDE = content.load()


def test_at_least_40_entries_each_with_a_known_problem_a_real_step_and_its_source():
    assert len(ENTRIES) >= 40
    codes = set(GUIDE.problem_codes())
    # every problem a screen can announce has messages (no screen says "forgot password" or "no login button")
    assert {e["problem"] for e in ENTRIES.values()} == codes - {"cannot_find_login", "forgot_password"}
    for key, entry in ENTRIES.items():
        assert entry["problem"] in codes, key
        assert entry["screen"] in ("app", "sso", "portal"), key
        assert entry.get("source"), key
        assert entry["steps"], key
        for place in entry["steps"]:
            flow, number = place[0], int(place[1:])
            assert 1 <= number <= len(GUIDE.steps(flow)), (key, place)
        assert strip_diacritics(entry["text"]) != entry["text"] or entry["text"][:3].isdigit(), key
        if entry.get("meaning"):
            assert len(entry["meaning"]) <= 140 and strip_diacritics(entry["meaning"]) != entry["meaning"], key


@pytest.mark.parametrize("key", sorted(ENTRIES))
def test_no_catalogue_message_is_masked_as_a_secret(key):
    assert redact(ENTRIES[key]["text"]).text == ENTRIES[key]["text"]


def forms(text):
    """The ways a citizen sends a screen message back: pasted, plain, shouted, quoted, with advice, in a sentence."""
    plain = strip_diacritics(text)
    return [
        text,
        plain,
        text.upper(),
        plain.lower(),
        f"“{text}”",
        f"'{text}'!!",
        f"{text}, vui lòng thử lại.",
        f"{text} vui long thu lai sau",
        f"nó báo \"{text}\" là sao vậy ạ",
        f"em làm đến bước đó thì màn hình hiện: {text}. giờ em phải làm gì",
        unicodedata.normalize("NFD", text),
    ]


@pytest.mark.parametrize("key", sorted(ENTRIES))
def test_every_entry_is_found_however_it_is_sent(key):
    entry = ENTRIES[key]
    for form in forms(entry["text"]):
        match = errors.find(form)
        assert match is not None and match.problem == entry["problem"], (form, match)


def one_typo(text):
    """Swap two letters in the longest word (a slip of the finger)."""
    words = text.split(" ")
    i = max(range(len(words)), key=lambda k: len(strip_diacritics(words[k]).strip(",.!")))
    w = words[i]
    if len(w) >= 5:
        words[i] = w[:2] + w[3] + w[2] + w[4:]
    return " ".join(words)


def test_a_small_typo_is_still_found():
    found = [key for key, e in ENTRIES.items() if (m := errors.find(one_typo(e["text"]))) and m.problem == e["problem"]]
    assert len(found) >= 0.9 * len(ENTRIES), sorted(set(ENTRIES) - set(found))


@pytest.mark.parametrize(
    "message, problem",
    [
        ("Thông tin đăng nhập không chính xác, vui lòng thử lại", "wrong_password"),  # issue 20: never an OTP problem
        ("THONG TIN DANG NHAP KHONG CHINH XAC", "wrong_password"),
        ("Thông tin đăng nhập khong chinh xác, vui lòng thư lại", "wrong_password"),
        ("mật khẩu không đúng, bạn còn 4 lần thử", "wrong_password"),  # any number
        ("ma otp da het han roi", "otp_invalid"),
        ("OTP không hợp lệ!", "otp_invalid"),  # "Mã" left out
        ("tk đã bị khóa", "account_locked"),  # shorthand
        ("Hệ thống đang bận", "portal_unavailable"),
        ("502 bad gateway", "portal_unavailable"),
        ("Mã QR hết hạn rồi", "qr_expired"),
    ],
)
def test_examples(message, problem):
    match = errors.find(message)
    assert match is not None and match.problem == problem, match


@pytest.mark.parametrize(
    "message",
    [
        "mật khẩu chính xác rồi mà vẫn không vào được",  # a negation removed is another message
        "mã qr còn hạn không",
        "mã OTP không gửi về máy",  # not "Mã OTP không đúng"
        "hệ thống bảo số định danh sai",  # "bảo" is not "bận"
        "tôi muốn đăng nhập hệ thống giải quyết thủ tục hành chính",
        "Hệ thống thủy lợi đang được nâng cấp",
        "tài khoản ngân hàng của tôi không tồn tại à",
        "cho tôi cách đăng nhập bằng mật khẩu, không quét mã",
        "",
        "😀😀",
    ],
)
def test_ordinary_sentences_are_not_screen_messages(message):
    assert errors.find(message) is None


def test_precision_on_the_training_and_held_out_data():
    """Wherever the catalogue speaks on a labelled example, it says that example's problem; it is silent on text
    that is not a login problem (ordinary text, other services, every other intent)."""
    wrong = []
    for example in training_examples() + heldout_examples():
        match = errors.find(example["text"])
        if match is None:
            continue
        if example["intent"] != "problem_" + match.problem:
            wrong.append((example["text"], example["intent"], match.key))
    assert wrong == []


def test_recall_on_the_pasted_error_slice():
    pasted = [e for e in heldout_examples() if e["slice"] == "pasted_error"]
    found = [e for e in pasted if (m := errors.find(e["text"])) and e["intent"] == "problem_" + m.problem]
    assert len(found) >= 0.8 * len(pasted)


def test_span_points_at_the_message_in_the_original_text():
    text = "Dạ, nó hiện “Mã QR đã hết hạn” ạ"
    match = errors.find(text)
    assert text[match.start : match.end] == "Mã QR đã hết hạn"


def test_a_long_message_is_searched_quickly():
    filler = " ".join(e["text"] for e in training_examples())[:2000]
    start = time.perf_counter()
    for _ in range(5):
        errors.find(filler)
    assert (time.perf_counter() - start) / 5 < 0.25


def test_the_commune_edits_and_adds_entries_without_restart(tmp_path, monkeypatch):
    folder = tmp_path / "content"
    folder.mkdir()
    for name in ("guide.yml", "messages.yml", "errors.yml"):
        (folder / name).write_text(
            (content.loader.DEFAULT_CONTENT_DIR / name).read_text(encoding="utf-8"), encoding="utf-8"
        )
    overrides = tmp_path / "overrides.yml"
    monkeypatch.setenv("CONTENT_DIR", str(folder))
    monkeypatch.setenv("CONTENT_OVERRIDES", str(overrides))
    assert errors.find("Tài khoản bị treo do nghi ngờ gian lận") is None
    overrides.write_text(
        yaml.safe_dump(
            {
                "errors": {
                    "errors.suspended": {
                        "text": "Tài khoản bị treo do nghi ngờ gian lận",
                        "problem": "account_locked",
                        "steps": ["A3"],
                        "screen": "sso",
                        "source": "xã Quảng Long, 2026",
                    },
                    "errors.qr_expired.problem": "qr_scan_failed",
                }
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    assert errors.find("nó báo tài khoản bị treo do nghi ngờ gian lận").problem == "account_locked"
    assert errors.find("Mã QR đã hết hạn").problem == "qr_scan_failed"
    assert content.load(folder, overrides).error("suspended")["problem"] == "account_locked"


def test_a_content_folder_without_errors_yml_still_loads(tmp_path):
    folder = tmp_path / "content"
    folder.mkdir()
    for name in ("guide.yml", "messages.yml"):
        (folder / name).write_text(
            (content.loader.DEFAULT_CONTENT_DIR / name).read_text(encoding="utf-8"), encoding="utf-8"
        )
    guide = content.load(folder, tmp_path / "none.yml")
    assert guide.errors == {} and guide.error("qr_expired") is None
    assert errors.Catalogue({}).find("Mã QR đã hết hạn") is None
