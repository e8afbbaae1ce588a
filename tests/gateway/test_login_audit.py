"""What people type into the login form never reaches the audit log in clear (issue 17, finding 5): a failed login is
recorded by account when the name exists, by a keyed hash of the name otherwise; every audit field goes through the
shared secret detector."""

from __future__ import annotations

import hashlib
import hmac
import json

from sqlalchemy import select

from gateway.models import AuditLog, Staff
from gateway.services import audit
from tests.support.gateway import PASSWORD, login

TYPED = [PASSWORD, "Hoang@Anh1979", "mật khẩu là thu1979"]  # a password typed into the user name field


def entries(app, action=None):
    with app.extensions["vneid"].db.session() as s:
        query = select(AuditLog).order_by(AuditLog.id)
        if action:
            query = query.where(AuditLog.action == action)
        return [(e.staff_id, e.action, e.target, e.detail) for e in s.scalars(query)]


def test_a_password_typed_as_the_user_name_is_not_kept(app):
    client = app.test_client()
    for typed in TYPED:
        assert login(client, typed, "anything-at-all").status_code == 401
    everything = json.dumps(entries(app), ensure_ascii=False)
    for typed in TYPED:
        assert typed not in everything and typed.lower() not in everything
    failed = entries(app, "login_failed")
    assert len(failed) == 3 and all(staff is None and target is None for staff, _, target, _ in failed)
    hashes = [detail["name_hash"] for *_, detail in failed]
    assert len(set(hashes)) == 3 and all(len(h) == 32 for h in hashes)
    # a keyed hash: the same name gives the same entry (repeated guesses can be told apart), but nobody without the
    # key can test a guess against it
    key = app.secret_key.encode()
    assert hashes[0] == hmac.new(key, b"login-name:" + PASSWORD.encode(), hashlib.sha256).hexdigest()[:32]
    assert hashes[0] != hashlib.sha256(PASSWORD.encode()).hexdigest()[:32]


def test_a_failed_login_of_an_existing_account_names_the_account(app):
    assert login(app.test_client(), "CanBo ", "sai-mat-khau-roi").status_code == 401
    with app.extensions["vneid"].db.session() as s:
        canbo = s.scalar(select(Staff.id).where(Staff.username == "canbo"))
    [(staff, _, target, detail)] = entries(app, "login_failed")
    assert staff is None and target == f"staff:{canbo}" and "name_hash" not in detail
    assert "sai-mat-khau-roi" not in json.dumps(entries(app), ensure_ascii=False)
    assert login(app.test_client()).status_code == 302
    [(staff, _, target, detail)] = entries(app, "login")
    assert staff == canbo and "username" not in (detail or {})


def test_every_audit_field_goes_through_the_secret_detector(app):
    with app.app_context(), app.extensions["vneid"].db.session() as s:
        audit.record(
            s,
            None,
            "settings_outage",
            "otp 482913",
            {
                "text": "mật khẩu là Hoang@Anh1979",
                "nested": [{"note": "mã OTP 739146"}],
                "count": 3,
                "ref": "handoff:12",
                "hotline": "hotline xã 0237 3821 111",
            },
        )
        audit.record(s, None, "resolve", "handoff:12", {"address": audit.Kept("203.0.113.7")})
    [(_, _, target, detail), (_, _, kept_target, kept_detail)] = entries(app)
    stored = json.dumps([target, detail], ensure_ascii=False)
    for secret in ("482913", "Hoang@Anh1979", "739146"):
        assert secret not in stored
    assert detail["count"] == 3 and detail["ref"] == "handoff:12"  # numbers and references stay
    assert "[mật khẩu]" in detail["text"] and "[mã OTP]" in detail["nested"][0]["note"]
    assert kept_target == "handoff:12" and kept_detail == {"address": "203.0.113.7"}  # code-made values stay
