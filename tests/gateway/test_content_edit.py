"""Content editing from the console: the rules (Vietnamese text, ≤ 20-character button titles, ISO dates, hotline),
edit → preview → save through the admin pages, the overrides file written atomically, the audit log, admin-only
access, and (with the real bot) an edit reaching the next citizen's conversation with no retraining or restart."""

from __future__ import annotations

import html as htmllib
import uuid
from datetime import date
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

import content
from gateway.models import AuditLog, Staff
from gateway.services import content_edit as ce
from gateway.services.texts import Texts
from tests.support.content_edit import STEP1, edit_through_pages, hidden, open_edit
from tests.support.gateway import csrf_header, login, province_admin

ROOT = Path(__file__).resolve().parents[2]
TEXTS = Texts(ROOT / "content")  # the staff words of the shipped content


def admin_client(app):
    """A province admin: edits the province's file, which every commune reads (a commune's admin edits its own:
    test_a_commune_admin_edits_its_own_file_over_the_province)."""
    with app.extensions["vneid"].db.session() as session:
        known = session.scalar(select(Staff.id).where(Staff.username == "tinh"))
    if known is None:
        province_admin(app)
    client = app.test_client()
    assert login(client, "tinh").status_code == 302
    return client


def overrides(app) -> Path:
    return app.extensions["vneid"].settings.content_overrides


def live_guide(app) -> content.Guide:
    return app.extensions["vneid"].texts.guide


def audit_entries(app, action="content_edit"):
    with app.extensions["vneid"].db.session() as session:
        return [
            (e.staff.username if e.staff else None, e.target, e.detail, e.at)
            for e in session.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id))
        ]


# --- the rules ----------------------------------------------------------------------------------------------------


def spec(kind, key="guide:x", path="x"):
    return ce.Field(key, "guide", path, kind, "nhãn", "g", "nhóm")


@pytest.mark.parametrize(
    "kind,value,error",
    [
        ("text", "   ", "không được để trống"),
        ("text", "Open the portal and press Login", "tiếng Việt có dấu"),
        ("text", "Mo trang dich vu cong roi bam Dang nhap", "tiếng Việt có dấu"),  # no diacritics
        ("text", "Bấm " + "x" * 400, "tối đa 400"),
        ("text", "Bấm {step} rồi {commune.hotline}", "{step}"),
        ("short", "Không nhận được mã OTP", "tối đa 20"),  # 22 characters: too long for a Zalo button
        ("button", "Gặp cán bộ xã Quảng Long", "tối đa 20"),
        ("short", "OTP", "tiếng Việt có dấu"),
        ("date", "27/11/2026", "năm-tháng-ngày"),
        ("date", "2026-02-30", "năm-tháng-ngày"),
        ("date", "2999-01-01", "sau hôm nay"),
        ("hotline", "024-3854-1051", "chữ số, dấu chấm"),
        ("hotline", "gọi 0243", "chữ số, dấu chấm"),
        ("illustration", "../../etc/passwd", "tệp hình"),
        ("illustration", "khong-co.png", "tệp hình"),
    ],
)
def test_validation_refuses(kind, value, error):
    with pytest.raises(ce.EditError) as exc:
        ce.validate(spec(kind), value, illustrations=["a1-nut-dang-nhap.svg"], today=date(2026, 11, 27), texts=TEXTS)
    assert error in str(exc.value)


def test_validation_accepts_and_cleans():
    assert ce.validate(spec("short"), "  Không nhận OTP ", texts=TEXTS)[0] == "Không nhận OTP"
    assert len("Tài khoản bị khóa") <= 20
    assert ce.validate(spec("button"), "Đã vào được", texts=TEXTS)[0] == "Đã vào được"
    text, warnings = ce.validate(spec("text"), "Bấm\r\nnút  [Đăng nhập]\u200b, gọi {commune.hotline}.", texts=TEXTS)
    assert text == "Bấm nút [Đăng nhập], gọi {commune.hotline}." and warnings == []
    long_text, warnings = ce.validate(spec("text"), "Mở trang dịch vụ công. " * 8, texts=TEXTS)
    assert warnings and "140" in warnings[0]
    assert ce.validate(spec("date"), "2026-11-27", today=date(2026, 11, 27), texts=TEXTS)[0] == "2026-11-27"
    assert ce.validate(spec("hotline"), "0237 3851 234", texts=TEXTS)[0] == "0237 3851 234"
    assert (
        ce.validate(spec("illustration"), "b3-trang-ma-qr.svg", illustrations=["b3-trang-ma-qr.svg"], texts=TEXTS)[0]
        == "b3-trang-ma-qr.svg"
    )
    # decomposed input (combining marks) counts as Vietnamese once normalised
    assert ce.validate(spec("title"), "Kho\u0302ng tha\u0302\u0301y nu\u0301t", texts=TEXTS)[0] == "Không thấy nút"


def test_every_shipped_value_passes_its_own_rules(tmp_path):
    illustrations = ce.illustration_files(ROOT / "web_widget" / "illustrations")
    fields = ce.fields(ROOT / "content", tmp_path / "none.yml", TEXTS)
    assert len(fields) > 100
    kinds = {f.kind for f in fields}
    assert {"text", "title", "short", "button", "date", "bring", "illustration"} <= kinds
    for f in fields:
        ce.validate(f, f.current, illustrations, texts=TEXTS)
    keys = {f.key for f in fields}
    # a commune's name, hotline, hours, address, portal: its settings (the communes page), not content
    assert not [key for key in keys if key.startswith("guide:commune.")]
    assert {
        STEP1,
        "guide:problems.otp_invalid.remedy.0",
        "guide:flows.B.steps.2.illustration",
        "guide:problems.otp_invalid.last_checked",
        "guide:problems.otp_invalid.short",
        "messages:buttons.step.0.title",
    } <= keys
    with pytest.raises(ce.EditError):
        ce.find_field(ROOT / "content", tmp_path / "none.yml", "guide:commune.portal_url", TEXTS)  # not editable here


# --- edit → preview → save ----------------------------------------------------------------------------------------


def test_edit_preview_save_writes_overrides_and_audit(app):
    client = admin_client(app)
    new = "Mở trang dichvucong.thanhhoa.gov.vn, bấm nút [Đăng nhập] màu đỏ ở góc trên bên phải."
    shipped = live_guide(app).step("A", 1)["text"]
    old = live_guide(app).fill(shipped)
    page, saved = edit_through_pages(client, STEP1, new)
    # the preview shows the citizen's bubble with the new text, and the old one beside it
    assert f"Bước 1/5: {new}" in htmllib.unescape(page)
    assert f"Bước 1/5: {old}" in htmllib.unescape(page)
    assert "Xong rồi" in page and "/illustrations/a1-nut-dang-nhap.svg" in page
    assert "make train" in page  # the note on what needs retraining
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/console/content/#flow-A")
    # written to the overrides file, read by the same loader the bot uses
    data = yaml.safe_load(overrides(app).read_text(encoding="utf-8"))
    assert data == {
        "guide": {"flows.A.steps.0.text": new},
        "shipped": {"guide": {"flows.A.steps.0.text": shipped}},
    }  # what the edit replaced
    assert live_guide(app).step("A", 1)["text"] == new
    assert content.load(ROOT / "content", overrides(app)).step("A", 1)["text"] == new
    assert [p.name for p in overrides(app).parent.iterdir() if p.name.endswith(".tmp")] == []
    # audited: who, when, path, old, new
    [(who, target, detail, at)] = audit_entries(app)
    assert who == "tinh" and target == STEP1 and at is not None
    assert detail == {"path": "flows.A.steps.0.text", "target": "guide", "old": shipped, "new": new}
    # the list page marks it and shows the latest edit
    listing = client.get("/console/content/").get_data(as_text=True)
    assert "đã sửa" in listing and "Trần Văn Tỉnh" in listing and new in listing
    assert "Đã lưu" in listing


def test_save_needs_the_previewed_value(app):
    client = admin_client(app)
    form = open_edit(client, STEP1)
    response = client.post(
        "/console/content/save", data={**form, "value": "Bấm nút [Đăng nhập].", "signature": "forged"}
    )
    assert response.status_code == 400
    assert "Hãy xem trước" in response.get_data(as_text=True)
    assert not overrides(app).exists() and audit_entries(app) == []


def test_invalid_value_goes_back_to_the_form(app):
    client = admin_client(app)
    form = open_edit(client, "guide:problems.otp_invalid.short")
    response = client.post("/console/content/preview", data={**form, "value": "Mã OTP sai hoặc đã hết hạn"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'role="alert"' in page and "tối đa 20 ký tự" in page
    assert 'value="Mã OTP sai hoặc đã hết hạn"' in page  # what was typed is kept
    assert not overrides(app).exists()


def test_conflicting_edits_do_not_overwrite_each_other(app):
    first, second = admin_client(app), admin_client(app)
    stale = open_edit(second, STEP1)
    edit_through_pages(first, STEP1, "Mở trang dịch vụ công của tỉnh, bấm [Đăng nhập].")
    preview = second.post("/console/content/preview", data={**stale, "value": "Bấm [Đăng nhập] ở trên cùng."})
    page = preview.get_data(as_text=True)
    response = second.post(
        "/console/content/save",
        data={
            "csrf_token": hidden(page, "csrf_token"),
            "key": STEP1,
            "base": hidden(page, "base"),
            "value": hidden(page, "value"),
            "signature": hidden(page, "signature"),
        },
    )
    assert response.status_code == 409 and "vừa được người khác sửa" in response.get_data(as_text=True)
    assert live_guide(app).step("A", 1)["text"] == "Mở trang dịch vụ công của tỉnh, bấm [Đăng nhập]."
    assert len(audit_entries(app)) == 1


def test_revert_to_the_shipped_text_removes_the_override(app):
    client = admin_client(app)
    original = live_guide(app).problem("otp_invalid")["remedy"][0]
    edit_through_pages(client, "guide:problems.otp_invalid.remedy.0", "Mã OTP chỉ dùng trong vài phút. Lấy mã mới.")
    assert live_guide(app).problem("otp_invalid")["remedy"][0] == "Mã OTP chỉ dùng trong vài phút. Lấy mã mới."
    edit_through_pages(client, "guide:problems.otp_invalid.remedy.0", original)
    assert live_guide(app).problem("otp_invalid")["remedy"][0] == original
    assert yaml.safe_load(overrides(app).read_text(encoding="utf-8")) in ({}, None)
    assert audit_entries(app)[-1][2]["reverted_to_default"] is True


def test_an_edit_whose_original_changed_is_marked_for_review_until_saved_again(app, tmp_path):
    shipped_dir = tmp_path / "content"
    shipped_dir.mkdir()
    for name in ("guide.yml", "messages.yml"):
        (shipped_dir / name).write_bytes((ROOT / "content" / name).read_bytes())
    app.extensions["vneid"].settings.content_dir = shipped_dir
    client = admin_client(app)
    mine = "Mở trang dichvucong.thanhhoa.gov.vn rồi bấm nút [Đăng nhập] ở góc trên."
    edit_through_pages(client, STEP1, mine)
    assert not [f.key for f in ce.fields(shipped_dir, overrides(app), TEXTS) if f.stale]
    # an update of the project changes the text under the commune's edit (the portal changed)
    guide = yaml.safe_load((shipped_dir / "guide.yml").read_text(encoding="utf-8"))
    before = guide["flows"]["A"]["steps"][0]["text"]
    guide["flows"]["A"]["steps"][0]["text"] = "Mở Cổng dịch vụ công mới, bấm [Đăng nhập bằng VNeID]."
    (shipped_dir / "guide.yml").write_text(yaml.safe_dump(guide, allow_unicode=True), encoding="utf-8")
    stale = [f for f in ce.fields(shipped_dir, overrides(app), TEXTS) if f.stale]
    assert [(f.key, f.shipped_then, f.current) for f in stale] == [(STEP1, before, mine)]  # still applied
    listing = htmllib.unescape(client.get("/console/content/").get_data(as_text=True))
    assert "Cần xem lại: bản gốc đã đổi sau khi xã sửa (1)" in listing and "bản gốc đã đổi — cần xem lại" in listing
    page = htmllib.unescape(client.get("/console/content/edit", query_string={"key": STEP1}).get_data(as_text=True))
    assert "Bản gốc lúc xã sửa" in page and before in page and "Đăng nhập bằng VNeID" in page
    queue_page = client.get("/console/").get_data(as_text=True)  # admins are told on the queue page too
    assert "1 mục nội dung xã đã sửa có bản gốc vừa thay đổi" in queue_page
    # kept as it is after review: saved again with the same text
    _, saved = edit_through_pages(client, STEP1, mine)
    assert saved.status_code == 302
    assert not [f for f in ce.fields(shipped_dir, overrides(app), TEXTS) if f.stale]
    [(who, target, detail, _)] = audit_entries(app, "content_review")
    assert who == "tinh" and target == STEP1 and detail["kept"] == mine and detail["shipped_then"] == before
    assert "Đã xem lại" in client.get("/console/content/").get_data(as_text=True)
    assert "bản gốc vừa thay đổi" not in client.get("/console/").get_data(as_text=True)


def test_an_overrides_file_without_shipped_records_is_read_as_before(tmp_path):
    path = tmp_path / "content-overrides.yml"
    path.write_text(
        yaml.safe_dump({"guide": {"flows.A.steps.0.text": "Mở trang, bấm [Đăng nhập]."}}, allow_unicode=True),
        encoding="utf-8",
    )
    [field] = [f for f in ce.fields(ROOT / "content", path, TEXTS) if f.key == STEP1]
    assert field.overridden and field.shipped_then is None and not field.stale
    ce.write_overrides(path, *ce.read_edits(path, TEXTS))  # nothing invented on rewrite
    assert "shipped" not in yaml.safe_load(path.read_text(encoding="utf-8"))


def test_the_communes_own_settings_are_not_content(app):
    client = admin_client(app)
    for key in ("guide:commune.hotline", "guide:commune.working_hours", "guide:commune.name", "guide:commune.address"):
        assert client.get("/console/content/edit", query_string={"key": key}).status_code == 404, key
    assert "guide:commune.hotline" not in client.get("/console/content/").get_data(as_text=True)


def test_a_commune_admin_edits_its_own_file_over_the_province(app):
    """quantri (Xã Quảng Yên's admin) writes var/content-overrides.d/quang-yen.yml; the province's file and the
    other communes' text stay as they were; a province edit under it is then marked for the commune's review."""
    from gateway.services import communes

    svc = app.extensions["vneid"]
    with svc.db.session() as session:
        communes.add(session, "hoang-hoa", "Xã Hoằng Hóa")
    svc.communes.changed()
    client = app.test_client()
    assert login(client, "quantri").status_code == 302
    before = live_guide(app).flow("A")["steps"][0]["text"]
    _, saved = edit_through_pages(client, STEP1, "Mở trang dịch vụ công của xã, bấm [Đăng nhập].")
    assert saved.status_code == 302
    own = content.commune_overrides_path(overrides(app), "quang-yen")
    assert yaml.safe_load(own.read_text(encoding="utf-8"))["guide"] == {
        "flows.A.steps.0.text": "Mở trang dịch vụ công của xã, bấm [Đăng nhập]."
    }
    assert not overrides(app).exists()  # the province's file: untouched
    quang_yen, hoang_hoa = svc.communes.by_slug("quang-yen"), svc.communes.by_slug("hoang-hoa")
    assert svc.texts.guide_for(quang_yen).flow("A")["steps"][0]["text"].startswith("Mở trang dịch vụ công của xã")
    assert svc.texts.guide_for(hoang_hoa).flow("A")["steps"][0]["text"] == before
    assert live_guide(app).flow("A")["steps"][0]["text"] == before  # the province's words
    page = client.get("/console/content/").get_data(as_text=True)
    assert "Mở trang dịch vụ công của xã" in page  # the list shows the commune's text
    [(who, key, detail, _)] = audit_entries(app)
    assert (who, key, detail["commune"]) == ("quantri", STEP1, "quang-yen")

    # the province changes the text under the commune's edit: the commune is asked to review it
    province = admin_client(app)
    assert edit_through_pages(province, STEP1, "Mở cổng dịch vụ công của tỉnh, bấm [Đăng nhập].")[1].status_code == 302
    assert svc.texts.guide_for(hoang_hoa).flow("A")["steps"][0]["text"].startswith("Mở cổng dịch vụ công của tỉnh")
    assert svc.texts.guide_for(quang_yen).flow("A")["steps"][0]["text"].startswith("Mở trang dịch vụ công của xã")
    review = ce.needing_review(svc.settings.content_dir, overrides(app), svc.texts, "quang-yen")
    assert [f.key for f in review] == [STEP1]
    assert "bản gốc vừa thay đổi" in client.get("/console/").get_data(as_text=True)


def test_illustration_is_chosen_from_the_folder(app):
    client = admin_client(app)
    form = open_edit(client, "guide:flows.B.steps.2.illustration")
    page = client.get("/console/content/edit?key=guide:flows.B.steps.2.illustration").get_data(as_text=True)
    assert page.count('type="radio" name="value"') == len(list((ROOT / "web_widget/illustrations").glob("*.svg")))
    refused = client.post("/console/content/preview", data={**form, "value": "../../gateway/config.py"})
    assert refused.status_code == 400
    preview, saved = edit_through_pages(client, "guide:flows.B.steps.2.illustration", "b6-quet-va-xac-nhan.svg")
    assert "/illustrations/b6-quet-va-xac-nhan.svg" in preview
    assert saved.status_code == 302
    assert live_guide(app).step("B", 3)["illustration"] == "b6-quet-va-xac-nhan.svg"


def test_date_and_button_edits(app):
    client = admin_client(app)
    edit_through_pages(client, "guide:problems.phone_number_changed.last_checked", "2026-11-20")
    assert live_guide(app).problem("phone_number_changed")["last_checked"] == "2026-11-20"
    edit_through_pages(client, "messages:buttons.step.2.title", "Nhờ cán bộ")
    assert [b["title"] for b in live_guide(app).buttons("step")] == ["Xong rồi", "Bị lỗi", "Nhờ cán bộ"]
    data = yaml.safe_load(overrides(app).read_text(encoding="utf-8"))
    assert data["messages"] == {"buttons.step.2.title": "Nhờ cán bộ"}
    assert data["guide"] == {"problems.phone_number_changed.last_checked": "2026-11-20"}


def test_unknown_key_is_404(app):
    client = admin_client(app)
    assert client.get("/console/content/edit?key=guide:flows.A.steps.9.text").status_code == 404
    assert client.get("/console/content/edit?key=../etc").status_code == 404


def test_index_lists_every_group_with_the_retraining_note(app):
    page = admin_client(app).get("/console/content/").get_data(as_text=True)
    for group in ("flow-A", "flow-B", "problem-otp_not_received", "buttons"):
        assert f'id="{group}"' in page
    assert "make train" in page and "không cần huấn luyện lại" in page
    assert "<script>" not in page


def test_writes_are_atomic_and_keep_other_edits(tmp_path):
    path = tmp_path / "var" / "content-overrides.yml"
    ce.write_overrides(path, {"guide": {"commune.hotline": "024.1"}, "messages": {"buttons.step.0.title": "Xong"}}, {})
    edits, shipped = ce.read_edits(path, TEXTS)
    ce.write_overrides(path, {**edits, "guide": {"commune.hotline": "024.2"}}, shipped)
    assert ce.read_edits(path, TEXTS)[0] == {
        "guide": {"commune.hotline": "024.2"},
        "messages": {"buttons.step.0.title": "Xong"},
        "errors": {},
    }
    assert sorted(p.name for p in path.parent.iterdir()) == ["content-overrides.yml"]
    with ce.locked(path):
        assert path.with_name("content-overrides.yml.lock").exists()


# --- who may edit -------------------------------------------------------------------------------------------------


def test_staff_cannot_edit_content(app):
    staff = app.test_client()
    login(staff, "canbo")
    for url in ("/console/content/", f"/console/content/edit?key={STEP1}"):
        response = staff.get(url)
        assert response.status_code == 403 and "Chỉ quản trị viên" in response.get_data(as_text=True)
    token = csrf_header(staff)["X-CSRFToken"]
    for url in ("/console/content/preview", "/console/content/save", "/console/content/edit"):
        response = staff.post(url, data={"csrf_token": token, "key": STEP1, "value": "Bấm [Đăng nhập] ngay."})
        assert response.status_code == 403, url
    assert not overrides(app).exists() and audit_entries(app) == []


def test_anonymous_is_sent_to_login(app):
    anonymous = app.test_client()
    response = anonymous.get("/console/content/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


# --- live: the next citizen gets the new text -----------------------------------------------------------------------


def say(client, sender, text):
    response = client.post("/webhooks/rest/webhook", json={"sender": sender, "message": text})
    assert response.status_code == 200, response.get_data(as_text=True)
    return [r.get("text", "") for r in response.get_json()]


def test_edit_reaches_the_next_citizen_without_retraining(live_app, bot):
    svc = live_app.extensions["vneid"]
    path = bot.workdir / "content-overrides.yml"  # the file the running action server reads (CONTENT_OVERRIDES)
    svc.settings.content_overrides = path
    svc.texts.overrides = path
    backup = path.read_bytes() if path.exists() else None
    # letters only: the audit log masks what looks like a code ("mã a3f9b1"), as it does everywhere
    marker = "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:6])
    new = f"Mở trang dichvucong.thanhhoa.gov.vn, bấm nút [Đăng nhập] màu xanh ở góc phải (mã {marker})."
    try:
        citizen = live_app.test_client()
        before = say(citizen, f"ce-{uuid.uuid4().hex[:8]}", "/choose_password_otp")
        assert not any(marker in t for t in before)

        _page, saved = edit_through_pages(admin_client(live_app), STEP1, new)
        assert saved.status_code == 302

        after = say(citizen, f"ce-{uuid.uuid4().hex[:8]}", "/choose_password_otp")
        assert f"Bước 1/5: {new}" in after, after
        [(who, _target, detail, _at)] = audit_entries(live_app)
        assert who == "tinh" and detail["new"] == new
    finally:
        if backup is None:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(backup)
    restored = say(live_app.test_client(), f"ce-{uuid.uuid4().hex[:8]}", "/choose_password_otp")
    assert not any(marker in t for t in restored)


def test_the_error_catalogue_is_editable_by_the_province_and_read_by_the_nlu_at_once(app):
    client = admin_client(app)
    key = "errors:errors.credentials_incorrect.text"
    new = "Thông tin tài khoản hoặc mật khẩu không đúng, vui lòng kiểm tra lại"
    listing = client.get("/console/content/").get_data(as_text=True)
    assert "credentials_incorrect" in listing  # listed with the guide's fields
    page, saved = edit_through_pages(client, key, new)
    assert "Người dân dán" in htmllib.unescape(page) and new in htmllib.unescape(page)
    assert saved.status_code == 302
    data = yaml.safe_load(overrides(app).read_text(encoding="utf-8"))
    assert data["errors"] == {"errors.credentials_incorrect.text": new}
    # the bot's NLU reads the catalogue through the same loader, with the edit, without retraining
    errors = content.load_errors(ROOT / "content", overrides(app))
    assert errors["errors"]["credentials_incorrect"]["text"] == new
    [(who, target, detail, at)] = audit_entries(app)
    assert detail["target"] == "errors" and detail["new"] == new


def test_a_commune_admin_cannot_edit_the_province_wide_error_catalogue(app):
    client = app.test_client()
    assert login(client, "quantri").status_code == 302  # quang-yen's admin
    listing = client.get("/console/content/").get_data(as_text=True)
    assert "credentials_incorrect" not in listing
    response = client.get("/console/content/edit", query_string={"key": "errors:errors.credentials_incorrect.text"})
    assert response.status_code in (400, 404)
