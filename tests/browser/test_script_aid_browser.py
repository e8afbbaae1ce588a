"""The hotline script aid driven in headless Chromium with the keyboard only (the real bot answers /api/parse),
plus the admin's analytics and content pages rendered for real (charts drawn, no CSP errors).

Screenshots go to results/screenshots/aid-*.png, analytics-*.png and content-*.png for a person to look at.
"""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from gateway.models import HotlineCall, Message
from tests.support.browser import active, keyboard_login, shoot

PHONE = "0912345678"


def visible_step(page):
    return page.locator(".aid-step-card:not([hidden])")


def live_text(page):
    return page.locator("#aid-live").text_content() or ""


def test_script_aid_by_keyboard_only(aid_server, aid_page):
    page = aid_page
    keyboard_login(page, aid_server, "canbo", "/console/script/")
    expect(page.locator("#aid-no-flow")).to_be_visible()
    expect(page.locator("#aid-keys-hint")).to_be_visible()  # the script runs (CSP allows it)
    expect(page.locator("#aid-keys-title")).to_be_visible()
    shoot(page, "aid-01-start")

    # B picks the QR flow; j / → / n move forward, k / ← / p move back
    page.keyboard.press("b")
    expect(visible_step(page)).to_have_attribute("id", "step-B-1")
    expect(page.locator("#aid-live")).to_contain_text("Cách B, bước 1 trên 8")
    expect(page.locator("#aid-flow-B")).to_have_attribute("aria-current", "true")
    for key, expected in (("j", 2), ("ArrowRight", 3), ("n", 4), ("k", 3), ("ArrowLeft", 2), ("p", 1), ("p", 1)):
        page.keyboard.press(key)
        expect(visible_step(page)).to_have_attribute("id", f"step-B-{expected}")
        expect(page.locator("#aid-live")).to_contain_text(f"bước {expected} trên 8")

    # A switches flow; at step 4 the number keys open that step's problems
    page.keyboard.press("a")
    expect(visible_step(page)).to_have_attribute("id", "step-A-1")
    for _ in range(3):
        page.keyboard.press("j")
    expect(visible_step(page)).to_have_attribute("id", "step-A-4")
    expect(visible_step(page).locator(".aid-say")).to_contain_text("Mã OTP được gửi qua tin nhắn")
    expect(visible_step(page).locator(".aid-check")).to_contain_text("Tin nhắn OTP về đúng số")
    page.keyboard.press("2")
    expect(page.locator("#problem-otp_invalid")).to_be_visible()
    expect(page.locator("#problem-otp_invalid")).to_contain_text("Bấm [Gửi lại mã] để lấy mã mới")
    expect(page.locator("#aid-live")).to_contain_text("Kịch bản: Mã OTP sai hoặc hết hạn")
    page.keyboard.press("3")
    expect(page.locator("#problem-phone_number_changed")).to_be_visible()
    expect(page.locator("#problem-phone_number_changed .notice-warn")).to_contain_text("Phải đến Công an")
    expect(page.locator("#problem-otp_invalid")).to_be_hidden()
    shoot(page, "aid-02-problem-script")
    page.keyboard.press("0")
    expect(page.locator("#aid-script-empty")).to_be_visible()
    assert page.url.endswith("/console/script/?flow=A&step=4")  # a reload keeps the place

    # the caller's words: "/" focuses the box; the bot recognises the problem and the page jumps to its script
    page.keyboard.press("b")  # start from the other flow: the page must find flow A, step 4 itself
    page.keyboard.press("/")
    assert active(page)["id"] == "aid-said"
    page.keyboard.type("ko nhan dc ma otp")
    page.keyboard.press("Enter")
    expect(page.locator("#problem-otp_not_received")).to_be_visible()
    expect(visible_step(page)).to_have_attribute("id", "step-A-4")
    expect(page.locator("#aid-parse-result")).to_contain_text("Nhận ra vấn đề: Không nhận được mã OTP")
    expect(page.locator("#aid-said")).to_have_value("")
    shoot(page, "aid-03-parsed")

    # a secret said aloud is redacted before it is shown; the original leaves the page
    page.keyboard.type(f"so dien thoai cua toi la {PHONE}")
    page.keyboard.press("Enter")
    expect(page.locator(".aid-secret")).to_contain_text("số điện thoại")
    expect(page.locator("#aid-redacted")).to_contain_text("[số điện thoại]")
    expect(page.locator("#aid-said")).to_have_value("")
    assert PHONE not in page.content()
    expect(page.locator("#aid-heard li")).to_have_count(2)
    shoot(page, "aid-04-redacted")

    # Esc leaves the box; Enter goes to the outcome (visible focus), ↓ chooses, Enter records
    page.keyboard.press("Escape")
    assert active(page)["id"] == "main"
    page.keyboard.press("Enter")
    focused = active(page)
    assert (focused["name"], focused["value"]) == ("outcome", "got_in")
    assert focused["outline"].startswith("solid") and not focused["outline"].endswith(" 0px"), focused
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert active(page)["value"] == "call_back"
    expect(page.locator("#aid-rec-summary")).to_have_text("Cách A · bước 4 · Không nhận được mã OTP")
    shoot(page, "aid-05-outcome")
    page.keyboard.press("Enter")
    expect(page.locator("#aid-record-status")).to_contain_text("Đã ghi cuộc gọi: Cần gọi lại (cách A, bước 4")
    expect(page.locator("#aid-today")).to_have_text("1")
    expect(page.locator("#aid-no-flow")).to_be_visible()  # ready for the next call
    expect(page.locator("#aid-heard-box")).to_be_hidden()
    shoot(page, "aid-06-recorded")

    with aid_server.db() as session:
        calls = [(c.flow, c.last_step, c.problem, c.outcome) for c in session.scalars(select(HotlineCall))]
        stored = " ".join(m.text or "" for m in session.scalars(select(Message)))
    assert calls == [("A", 4, "otp_not_received", "call_back")]
    assert PHONE not in stored and "ko nhan dc ma otp" not in stored  # parsing stores nothing
    page.problems.assert_none()


def test_tab_order_and_focus_ring(aid_server, aid_page):
    page = aid_page
    keyboard_login(page, aid_server, "canbo", "/console/script/?flow=A&step=3")
    expect(visible_step(page)).to_have_attribute("id", "step-A-3")
    # Tab through the page: every stop has a visible focus ring, and the step's buttons are reachable
    seen = []
    for _ in range(60):
        page.keyboard.press("Tab")
        focused = active(page)
        if focused["tag"] == "body":  # past the last stop
            break
        seen.append(focused)
        assert focused["outline"].startswith("solid") and not focused["outline"].endswith(" 0px"), focused
    ids = [f["id"] for f in seen]
    assert {"aid-flow-A", "aid-flow-B", "aid-said", "aid-parse-send", "outcome-got_in", "aid-record-send"} <= set(ids)
    assert ids.index("aid-flow-A") < ids.index("aid-said") < ids.index("outcome-got_in")
    # Enter on a focused "Bước tiếp" link moves on and keeps the focus on the new step's button
    page.locator("#step-A-3 .aid-next").focus()
    page.keyboard.press("Enter")
    expect(visible_step(page)).to_have_attribute("id", "step-A-4")
    assert page.evaluate("document.activeElement.closest('.aid-step-card').id") == "step-A-4"
    page.problems.assert_none()


def test_script_aid_on_a_phone(aid_server, browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    page = context.new_page()
    try:
        keyboard_login(page, aid_server, "canbo", "/console/script/?flow=B&step=6&problem=qr_scan_failed")
        expect(page.locator("#problem-qr_scan_failed")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        shoot(page, "aid-07-phone-360")
    finally:
        context.close()


# --- admin pages ------------------------------------------------------------------------------------------------


def test_analytics_page_draws_charts(aid_server, aid_page):
    from tests.support.analytics import seed

    seed(aid_server.app)
    page = aid_page
    keyboard_login(page, aid_server, "quantri", "/console/analytics/?from=2026-11-02&to=2026-11-10")
    expect(page.locator("#kpi-self-service")).to_have_text("37.5%")
    canvases = page.locator("canvas[data-chart]")
    expect(canvases).to_have_count(7)
    drawn = page.evaluate("""() => Array.from(document.querySelectorAll('canvas[data-chart]'))
        .map(c => !!window.Chart.getChart(c) && c.width > 100 && c.height > 100)""")
    assert drawn == [True] * 7
    expect(page.locator("#table-funnel-A tbody tr").nth(2)).to_contain_text("6")
    shoot(page, "analytics-01-page")
    page.goto(f"{aid_server.url}/console/analytics/?from=2026-11-02&to=2026-11-10&period=week")
    expect(page.locator("#table-volume")).to_contain_text("2026-W45")
    shoot(page, "analytics-02-weeks")
    page.problems.assert_none()


def test_content_edit_pages(aid_server, aid_page):
    page = aid_page
    keyboard_login(page, aid_server, "quantri", "/console/content/")
    expect(page.locator("#ce-note")).to_contain_text("make train")
    shoot(page, "content-01-list")
    page.goto(f"{aid_server.url}/console/content/edit?key=guide:problems.otp_invalid.short")
    field = page.locator("#ce-value")
    field.fill("Mã OTP sai hoặc đã hết hạn rồi")
    expect(page.locator("#ce-count")).to_contain_text("quá dài")
    shoot(page, "content-02-too-long")
    field.fill("Mã OTP hết hạn")
    field.press("Enter")  # submits the form: preview
    expect(page.locator("#ce-after")).to_contain_text("Mã OTP hết hạn")
    shoot(page, "content-03-preview")
    page.goto(f"{aid_server.url}/console/content/edit?key=guide:flows.A.steps.3.illustration")
    shoot(page, "content-04-illustrations")
    page.problems.assert_none()
