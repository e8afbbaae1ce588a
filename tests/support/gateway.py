"""What the gateway's tests share (import it; never a test module or a conftest): settings for a test app on its
own database, the app with its two staff accounts of the default commune, a province admin, logging in through
the form, the CSRF token of a form and the CSRF header for JSON posts, the routes open without a login. The
fixtures that use them live in tests/gateway/conftest.py."""

from __future__ import annotations

import secrets
import shutil
import tempfile
from pathlib import Path

from gateway import create_app
from gateway.config import Settings
from gateway.migrate import upgrade
from gateway.services import staff_accounts

PASSWORD = "mat-khau-thu-nghiem-1"
# what anyone may open without logging in (every other route of the URL map needs a login)
PUBLIC_PREFIXES = (
    "/webhooks/",
    "/api/parse",
    "/api/widget/",
    "/healthz",
    "/static/",
    "/auth/login",
    "/widget",
    "/illustrations/",
)
# Keys of this test run: random, as every key the gateway accepts must be (gateway/keys.py refuses published ones)
SECRET_KEY = secrets.token_urlsafe(32)
RASA_TOKEN = secrets.token_urlsafe(24)


DEFAULT_COMMUNE_ID = 1  # quang-yen, the commune migration 0006 makes (the installation's DEFAULT_COMMUNE)
# working hours around the clock: a handoff waits for staff
ALWAYS_OPEN = {"days": list(range(7)), "periods": [["00:00", "23:59"]], "holidays": []}


def make_settings(
    tmp_path, rasa_url="http://127.0.0.1:9", token=RASA_TOKEN, action_url="http://127.0.0.1:9", tracker_db_url=None
) -> Settings:
    """Settings for a test app: its own SQLite file, Rasa wherever the test says."""
    settings = Settings()
    settings.database_url = f"sqlite:///{tmp_path / 'gateway.db'}"
    settings.tracker_db_url = tracker_db_url or f"sqlite:///{tmp_path / 'tracker.db'}"
    settings.rasa_url, settings.rasa_token, settings.action_server_url = rasa_url, token, action_url
    settings.secret_key = SECRET_KEY
    settings.var_dir = tmp_path  # keys a test leaves unset are generated here, never in the repository's var/
    settings.content_overrides = tmp_path / "content-overrides.yml"
    settings.rate_limits_enabled = False  # suites send faster than people; tests/fuzz and tests/faults test limits
    return settings


_MIGRATED: dict = {}  # the head revision's empty SQLite database, made once per test session, copied per app


def migrated(database_url: str) -> None:
    """The database at the head revision: an SQLite file is a copy of one migrated once for the session (the
    migrations themselves are tested in test_migrations.py); any other database is migrated."""
    prefix = "sqlite:///"
    target = Path(database_url[len(prefix) :]) if database_url.startswith(prefix) else None
    if target is None or target.exists():
        upgrade(database_url)
        return
    if "path" not in _MIGRATED:
        template = Path(tempfile.mkdtemp(prefix="gateway-template-")) / "gateway.db"
        upgrade(f"{prefix}{template}")
        _MIGRATED["path"] = template
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_MIGRATED["path"], target)


def build_app(settings: Settings):
    migrated(settings.database_url)
    app = create_app(settings)
    app.config.update(TESTING=True)
    with app.extensions["vneid"].db.session() as session:
        # the default commune's staff and admin (quang-yen, made by the migrations): what they see is their
        # commune's (gateway/services/scope.py); `province_admin` makes an account of the province
        staff_accounts.create(session, "canbo", "Nguyễn Văn Cán", PASSWORD, "staff", commune_id=DEFAULT_COMMUNE_ID)
        staff_accounts.create(session, "quantri", "Lê Thị Quản", PASSWORD, "admin", commune_id=DEFAULT_COMMUNE_ID)
    return app


def province_admin(app, username="tinh", display_name="Trần Văn Tỉnh"):
    """A province admin (no commune: sees every commune); log in with `login(client, username)`."""
    with app.extensions["vneid"].db.session() as session:
        return staff_accounts.create(session, username, display_name, PASSWORD, "admin").id


def login(client, username="canbo", password=PASSWORD):
    """Log in through the form (with its CSRF token); returns the response."""
    import re

    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post("/auth/login", data={"username": username, "password": password, "csrf_token": token})


def csrf_header(client) -> dict:
    """The CSRF header for JSON POSTs of a logged-in client (token read from a console page)."""
    import re

    page = client.get("/auth/login").get_data(as_text=True)
    return {"X-CSRFToken": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)}


def svc(app):
    """The app's services (database, settings, texts, Rasa client)."""
    return app.extensions["vneid"]


def form_token(client, url="/auth/login") -> str:
    """The CSRF token of a form page, for form POSTs."""
    import re

    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def staff_id(app, username):
    """The id of a staff account."""
    from sqlalchemy import select

    from gateway.models import Staff

    with svc(app).db.session() as s:
        return s.scalar(select(Staff.id).where(Staff.username == username))
