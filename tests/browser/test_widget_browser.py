"""The citizen's web widget in a real browser (Debian's headless Chromium), against the real gateway, Rasa server
and action server. Screenshots go to results/screenshots/widget-*.png.
"""

from __future__ import annotations

import gzip
import json
import re
import threading

import yaml
from playwright.sync_api import expect
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from tests.support.browser import (
    BOT_WAIT,
    STAFF_NAME,
    Staff,
    bubbles,
    conversation_id,
    log,
    new_page,
    open_widget,
    press,
    quick,
    sender,
    shot,
    wait_step,
)
from tests.support.servers import ROOT, free_port

WIDGET = ROOT / "web_widget"
GUIDE = yaml.safe_load((ROOT / "content" / "guide.yml").read_text(encoding="utf-8"))
ILLUSTRATIONS = [step["illustration"] for flow in ("A", "B") for step in GUIDE["flows"][flow]["steps"]]

expect.set_options(timeout=BOT_WAIT)


# ---- helpers ----------------------------------------------------------------------------------------------------
def assert_no_duplicates(page):
    ids = page.locator(".vnw-list .vnw-msg").evaluate_all("ns => ns.map(n => n.dataset.id)")
    assert len(ids) == len(set(ids)), ids


def step_image_ok(page, name):
    """The step's illustration is shown, loaded, with alt text from the step."""
    img = page.locator(f".vnw-fig img[src$='/illustrations/{name}']").last
    expect(img).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())
    alt = img.get_attribute("alt")
    assert alt.startswith("Hình minh họa. Bước "), alt
    return img


# ---- the tests --------------------------------------------------------------------------------------------------
def test_full_flow_a_by_buttons(widget_server, widget_context):
    page = new_page(widget_context)
    open_widget(page, widget_server)
    dialog = page.get_by_role("dialog", name="Trợ lý VNeID")
    expect(dialog).to_have_attribute("aria-modal", "true")
    expect(page.locator(".vnw-launcher")).to_have_attribute("aria-expanded", "true")
    assert "trợ lý tự động" in bubbles(page, "bot")[0]
    assert bubbles(page, "citizen") == []  # the hidden "/greet" is not shown as a citizen message

    press(page, "Mật khẩu + OTP")
    for step in range(1, 6):
        wait_step(page, step, 5)
        step_image_ok(page, ILLUSTRATIONS[step - 1])
        if step == 1:
            shot(page, "flow-a-step1")
        press(page, "Xong rồi")
    expect(log(page)).to_contain_text("Bạn đã đăng nhập được vào Dịch vụ công chưa?")
    press(page, "Đã vào được")
    expect(log(page)).to_contain_text("Chúc mừng bạn đã đăng nhập thành công!")

    # buttons show their titles as the citizen's messages, never the payloads
    assert bubbles(page, "citizen") == ["Mật khẩu + OTP"] + ["Xong rồi"] * 5 + ["Đã vào được"]
    assert_no_duplicates(page)
    steps = [b for b in bubbles(page, "bot") if b.startswith("Bước ")]
    assert [s[:8] for s in steps] == [f"Bước {n}/5" for n in range(1, 6)]
    assert page.locator(".vnw-fig img").count() == 5
    # bot messages are labelled as the automatic assistant
    expect(page.locator(".vnw-from-bot .vnw-who").first).to_have_text("Trợ lý tự động")
    shot(page, "flow-a-done")

    # the database holds the conversation exactly once, button payloads as sent
    stored = [m.text for m in widget_server.messages(sender(page)) if m.author == "citizen"]
    assert stored == ["/greet", "/choose_password_otp"] + ["/step_done"] * 5 + ["/affirm"]


def test_problem_and_its_remedy(widget_server, widget_context):
    page = new_page(widget_context)
    open_widget(page, widget_server)
    press(page, "Mật khẩu + OTP")
    for step in (1, 2, 3):
        wait_step(page, step, 5)
        press(page, "Xong rồi")
    wait_step(page, 4, 5)
    press(page, "Bị lỗi")
    expect(log(page)).to_contain_text("Bạn gặp lỗi gì ở bước 4?")
    page.get_by_label("Tin nhắn của bạn").fill("ko nhan dc ma otp")
    page.keyboard.press("Enter")
    expect(log(page)).to_contain_text("Không nhận được mã OTP. Bạn làm thế này nhé:")
    expect(log(page)).to_contain_text("Kiểm tra SIM số đó đang ở trong máy này")
    expect(quick(page, "Được rồi")).to_be_visible()
    shot(page, "problem-remedy")
    press(page, "Được rồi")
    expect(log(page)).to_contain_text("Tốt quá! Mình tiếp tục nhé.")
    expect(page.locator(".vnw-from-bot .vnw-bubble").filter(has_text="Bước 4/5:")).to_have_count(2)
    assert bubbles(page, "citizen")[-3:] == ["Bị lỗi", "ko nhan dc ma otp", "Được rồi"]
    assert_no_duplicates(page)


def test_handoff_staff_reply_appears_live(widget_server, widget_context):
    page = new_page(widget_context)
    open_widget(page, widget_server)
    press(page, "Mật khẩu + OTP")
    wait_step(page, 1, 5)
    press(page, "Gặp cán bộ")
    expect(log(page)).to_contain_text("Tôi đã nhờ cán bộ")
    expect(page.locator(".vnw-sub")).to_have_text(re.compile("Đang chờ cán bộ"))

    staff = Staff(widget_server.app)
    conv = conversation_id(widget_server, sender(page))
    card = staff.waiting_card(conv)
    assert card["channel"] == "widget"
    staff.claim(card["handoff_id"])
    # no action in the widget: the notice and the staff message arrive by themselves
    joined = page.locator(".vnw-from-system").filter(has_text=f"Cán bộ {STAFF_NAME} đã tham gia")
    expect(joined).to_be_visible()
    expect(page.locator(".vnw-sub")).to_have_text("Cán bộ xã đang trò chuyện với bạn")
    staff.reply(conv, "Chào bác, cháu là cán bộ xã. Bác đang ở bước nào ạ?")
    staff_msg = page.locator(".vnw-from-staff").last
    expect(staff_msg.locator(".vnw-bubble")).to_have_text("Chào bác, cháu là cán bộ xã. Bác đang ở bước nào ạ?")
    expect(staff_msg.locator(".vnw-who")).to_have_text(f"Cán bộ {STAFF_NAME}")
    background = "n => getComputedStyle(n).backgroundColor"
    assert staff_msg.locator(".vnw-bubble").evaluate(background) != page.locator(
        ".vnw-from-bot .vnw-bubble"
    ).last.evaluate(background)  # staff look different from the bot

    # the citizen answers; staff sees it; a staff message with markup is shown as text
    page.get_by_label("Tin nhắn của bạn").fill("Tôi ở bước 1, không thấy nút đăng nhập")
    page.get_by_role("button", name="Gửi").click()
    expect(page.locator(".vnw-list .vnw-from-citizen .vnw-bubble").last).to_have_text(
        re.compile("không thấy nút đăng nhập")
    )
    assert any(m["text"] == "Tôi ở bước 1, không thấy nút đăng nhập" for m in staff.messages(conv))
    staff.reply(conv, '<img src=x onerror="window.__staffXss=1">Bác bấm <b>Đăng nhập</b> nhé')
    expect(page.locator(".vnw-from-staff .vnw-bubble").last).to_have_text(
        '<img src=x onerror="window.__staffXss=1">Bác bấm <b>Đăng nhập</b> nhé'
    )
    assert page.evaluate("() => window.__staffXss") is None
    assert page.locator(".vnw-log img:not(.vnw-fig img)").count() == 0
    shot(page, "handoff-staff")

    # panel closed: a new staff message shows as a badge on the floating button
    page.keyboard.press("Escape")
    staff.reply(conv, "Bác mở lại cửa sổ trò chuyện nhé.")
    expect(page.locator(".vnw-badge")).to_have_text("1")
    expect(page.locator(".vnw-launcher")).to_have_attribute("aria-label", re.compile("1 tin nhắn mới"))
    page.locator(".vnw-launcher").click()
    expect(page.locator(".vnw-from-staff .vnw-bubble").last).to_have_text("Bác mở lại cửa sổ trò chuyện nhé.")
    expect(page.locator(".vnw-badge")).to_be_hidden()


def test_staff_leaves_and_the_bot_resumes(widget_server, widget_context):
    page = new_page(widget_context)
    open_widget(page, widget_server)
    press(page, "Mật khẩu + OTP")
    wait_step(page, 1, 5)
    page.get_by_label("Tin nhắn của bạn").fill("cho tôi gặp cán bộ")
    page.keyboard.press("Enter")
    expect(log(page)).to_contain_text("Tôi đã nhờ cán bộ")
    staff = Staff(widget_server.app)
    conv = conversation_id(widget_server, sender(page))
    staff.claim(staff.waiting_card(conv)["handoff_id"])
    expect(page.locator(".vnw-from-system").filter(has_text=f"Cán bộ {STAFF_NAME} đã tham gia")).to_be_visible()
    staff.return_to_bot(conv)
    expect(page.locator(".vnw-from-system").filter(has_text=f"Cán bộ {STAFF_NAME} đã rời")).to_be_visible()
    expect(page.locator(".vnw-sub")).to_have_text(re.compile("Trợ lý tự động"))
    wait_step(page, 1, 5)
    assert_no_duplicates(page)
    shot(page, "handoff-returned")


def test_conversation_survives_reload_and_new_tab(widget_server, widget_context):
    page = new_page(widget_context)
    open_widget(page, widget_server)
    press(page, "Quét mã QR")
    wait_step(page, 1, 8)
    press(page, "Xong rồi")
    wait_step(page, 2, 8)
    before = bubbles(page)
    conv = sender(page)

    page.reload()
    # the panel was open: it opens again with the whole conversation, fetched from the gateway
    expect(page.get_by_role("dialog", name="Trợ lý VNeID")).to_be_visible()
    expect(page.locator(".vnw-list .vnw-msg .vnw-bubble")).to_have_count(len(before))
    assert bubbles(page) == before
    assert sender(page) == conv
    assert_no_duplicates(page)
    expect(quick(page, "Xong rồi")).to_be_visible()  # the latest buttons are back too

    tab = new_page(widget_context)
    tab.goto(widget_server.url + "/")
    tab.locator(".vnw-launcher").click()
    expect(tab.locator(".vnw-list .vnw-msg .vnw-bubble")).to_have_count(len(before))
    assert sender(tab) == conv
    press(tab, "Xong rồi")
    wait_step(tab, 3, 8)
    step_image_ok(tab, "b3-trang-ma-qr.svg")
    shot(tab, "new-tab")
    # the first tab follows the conversation continued in the other tab
    wait_step(page, 3, 8)
    assert_no_duplicates(page)
    assert widget_server.widget_conversations().count(conv) == 1
    stored = [m.text for m in widget_server.messages(conv) if m.author == "citizen"]
    assert stored == ["/greet", "/choose_qr", "/step_done", "/step_done"]


def test_offline_message_is_kept_and_sent_once(widget_server, widget_context):
    context, _ = widget_context
    page = new_page(widget_context)
    open_widget(page, widget_server)
    text = "quen mat khau vneid"

    context.set_offline(True)
    page.get_by_label("Tin nhắn của bạn").fill(text)
    page.keyboard.press("Enter")
    pending = page.locator(".vnw-pending").filter(has_text=text)
    expect(pending).to_be_visible()
    expect(pending).to_contain_text("sẽ tự gửi khi có mạng")
    expect(page.locator(".vnw-status")).to_contain_text("Mất kết nối mạng")
    stored = json.loads(
        page.evaluate("() => localStorage.getItem(Object.keys(localStorage).find(k => k.endsWith(':outbox')))")
    )
    assert [item["text"] for item in stored] == [text]  # kept across a reload or a closed tab too
    page.wait_for_timeout(4000)  # several failed retries while offline
    shot(page, "offline-pending")

    context.set_offline(False)
    expect(page.locator(".vnw-pending")).to_have_count(0)
    expect(log(page)).to_contain_text("Quên mật khẩu VNeID")
    expect(page.locator(".vnw-status")).to_have_text("")
    assert bubbles(page, "citizen").count(text) == 1
    assert [m.text for m in widget_server.messages(sender(page))].count(text) == 1
    assert_no_duplicates(page)
    shot(page, "offline-delivered")


def test_lost_answer_is_resent_with_the_same_key_and_not_doubled(widget_server, widget_context):
    page = new_page(widget_context)
    open_widget(page, widget_server)
    keys = []

    def lose_first_answer(route):
        keys.append(route.request.headers.get("idempotency-key"))
        if len(keys) == 1:
            route.fetch()  # the gateway receives and answers the message …
            route.abort("connectionreset")  # … but the answer never reaches the browser
        else:
            route.continue_()

    page.route("**/webhooks/rest/webhook", lose_first_answer)
    press(page, "Mật khẩu + OTP")
    wait_step(page, 1, 5)
    page.unroute("**/webhooks/rest/webhook")
    assert len(keys) >= 2 and len(set(keys)) == 1, keys
    assert bubbles(page, "citizen") == ["Mật khẩu + OTP"]
    stored = [m.text for m in widget_server.messages(sender(page)) if m.author == "citizen"]
    assert stored == ["/greet", "/choose_password_otp"]
    assert_no_duplicates(page)


def test_gateway_error_is_shown_and_the_text_kept(widget_server, widget_context):
    page = new_page(widget_context)
    open_widget(page, widget_server)
    message = "Tin nhắn quá dài (tối đa 2000 ký tự). Bạn viết ngắn lại giúp tôi nhé."
    page.route(
        "**/webhooks/rest/webhook",
        lambda route: route.fulfill(
            status=413, content_type="application/json", body=json.dumps({"error": "too_long", "message": message})
        ),
    )
    box = page.get_by_label("Tin nhắn của bạn")
    box.fill("tôi không đăng nhập được")
    page.get_by_role("button", name="Gửi").click()
    expect(page.locator(".vnw-status")).to_have_text(message)
    expect(box).to_have_value("tôi không đăng nhập được")
    expect(page.locator(".vnw-pending")).to_have_count(0)
    page.unroute("**/webhooks/rest/webhook")


def test_keyboard_only(widget_server, widget_context):
    page = new_page(widget_context)
    page.goto(widget_server.url + "/")
    expect(page.locator(".vnw-launcher")).to_be_visible()
    page.keyboard.press("Shift+Tab")  # from the top of the page, backwards: the floating button is last
    focused = page.evaluate_handle("() => document.activeElement")
    assert page.evaluate("el => el.className", focused) == "vnw-launcher"
    assert page.evaluate("el => getComputedStyle(el).outlineStyle", focused) != "none"  # visible focus
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Trợ lý VNeID")
    expect(dialog).to_be_visible()
    assert page.evaluate("() => document.activeElement.id") == "vnw-input"
    expect(quick(page, "Mật khẩu + OTP")).to_be_visible()

    def tab_to(name, limit=30):
        for _ in range(limit):
            page.keyboard.press("Tab")
            inside = page.evaluate("() => !!document.activeElement.closest('#vnw-panel')")
            assert inside, "focus left the open panel"
            if (
                page.evaluate(
                    "() => document.activeElement.id === 'vnw-input' ? '#vnw-input'"
                    " : document.activeElement.textContent.trim()"
                )
                == name
            ):
                return
        raise AssertionError(f"{name} not reachable with Tab")

    tab_to("Mật khẩu + OTP")
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    shot(page, "keyboard-focus")
    page.keyboard.press("Enter")
    wait_step(page, 1, 5)
    tab_to("Xong rồi")
    page.keyboard.press("Space")
    wait_step(page, 2, 5)
    # the focus trap: 40 Tabs forwards and backwards never leave the panel
    for key in ["Tab"] * 40 + ["Shift+Tab"] * 40:
        page.keyboard.press(key)
        assert page.evaluate("() => !!document.activeElement.closest('#vnw-panel')"), key
    # "Chữ to" by keyboard, remembered after a reload
    tab_to("A+ Chữ to")
    size_before = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('.vnw-bubble')).fontSize)")
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Chữ to")).to_have_attribute("aria-pressed", "true")
    size_after = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('.vnw-bubble')).fontSize)")
    assert size_after >= size_before * 1.2
    # typing and sending with Enter
    tab_to("#vnw-input")
    page.keyboard.type("cho tôi hỏi cách đăng nhập")
    page.keyboard.press("Enter")
    expect(page.locator(".vnw-list .vnw-from-citizen .vnw-bubble").last).to_have_text("cho tôi hỏi cách đăng nhập")
    # Esc closes and gives focus back to the floating button
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert page.evaluate("() => document.activeElement.className") == "vnw-launcher"
    expect(page.locator(".vnw-launcher")).to_have_attribute("aria-expanded", "false")
    page.reload()
    page.locator(".vnw-launcher").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Chữ to")).to_have_attribute("aria-pressed", "true")


def test_accessible_names_and_live_region(widget_server, widget_context):
    page = new_page(widget_context)
    open_widget(page, widget_server)
    assert page.locator(".vnw-log").get_attribute("role") == "log"
    assert page.locator(".vnw-log").get_attribute("aria-live") == "polite"
    unnamed = page.evaluate("""() => [...document.querySelectorAll('.vnw button, .vnw textarea, .vnw a')]
        .filter(n => n.getClientRects().length)
        .filter(n => !(n.getAttribute('aria-label') || n.textContent.trim() || (n.labels && n.labels.length)
                       || (n.querySelector('img') && n.querySelector('img').alt)))
        .map(n => n.outerHTML.slice(0, 80))""")
    assert unnamed == []
    # contrast of the main text pairs (WCAG AA: 4.5:1)
    pairs = page.evaluate("""() => {
        const rgb = c => c.match(/\\d+/g).slice(0, 3).map(Number);
        const lum = ([r, g, b]) => [r, g, b].map(v => { v /= 255; return v <= .03928 ? v / 12.92 : ((v + .055) / 1.055) ** 2.4 })
                                            .reduce((s, v, i) => s + v * [.2126, .7152, .0722][i], 0);
        const ratio = (a, b) => { const [x, y] = [lum(rgb(a)), lum(rgb(b))].sort((p, q) => q - p); return (x + .05) / (y + .05) };
        const bg = n => { for (; n; n = n.parentElement) { const c = getComputedStyle(n).backgroundColor;
                          if (!/rgba\\(.*, 0\\)/.test(c) && c !== 'transparent') return c } return 'rgb(255,255,255)' };
        return [...document.querySelectorAll('.vnw-bubble, .vnw-who:not(.vnw-sr), .vnw-title, .vnw-sub, .vnw-chip, .vnw-send, .vnw-foot, .vnw-launcher, .vnw-big-btn')]
            .filter(n => n.getClientRects().length)
            .map(n => [n.className, ratio(getComputedStyle(n).color, bg(n))]);
    }""")
    low = [(cls, round(r, 2)) for cls, r in pairs if r < 4.5]
    assert pairs and low == []


def test_phone_360_layout(widget_server, browser):
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, device_scale_factor=2, locale="vi-VN"
    )
    try:
        page = context.new_page()
        page.goto(widget_server.url + "/")
        shot(page, "phone-360-page")
        page.locator(".vnw-launcher").tap()
        panel = page.get_by_role("dialog", name="Trợ lý VNeID")
        expect(panel).to_be_visible()
        expect(quick(page, "Mật khẩu + OTP")).to_be_visible()
        press(page, "Mật khẩu + OTP")
        wait_step(page, 1, 5)
        expect(quick(page, "Xong rồi")).to_be_in_viewport()  # the answer buttons are in sight, no scrolling
        box = panel.bounding_box()
        assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, 360, 740)
        form = page.locator(".vnw-form").bounding_box()
        assert form["y"] + form["height"] <= 740
        img = page.locator(".vnw-fig img").last.bounding_box()
        assert img["x"] >= 0 and img["x"] + img["width"] <= 360
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
        shot(page, "phone-360")
        # the on-screen keyboard takes the lower half: the panel shrinks, the text box stays visible above it
        page.locator("#vnw-input").tap()
        page.set_viewport_size({"width": 360, "height": 400})
        page.wait_for_timeout(300)
        form = page.locator(".vnw-form").bounding_box()
        assert 0 <= form["y"] and form["y"] + form["height"] <= 400
        expect(page.locator("#vnw-input")).to_be_in_viewport()
        expect(quick(page, "Xong rồi")).to_be_in_viewport()
        shot(page, "phone-360-keyboard")
        page.set_viewport_size({"width": 360, "height": 740})
        page.get_by_role("button", name="Chữ to").tap()
        page.wait_for_timeout(200)
        shot(page, "phone-360-large-text")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    finally:
        context.close()


def test_xss_payload_is_shown_as_text(widget_server, widget_context):
    page = new_page(widget_context)
    open_widget(page, widget_server)
    payload = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script><b>đậm</b> & "quote"'
    page.get_by_label("Tin nhắn của bạn").fill(payload)
    page.get_by_role("button", name="Gửi").click()
    citizen = page.locator(".vnw-list .vnw-from-citizen .vnw-bubble").last
    expect(citizen).to_have_text(payload)
    expect(page.locator(".vnw-list .vnw-from-bot").last).to_be_visible()
    page.wait_for_timeout(500)
    assert page.evaluate("() => window.__xss") is None
    assert page.locator(".vnw-log script, .vnw-log b, .vnw-log img:not(.vnw-fig img)").count() == 0
    shot(page, "xss-as-text")


def test_illustrations_for_every_step(widget_server, browser):
    assert len(ILLUSTRATIONS) == 13 and len(set(ILLUSTRATIONS)) == 13
    assert sorted(p.name for p in (WIDGET / "illustrations").glob("*.svg")) == sorted(ILLUSTRATIONS)
    labels = {
        "a1-nut-dang-nhap.svg": "Đăng nhập",
        "a2-chon-vneid.svg": "Tài khoản VNeID Bộ Công an",
        "a3-nhap-so-dinh-danh.svg": "Số định danh cá nhân",
        "a4-nhap-otp.svg": "OTP",
        "b3-trang-ma-qr.svg": "Mã QR",
        "b5-bieu-tuong-quet.svg": "quét mã QR",
        "b6-quet-va-xac-nhan.svg": "Xác nhận",
        "b7-bam-dong.svg": "Đóng",
        "a5-da-dang-nhap.svg": "Xin chào",
    }
    for name in ILLUSTRATIONS:
        svg = (WIDGET / "illustrations" / name).read_text(encoding="utf-8")
        assert len(svg.encode()) < 8 * 1024, name
        assert 'role="img"' in svg and "<title" in svg, name
        assert "font-family=\"sans-serif\"" in svg and "@import" not in svg and "href=\"http" not in svg, name
        assert "<script" not in svg and "<style" not in svg and "style=" not in svg, name
        assert not re.search(r"\d{9,}", svg), name  # no real ID or phone numbers: placeholder dots only
        if name in labels:
            assert labels[name] in svg, name
    context = browser.new_context(viewport={"width": 700, "height": 600})
    try:
        page = context.new_page()
        figures = "".join(
            f'<figure><img src="{widget_server.url}/illustrations/{n}" width="320" alt="{n}">'
            f'<figcaption>{n}</figcaption></figure>'
            for n in ILLUSTRATIONS
        )
        page.set_content(
            "<!doctype html><meta charset=utf-8><title>Hình minh họa</title>"
            "<style>body{margin:8px;font:13px sans-serif;background:#dde3e9}"
            "figure{display:inline-block;margin:4px;background:#fff}</style>" + figures
        )
        page.wait_for_function("() => [...document.images].every(i => i.complete)")
        broken = page.evaluate("() => [...document.images].filter(i => !i.naturalWidth).map(i => i.alt)")
        assert broken == []
        shot(page, "illustrations", full_page=True)
        response = page.request.get(f"{widget_server.url}/illustrations/{ILLUSTRATIONS[0]}")
        assert response.ok and "svg" in response.headers["content-type"]
    finally:
        context.close()


def test_one_tag_embed_on_another_site_and_size(widget_server, browser, monkeypatch):
    """The tag works on a page of another origin (the commune's own site) and the files stay small."""
    site_port = free_port()
    page_html = (
        f'<!doctype html><html lang="vi"><meta charset="utf-8"><title>Xã khác</title>'
        f'<body><h1>Trang của xã</h1><script src="{widget_server.url}/widget.js" '
        f'data-title="Hỏi đáp VNeID" data-position="left"></script></body></html>'
    )
    site = make_server(
        "127.0.0.1", site_port, lambda env, start: Response(page_html, mimetype="text/html")(env, start), threaded=True
    )
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    settings = widget_server.app.extensions["vneid"].settings
    monkeypatch.setattr(settings, "widget_origins", frozenset({f"http://127.0.0.1:{site_port}"}))
    context = browser.new_context(viewport={"width": 1024, "height": 720})
    try:
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{site_port}/")
        launcher = page.locator(".vnw-launcher")
        expect(launcher).to_have_text(re.compile("Hỏi đáp VNeID"))
        assert launcher.bounding_box()["x"] < 100  # data-position="left"
        launcher.click()
        expect(page.get_by_role("dialog", name="Hỏi đáp VNeID")).to_be_visible()
        expect(page.locator(".vnw-log")).to_contain_text("trợ lý tự động")
        press(page, "Quét mã QR")
        wait_step(page, 1, 8)
        step_image_ok(page, "b1-nut-dang-nhap.svg")
        shot(page, "other-site")
    finally:
        context.close()
        site.shutdown()
        thread.join(timeout=10)

    js = widget_server.app.test_client().get("/widget.js").get_data()  # as served: modules joined, texts in
    css = (WIDGET / "widget.css").read_bytes()
    assert len(js) < 40_000 and len(gzip.compress(js, 9)) < 12_000
    assert len(css) < 20_000
    demo = (WIDGET / "demo.html").read_text(encoding="utf-8")
    assert demo.count("<script") == 1
    assert '<script src="/widget.js" data-commune="{{ slug }}" data-title="Trợ lý VNeID"></script>' in demo
    assert "style=" not in demo and "<style" not in demo and not re.search(r"\son\w+=", demo)


def test_demo_page_and_no_csp_violations(widget_server, widget_context):
    _, console = widget_context
    page = new_page(widget_context)
    response = page.goto(widget_server.url + "/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.get_by_role("heading", name="UBND xã Quảng Yên")).to_be_visible()
    expect(page.get_by_text("Xã Quảng Long, Xã Quảng Trạch, Xã Quảng Hòa nay thuộc xã Quảng Yên")).to_be_visible()
    expect(page.get_by_text("024.38541051")).to_be_visible()
    shot(page, "demo-page")
    page.get_by_role("button", name="Hỏi Trợ lý VNeID").click()  # a link on the page can open the widget too
    expect(page.get_by_role("dialog", name="Trợ lý VNeID")).to_be_visible()
    expect(quick(page, "Mật khẩu + OTP")).to_be_visible()
    shot(page, "demo-open")
    assert console.problems() == []
    assert [line for line in console.lines if line.startswith("error")] == []  # not even a missing favicon
