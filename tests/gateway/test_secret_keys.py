"""No known secret key (issue 17, finding 1): with nothing configured the gateway generates its SECRET_KEY, a separate
key sealing the Zalo tokens and RASA_TOKEN into the var directory (mode 0600) on first run and reuses them; a
published key (the old default, anything written in the repository) or a short one is refused in every mode, from
the environment or from the file; `flask rotate-secret-key` replaces the key and ends every staff session."""

from __future__ import annotations

import hashlib
import os
import re
import stat
import subprocess
from pathlib import Path

import pytest

from gateway import create_app
from gateway.config import DEV_RASA_TOKEN, DEV_SECRET_KEY, ConfigError, Settings
from gateway.token_sealing import TokenSeal
from gateway.migrate import upgrade
from gateway.services import staff_accounts
from tests.support.gateway import PASSWORD, login

ROOT = Path(__file__).resolve().parents[2]
STRONG = "k9Qz" + "x7Lm2Pw8Rt5Yv3Nb6Hc1Jd4Fg0Sa" + "Ue2Io9"  # 38 characters, only in this test


def make_run(var_dir: Path) -> list:
    """What `make run`'s processes see: bin/env.sh sourced in a clean environment, then the gateway built as gunicorn
    builds it; prints a digest of its SECRET_KEY and whether its RASA_TOKEN is the one env.sh exported."""
    script = (
        'source bin/env.sh && exec "$APP_VENV/bin/python" -c "'
        "import hashlib, os; from gateway import create_app; app = create_app(); "
        "s = app.extensions['vneid'].settings; "
        "print(hashlib.sha256(app.secret_key.encode()).hexdigest(), s.rasa_token == os.environ['RASA_TOKEN'], "
        "s.rasa_token != 'dev-rasa-token-change-me', len(s.rasa_token))\""
    )
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "VAR_DIR": str(var_dir),
    }
    done = subprocess.run(["bash", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.split()


def test_make_run_generates_its_keys_once_and_a_fresh_var_directory_gets_new_ones(tmp_path):
    first, again, fresh = make_run(tmp_path / "var"), make_run(tmp_path / "var"), make_run(tmp_path / "other")
    assert first == again  # the same generated key the second time
    assert first[0] != fresh[0]  # another var directory, another key
    assert first[0] != hashlib.sha256(DEV_SECRET_KEY.encode()).hexdigest()
    assert first[1:3] == ["True", "True"] and int(first[3]) >= 16  # Rasa's token too
    for name in ("secret_key", "zalo_token_key", "rasa_token"):
        path = tmp_path / "var" / name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, name
    values = {name: (tmp_path / "var" / name).read_text().strip() for name in ("secret_key", "zalo_token_key")}
    assert values["secret_key"] != values["zalo_token_key"]  # the Zalo seal has its own key


def settings_in(var_dir: Path, **env) -> Settings:
    return Settings.from_env(
        {
            "VAR_DIR": str(var_dir),
            "DATABASE_URL": f"sqlite:///{var_dir / 'gateway.db'}",
            "RASA_TOKEN": "r" + STRONG,
            **env,
        }
    )


def test_create_app_with_the_var_directory_reuses_the_generated_key(tmp_path):
    first, second = create_app(settings_in(tmp_path)), create_app(settings_in(tmp_path))
    assert first.secret_key == second.secret_key and len(first.secret_key) >= 32
    assert create_app(settings_in(tmp_path / "fresh")).secret_key != first.secret_key
    s = first.extensions["vneid"].settings
    assert s.zalo_token_key and s.zalo_token_key != s.secret_key
    assert s.key_sources == {"secret_key": "file", "zalo_token_key": "file", "rasa_token": "environment"}


PUBLISHED = [DEV_SECRET_KEY, "test-secret-key-0123456789abcdef0123", "stack-secret-key-0123456789abcdef0123456789"]
SHORT = ["test-only", "x" * 31]


@pytest.mark.parametrize("env", ["development", "production"])
@pytest.mark.parametrize("bad", PUBLISHED + SHORT)
def test_a_published_or_short_key_is_refused_from_the_environment(tmp_path, env, bad):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app(settings_in(tmp_path, APP_ENV=env, SECRET_KEY=bad))
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize("bad", PUBLISHED + SHORT)
def test_a_published_or_short_key_is_refused_from_the_file(tmp_path, bad):
    (tmp_path / "secret_key").write_text(bad + "\n")
    os.chmod(tmp_path / "secret_key", 0o600)
    with pytest.raises(ConfigError, match="secret_key"):
        create_app(settings_in(tmp_path))


def test_the_other_keys_follow_the_same_rules(tmp_path):
    for name, value in (
        ("ZALO_TOKEN_KEY", "commune token key"),
        ("ZALO_TOKEN_KEY", DEV_SECRET_KEY),
        ("RASA_TOKEN", DEV_RASA_TOKEN),
        ("RASA_TOKEN", "short"),
    ):
        with pytest.raises(ConfigError, match=name):
            create_app(settings_in(tmp_path, SECRET_KEY=STRONG, **{name: value}))


def test_production_still_needs_explicit_keys(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app(settings_in(tmp_path, APP_ENV="production"))
    with pytest.raises(ConfigError, match="RASA_TOKEN"):
        create_app(Settings.from_env({"VAR_DIR": str(tmp_path), "APP_ENV": "production", "SECRET_KEY": STRONG}))
    assert list(tmp_path.iterdir()) == []  # production never writes keys of its own
    app = create_app(settings_in(tmp_path, APP_ENV="production", SECRET_KEY=STRONG))
    assert app.secret_key == STRONG and app.extensions["vneid"].settings.zalo_token_key == ""  # as before


def test_a_loose_key_file_is_tightened(tmp_path):
    (tmp_path / "secret_key").write_text(STRONG + "\n")
    os.chmod(tmp_path / "secret_key", 0o644)
    assert create_app(settings_in(tmp_path)).secret_key == STRONG
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_tokens_sealed_before_stay_readable():
    """Tokens sealed under the old published default (every development install before) or under SECRET_KEY
    are still opened with the new keys, and are sealed again under the sealing key on the next use."""
    from gateway import keys

    generated, sealing = keys.generate(), keys.generate()
    new = TokenSeal(generated, sealing)
    for old_key in (DEV_SECRET_KEY, generated):
        stored = TokenSeal(old_key).seal("refresh-token")
        assert new.open(stored) == "refresh-token" and new.needs_sealing(stored)
        assert not new.needs_sealing(new.seal("refresh-token"))


def test_every_key_written_in_the_repository_is_refused():
    """Keys and tokens appear in the repository (defaults, examples, tests): none of them starts a gateway."""
    from gateway import keys

    assignment = re.compile(
        r"""(?:SECRET_KEY|secret_key|ZALO_TOKEN_KEY|zalo_token_key|RASA_TOKEN|rasa_token)["']?"""
        r"""\s*(?::-|[:=])\s*(["']?)([^"'\s$<>{}(),]{6,})"""
    )
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    found = set()
    for name in tracked.split():
        path = ROOT / name
        if path.suffix not in (".py", ".sh", ".md", ".yml", ".yaml", ".env", ".ini", ".cfg", "") or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        # a quoted value is a literal; unquoted, only in shell, environment files and documentation (in Python it
        # is code: `secret_key = settings.secret_key`)
        found |= {m.group(2) for m in assignment.finditer(text) if m.group(1) or path.suffix != ".py"}
    assert DEV_SECRET_KEY in found and "test-token" in found | set(keys.PUBLISHED)
    accepted = [value for value in found if keys.refusal(value, keys.MIN_TOKEN_CHARS) is None]
    assert accepted == []


def build(settings: Settings):
    upgrade(settings.database_url)
    app = create_app(settings)
    app.config.update(TESTING=True)
    with app.extensions["vneid"].db.session() as session:
        staff_accounts.create(session, "canbo", "Cán bộ", PASSWORD, "staff")
    return app


def test_rotating_the_key_ends_every_staff_session(tmp_path):
    app = build(settings_in(tmp_path))
    old_key = (tmp_path / "secret_key").read_text().strip()
    sealed = TokenSeal(app.secret_key, app.extensions["vneid"].settings.zalo_token_key).seal("refresh-token")
    client = app.test_client()
    assert login(client).status_code == 302 and client.get("/api/staff/queue").status_code == 200
    result = app.test_cli_runner().invoke(args=["rotate-secret-key"])
    assert result.exit_code == 0, result.output
    assert "staff sessions ended: 1" in result.output
    new_key = (tmp_path / "secret_key").read_text().strip()
    assert new_key != old_key and stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    assert client.get("/api/staff/queue").status_code == 401  # at once, before any restart
    restarted = create_app(settings_in(tmp_path))
    assert restarted.secret_key == new_key
    s = restarted.extensions["vneid"].settings
    assert TokenSeal(s.secret_key, s.zalo_token_key).open(sealed) == "refresh-token"  # the Zalo seal is its own


def test_rotation_refuses_a_key_from_the_environment(tmp_path):
    app = build(settings_in(tmp_path, SECRET_KEY=STRONG))
    result = app.test_cli_runner().invoke(args=["rotate-secret-key"])
    assert result.exit_code != 0 and "SECRET_KEY" in result.output
    assert not (tmp_path / "secret_key").exists()
