"""One model, every commune: the actions speak for the commune the gateway names in the message's metadata
(its slug for its own content edits, its fields for `{commune.*}`), never for one baked into training data."""

from __future__ import annotations

import yaml
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.flow import ActionChooseFlow, ActionGreet
from bot.actions.info import ActionAnswerInfo
from tests.support.actions import make_tracker

HOANG_HOA = {
    "slug": "hoang-hoa",
    "name": "UBND xã Hoằng Hóa",
    "short_name": "xã Hoằng Hóa",
    "hotline": "0237.3861.999",
    "hotline_tel": "02373861999",
    "working_hours": "sáng thứ Bảy 7h–11h",
    "portal_host": "dichvucong.gov.vn",
    "portal_url": "https://dichvucong.gov.vn",
}


def _texts(action, tracker):
    dispatcher = CollectingDispatcher()
    action().run(dispatcher, tracker, {})
    return [m["text"] for m in dispatcher.messages if m.get("text")]


def test_the_greeting_names_the_commune_of_the_metadata():
    tracker = make_tracker("greet")
    tracker.latest_message["metadata"] = {"commune": "hoang-hoa", "commune_fields": HOANG_HOA}
    assert "UBND xã Hoằng Hóa" in _texts(ActionGreet, tracker)[0]
    plain = make_tracker("greet")
    assert "UBND xã Quảng Yên" in _texts(ActionGreet, plain)[0]  # no metadata: the guide's default commune


def test_contact_and_steps_use_the_communes_hotline_and_portal():
    tracker = make_tracker("ask_contact")
    tracker.latest_message["metadata"] = {"commune": "hoang-hoa", "commune_fields": HOANG_HOA}
    said = " ".join(_texts(ActionAnswerInfo, tracker))
    assert "0237.3861.999" in said and "024.38541051" not in said
    step = make_tracker("choose_flow", entities=[{"entity": "flow", "value": "A"}])
    step.latest_message["metadata"] = {"commune": "hoang-hoa", "commune_fields": HOANG_HOA}
    said = " ".join(_texts(ActionChooseFlow, step))
    assert "dichvucong.gov.vn" in said and "thanhhoa.gov.vn" not in said


def test_a_communes_own_content_edit_applies_to_it_alone(tmp_path, monkeypatch):
    overrides = tmp_path / "content-overrides.yml"
    monkeypatch.setenv("CONTENT_OVERRIDES", str(overrides))
    own = tmp_path / "content-overrides.d" / "hoang-hoa.yml"
    own.parent.mkdir()
    own.write_text(
        yaml.safe_dump({"messages": {"text.greet": "Chào bà con {commune.short_name}!"}}, allow_unicode=True),
        encoding="utf-8",
    )
    mine = make_tracker("greet")
    mine.latest_message["metadata"] = {"commune": "hoang-hoa", "commune_fields": HOANG_HOA}
    other = make_tracker("greet")
    other.latest_message["metadata"] = {"commune": "quang-yen", "commune_fields": {"name": "UBND xã Quảng Yên"}}
    assert _texts(ActionGreet, mine)[0].startswith("Chào bà con xã Hoằng Hóa!")
    assert "UBND xã Quảng Yên" in _texts(ActionGreet, other)[0]


def test_a_slug_that_is_not_one_reads_no_file():
    tracker = make_tracker("greet")
    tracker.latest_message["metadata"] = {"commune": "../../etc/passwd", "commune_fields": {"name": 42}}
    assert _texts(ActionGreet, tracker)  # the defaults, no error
