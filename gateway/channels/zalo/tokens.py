"""One Official Account's OAuth v4 token pair, kept in the database and refreshed under a lease.

Tokens live in the `zalo_tokens` row of the OA (the primary OA's, id 1, seeded once from ZALO_ACCESS_TOKEN /
ZALO_REFRESH_TOKEN; a commune's own OA's, keyed by its `oa_id`, seeded by `flask zalo-connect`), sealed
(`gateway/token_sealing.py`: a copy of the database does not hand out the OA). The refresh token is single use
and rotates: the new pair is committed to the database before the new access token is used, and the `refresh`
lease makes sure two processes (or threads) never spend the same refresh token: the loser waits for the winner's
new version and uses it. Each OA has its own pair, its own version and its own lease (`refresh`, or
`refresh:<oa id>`): one OA's refresh does not hold up another's.

Nothing here logs a token or a secret.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Optional, Tuple

import requests
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from gateway.channels.zalo import leases
from gateway.channels.zalo.errors import TokenUnavailable
from gateway.zalo_models import ZaloToken
from gateway.token_sealing import TokenSeal, Unreadable
from gateway.channels.zalo.settings import HTTP_TIMEOUT, TOKEN_PATH
from gateway.config import Settings
from gateway.db import Database
from gateway.models import as_utc, utcnow

log = logging.getLogger(__name__)

REFRESH_LEASE_S = 30.0  # longer than one OAuth call can take (HTTP_TIMEOUT)
REFRESH_WAIT_S = 20.0
EARLY_REFRESH = timedelta(minutes=5)


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def lease_name(oa_id: Optional[str]) -> str:
    """The refresh lease of an OA's tokens (`refresh` for the primary OA; the lease name holds 32 characters)."""
    if not oa_id:
        return "refresh"
    name = f"refresh:{oa_id}"
    return name if len(name) <= 32 else "refresh:" + _hash(oa_id)[:24]


def own_account(db: Database, oa_id: Optional[str]) -> Optional[str]:
    """The OA itself when it has its own token row (a commune's OA), else None: the primary OA's tokens."""
    if not oa_id:
        return None
    with db.session() as session:
        return oa_id if session.scalar(select(ZaloToken.id).where(ZaloToken.oa_id == oa_id)) is not None else None


@dataclass
class TokenState:
    """What a caller may know about the tokens (never the tokens themselves in logs)."""

    source: str  # database | missing
    version: int = 0
    updated_at: Optional[datetime] = None
    expires_at: Optional[datetime] = None
    readable: bool = True  # False: sealed under another key


class ZaloTokens:
    """An OA's current access token: read from its row, seeded, and refreshed when Zalo says it expired."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        http: Callable[[], requests.Session] = requests.Session,
        oa_id: Optional[str] = None,
    ) -> None:
        """Credentials from the settings, the token row in `db`: the primary OA's (`oa_id` None) or that OA's (a
        commune's own OA under the same Zalo app); `http` gives the calling thread's HTTP session for a refresh
        (ZaloClient's own; by default a new one)."""
        self.settings = settings
        self.db = db
        self.oa_id = oa_id or None
        self.lease = lease_name(self.oa_id)
        self._http = http
        self.owner = f"{socket.gethostname()[:24]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._local = threading.Lock()  # one refresher per process (the lease covers other processes)
        self.refreshes = 0  # how many refreshes this store did (for tests and the benchmark)
        self.seal = TokenSeal(settings.secret_key, settings.zalo_token_key)

    @property
    def http(self) -> requests.Session:
        """The calling thread's HTTP session."""
        return self._http()

    def _select(self, session) -> Optional[ZaloToken]:
        """This OA's token row (the primary OA's is id 1), or None."""
        if self.oa_id is None:
            return session.get(ZaloToken, 1)
        return session.scalar(select(ZaloToken).where(ZaloToken.oa_id == self.oa_id))

    def _row(self) -> Tuple[str, int, Optional[datetime]]:
        """(access token, version, expires_at) from the database, seeding or re-seeding from the environment."""
        if self.oa_id is not None:
            return self._oa_row()
        s = self.settings
        env_hash = _hash(s.zalo_refresh_token) if s.zalo_refresh_token else None
        with self.db.session() as session:
            row = session.get(ZaloToken, 1)
            if row is not None and env_hash and row.seed_hash != env_hash:
                # A new refresh token was put in the environment (the OA was authorised again): it wins.
                session.execute(
                    update(ZaloToken)
                    .where(ZaloToken.id == 1, or_(ZaloToken.seed_hash.is_(None), ZaloToken.seed_hash != env_hash))
                    .values(
                        access_token=self.seal.seal(s.zalo_access_token) or row.access_token,
                        refresh_token=self.seal.seal(s.zalo_refresh_token),
                        expires_at=None,
                        seed_hash=env_hash,
                        version=ZaloToken.version + 1,
                        updated_at=utcnow(),
                    )
                )
                session.commit()
                session.refresh(row)
                log.info("zalo tokens re-seeded from the environment (version %d)", row.version)
            if row is not None:
                token = self._open(row.access_token)
                if self.seal.needs_sealing(row.access_token) or self.seal.needs_sealing(row.refresh_token):
                    # stored before sealing existed: sealed now, unless a refresh changed the row meanwhile
                    session.execute(
                        update(ZaloToken)
                        .where(ZaloToken.id == 1, ZaloToken.version == row.version)
                        .values(
                            access_token=self.seal.seal(token),
                            refresh_token=self.seal.seal(self._open(row.refresh_token)),
                        )
                    )
                    session.commit()
                return token, row.version, as_utc(row.expires_at)
        if not (s.zalo_access_token or s.zalo_refresh_token):
            raise TokenUnavailable(None, "no Zalo token configured (ZALO_REFRESH_TOKEN)")
        try:
            with self.db.session() as session:
                session.add(
                    ZaloToken(
                        id=1,
                        access_token=self.seal.seal(s.zalo_access_token),
                        refresh_token=self.seal.seal(s.zalo_refresh_token),
                        expires_at=None,
                        version=1,
                        seed_hash=env_hash,
                        updated_at=utcnow(),
                    )
                )
            log.info("zalo tokens seeded from the environment")
        except IntegrityError:
            pass  # another process seeded it
        return self._row()

    def _oa_row(self) -> Tuple[str, int, Optional[datetime]]:
        """A commune OA's row: seeded by `flask zalo-connect`, never from the environment."""
        with self.db.session() as session:
            row = self._select(session)
            if row is None:
                raise TokenUnavailable(None, "no tokens for this OA (flask zalo-connect)")
            token = self._open(row.access_token)
            if self.seal.needs_sealing(row.access_token) or self.seal.needs_sealing(row.refresh_token):
                session.execute(
                    update(ZaloToken)
                    .where(ZaloToken.id == row.id, ZaloToken.version == row.version)
                    .values(
                        access_token=self.seal.seal(token), refresh_token=self.seal.seal(self._open(row.refresh_token))
                    )
                )
                session.commit()
            return token, row.version, as_utc(row.expires_at)

    def seed(self, access_token: str, refresh_token: str) -> int:
        """Store a newly authorised token pair of this (commune) OA, sealed: its row is created, or replaced with
        a new version (a refresh under way with the old pair then stores nothing); returns the version."""
        if self.oa_id is None:
            raise ValueError("the primary OA is seeded from ZALO_ACCESS_TOKEN / ZALO_REFRESH_TOKEN")
        values = {
            "access_token": self.seal.seal(access_token) or "",
            "refresh_token": self.seal.seal(refresh_token) or "",
            "expires_at": None,
            "seed_hash": _hash(refresh_token) if refresh_token else None,
            "updated_at": utcnow(),
        }
        for _ in range(3):
            try:
                with self.db.session() as session:
                    row = self._select(session)
                    if row is not None:
                        session.execute(
                            update(ZaloToken)
                            .where(ZaloToken.id == row.id)
                            .values(version=ZaloToken.version + 1, **values)
                        )
                        return row.version + 1
                    # ids from 2: id 1 stays the primary OA's, even before its row is seeded
                    next_id = max(session.scalar(select(func.max(ZaloToken.id))) or 1, 1) + 1
                    session.add(ZaloToken(id=next_id, oa_id=self.oa_id, version=1, **values))
                    return 1
            except IntegrityError:
                continue  # another process stored a row at the same time: read again
        raise TokenUnavailable(None, "the OA's tokens could not be stored")

    def _open(self, stored: Optional[str]) -> Optional[str]:
        try:
            return self.seal.open(stored)
        except Unreadable as exc:
            log.error(
                "the stored zalo tokens cannot be opened (SECRET_KEY or ZALO_TOKEN_KEY changed): authorise "
                "the OA again and set ZALO_REFRESH_TOKEN"
            )
            raise TokenUnavailable(None, "stored tokens sealed under another key") from exc

    def state(self) -> TokenState:
        """The token row's metadata (for `flask zalo-check`)."""
        with self.db.session() as session:
            row = self._select(session)
            if row is None:
                return TokenState("missing")
            try:
                self.seal.open(row.access_token)
                self.seal.open(row.refresh_token)
                readable = True
            except Unreadable:
                readable = False
            return TokenState("database", row.version, as_utc(row.updated_at), as_utc(row.expires_at), readable)

    def access_token(self) -> Tuple[str, int]:
        """The current access token and its version; refreshed first when known to expire within minutes."""
        token, version, expires_at = self._row()
        if (
            not token or (expires_at is not None and expires_at - EARLY_REFRESH < utcnow())
        ) and self.settings.zalo_app_secret:
            return self.refresh(version)
        if not token:
            raise TokenUnavailable(None, "no access token and no app secret to get one")
        return token, version

    def refresh(self, seen_version: int) -> Tuple[str, int]:
        """Replace the token pair seen at `seen_version`, unless someone already did; returns the new token."""
        deadline = time.monotonic() + REFRESH_WAIT_S
        with self._local:
            while True:
                token, version, _ = self._row()
                if version != seen_version:
                    return token, version  # another worker refreshed meanwhile
                holder = f"{self.owner}:{uuid.uuid4().hex[:6]}"
                if leases.acquire(self.db, self.lease, holder, REFRESH_LEASE_S):
                    try:
                        return self._refresh_locked(seen_version)
                    finally:
                        leases.release(self.db, self.lease, holder)
                if time.monotonic() > deadline:
                    raise TokenUnavailable(None, "another process holds the refresh lease")
                time.sleep(0.2)

    def _refresh_locked(self, seen_version: int) -> Tuple[str, int]:
        with self.db.session() as session:
            row = self._select(session)
            if row is None:
                raise TokenUnavailable(None, "the OA's token row is gone")
            if row.version != seen_version:
                return self._open(row.access_token), row.version
            refresh_token, row_id = self._open(row.refresh_token), row.id
        if not refresh_token or not self.settings.zalo_app_secret:
            raise TokenUnavailable(None, "cannot refresh: ZALO_APP_SECRET or the refresh token is missing")
        try:
            response = self.http.post(
                self.settings.zalo_oauth_base + TOKEN_PATH,
                timeout=HTTP_TIMEOUT,
                headers={"secret_key": self.settings.zalo_app_secret},
                data={
                    "refresh_token": refresh_token,
                    "app_id": self.settings.zalo_app_id,
                    "grant_type": "refresh_token",
                },
            )
            answer = response.json()
        except (requests.RequestException, ValueError) as exc:
            # The token may or may not have been spent: nothing to store; the next attempt finds out.
            raise TokenUnavailable(None, f"refresh failed: {type(exc).__name__}") from exc
        if not isinstance(answer, dict) or not answer.get("access_token") or not answer.get("refresh_token"):
            code = answer.get("error") if isinstance(answer, dict) else None
            name = str(answer.get("error_name") or answer.get("message") or "")[:80] if isinstance(answer, dict) else ""
            log.error(
                "zalo token refresh refused (error %s %s): authorise the OA again and set ZALO_REFRESH_TOKEN",
                code,
                name,
            )
            raise TokenUnavailable(code if isinstance(code, int) else None, f"refresh refused: {name}")
        try:
            lifetime = int(str(answer.get("expires_in") or "0"))
        except ValueError:
            lifetime = 0
        expires_at = utcnow() + timedelta(seconds=lifetime) if lifetime > 0 else None
        new_version = seen_version + 1
        for attempt in range(5):  # the rotated refresh token exists nowhere else: try hard to store it
            try:
                with self.db.session() as session:
                    stored = session.execute(
                        update(ZaloToken)
                        .where(ZaloToken.id == row_id, ZaloToken.version == seen_version)
                        .values(
                            access_token=self.seal.seal(answer["access_token"]),
                            refresh_token=self.seal.seal(answer["refresh_token"]),
                            expires_at=expires_at,
                            version=new_version,
                            updated_at=utcnow(),
                        )
                    ).rowcount
                if stored != 1:
                    log.critical("zalo token row changed during a refresh under the lease (version %d)", seen_version)
                break
            except Exception:  # noqa: BLE001 - retried; a lost refresh token needs a new OA authorisation
                log.exception("storing the rotated zalo tokens failed (attempt %d)", attempt + 1)
                time.sleep(0.5 * (attempt + 1))
        else:
            raise TokenUnavailable(None, "the rotated tokens could not be stored")
        self.refreshes += 1
        log.info("zalo access token refreshed (version %d)", new_version)
        return answer["access_token"], new_version
