"""The citizen's rights in the web widget, in a real browser (Debian's headless Chromium) against the real gateway,
Rasa server and action server: "Kết thúc và xóa trên máy này" deletes the conversation on the server and forgets it
in the browser; "xóa cuộc trò chuyện" typed does the same after "Có"; an idle conversation id expires; the next
message starts a new conversation with the privacy notice. Keyboard, screen-reader names, phone screen.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import yaml
from playwright.sync_api import expect

from gateway.models import Conversation, utcnow
from tests.support.browser import BOT_WAIT, bubbles, log, new_page, open_widget, press, quick, sender, shot, wait_step
from tests.support.servers import ROOT

MESSAGES = yaml.safe_load((ROOT / "content" / "messages.yml").read_text(encoding="utf-8"))
WORDS = MESSAGES["widget"]
NOTICE_HEAD = "Về dữ liệu của bạn:"

expect.set_options(timeout=BOT_WAIT)


def stored_keys(page):
    """The widget's keys in localStorage and sessionStorage."""
    return page.evaluate("""() => [localStorage, sessionStorage].map(s => Object.keys(s)
        .filter(k => k.startsWith('vneid-widget:')).map(k => k.split(':').pop()).sort())""")


def tracker_events(bot, conv):
    with sqlite3.connect(bot.workdir / "tracker.db") as db:
        return db.execute("select count(*) from events where sender_id = ?", (f"widget:{conv}",)).fetchone()[0]


def end_button(page):
    return page.get_by_role("button", name=WORDS["end"])


def confirm_box(page):
    return page.get_by_role("alertdialog", name=WORDS["end_question"])


def test_end_and_delete_on_this_device(widget_server, widget_context, bot):
    page = new_page(widget_context)
    open_widget(page, widget_server)
    greeting = page.locator(".vnw-list .vnw-from-bot .vnw-bubble").first
    expect(greeting).to_contain_text(NOTICE_HEAD)  # the first message tells what is kept and how to delete it
    expect(greeting).to_contain_text("Kết thúc và xóa")
    press(page, "Quét mã QR")
    wait_step(page, 1, 8)
    conv = sender(page)
    assert conv in widget_server.widget_conversations() and tracker_events(bot, conv) > 0
    assert stored_keys(page) == [["conv", "outbox"], ["open"]]

    end_button(page).click()
    box = confirm_box(page)
    expect(box).to_be_visible()
    expect(box).to_contain_text(WORDS["end_detail"])
    expect(page.locator("#vnw-input")).to_be_hidden()  # the confirmation takes the input's place
    assert page.evaluate("() => document.activeElement.textContent") == WORDS["end_cancel"]  # the safe choice
    shot(page, "end-confirm")
    box.get_by_role("button", name=WORDS["end_confirm"], exact=True).click()

    expect(page.locator(".vnw-status")).to_have_text(WORDS["ended"])
    expect(page.locator(".vnw-list .vnw-msg")).to_have_count(0)
    expect(box).to_be_hidden()
    expect(page.locator("#vnw-input")).to_be_visible()
    assert stored_keys(page) == [[], ["open"]]  # no conversation id, no unsent message kept on this device
    assert conv not in widget_server.widget_conversations()
    assert tracker_events(bot, conv) == 0
    shot(page, "ended")

    # the next person's first message starts a new conversation, with the notice
    page.get_by_label(WORDS["input_label"]).fill("xin chào")
    page.get_by_role("button", name=WORDS["send"]).click()
    expect(page.locator(".vnw-list .vnw-from-bot .vnw-bubble").first).to_contain_text(NOTICE_HEAD)
    expect(page.locator(".vnw-status")).to_have_text("")
    fresh = sender(page)
    assert fresh != conv and widget_server.widget_conversations().count(fresh) == 1
    first_bot = next(m for m in widget_server.messages(fresh) if m.author != "citizen")
    assert NOTICE_HEAD in first_bot.text
    page.reload()  # and a reload shows only the new conversation
    expect(page.locator(".vnw-list .vnw-from-citizen .vnw-bubble")).to_have_text(["xin chào"])


def test_ending_by_keyboard_and_cancelling(widget_server, widget_context):
    page = new_page(widget_context)
    open_widget(page, widget_server)
    conv = sender(page)
    end_button(page).focus()
    page.keyboard.press("Enter")
    expect(confirm_box(page)).to_be_visible()
    assert page.evaluate("() => document.activeElement.textContent") == WORDS["end_cancel"]
    page.keyboard.press("Escape")  # Esc cancels the question first, the panel stays open
    expect(confirm_box(page)).to_be_hidden()
    expect(page.get_by_role("dialog", name="Trợ lý VNeID")).to_be_visible()
    assert page.evaluate("() => document.activeElement.textContent.trim()") == WORDS["end"]
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # "Không xóa" has the focus
    expect(confirm_box(page)).to_be_hidden()
    assert sender(page) == conv and conv in widget_server.widget_conversations()
    # Tab stays in the panel and reaches "Xóa"
    end_button(page).focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("() => document.activeElement.textContent") == WORDS["end_confirm"]
    page.keyboard.press("Enter")
    expect(page.locator(".vnw-status")).to_have_text(WORDS["ended"])
    assert conv not in widget_server.widget_conversations()
    assert page.evaluate("() => !!document.activeElement.closest('#vnw-panel')")


def test_typed_command_deletes_after_yes(widget_server, widget_context, bot):
    page = new_page(widget_context)
    open_widget(page, widget_server)
    press(page, "Mật khẩu + OTP")
    wait_step(page, 1, 5)
    conv = sender(page)
    page.get_by_label(WORDS["input_label"]).fill("xoa cuoc tro chuyen")
    page.keyboard.press("Enter")
    expect(log(page).locator(".vnw-bubble").last).to_have_text(MESSAGES["gateway"]["erase_confirm"])
    press(page, "Có")
    expect(page.locator(".vnw-status")).to_have_text(MESSAGES["gateway"]["erase_done"])
    expect(page.locator(".vnw-list .vnw-msg")).to_have_count(0)
    assert stored_keys(page) == [[], ["open"]]
    assert conv not in widget_server.widget_conversations() and tracker_events(bot, conv) == 0


def test_another_tab_follows_the_ending(widget_server, widget_context):
    first = new_page(widget_context)
    open_widget(first, widget_server)
    second = new_page(widget_context)
    second.goto(widget_server.url + "/")
    second.locator(".vnw-launcher").click()
    expect(second.locator(".vnw-list .vnw-from-bot").first).to_be_visible()
    end_button(first).click()
    confirm_box(first).get_by_role("button", name=WORDS["end_confirm"], exact=True).click()
    expect(first.locator(".vnw-status")).to_have_text(WORDS["ended"])
    expect(second.locator(".vnw-list .vnw-msg")).to_have_count(0)  # the other tab shows it no more


def test_an_idle_conversation_expires_in_the_browser(widget_server, widget_context):
    page = new_page(widget_context)
    open_widget(page, widget_server)
    press(page, "Quét mã QR")
    wait_step(page, 1, 8)
    old = sender(page)
    before = bubbles(page)
    minutes = widget_server.app.extensions["vneid"].settings.widget_idle_minutes
    with widget_server.db() as session:
        conv = session.query(Conversation).filter_by(channel="widget", external_id=old).one()
        conv.last_message_at = utcnow() - timedelta(minutes=minutes + 1)
    page.reload()  # someone comes back to the device later: the panel opens on a new conversation
    expect(page.locator(".vnw-status")).to_have_text(WORDS["expired"])
    expect(quick(page, "Mật khẩu + OTP")).to_be_visible()
    fresh = sender(page)
    assert fresh != old
    assert not any("Bước 1/8" in text for text in bubbles(page)) and len(before) > 2
    expect(page.locator(".vnw-list .vnw-from-bot .vnw-bubble").first).to_contain_text(NOTICE_HEAD)


def test_the_confirmation_on_a_phone(widget_server, browser):
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, device_scale_factor=2, locale="vi-VN"
    )
    try:
        page = context.new_page()
        page.goto(widget_server.url + "/")
        page.locator(".vnw-launcher").tap()
        expect(quick(page, "Mật khẩu + OTP")).to_be_visible()
        end = end_button(page)
        expect(end).to_be_in_viewport()
        assert end.bounding_box()["height"] >= 44
        end.tap()
        box = confirm_box(page)
        expect(box).to_be_in_viewport()
        for name in (WORDS["end_confirm"], WORDS["end_cancel"]):
            button = box.get_by_role("button", name=name, exact=True).bounding_box()
            assert button["height"] >= 44 and button["x"] >= 0 and button["x"] + button["width"] <= 360
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
        shot(page, "phone-360-end-confirm")
    finally:
        context.close()
