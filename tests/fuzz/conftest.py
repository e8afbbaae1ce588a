"""Property-based fuzzing of every inbound endpoint (hypothesis, 500 examples each): the Flask test client in
front of a gateway on a temporary SQLite database with an instant fake Rasa. Properties: never a 5xx, never an
exception, oversized bodies 413, and no secret (configuration secrets, staff passwords, citizens' OTPs and
passwords) in any log record. The strategies and properties are in tests/support/fuzzing.py.
"""

from __future__ import annotations

import logging

import pytest
from hypothesis import HealthCheck, settings

from tests.support.fake_rasa import FakeRasa
from tests.support.fuzzing import RASA_TOKEN, SECRET_KEY, STAFF_PASSWORD, Records

EXAMPLES = 500
# One profile for CI and local runs: 500 examples per endpoint, no example database written into the repository,
# no per-example deadline (the machine is shared), reproducible failures printed.
settings.register_profile(
    "vneid",
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("vneid")


@pytest.fixture(scope="module")
def logs():
    handler = Records()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(old_level)


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    """One gateway for a module: fake Rasa, cheap password hashing, limits high enough not to interfere."""
    from argon2 import PasswordHasher

    from gateway.services import runtime_settings, staff_accounts
    from tests.support.gateway import ALWAYS_OPEN, build_app, make_settings

    real_hasher = staff_accounts._hasher
    staff_accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    tmp = tmp_path_factory.mktemp("fuzz")
    settings_ = make_settings(tmp)
    settings_.secret_key, settings_.rasa_token = SECRET_KEY, RASA_TOKEN
    settings_.order_gap_wait_s = 0.01  # fuzzed message numbers leave gaps: waiting for them tests nothing here
    app = build_app(settings_)
    svc = app.extensions["vneid"]
    svc.rasa = FakeRasa(RASA_TOKEN)
    with svc.db.session() as session:
        staff_accounts.create(session, "fuzzer", "Người Thử", STAFF_PASSWORD, "admin")
        runtime_settings.put(session, "working_hours", ALWAYS_OPEN)
    yield app
    staff_accounts._hasher = real_hasher


@pytest.fixture(scope="module")
def real_app(tmp_path_factory, bot):
    """A gateway in front of the real Rasa server and action server (the session's `bot`)."""
    from gateway.services import runtime_settings
    from tests.support.gateway import ALWAYS_OPEN, build_app, make_settings

    settings_ = make_settings(
        tmp_path_factory.mktemp("fuzz-real"),
        bot.rasa_url,
        bot.token,
        bot.action_url,
        f"sqlite:///{bot.workdir / 'tracker.db'}",
    )
    settings_.secret_key = SECRET_KEY
    settings_.order_gap_wait_s = 0.01  # as above
    app = build_app(settings_)
    with app.extensions["vneid"].db.session() as session:
        runtime_settings.put(session, "working_hours", ALWAYS_OPEN)
    return app
