"""The staff console driven in headless Chromium: keyboard login, the live queue, claim, canned reply, return to
the bot, resolve, search; XSS shown as text; no horizontal scroll on a tablet or a small phone.

Screenshots go to results/screenshots/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import re
import uuid

import pytest
import requests
from playwright.sync_api import expect

from tests.support.browser import LiveServer, PageProblems, gateway_app
from tests.support.gateway import PASSWORD
from tests.support.conversations import make_handoff

XSS = '<script>alert(1)</script> "><img src=x onerror=alert(1)>'


# Text contrast of every visible element with its own text, against the first opaque background behind it
# (WCAG 2: 4.5:1, or 3:1 for large text). Returns the failures.
CONTRAST_JS = """() => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const background = el => {
    for (let n = el; n; n = n.parentElement) {
      const c = rgb(getComputedStyle(n).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.9)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const bad = [];
  for (const el of document.querySelectorAll('body *')) {
    if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (style.visibility === 'hidden' || box.width <= 1 || box.height <= 1) continue;
    const fg = lum(rgb(style.color).slice(0, 3)), bg = lum(background(el));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
    const need = (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5;
    if (ratio < need) {
      bad.push(`${el.tagName}.${el.className}: ${ratio.toFixed(2)} "${el.textContent.trim().slice(0, 30)}"`);
    }
  }
  return bad;
}"""


def say(server: LiveServer, sender: str, text: str) -> list:
    """A citizen message through the gateway's REST channel."""
    response = requests.post(
        f"{server.url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60
    )
    assert response.status_code == 200, response.text
    return response.json()


def keyboard_login(page, server: LiveServer, username: str) -> None:
    """Log in with the keyboard only: the username field has focus, Tab to the password, Enter to submit."""
    page.goto(f"{server.url}/console/")
    assert "/auth/login" in page.url
    # autofocus is applied after load: wait for it (a loaded machine took longer than one evaluate)
    page.wait_for_function("document.activeElement && document.activeElement.id === 'username'", timeout=10_000)
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server.url}/console/")


def active_id(page) -> str:
    return page.evaluate("document.activeElement ? document.activeElement.id : ''")


def test_staff_handles_a_conversation(live_server, bot, page, screenshots):
    keyboard_login(page, live_server, "canbo")
    expect(page.locator("#queue-empty")).to_be_visible()
    expect(page.locator("#queue-live")).to_be_visible()  # the script runs (CSP allows it)
    screenshots(page, "01-queue-empty")

    # a citizen gets stuck and asks for a person AFTER the queue page was loaded
    sender = f"b-{uuid.uuid4().hex[:8]}"
    say(live_server, sender, "/choose_password_otp")
    for _ in range(3):
        say(live_server, sender, "/step_done")
    say(live_server, sender, "ko nhan dc ma otp")
    replies = say(live_server, sender, "cho tôi gặp cán bộ")
    assert any("Tôi đã nhờ cán bộ" in (r.get("text") or "") for r in replies)

    card = page.locator("#queue-list li.card")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Đang chờ")
    expect(card).to_contain_text("Không nhận được mã OTP")
    expect(card).to_contain_text("4/5")
    expect(card).to_contain_text("Tôi đã nhờ cán bộ")  # the latest messages, as the citizen saw them
    expect(page.locator("#queue-announce")).to_contain_text("Có người mới đang chờ")
    expect(page.locator("#queue-count")).to_have_text("1")
    assert page.title().startswith("(1) ")
    screenshots(page, "02-queue-live-card")

    # open it with the keyboard
    card.locator("h2 a").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/console/conversations/\d+$"))
    expect(page.locator(".conv-summary")).to_contain_text("Không nhận được mã OTP")
    expect(page.locator("#messages .msg-citizen .msg-text", has_text="ko nhan dc ma otp")).to_have_count(1)
    expect(page.locator("#messages .msg-citizen").last).to_contain_text("Người dân")
    screenshots(page, "03-conversation-waiting")

    # a second tab on the same conversation will learn that it changed
    other = page.context.new_page()
    other_problems = PageProblems(other)
    other.goto(page.url)
    expect(other.locator("#state-changed")).to_be_hidden()

    # claim: the bot pauses, the reply box takes the focus
    page.get_by_role("button", name="Nhận hỗ trợ cuộc trò chuyện này", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("Bạn đã nhận cuộc trò chuyện")
    assert bot.tracker(f"rest:{sender}")["paused"] is True
    assert active_id(page) == "reply-text"
    expect(page.locator("#messages .msg-system").last).to_contain_text("đã tham gia")
    expect(other.locator("#messages .msg-system").last).to_contain_text("đã tham gia")  # arrived live
    expect(other.locator("#state-changed")).to_be_visible()
    other_problems.assert_none()
    other.close()

    # the citizen writes while a person handles it: it arrives live, as text
    assert say(live_server, sender, XSS) == []
    expect(page.locator("#messages .msg-citizen .msg-text").last).to_have_text(XSS)
    assert page.locator("#transcript img").count() == 0

    # a canned reply with the keyboard: the conversation's own problem is preselected; Tab to "Chèn", Enter
    canned = page.locator("#canned")
    assert canned.input_value() == "otp_not_received"
    canned_text = canned.locator("option:checked").get_attribute("data-text")
    expect(page.locator("#canned-preview")).to_contain_text(canned_text[:40])
    canned.focus()
    page.keyboard.press("Tab")
    assert active_id(page) == "canned-insert"
    page.keyboard.press("Enter")
    assert active_id(page) == "reply-text"
    assert page.locator("#reply-text").input_value() == canned_text
    page.keyboard.press("End")
    page.keyboard.type(" Cháu cảm ơn bác.")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".flash-success")).to_contain_text("Đã gửi tin nhắn")
    staff_message = page.locator("#messages .msg-staff").last
    expect(staff_message.locator(".msg-who")).to_have_text("Cán bộ Nguyễn Văn Cán")
    expect(staff_message.locator(".msg-text")).to_have_text(canned_text + " Cháu cảm ơn bác.")
    screenshots(page, "04-conversation-with-staff")

    # back to the bot: it says where the citizen is
    page.get_by_role("button", name="Trả lại cho trợ lý tự động", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("Đã trả cuộc trò chuyện")
    texts = page.locator("#messages li").evaluate_all(
        "items => items.map(li => [li.className, li.querySelector('.msg-text')?.textContent || ''])"
    )
    left = max(i for i, (cls, text) in enumerate(texts) if "msg-system" in cls and "đã rời" in text)
    assert any("msg-bot" in cls and text.startswith("Bước 4/5: ") for cls, text in texts[left:])
    assert bot.tracker(f"rest:{sender}")["paused"] is False
    screenshots(page, "05-conversation-returned")

    # resolve with an outcome (keyboard on the select)
    page.locator("#outcome").focus()
    page.locator("#outcome").select_option("got_in")
    page.locator("#note").fill("Đã hướng dẫn qua chat")
    page.get_by_role("button", name="Kết thúc hỗ trợ", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("Kết quả: Đã đăng nhập được")
    expect(page.locator(".history")).to_contain_text("Đã đăng nhập được")
    conversation_url = page.url

    # search finds it
    page.get_by_role("link", name="Tìm kiếm", exact=True).click()
    page.locator("#outcome").select_option("got_in")
    page.get_by_role("button", name="Tìm", exact=True).click()
    rows = page.locator("table.results tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Không nhận được mã OTP")
    expect(rows.first).to_contain_text("Nguyễn Văn Cán")
    screenshots(page, "06-search")
    rows.first.locator("a").click()
    assert page.url == conversation_url

    # the queue is empty again
    page.get_by_role("link", name="Hàng chờ", exact=True).click()
    expect(page.locator("#queue-empty")).to_be_visible()
    page.problems.assert_none()


@pytest.fixture
def offline_server(tmp_path):
    """The gateway without a bot, for pages that only read (cards are created directly in the database)."""
    server = LiveServer(gateway_app(tmp_path)).start()
    try:
        yield server
    finally:
        server.stop()


def seed(app):
    """A busy queue: waiting, long, claimed (display name with an XSS payload), resolved with a note."""
    from gateway.services import staff_accounts

    with app.extensions["vneid"].db.session() as session:
        staff_accounts.create(session, "xss", '<b>Cán bộ</b> "><img src=x onerror=alert(1)>', PASSWORD)
    long_text = "Tôi đã thử nhiều lần nhưng vẫn không được " * 6 + "https://dichvucong.thanhhoa.gov.vn/" + "x" * 80
    first = make_handoff(app, citizen_text=XSS)
    make_handoff(app, citizen_text=long_text, problem="qr_scan_failed", step=6, channel="zalo", flow="B")
    claimed = make_handoff(app, citizen_text=XSS, staff_username="xss")
    make_handoff(app, citizen_text="xong", status="resolved", outcome="needs_police", note=XSS)
    return first, claimed


@pytest.mark.parametrize("width,height", [(768, 1024), (360, 740)])
def test_no_horizontal_scroll_and_xss_as_text(offline_server, browser, screenshots, width, height):
    (conv_id, _), (claimed_conv, _) = seed(offline_server.app)
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh"
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems = PageProblems(page)
    try:
        page.goto(offline_server.url + "/auth/login")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        screenshots(page, f"layout-{width}-login")
        keyboard_login(page, offline_server, "quantri")
        pages = {
            "queue": "/console/",
            "conversation": f"/console/conversations/{conv_id}",
            "conversation-claimed": f"/console/conversations/{claimed_conv}",
            "search": "/console/search",
            "admin-staff": "/console/admin/staff",
            "admin-settings": "/console/admin/settings",
            "admin-audit": "/console/admin/audit",
        }
        for name, path in pages.items():
            page.goto(offline_server.url + path)
            if name == "queue":
                expect(page.locator("#queue-list li.card")).to_have_count(3)
                page.wait_for_timeout(3500)  # one live refresh must not break anything
                expect(page.locator("#queue-list li.card")).to_have_count(3)
            scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert scroll <= inner, (name, width, scroll, inner)
            assert page.evaluate(CONTRAST_JS) == [], name
            screenshots(page, f"layout-{width}-{name}")
            if name.startswith(("queue", "conversation")):
                screenshots(page, f"layout-{width}-{name}-first-screen", full_page=False)
        page.goto(offline_server.url + "/console/")
        assert page.locator("img").count() == 0
        expect(page.locator("#queue-list")).to_contain_text("<script>alert(1)</script>")
        expect(page.locator("#queue-list")).to_contain_text('"><img src=x onerror=alert(1)> đang hỗ trợ')
        problems.assert_none()
    finally:
        context.close()


def test_keyboard_navigation_and_outage_notice(offline_server, page, screenshots):
    keyboard_login(page, offline_server, "quantri")
    # the skip link is the first stop and moves the focus to the main content
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    assert active_id(page) == "main"
    # visible focus on the header links
    nav = page.get_by_role("link", name="Quản trị", exact=True)
    nav.focus()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/console/admin/staff$"))
    page.get_by_role("link", name="Giờ làm việc và thông báo sự cố", exact=True).click()

    # switch the outage notice on with the keyboard
    page.locator("#outage-on").focus()
    page.keyboard.press("Space")
    page.locator("#outage-text").focus()
    page.keyboard.type("Cổng dịch vụ công đang bảo trì đến 15h00.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator(".flash-success")).to_contain_text("Đã BẬT thông báo sự cố")
    expect(page.locator("#outage")).to_contain_text("ĐANG BẬT")
    screenshots(page, "07-admin-settings")
    page.get_by_role("link", name="Hàng chờ", exact=True).click()
    expect(page.locator(".notice-warn")).to_contain_text("Cổng dịch vụ công đang bảo trì đến 15h00.")

    # working hours: a bad period is refused with a message, the form keeps what was typed
    page.goto(offline_server.url + "/console/admin/settings")
    page.locator("#start3").fill("18:00")
    page.locator("#end3").fill("17:00")
    page.get_by_role("button", name="Lưu giờ làm việc", exact=True).click()
    expect(page.locator(".flash-error")).to_contain_text("Khung giờ 3")
    assert page.locator("#start3").input_value() == "18:00"
    page.get_by_role("link", name="Tài khoản cán bộ", exact=True).click()
    screenshots(page, "08-admin-staff")
    page.problems.assert_none()
