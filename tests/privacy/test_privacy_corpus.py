"""Gate for the one secret detector (vntext.secrets) on the adversarial corpus of tools/privacy_corpus.py.

    .venv-app/bin/python -m pytest -q tests/privacy            # add -s for the figures

With a fixed seed: ≥ 5,000 secret cases (1–3 messages each, stored as the gateway stores them) ≥ 99.9 % masked,
overall and for each kind; ≥ 500 benign messages ≥ 95 % kept. A failure lists the first misses: the messages as
typed, what was stored, what survived. The corpus itself is checked too: deterministic for a seed, varied across
seeds, every form of issue 16's list present ≥ 100 times, and a leak check that catches every case as typed and
passes its ideal storage. Imports only the standard library, the detector and the generator (both environments).
"""

from __future__ import annotations

from collections import Counter

import pytest

from tools import privacy_corpus as pc

MIN_MASKED = 0.999
MIN_KEPT = 0.95
SHOW = 30


@pytest.fixture(scope="module")
def corpus() -> pc.Corpus:
    return pc.generate(pc.SEED)


@pytest.fixture(scope="module")
def report(corpus) -> pc.Report:
    from vntext.secrets import Detector

    return pc.evaluate(Detector(public_numbers=[pc.HOTLINE]), corpus)


def _figures(report: pc.Report) -> str:
    lines = [
        "masked %.2f%% of %d secret cases; benign kept %.2f%% of %d"
        % (100 * report.rate(), report.totals["all"]["all"], 100 * report.kept_rate(), report.benign_total["all"])
    ]
    for group in ("kind", "channel", "shape"):
        lines.append(
            "  %s: " % group
            + ", ".join("%s %.2f%%" % (key, 100 * report.rate(group, key)) for key in sorted(report.totals[group]))
        )
    return "\n".join(lines)


def _misses(misses: list, limit: int = SHOW) -> str:
    shown = "\n".join(miss.describe() for miss in misses[:limit])
    return "%d missed; the first %d:\n%s" % (len(misses), min(limit, len(misses)), shown)


# ------------------------------------------------------------------------------------------- the gate
def test_secret_cases_are_masked(report):
    print("\n" + _figures(report))
    assert report.rate() >= MIN_MASKED, _figures(report) + "\n" + _misses(report.misses)


@pytest.mark.parametrize("kind", pc.KINDS)
def test_each_kind_is_masked(report, kind):
    misses = [m for m in report.misses if m.case.kind == kind]
    assert report.totals["kind"][kind] >= 500
    assert report.rate("kind", kind) >= MIN_MASKED, "%s: %.2f%%\n%s" % (
        kind,
        100 * report.rate("kind", kind),
        _misses(misses),
    )


def test_benign_messages_are_kept(report):
    topics = ", ".join("%s %.0f%%" % (t, 100 * report.kept_rate(t)) for t in sorted(report.benign_total) if t != "all")
    print("\nbenign kept %.2f%% (%s)" % (100 * report.kept_rate(), topics))
    shown = "\n".join(d.describe() for d in report.dropped[:SHOW])
    assert report.kept_rate() >= MIN_KEPT, "kept %.2f%% (%s); %d dropped, the first:\n%s" % (
        100 * report.kept_rate(),
        topics,
        len(report.dropped),
        shown,
    )


# ------------------------------------------------------------------------------------------ the corpus
def test_corpus_is_large_and_covers_every_form(corpus):
    cases = corpus.cases
    assert len(cases) >= 5000
    assert set(pc.tally(cases, "kind")) == set(pc.KINDS)
    assert min(pc.tally(cases, "kind").values()) >= 500
    forms = pc.tally(cases, "form")
    planned = {form for _shape, form, _weight, _recipe in pc.PLAN}
    assert set(forms) == planned
    assert min(forms.values()) >= 100, sorted(forms.items(), key=lambda kv: kv[1])[:5]
    assert min(pc.tally(cases, "shape").values()) >= 500
    for attribute, values, share in (("channel", pc.CHANNELS, 0.4), ("style", pc.STYLES, 0.2)):
        counts = pc.tally(cases, attribute)
        assert all(counts[v] >= share * len(cases) for v in values), counts
    messages = Counter(len(case.messages) for case in cases)
    assert messages[2] >= 500 and messages[3] >= 200, messages
    assert sum(len(case.secrets) > 1 for case in cases) >= 100


def test_corpus_holds_the_issue_examples(corpus):
    """The shapes of issue 16 really appear in the text, not only in the labels."""
    typed = [case.messages for case in corpus.cases]
    flat = "\n".join("\n".join(messages) for messages in typed)
    for needle in (
        "４",
        "①",
        "²",
        "₃",
        "٤",
        "४",
        "\u200b",
        "–",
        "—",
        "−",
        "·",
        "*",
        "_",
        "+84",
        "bốn",
        "bon",
        "tư",
        "lăm",
        "mốt",
        "bẩy",
        "linh",
        "mươi",
        "mười",
        "mk",
        "pass",
        "sdt",
        "ko",
        "dc",
        "opt",
        "đúng không",
    ):
        assert flat.count(needle) >= 20, needle
    for needle in ("(+84)", "0084", "0237"):
        assert flat.count(needle) >= 8, needle
    for phrase in (
        "mật khẩu em hay dùng là",
        "mk: ",
        "pass của tôi là",
        "lỗi otp",
        "mà nó báo sai",
        "mã nó gửi về là",
        "em nhập",
    ):
        assert flat.count(phrase) >= 5, phrase
    assert (
        sum(
            "@" in s.value and any(ord(c) > 127 for c in s.value)
            for case in corpus.cases
            for s in case.secrets
            if s.kind == "password"
        )
        >= 20
    )
    assert sum(len(case.messages) >= 2 and len(case.secrets[0].pieces) >= 2 for case in corpus.cases) >= 500


def test_every_case_is_caught_as_typed_and_clean_when_ideal(corpus):
    """The leak check cannot be passed by accident (the messages as typed leak) and cannot fail because words
    around a secret survive (the ideal storage, each secret replaced by its placeholder, does not leak)."""
    for case in corpus.cases:
        assert pc.case_leaks(case, list(case.messages)), case
        assert not pc.case_leaks(case, list(case.ideal)), case
        for secret in case.secrets:
            assert secret.windows or secret.tells, secret


def test_benign_set(corpus):
    benign = corpus.benign
    assert len(benign) >= 500
    topics = pc.tally(benign, "topic")
    assert min(topics.values()) >= 15, topics
    assert sum(pc.HOTLINE in m.keep for m in benign) >= 20
    for message in benign:
        assert message.keep and not pc.benign_missing(message, message.text), message
    assert len({m.text for m in benign}) >= 0.9 * len(benign)


def test_generator_is_deterministic_for_a_seed_and_varied_across_seeds():
    first, again = pc.generate(7, 800, 200), pc.generate(7, 800, 200)
    assert first == again
    other = pc.generate(8, 800, 200)
    same = {case.messages for case in first.cases} & {case.messages for case in other.cases}
    assert len(same) <= 0.05 * len(first.cases), sorted(same)[:10]
    assert len({m.text for m in first.benign} & {m.text for m in other.benign}) <= 0.2 * len(first.benign)
    otps = [s.value for case in first.cases for s in case.secrets if s.kind == "otp"]
    assert len(set(otps)) >= 0.95 * len(otps)


def test_generator_takes_any_seed_in_both_environments():
    for seed in (0, 1, 2**40 + 3):
        corpus = pc.generate(seed, 300, 60)
        assert len(corpus.cases) == 300 and len(corpus.benign) == 60


# ------------------------------------------------------------------------------------- the leak check
def _case(messages, *secrets):
    return pc.hand_case(messages, secrets)


def test_leak_check_split_fragments():
    case = _case(["mã là 482", "913"], ("otp", "482913", [(0, "482"), (1, "913")]))
    assert pc.case_leaks(case, ["mã là 482", "[mã OTP]"])  # the first half stayed
    assert pc.case_leaks(case, ["mã là [mã OTP]", "913"])
    assert not pc.case_leaks(case, ["mã là [mã OTP]", "[mã OTP]"])
    three = _case(["48", "29", "13"], ("otp", "482913", [(0, "48"), (1, "29"), (2, "13")]))
    assert pc.case_leaks(three, ["48", "29", "13"])  # 2 digits a message, 6 in the conversation
    assert pc.case_leaks(three, ["48", "29", "[mã OTP]"])
    assert not pc.case_leaks(three, ["[mã OTP]", "[mã OTP]", "[mã OTP]"])
    assert not pc.case_leaks(three, ["48", "[mã OTP]", "[mã OTP]"])  # two digits: below the 3-digit rule
    id_case = _case(["số cccd 038176", "002913 ạ"], ("id_number", "038176002913", [(0, "038176"), (1, "002913")]))
    assert pc.case_leaks(id_case, ["số cccd 038176", "[số định danh] ạ"])


def test_leak_check_digit_forms():
    case = _case(["mã là ４８２ ９１３"], ("otp", "482913", [(0, "４８２ ９１３")]))
    assert pc.case_leaks(case, ["mã là 482913"])  # normalised but not masked
    assert pc.case_leaks(case, ["mã là ４８２ [mã OTP]"])
    zw = _case(["otp 48\u200b29\u200b13"], ("otp", "482913", [(0, "48\u200b29\u200b13")]))
    assert pc.case_leaks(zw, ["otp 48\u200b29[mã OTP]"])  # 4829 survives across the invisible character
    phone = _case(["sdt (+84) 912-345-678"], ("phone", "912345678", [(0, "(+84) 912-345-678")]))
    assert pc.case_leaks(phone, ["sdt (+84) [số điện thoại]-678"])
    assert not pc.case_leaks(phone, ["sdt (+84) [số điện thoại]"])  # the country code is not the secret


def test_leak_check_number_words():
    case = _case(["mã là bốn tám hai chín một ba nhé"], ("otp", "482913", [(0, "bốn tám hai chín một ba")]))
    assert pc.case_leaks(case, ["mã là bốn tám hai [mã OTP] nhé"])
    assert pc.case_leaks(case, ["mã là 4 tám 2 [mã OTP] nhé"])
    assert not pc.case_leaks(case, ["mã là [mã OTP] một ba nhé"])  # two digits: below the 3-digit rule
    pairs = _case(
        ["otp bốn mươi tám, hai mươi chín, mười ba"], ("otp", "482913", [(0, "bốn mươi tám, hai mươi chín, mười ba")])
    )
    assert pc.case_leaks(pairs, ["otp [mã OTP], hai mươi chín, mười ba"])
    assert pc.numbers_in("hai muoi, muoi ba va bon muoi tam") == ["2013", "48"]
    assert pc.numbers_in("hai linh một") == ["201"]


def test_leak_check_ignores_numbers_and_words_around_the_secret():
    case = _case(["lúc 10:30 mã là 482913, em ở bước 4 sinh năm 1956"], ("otp", "482913", [(0, "482913")]))
    assert not pc.case_leaks(case, ["lúc 10:30 mã là [mã OTP], em ở bước 4 sinh năm 1956"])
    pw = _case(["mat khau la matkhau123"], ("password", "matkhau123", [(0, "matkhau123")]))
    assert not pc.case_leaks(pw, ["mat khau la [mật khẩu]"])  # "khau" around is not the password
    assert pc.case_leaks(pw, ["mat khau la matkhau[mật khẩu]"])
    accented = _case(["mk: Hoàng@Anh!"], ("password", "Hoàng@Anh!", [(0, "Hoàng@Anh!")]))
    assert pc.case_leaks(accented, ["mk: Hoàng@[mật khẩu]"])
    assert pc.case_leaks(accented, ["mk: Hoa\u0300ng@Anh!"])  # NFD is the same password
    assert not pc.case_leaks(accented, ["mk: [mật khẩu]"])
    with pytest.raises(ValueError):  # a context number touching the secret would make the check unsound
        _case(["bước 4 482913"], ("otp", "482913", [(0, "482913")]))


def test_benign_check():
    message = pc.BenignMessage(
        "lỗi 502 ở bước 4, gọi 024.38541051", ("502", "4", pc.HOTLINE), "mixed", "widget", "accented"
    )
    assert pc.benign_missing(message, message.text) == []
    assert pc.benign_missing(message, "lỗi [mã OTP] ở bước 4, gọi 024.38541051") == ["502"]
    assert pc.benign_missing(message, "lỗi 502 ở bước 4, gọi [số điện thoại]") == [pc.HOTLINE]
    assert pc.benign_missing(message, "lỗi 5024 ở bước 4, gọi 024.38541051") == ["502"]  # not inside a longer number
