"""Canary: synthetic secrets sent through the gateway never reach any database or log in clear."""

import json
import sqlite3
import uuid

from tests.support.gateway import ALWAYS_OPEN
from tests.support.conversations import say, set_hours
from tests.support.leaks import leaks

CANARIES = {
    "otp": ["mã otp của tôi là 739146", "ma OTP: 528 307", "otp=904417", "639072"],
    "password": ["mật khẩu của tôi là Thanh@Hoa2024", "mk: Quang#Long99", "pass la Vneid!2025x"],
    "id_number": ["cccd 038195004321", "số định danh 038 186 007 654", "cmnd cũ 173829465"],
    "phone": ["sdt 0912 345 678", "gọi cho tôi +84 987 654 321", "số em 0903.111.222", "84356789012"],
}
SECRETS = [
    "739146",
    "528 307",
    "904417",
    "639072",
    "Thanh@Hoa2024",
    "Quang#Long99",
    "Vneid!2025x",
    "038195004321",
    "038 186 007 654",
    "173829465",
    "0912 345 678",
    "987 654 321",
    "0903.111.222",
    "84356789012",
    "987654321",
    "0912345678",
    "528307",
    "038186007654",
    "0903111222",
]


def dump(path):
    with sqlite3.connect(path) as db:
        return "\n".join(db.iterdump())


def test_no_secret_reaches_storage_or_logs(live_app, bot, tmp_path, captured_logs):
    set_hours(live_app, ALWAYS_OPEN)
    citizen = live_app.test_client()
    sender = f"canary-{uuid.uuid4().hex[:8]}"
    say(citizen, sender, "/choose_password_otp")
    for kind, messages in CANARIES.items():
        for text in messages:
            replies = say(citizen, sender, text)
            assert any("đừng gửi" in (r.get("text") or "") for r in replies), (kind, text, replies)
    # also through /api/parse
    parsed = citizen.post("/api/parse", json={"text": "mật khẩu của tôi là Thanh@Hoa2024, otp 739146"}).get_json()
    assert set(parsed["sensitive"]) == {"password", "otp"} and "Thanh@Hoa2024" not in parsed["text"]

    places = {
        "gateway database": dump(tmp_path / "gateway.db"),
        "tracker store": dump(bot.workdir / "tracker.db"),
        "rasa log": bot.log("rasa"),
        "action server log": bot.log("actions"),
        "gateway log": "\n".join(r.getMessage() for r in captured_logs.records),
    }
    # the placeholders did arrive (Rasa stores events as ASCII-escaped JSON)
    assert "[mã OTP]" in places["gateway database"]
    assert json.dumps("[mật khẩu]")[1:-1] in places["tracker store"]
    hits = [(where, leak) for where, content in places.items() for leak in leaks(SECRETS, content)]
    assert hits == []


def test_standalone_match_finds_typed_secrets_but_not_digits_inside_numbers():
    for typed in ['{"text": "m\\u00e3 otp 739146"}', "otp=904417,", "sdt 0912 345 678."]:
        assert leaks(SECRETS, typed), typed
    for unrelated in ["1.79573914622226219e+09", "ab739146cd", "1795788670.739146", "98739146"]:
        assert not leaks(SECRETS, unrelated), unrelated
