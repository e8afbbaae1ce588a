"""The gateway's own secrets: SECRET_KEY (signs staff session cookies and CSRF tokens, keys the hashes of typed user
names), the key sealing the Zalo OA's tokens in the database (ZALO_TOKEN_KEY) and RASA_TOKEN (Rasa's HTTP API).

Each comes from the environment when it is set. Otherwise, outside production, it is generated on first run into
the var directory (VAR_DIR: `secret_key`, `zalo_token_key`, `rasa_token`; mode 0600, created atomically, so several
workers starting together agree on one) and reused afterwards. The Zalo seal gets a file of its own only when
SECRET_KEY is generated too: with an explicit SECRET_KEY and no ZALO_TOKEN_KEY the tokens stay sealed under a key
derived from SECRET_KEY, as before. Production never generates: it needs SECRET_KEY and RASA_TOKEN.

No mode accepts a published key (the old development defaults, a key written anywhere in the repository) or a
short one, from the environment or from a file (`tests/gateway/test_secret_keys.py` scans the repository).
`flask rotate-secret-key` replaces a generated SECRET_KEY (`rotate`).
"""

from __future__ import annotations

import base64
import logging
import os
import secrets
import stat
from pathlib import Path
from typing import Optional

from gateway.config import DEV_RASA_TOKEN, DEV_SECRET_KEY, ConfigError, Settings

log = logging.getLogger(__name__)

MIN_SECRET_CHARS = 32  # SECRET_KEY, ZALO_TOKEN_KEY
MIN_TOKEN_CHARS = 16  # RASA_TOKEN
# Keys and tokens written in the repository at some point (defaults, examples, tests): anyone can read them.
PUBLISHED = frozenset(
    {
        DEV_SECRET_KEY,
        DEV_RASA_TOKEN,
        "test-secret-key-0123456789abcdef0123",
        "stack-secret-key-0123456789abcdef0123456789",
        "fuzz-secret-key-9f8e7d6c5b4a39281706f5e4d3c2b1a0",
        "fuzz-rasa-token-0a1b2c3d4e5f",
        "another-secret-key-0123456789abcdef0123",
        "rotated-secret-key-0123456789abcdef01",
        "test-token",
    }
)
PLACEHOLDERS = ("change-me", "changeme", "change_me")
FILES = {"secret_key": "secret_key", "zalo_token_key": "zalo_token_key", "rasa_token": "rasa_token"}
VARIABLES = {"secret_key": "SECRET_KEY", "zalo_token_key": "ZALO_TOKEN_KEY", "rasa_token": "RASA_TOKEN"}
MINIMUM = {"secret_key": MIN_SECRET_CHARS, "zalo_token_key": MIN_SECRET_CHARS, "rasa_token": MIN_TOKEN_CHARS}


def generate() -> str:
    """A new random key: 48 bytes from the operating system, URL-safe base64 (64 characters)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(48)).decode("ascii")


def refusal(value: str, minimum: int = MIN_SECRET_CHARS) -> Optional[str]:
    """Why this value cannot be a key (None: it can)."""
    if value in PUBLISHED or any(p in value.lower() for p in PLACEHOLDERS):
        return "is published (a default or an example anyone can read)"
    if len(value) < minimum:
        return f"is shorter than {minimum} characters"
    if len(set(value)) < 8:
        return "repeats too few characters to be random"
    return None


def _check(name: str, value: str, where: str) -> str:
    reason = refusal(value, MINIMUM[name])
    if reason:
        raise ConfigError(
            f"{where} {reason}: generate one with `python3 -c 'import secrets; "
            f"print(secrets.token_urlsafe(48))'`"
            + (" or delete the file to get a new one" if where.startswith("the file") else "")
        )
    return value


def key_file(settings: Settings, name: str) -> Path:
    """Where the generated key `name` is kept."""
    return Path(settings.var_dir) / FILES[name]


def read_or_create(path: Path, name: str) -> str:
    """The key kept in `path`, created first (mode 0600, atomically: a hard link publishes a complete file, and
    the first process to link wins; the others read its key) when it does not exist yet."""
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _publish(path, generate(), replace=False)
        log.info("generated %s into %s", VARIABLES[name], path)
    return _read(path, name)


def _read(path: Path, name: str) -> str:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        try:
            os.chmod(path, 0o600)
        except OSError as exc:
            raise ConfigError(f"the file {path} is readable by others (mode {mode:o}) and cannot be made 0600") from exc
        log.warning("%s was readable by others (mode %o): now 0600", path, mode)
    return _check(name, path.read_text(encoding="utf-8").strip(), f"the file {path} ({VARIABLES[name]})")


def _publish(path: Path, value: str, replace: bool) -> None:
    """Write `value` to a new 0600 file beside `path`, then link it into place (or replace `path` with it)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(value + "\n")
            out.flush()
            os.fsync(out.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass  # another process generated it first: its key is the one
    finally:
        if tmp.exists():
            tmp.unlink()


def resolve(settings: Settings) -> Settings:
    """Fill in the keys not set in the environment (outside production, from the var directory) and refuse every
    weak one; `settings.key_sources` says where each came from. Called by create_app, before `settings.check()`."""
    generated_secret = not settings.secret_key and settings.env != "production"
    for name in ("secret_key", "rasa_token", "zalo_token_key"):
        value = getattr(settings, name)
        if value:
            if settings.key_sources.get(name) != "file":
                _check(name, value, VARIABLES[name])
                settings.key_sources[name] = "environment"
            continue
        if settings.env == "production" or (name == "zalo_token_key" and not generated_secret):
            continue  # production: config.check refuses what is missing; the seal then derives from SECRET_KEY
        setattr(settings, name, read_or_create(key_file(settings, name), name))
        settings.key_sources[name] = "file"
    return settings


def rotate(settings: Settings) -> Path:
    """Replace the generated SECRET_KEY with a new one (the running processes keep the old one until they restart;
    every cookie signed with it is refused afterwards). ConfigError when SECRET_KEY comes from the environment."""
    if settings.key_sources.get("secret_key") != "file":
        raise ConfigError("SECRET_KEY is set in the environment: put a new value there and restart the gateway")
    path = key_file(settings, "secret_key")
    _publish(path, generate(), replace=True)
    return path
