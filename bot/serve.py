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
"""

from __future__ import annotations

import sys
from typing import Any, Dict, Text


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


def apply() -> None:
    """Apply every fix (idempotent)."""
    _patch_action_validation()
    _patch_event_lookup()
    _patch_sqlite_tracker_store()


def main() -> None:
    apply()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
