"""Start Rasa 3.6 with the project's measured fixes: `python -m bot.serve run …` takes the same arguments as
`rasa run …` (Procfile, systemd units and the test servers use it for the Rasa server).

Fix 1 — the action server's answer is validated with a compiled JSON schema. Rasa 3.6 checks every custom
action's response with `jsonschema.validate(result, schema)`, which re-validates the *schema itself* against
the Draft 2020-12 metaschema on every call (jsonschema 4.17, the newest Rasa 3.6 allows). Profiling the Rasa
server under load (py-spy, issue #8) put that metaschema check at 48 % of the server's CPU in this bot, where
every turn runs a custom action. Here the validator is built and the schema checked once; each response is still
validated against the same schema, with the same error (best match) and message as Rasa's.

Fix 2 — event classes are looked up once. Rasa finds the class of every stored event by walking all subclasses
of `Event` (`Event.resolve_by_type`) each time it loads a tracker: 8 % of the server's CPU. A successful lookup is
remembered (the classes do not change once imported); unknown names take Rasa's own path.

Fix 3 — a SQLite tracker store (the commune default) keeps its connection and writes in WAL mode with
`synchronous=NORMAL`. SQLAlchemy 1.4 opens a new SQLite connection for every tracker read and write, and each
commit waits for an fsync. With WAL + NORMAL the store stays consistent after a crash or kill -9 of any process
(only a power cut can lose the last turns, like the gateway's own database). PostgreSQL is left as Rasa makes it.

Fix 4 — calls to the action server keep their connection. Rasa 3.6 makes a new aiohttp session, and so a new TCP
connection, for every custom action it runs (every turn here): 0.56 ms of Rasa's CPU per call against 0.26 with one
session kept per endpoint, and about 0.4 ms less per message in the action server, which no longer accepts a
connection per turn. The requests (headers, token, timeout, errors) are Rasa's; idle connections are dropped after
1 s, well before the action server's own keep-alive ends, and the sessions close when the server stops.
"""

from __future__ import annotations

import sys
from typing import Any, Dict, List, Optional, Text


def _patch_action_validation() -> None:
    from jsonschema import ValidationError, exceptions, validators
    from rasa.core.actions import action as rasa_action
    from rasa.shared.constants import DOCS_BASE_URL

    remote = rasa_action.RemoteAction
    if getattr(remote, "_vneid_compiled_validation", False):
        return
    schema = remote.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)  # once, as jsonschema.validate would on every call
    validator = cls(schema)

    def _validate_action_result(self, result: Dict[Text, Any]) -> bool:
        error = exceptions.best_match(validator.iter_errors(result))
        if error is not None:
            assert isinstance(error, ValidationError)
            error.message += (
                f". Failed to validate Action server response from API, "
                f"make sure your response from the Action endpoint is valid. "
                f"For more information about the format visit "
                f"{DOCS_BASE_URL}/custom-actions"
            )
            raise error
        return True

    remote._validate_action_result = _validate_action_result
    remote._vneid_compiled_validation = True


def _patch_event_lookup() -> None:
    from rasa.shared.core import events

    if getattr(events.Event, "_vneid_cached_lookup", False):
        return
    original = events.Event.resolve_by_type
    found: Dict[Text, Any] = {}

    def resolve_by_type(type_name: Text, default=None):
        cls = found.get(type_name)
        if cls is None:
            cls = original(type_name, default)
            if cls is not None and cls is not default:
                found[type_name] = cls
        return cls

    events.Event.resolve_by_type = staticmethod(resolve_by_type)
    events.Event._vneid_cached_lookup = True


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _patch_sqlite_tracker_store() -> None:
    import sqlalchemy as sa
    from rasa.core import tracker_store

    store = tracker_store.SQLTrackerStore
    if getattr(store, "_vneid_sqlite", False):
        return
    original_init = store.__init__

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        if self.engine.dialect.name != "sqlite" or str(self.engine.url).endswith(":memory:"):
            return
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(
            url,
            poolclass=sa.pool.QueuePool,
            pool_size=2,
            max_overflow=8,
            connect_args={"check_same_thread": False, "timeout": 30},
        )
        sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    store.__init__ = __init__
    store._vneid_sqlite = True


# Idle kept-alive connections are dropped after this long: well under the servers' own keep-alive (Sanic, and so
# the action server: 5 s; gunicorn: 2 s), so a request does not go out on a connection the server is closing.
ENDPOINT_KEEPALIVE_S = 1.0
_KEPT_SESSIONS: List[Any] = []


def _endpoint_session(config: Any) -> Any:
    """The endpoint's client session for the running event loop, made on first use and kept (with its pool of
    kept-alive connections); configured as Rasa configures the one it makes per request."""
    import asyncio

    import aiohttp
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT

    loop = asyncio.get_running_loop()
    cached = getattr(config, "_vneid_session", None)
    if cached is not None and cached[0] is loop and not cached[1].closed:
        return cached[1]
    auth = None
    if config.basic_auth:
        auth = aiohttp.BasicAuth(config.basic_auth["username"], config.basic_auth["password"])
    session = aiohttp.ClientSession(
        headers=config.headers,
        auth=auth,
        timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
        connector=aiohttp.TCPConnector(keepalive_timeout=ENDPOINT_KEEPALIVE_S),
    )
    config._vneid_session = (loop, session)
    _KEPT_SESSIONS.append(session)
    return session


async def _close_kept_sessions() -> None:
    """Close the kept sessions (and their connections) when the server stops."""
    while _KEPT_SESSIONS:
        session = _KEPT_SESSIONS.pop()
        if not session.closed:
            await session.close()


def _patch_endpoint_keepalive() -> None:
    import os
    import ssl

    from aiohttp import ContentTypeError
    from rasa.shared.exceptions import FileNotFoundException
    from rasa.utils import endpoints

    config_class = endpoints.EndpointConfig
    if getattr(config_class, "_vneid_keepalive", False):
        return

    async def request(
        self,
        method: Text = "post",
        subpath: Optional[Text] = None,
        content_type: Optional[Text] = "application/json",
        compress: bool = False,
        **kwargs: Any,
    ) -> Optional[Any]:
        # Rasa's EndpointConfig.request, with the kept session in place of a new one per call
        headers = {}
        if content_type:
            headers["Content-Type"] = content_type
        if "headers" in kwargs:
            headers.update(kwargs["headers"])
            del kwargs["headers"]
        if self.headers:
            headers.update(self.headers)
        url = endpoints.concat_url(self.url, subpath)
        sslcontext = None
        if self.cafile:
            try:
                sslcontext = ssl.create_default_context(cafile=self.cafile)
            except FileNotFoundError as e:
                raise FileNotFoundException(
                    f"Failed to find certificate file, '{os.path.abspath(self.cafile)}' does not exist."
                ) from e
        session = _endpoint_session(self)
        async with session.request(
            method,
            url,
            headers=headers,
            params=self.combine_parameters(kwargs),
            compress=compress,
            ssl=sslcontext,
            **kwargs,
        ) as response:
            if response.status >= 400:
                raise endpoints.ClientResponseError(response.status, response.reason, await response.content.read())
            try:
                return await response.json()
            except ContentTypeError:
                return None

    from rasa.core import run

    close_resources = run.close_resources

    async def close_resources_and_sessions(app: Any, loop: Any) -> None:
        await close_resources(app, loop)
        await _close_kept_sessions()

    config_class.request = request
    run.close_resources = close_resources_and_sessions
    config_class._vneid_keepalive = True


def apply() -> None:
    """Apply every fix (idempotent)."""
    _patch_action_validation()
    _patch_event_lookup()
    _patch_sqlite_tracker_store()
    _patch_endpoint_keepalive()


def main() -> None:
    apply()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
