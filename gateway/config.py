"""Gateway settings from the environment, with safe development defaults.

SECRET_KEY, RASA_TOKEN and ZALO_TOKEN_KEY left unset are generated into VAR_DIR on first run and reused
(gateway/keys.py); production (`APP_ENV=production`) refuses to start without SECRET_KEY and RASA_TOKEN, and no
mode accepts a published or short key.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Dict, Optional, Tuple

if TYPE_CHECKING:
    from limits import RateLimitItem

ROOT = Path(__file__).resolve().parents[1]
# The old development defaults: published, so refused everywhere (gateway/keys.py PUBLISHED)
DEV_SECRET_KEY = "dev-secret-key-change-me"
DEV_RASA_TOKEN = "dev-rasa-token-change-me"


class ConfigError(RuntimeError):
    """The configuration cannot be used (e.g. a default secret in production)."""


@dataclass
class Settings:
    """Everything the gateway reads from its environment."""

    env: str = "development"
    secret_key: str = ""  # empty: generated into var_dir on first run, then reused (gateway/keys.py)
    var_dir: Path = ROOT / "var"  # VAR_DIR: where generated keys are kept (mode 0600)
    key_sources: Dict[str, str] = field(default_factory=dict)  # key → "environment" | "file" (set by keys.resolve)
    database_url: str = f"sqlite:///{ROOT / 'var' / 'gateway.db'}"
    tracker_db_url: str = f"sqlite:///{ROOT / 'var' / 'rasa_tracker.db'}"
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: str = ""  # empty: generated into var_dir (bin/env.sh does it for `make run`, Rasa reads it too)
    action_server_url: str = "http://127.0.0.1:5055"
    content_dir: Path = ROOT / "content"
    content_overrides: Path = ROOT / "var" / "content-overrides.yml"
    illustrations_dir: Path = ROOT / "web_widget" / "illustrations"
    public_base_url: str = "http://127.0.0.1:8080"
    # other sites allowed to call the citizen endpoints (the commune's own site embedding the widget): WIDGET_ORIGINS
    widget_origins: frozenset = frozenset()
    # the commune of a message that names none (REST without metadata.commune, a widget without data-commune)
    default_commune: str = "quang-yen"
    max_message_chars: int = 2000
    max_body_bytes: int = 64 * 1024
    rasa_timeout_s: float = 20.0
    handoff_timeout_min: int = 10
    retention_days: int = 180
    # The widget's conversation id is a bearer credential: after this many minutes with no message it reads
    # nothing any more and the widget starts a new conversation (0: never expires)
    widget_idle_minutes: int = 60
    secure_cookies: bool = False
    worker_interval_s: Optional[float] = None  # None: 1 s when Zalo is on, else 30 s
    # Zalo Official Account (off while ZALO_OA_SECRET_KEY is unset; see gateway/channels/zalo/README.md)
    zalo_app_id: str = ""
    zalo_oa_secret_key: str = ""
    zalo_app_secret: str = ""
    zalo_access_token: str = ""
    zalo_refresh_token: str = ""
    zalo_token_key: str = ""  # seals the OA's tokens in the database (default: derived from SECRET_KEY)
    zalo_openapi_base: str = "https://openapi.zalo.me"
    zalo_oauth_base: str = "https://oauth.zaloapp.com"
    zalo_worker_threads: int = 4  # citizens served side by side by the worker
    # the installation's own OA is the province's: its citizens say their commune first (ZALO_PROVINCIAL=1)
    zalo_provincial: bool = False
    # Scale and faults (issue #8): Redis shared by the workers (ordering locks, rate-limit counters), limits,
    # bounded waits. Limits use the `limits` notation ("10 per 10 seconds;60 per minute"); empty = no limit.
    redis_url: str = ""
    rate_limits_enabled: bool = True
    rate_limit_conversation: str = "10 per 10 seconds;60 per minute"
    rate_limit_ip: str = "300 per minute"
    rate_limit_poll: str = "120 per minute"
    # per client address (gateway/services/admission.py): conversations opened, handoff requests that reach the queue
    rate_limit_new_conversation: str = "30 per 10 minutes;300 per day"
    rate_limit_handoff: str = "10 per 10 minutes;60 per day"
    rate_limit_login_ip: str = "30 per 10 minutes"
    # Failed staff logins (gateway/services/login_guard.py; off with RATE_LIMITS=off): per account and address,
    # after this many failures each further one doubles the wait (5 s, 10 s, …, at most login_delay_max_s); per
    # account from every address (each address counting at most login_failures_before_delay) past
    # login_account_failures, except from addresses where the account logged in before
    login_failures_before_delay: int = 3
    login_delay_max_s: int = 900
    login_account_failures: int = 10
    # Staff sessions (gateway/services/login_sessions.py): end after this long without a request / after login
    staff_session_idle_minutes: int = 60
    staff_session_max_hours: int = 12
    proxy_count: int = 0  # reverse proxies in front (nginx: 1) whose X-Forwarded-For is trusted
    order_wait_s: float = 30.0  # longest wait behind another message of the same conversation
    # a numbered message whose predecessor has not come is refused at once (409, retryable; nobody waits); once
    # the gap has been open this long, the next try goes on without the predecessor
    order_gap_wait_s: float = 2.0
    health_timeout_s: float = 3.0
    extra: Dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: Optional[Dict[str, str]] = None) -> "Settings":
        """Read settings; unknown variables are ignored."""
        env = os.environ if environ is None else environ
        s = cls()
        s.env = env.get("APP_ENV", s.env)
        s.secret_key = env.get("SECRET_KEY", s.secret_key).strip()
        s.var_dir = Path(env.get("VAR_DIR", s.var_dir))
        s.database_url = env.get("DATABASE_URL", s.database_url)
        s.tracker_db_url = env.get("TRACKER_DB_URL", s.tracker_db_url)
        # One instance, or several (RASA_URLS / ACTION_SERVER_URLS, comma-separated, in the same order).
        s.rasa_url = env.get("RASA_URLS") or env.get("RASA_URL", f"http://127.0.0.1:{env.get('RASA_PORT', '5005')}")
        s.rasa_token = env.get("RASA_TOKEN", s.rasa_token).strip()
        s.action_server_url = env.get("ACTION_SERVER_URLS") or env.get(
            "ACTION_SERVER_URL", f"http://127.0.0.1:{env.get('ACTION_PORT', '5055')}"
        )
        s.content_dir = Path(env.get("CONTENT_DIR", s.content_dir))
        s.content_overrides = Path(env.get("CONTENT_OVERRIDES", s.content_overrides))
        s.public_base_url = env.get("PUBLIC_BASE_URL", s.public_base_url).rstrip("/")
        s.default_commune = env.get("DEFAULT_COMMUNE", s.default_commune).strip()
        s.widget_origins = frozenset(o.strip() for o in env.get("WIDGET_ORIGINS", "").split(",") if o.strip())
        s.max_message_chars = int(env.get("MAX_MESSAGE_CHARS", s.max_message_chars))
        s.handoff_timeout_min = int(env.get("HANDOFF_TIMEOUT_MIN", s.handoff_timeout_min))
        s.retention_days = int(env.get("RETENTION_DAYS", s.retention_days))
        s.widget_idle_minutes = max(0, int(env.get("WIDGET_IDLE_MINUTES", s.widget_idle_minutes)))
        s.secure_cookies = env.get("SECURE_COOKIES", "1" if s.env == "production" else "0") == "1"
        s.worker_interval_s = float(env["WORKER_INTERVAL_S"]) if env.get("WORKER_INTERVAL_S") else None
        for name in ("app_id", "oa_secret_key", "app_secret", "access_token", "refresh_token", "token_key"):
            setattr(s, f"zalo_{name}", env.get(f"ZALO_{name.upper()}", "").strip())
        s.zalo_openapi_base = env.get("ZALO_OPENAPI_BASE", s.zalo_openapi_base).rstrip("/")
        s.zalo_oauth_base = env.get("ZALO_OAUTH_BASE", s.zalo_oauth_base).rstrip("/")
        s.zalo_worker_threads = int(env.get("ZALO_WORKER_THREADS", s.zalo_worker_threads))
        s.zalo_provincial = env.get("ZALO_PROVINCIAL", "0").strip().lower() in ("1", "on", "true", "yes")
        s.redis_url = env.get("REDIS_URL", s.redis_url).strip()
        s.rate_limits_enabled = env.get("RATE_LIMITS", "on").strip().lower() not in ("0", "off", "false", "no")
        for name in ("conversation", "ip", "poll", "login_ip"):
            attr = f"rate_limit_{name}"
            setattr(s, attr, env.get(attr.upper(), getattr(s, attr)).strip())
        for attr in (
            "login_failures_before_delay",
            "login_delay_max_s",
            "login_account_failures",
            "staff_session_idle_minutes",
            "staff_session_max_hours",
        ):
            setattr(s, attr, max(1, int(env.get(attr.upper(), getattr(s, attr)))))
        s.proxy_count = int(env.get("PROXY_COUNT", s.proxy_count))
        s.order_wait_s = float(env.get("ORDER_WAIT_S", s.order_wait_s))
        s.order_gap_wait_s = float(env.get("ORDER_GAP_WAIT_S", s.order_gap_wait_s))
        for name in ("new_conversation", "handoff"):  # per client address (gateway/services/admission.py)
            attr = f"rate_limit_{name}"
            setattr(s, attr, env.get(attr.upper(), getattr(s, attr)).strip())
        s.health_timeout_s = float(env.get("HEALTH_TIMEOUT_S", s.health_timeout_s))
        s.rasa_timeout_s = float(env.get("RASA_TIMEOUT_S", s.rasa_timeout_s))
        return s

    @property
    def zalo_enabled(self) -> bool:
        """The Zalo channel is on when its OA secret key is set."""
        return bool(self.zalo_oa_secret_key)

    def check(self) -> None:
        """Refuse production without its own secrets (their strength: gateway/keys.py, run before)."""
        if self.env == "production":
            if not self.secret_key or self.secret_key == DEV_SECRET_KEY or len(self.secret_key) < 32:
                raise ConfigError("APP_ENV=production needs SECRET_KEY (32+ random characters).")
            if not self.rasa_token or self.rasa_token == DEV_RASA_TOKEN:
                raise ConfigError("APP_ENV=production needs RASA_TOKEN.")
        if self.zalo_enabled and not self.zalo_app_id:
            raise ConfigError("ZALO_OA_SECRET_KEY is set but ZALO_APP_ID is not (both sign the Zalo webhook).")


def parse_rate_limit(settings: Settings, name: str) -> Tuple[RateLimitItem, ...]:
    """The limit `rate_limit_<name>` of the settings, parsed (empty: no limit); ConfigError if it is not one."""
    from limits import parse_many

    value = getattr(settings, f"rate_limit_{name}")
    try:
        return tuple(parse_many(value)) if value else ()
    except ValueError as exc:
        raise ConfigError(
            f"RATE_LIMIT_{name.upper()}={value!r} is not a rate limit (e.g. \"10 per 10 seconds;60 per minute\")"
        ) from exc
