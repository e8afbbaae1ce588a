"""End to end: real Rasa server + action server, driven through Rasa's REST channel."""

import re
import uuid

import requests

STEP = re.compile(r"^Bước (\d+)/(\d+): ")


def steps_in(replies):
    """(step, total) of every step message in the replies."""
    return [tuple(map(int, m.groups())) for m in (STEP.match(r.get("text", "")) for r in replies) if m]


def new_sender():
    return f"e2e-{uuid.uuid4().hex[:10]}"


def test_full_flow_a_conversation_arrives_in_order(bot):
    sender = new_sender()
    seen = []
    replies = bot.say(sender, "xin chào")
    assert any("trợ lý tự động" in r.get("text", "") for r in replies)
    assert any(b["payload"] == "/choose_password_otp" for r in replies for b in r.get("buttons", []))

    replies = bot.say(sender, "tôi muốn đăng nhập bằng số định danh và mật khẩu")
    seen += steps_in(replies)
    index = next(i for i, r in enumerate(replies) if STEP.match(r.get("text", "")))
    step_reply = replies[index]
    assert replies[index - 1]["image"].endswith(".svg")  # the illustration comes just before the step
    assert [b["title"] for b in step_reply["buttons"]] == ["Xong rồi", "Bị lỗi", "Gặp cán bộ"]
    for message in ["xong rồi", "/step_done", "xong roi", "/step_done"]:
        seen += steps_in(bot.say(sender, message))
    assert seen == [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]

    replies = bot.say(sender, "/step_done")
    assert any("đăng nhập được" in r.get("text", "") for r in replies)
    replies = bot.say(sender, "/affirm")
    assert any("thành công" in r.get("text", "") for r in replies)

    slots = bot.tracker(sender)["slots"]
    assert slots["flow"] == "A" and slots["step"] == 5 and slots["login_outcome"] == "got_in"


def test_problem_in_free_text_then_back_to_the_same_step(bot):
    sender = new_sender()
    bot.say(sender, "/choose_password_otp")
    for _ in range(3):
        bot.say(sender, "/step_done")
    replies = bot.say(sender, "ko nhan dc ma otp")
    texts = [r.get("text", "") for r in replies]
    assert texts[0].startswith("Không nhận được mã OTP")
    assert bot.tracker(sender)["slots"]["problem"] == "otp_not_received"
    replies = bot.say(sender, "/affirm")
    assert steps_in(replies) == [(4, 5)]


def test_person_request_emits_the_handoff_payload(bot):
    sender = new_sender()
    bot.say(sender, "/choose_qr")
    bot.say(sender, "/step_done")
    replies = bot.say(sender, "cho tôi gặp cán bộ xã")
    payloads = [r["custom"] for r in replies if "custom" in r]
    assert payloads == [
        {"handoff": {"reason": "requested", "flow": "B", "step": 2, "problem": None, "tried": [], "helper": False}}
    ]
    # the bot promises nothing about the wait: the gateway, which knows the queue and the hours, says it
    assert [r for r in replies if "custom" not in r] == []


def test_secret_is_warned_about_in_any_state(bot):
    sender = new_sender()
    bot.say(sender, "/choose_password_otp")
    replies = bot.say(sender, "mã otp của tôi là 482913")
    assert "mã OTP" in replies[0]["text"] and "đừng gửi" in replies[0]["text"]
    assert steps_in(replies) == [(1, 5)]


def test_http_api_refuses_requests_without_the_token(bot):
    response = requests.get(f"{bot.rasa_url}/conversations/x/tracker", timeout=10)
    assert response.status_code == 401
