"""The signed webhook: accepted only with the right signature over the exact bytes; stored, acknowledged fast."""

import json
import time

from sqlalchemy import select

from gateway.zalo_models import ZaloEvent
from tests.support.gateway import build_app, make_settings
from tests.support.zalo import OA_SECRET, WEBHOOK, Citizen
from tools import fake_zalo


def stored(app):
    with app.extensions["vneid"].db.session() as session:
        return session.scalars(select(ZaloEvent).order_by(ZaloEvent.id)).all()


def test_a_correctly_signed_event_is_stored_and_acknowledged_at_once(zalo_app, fake):
    citizen = Citizen(zalo_app, fake)
    event = citizen.text_event("xin chào")
    response = citizen.post(event)
    assert response.status_code == 200 and response.get_json()["error"] == 0
    # acknowledged before any work on it: still queued, nothing answered yet (the acknowledgement's latency under
    # load is measured by tools/bench_zalo_ack.py, not timed here)
    assert fake.sent == []
    rows = stored(zalo_app)
    assert [(r.msg_id, r.event_name, r.user_id, r.status) for r in rows] == [
        (event["message"]["msg_id"], "user_send_text", citizen.user_id, "queued")
    ]
    assert rows[0].body == fake_zalo.encode(event).decode("utf-8")  # the exact bytes, until processed


def test_missing_or_wrong_signatures_are_refused_and_nothing_is_stored(zalo_app, fake):
    citizen = Citizen(zalo_app, fake)
    event = citizen.text_event("xin chào")
    raw = fake_zalo.encode(event)
    good = fake_zalo.sign(fake.app_id, raw, event["timestamp"], OA_SECRET)

    assert citizen.post(event, signature="").status_code == 401  # no header at all
    assert citizen.post(event, signature="mac=").status_code == 401
    assert citizen.post(event, signature="mac=" + "0" * 64).status_code == 403
    assert (
        citizen.post(event, signature=fake_zalo.sign(fake.app_id, raw, event["timestamp"], "other")).status_code == 403
    )
    flipped = bytearray(raw)
    index = raw.index(b"xin")
    flipped[index] ^= 0x01  # one bit of one byte of the text
    assert citizen.post(event, raw=bytes(flipped), signature=good).status_code == 403
    reserialised = json.dumps(event, ensure_ascii=True, indent=1).encode()  # same JSON, other bytes
    assert json.loads(reserialised) == json.loads(raw)
    assert citizen.post(event, raw=reserialised, signature=good).status_code == 403
    later = dict(event, timestamp=str(int(event["timestamp"]) + 1))  # the timestamp is part of the signature
    assert citizen.post(later, raw=fake_zalo.encode(later), signature=good).status_code == 403
    assert stored(zalo_app) == []

    assert citizen.post(event, raw=raw, signature=good.upper().replace("MAC=", "mac=")).status_code == 200
    assert len(stored(zalo_app)) == 1


def test_an_event_of_another_app_is_refused(zalo_app, fake):
    citizen = Citizen(zalo_app, fake)
    event = dict(citizen.text_event("xin chào"), app_id="999")
    assert citizen.post(event).status_code == 403  # signed with our app id and secret, but not our app's event
    assert stored(zalo_app) == []


def test_not_json_is_refused(zalo_app, fake):
    citizen = Citizen(zalo_app, fake)
    raw = b"not json"
    response = citizen.client.post(
        WEBHOOK, data=raw, headers={"X-ZEvent-Signature": fake_zalo.sign(fake.app_id, raw, "1", OA_SECRET)}
    )
    assert response.status_code == 400
    assert stored(zalo_app) == []


def test_ids_stay_strings_of_digits(zalo_app, fake):
    user = "8015674921543889117"  # more than 2^53: as a float it would change
    citizen = Citizen(zalo_app, fake, user)
    assert citizen.post(citizen.text_event("xin chào")).status_code == 200
    assert stored(zalo_app)[0].user_id == user


def test_zalo_is_off_without_the_oa_secret(tmp_path, fake):
    app = build_app(make_settings(tmp_path))
    assert "zalo" not in app.extensions
    citizen = Citizen(app, fake)
    assert citizen.post(citizen.text_event("xin chào")).status_code == 404


def test_the_webhook_needs_no_csrf_token_but_only_accepts_post(zalo_app, fake):
    citizen = Citizen(zalo_app, fake)
    assert citizen.client.get(WEBHOOK).status_code == 405
    assert citizen.post(citizen.text_event("hello")).status_code == 200


def test_a_captured_event_replayed_days_later_is_not_processed(zalo_app, fake):
    citizen = Citizen(zalo_app, fake)
    old = dict(citizen.text_event("xin chào"), timestamp=str(int((time.time() - 3 * 86400) * 1000)))
    response = citizen.post(old)
    assert response.status_code == 200 and response.get_json()["message"] == "stale"
    assert stored(zalo_app) == []


def test_the_settings_come_from_the_environment_and_need_the_app_id():
    import pytest

    from gateway.config import ConfigError, Settings

    settings = Settings.from_env(
        {
            "ZALO_OA_SECRET_KEY": "k",
            "ZALO_APP_ID": "1",
            "ZALO_APP_SECRET": "s",
            "ZALO_REFRESH_TOKEN": "r ",
            "ZALO_OPENAPI_BASE": "http://127.0.0.1:1/",
            "WORKER_INTERVAL_S": "0.5",
        }
    )
    assert settings.zalo_enabled and settings.zalo_refresh_token == "r"
    assert settings.zalo_openapi_base == "http://127.0.0.1:1"
    assert settings.zalo_oauth_base == "https://oauth.zaloapp.com"
    assert settings.worker_interval_s == 0.5
    assert not Settings.from_env({}).zalo_enabled
    with pytest.raises(ConfigError):
        Settings.from_env({"ZALO_OA_SECRET_KEY": "k"}).check()
