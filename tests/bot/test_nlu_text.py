"""Vietnamese normalisation, shorthand and the held-out set's independence from training data."""

import unicodedata

from bot.nlu import text
from tools.nlu_data import heldout_examples, overlaps, training_examples


def test_normalize_handles_nfd_eth_case_and_control_characters():
    nfd = unicodedata.normalize("NFD", "KHÔNG  nhận\u200b được\x00 mã")
    assert text.normalize(nfd) == "không nhận được mã"
    assert text.normalize("Ðăng nhập") == "đăng nhập"


def test_accented_unaccented_and_shorthand_fold_to_the_same_form():
    assert (
        text.folded("không nhận được mã OTP")
        == text.folded("khong nhan duoc ma otp")
        == text.folded("ko nhận dc mã otp")
        == "khong nhan duoc ma otp"
    )
    assert text.folded("quên mk") == "quen mat khau"
    assert text.folded("sđt cũ") == "so dien thoai cu"


def test_expand_chunks_offsets_point_into_the_normalised_text():
    normalised = text.normalize("Quên MK rồi")
    for syllable, start, end in text.expand_chunks("Quên MK rồi"):
        assert 0 <= start < end <= len(normalised)
    assert [c for c, _, _ in text.expand_chunks("Quên MK rồi")] == ["quên", "mật", "khẩu", "rồi"]


def test_has_diacritics():
    assert text.has_diacritics("đăng nhập") and not text.has_diacritics("dang nhap")


def test_heldout_set_does_not_overlap_training_data():
    train, heldout = training_examples(), heldout_examples()
    assert len(heldout) >= 600
    assert overlaps(train, heldout) == []


def test_heldout_set_covers_every_intent_with_at_least_15():
    from collections import Counter

    train_intents = {e["intent"] for e in training_examples()}
    counts = Counter(e["intent"] for e in heldout_examples())
    assert set(counts) == train_intents
    assert min(counts.values()) >= 15, counts.most_common()[-3:]


def test_training_data_has_at_least_30_examples_per_intent_and_no_duplicates():
    from collections import Counter

    train = training_examples()
    counts = Counter(e["intent"] for e in train)
    assert min(counts.values()) >= 30, counts.most_common()[-3:]
    # Accented, unaccented and shorthand spellings of one sentence are all wanted; one spelling twice is not.
    keys = Counter(" ".join(text.normalize(e["text"]).replace(",", " ").replace(".", " ").split()) for e in train)
    assert [k for k, n in keys.items() if n > 1] == []


def test_content_overrides_apply_without_touching_the_files(tmp_path):
    import shutil

    import yaml

    import content

    directory = tmp_path / "content"
    directory.mkdir()
    for name in ("guide.yml", "messages.yml"):
        shutil.copy(content.loader.DEFAULT_CONTENT_DIR / name, directory / name)
    overrides = tmp_path / "overrides.yml"
    before = content.load(directory, overrides)
    assert before.commune["hotline"] == "024.38541051"
    overrides.write_text(
        yaml.safe_dump(
            {"guide": {"commune.hotline": "0237.000000", "flows.A.steps.1.text": "Mới", "flows.Z.title": "gone"}},
            allow_unicode=True,
        )
    )
    after = content.load(directory, overrides)
    assert after.commune["hotline"] == "0237.000000"
    assert after.step("A", 2)["text"] == "Mới" and after.step("A", 1)["text"] == before.step("A", 1)["text"]
    assert "Z" not in after.guide["flows"]
