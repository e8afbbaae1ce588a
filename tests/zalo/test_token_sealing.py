"""The OA's tokens are sealed in the database: not in clear in the rows nor in the database file; tokens stored
in clear before are sealed on first use; another key cannot open them and says so (zalo-check too); with
ZALO_TOKEN_KEY set, SECRET_KEY may change."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

import pytest

from gateway.channels.zalo.client import ZaloClient
from gateway.channels.zalo.errors import TokenUnavailable
from gateway.channels.zalo.tokens import _hash
from gateway.zalo_models import ZaloToken
from gateway.token_sealing import PREFIX, TokenSeal, Unreadable
from tests.support.zalo import Citizen, pump
from tools import fake_zalo

CLEAR = ("initial-access-token", "initial-refresh-token")


def _row(app):
    with app.extensions["vneid"].db.session() as session:
        row = session.get(ZaloToken, 1)
        return row.access_token, row.refresh_token, row.version


def _client(app, **changes):
    svc = app.extensions["vneid"]
    return ZaloClient(dataclasses.replace(svc.settings, **changes), svc.db)


def test_the_tokens_are_sealed_in_the_rows_and_in_the_database_file(zalo_app, fake):
    citizen = Citizen(zalo_app, fake)
    assert citizen.post(fake_zalo.follow(fake.app_id, fake.oa_id, citizen.user_id)).status_code == 200
    pump(zalo_app)
    assert len(citizen.new()) == 1  # the welcome went out with the (opened) access token
    access, refresh, _ = _row(zalo_app)
    assert access.startswith(PREFIX) and refresh.startswith(PREFIX)
    database = zalo_app.extensions["vneid"].settings.database_url[len("sqlite:///") :]
    zalo_app.extensions["vneid"].db.engine.dispose()
    stored = open(database, "rb").read()
    assert not any(token.encode() in stored for token in CLEAR)


def test_tokens_stored_in_clear_before_are_sealed_on_first_use(zalo_app):
    settings = zalo_app.extensions["vneid"].settings
    with zalo_app.extensions["vneid"].db.session() as session:
        session.add(
            ZaloToken(
                id=1,
                access_token="old-access",
                refresh_token="old-refresh",
                version=3,
                seed_hash=_hash(settings.zalo_refresh_token),
                updated_at=datetime.now(timezone.utc),
            )
        )
    assert _client(zalo_app).tokens.access_token() == ("old-access", 3)
    access, refresh, version = _row(zalo_app)
    assert version == 3 and access.startswith(PREFIX) and refresh.startswith(PREFIX)
    seal = TokenSeal(settings.secret_key)
    assert (seal.open(access), seal.open(refresh)) == ("old-access", "old-refresh")


def test_another_key_cannot_open_them_and_says_so(zalo_app):
    assert _client(zalo_app).tokens.access_token()[0] == "initial-access-token"  # seeded, sealed under SECRET_KEY
    stranger = _client(zalo_app, secret_key="another-secret-key-0123456789abcdef0123")
    with pytest.raises(TokenUnavailable):
        stranger.tokens.access_token()
    assert stranger.tokens.state().readable is False and _client(zalo_app).tokens.state().readable is True
    zalo_app.extensions["vneid"].settings.secret_key = "another-secret-key-0123456789abcdef0123"
    result = zalo_app.test_cli_runner().invoke(args=["zalo-check"])
    assert result.exit_code != 0 and "sealed under another key" in result.output
    assert not any(token in result.output for token in CLEAR)


def test_with_a_token_key_the_secret_key_may_change(zalo_app):
    first = _client(zalo_app, zalo_token_key="commune token key")
    assert first.tokens.access_token()[0] == "initial-access-token"
    later = _client(zalo_app, zalo_token_key="commune token key", secret_key="rotated-secret-key-0123456789abcdef01")
    assert later.tokens.access_token()[0] == "initial-access-token"
    with pytest.raises(Unreadable):
        TokenSeal(zalo_app.extensions["vneid"].settings.secret_key).open(_row(zalo_app)[0])


def test_sealing_is_not_deterministic_and_keeps_empty_values():
    seal = TokenSeal("k" * 40)
    assert seal.seal("x") != seal.seal("x") and seal.open(seal.seal("x")) == "x"
    assert seal.seal("") == "" and seal.seal(None) is None and seal.open("plain") == "plain"
    with pytest.raises(Unreadable):
        seal.open(PREFIX + "not-a-fernet-token")
