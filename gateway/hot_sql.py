"""The per-message statements, run on the database driver's cursor (issue #8: the gateway's cost per message).

SQLAlchemy Core's execution machinery (execution context, events, result metadata) costs more than the SQLite
statements themselves: the three statements that store a citizen's message took 0.65 ms of the gateway's CPU per
message in the load benchmark, 0.36 ms run this way (README, session 4). What runs here is still SQLAlchemy's own
SQL: each Core statement is compiled once per engine, for its dialect (SQLite or PostgreSQL), and its values go
through the column types' own conversions (JSON, datetimes) before they reach the driver, so the rows are the same
as through `Connection.execute`. What is not the same, on purpose:

- a statement SQLAlchemy would complete at execution time (a Python-side column default it would compute) is
  refused when it is compiled: the caller passes every value;
- driver errors come out as SQLAlchemy's exceptions (`DBAPIError.instance`, parameters hidden: they hold citizens'
  text), so the app's database-down answer and the callers' `SQLAlchemyError` handling are unchanged; a broken
  connection is invalidated, not given back to the pool;
- SQLite's in-process write lock (`gateway.db`) is taken by a writing transaction for its whole length.
"""

from __future__ import annotations

import threading
from collections import namedtuple
from contextlib import contextmanager
from typing import Any, Callable, Dict, Iterator, List, Mapping, NamedTuple, Optional, Sequence, Tuple

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, InvalidRequestError

Row = Tuple[Any, ...]


class _Compiled(NamedTuple):
    sql: str
    names: Tuple[str, ...]  # the parameters, in order for positional drivers (SQLite: `?`)
    positional: bool  # False: the driver takes a dict by name (psycopg: `%(name)s`)
    fixed: Dict[str, Any]  # values written in the statement itself (e.g. CASE … THEN 'bot'), and their defaults
    required: frozenset  # names the caller must give
    bind: Dict[str, Callable[[Any], Any]]  # conversions of the values that have one
    result: List[Optional[Callable[[Any], Any]]]  # per selected column
    row: Optional[Callable[..., Row]]  # a row with the selected columns' names (as SQLAlchemy's Row), if any


def compile_for(statement, dialect) -> _Compiled:
    """The statement's SQL for this dialect, its parameters, and the conversions of its values and result columns.
    Refused (ValueError): what SQLAlchemy would complete at execution time (Python-side column defaults, callable
    or expanding parameters)."""
    compiled = statement.compile(dialect=dialect)
    if getattr(compiled, "insert_prefetch", None) or getattr(compiled, "update_prefetch", None):
        raise ValueError(
            "statement relies on Python-side defaults; pass every value: "
            + ", ".join(c.key for c in (*compiled.insert_prefetch, *compiled.update_prefetch))
        )
    if compiled.escaped_bind_names or any(b.callable is not None or b.expanding for b in compiled.bind_names):
        raise ValueError("statement needs SQLAlchemy's execution-time parameter handling")
    fixed, required, bind = {}, set(), {}
    for parameter, name in compiled.bind_names.items():
        if parameter.required:
            required.add(name)
        else:
            fixed[name] = parameter.value
        processor = parameter.type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            bind[name] = processor
    columns = getattr(statement, "selected_columns", None) or ()
    result = [column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns]
    row = namedtuple("Row", [column.key for column in columns], rename=True)._make if columns else None
    names = tuple(compiled.positiontup) if compiled.positional else tuple(compiled.bind_names.values())
    return _Compiled(compiled.string, names, bool(compiled.positional), fixed, frozenset(required), bind, result, row)


class Cursor:
    """Runs prepared statements inside one transaction (see `HotSQL.transaction`)."""

    def __init__(self, hot: "HotSQL", cursor) -> None:
        self._hot = hot
        self._cursor = cursor

    def _run(
        self,
        statement,
        params: Mapping[str, Any],
        many: Sequence[Mapping[str, Any]] = (),
        fetch: Optional[Callable[[Any], Any]] = None,
    ):
        """Execute (once, or once per row of `many`), then `fetch(cursor)` if given; driver errors wrapped."""
        prepared = self._hot.prepared(statement)
        try:
            if many:
                self._cursor.executemany(prepared.sql, [_values(prepared, p) for p in many])
            else:
                self._cursor.execute(prepared.sql, _values(prepared, params))
            return prepared, fetch(self._cursor) if fetch is not None else None
        except self._hot.dbapi_error as exc:
            raise self._hot.wrap(exc, prepared.sql) from exc

    def execute(self, statement, params: Mapping[str, Any]) -> None:
        """Run a statement (no rows wanted)."""
        self._run(statement, params)

    def execute_many(self, statement, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run a statement once per row of values (one INSERT of several rows)."""
        if rows:
            self._run(statement, {}, many=rows)

    def first(self, statement, params: Mapping[str, Any]) -> Optional[Row]:
        """The first row, or None: for a SELECT, its values converted by the column types and reachable by column
        name (`row.found_id`); for INSERT … RETURNING, the driver's tuple."""
        prepared, row = self._run(statement, params, fetch=lambda cursor: cursor.fetchone())
        if row is None or prepared.row is None:
            return row
        return prepared.row(
            value if convert is None else convert(value) for convert, value in zip(prepared.result, row)
        )

    def all(self, statement, params: Mapping[str, Any]) -> List[Row]:
        """Every row, as the driver returns it (for statements whose columns need no conversion: text())."""
        return self._run(statement, params, fetch=lambda cursor: cursor.fetchall())[1]


def _values(prepared: _Compiled, params: Mapping[str, Any]):
    """The driver's parameters: the caller's values (or the statement's own), converted by the column types."""
    if not prepared.required <= params.keys():
        raise InvalidRequestError(
            "A value is required for bind parameter(s) " + ", ".join(sorted(prepared.required - params.keys()))
        )
    values = {name: params[name] if name in params else prepared.fixed[name] for name in prepared.names}
    for name, convert in prepared.bind.items():
        values[name] = convert(values[name])
    return tuple(values[name] for name in prepared.names) if prepared.positional else values


class HotSQL:
    """Prepared statements and transactions on one engine's pool."""

    def __init__(self, engine: Engine, write_lock: Optional[threading.RLock] = None) -> None:
        self.engine = engine
        self.write_lock = write_lock
        self.dbapi_error = engine.dialect.loaded_dbapi.Error
        self._prepared: Dict[int, Tuple[Any, _Compiled]] = {}

    def prepared(self, statement) -> _Compiled:
        """The statement compiled for this engine (once; the statement object is the key)."""
        entry = self._prepared.get(id(statement))
        if entry is None or entry[0] is not statement:
            entry = self._prepared[id(statement)] = (statement, compile_for(statement, self.engine.dialect))
        return entry[1]

    def wrap(self, exc: BaseException, sql: Optional[str] = None) -> BaseException:
        """A driver error as SQLAlchemy's exception, without the parameters (citizens' text)."""
        return DBAPIError.instance(sql, None, exc, self.dbapi_error, hide_parameters=True, dialect=self.engine.dialect)

    @contextmanager
    def transaction(self, write: bool = False) -> Iterator[Cursor]:
        """A pooled connection's cursor; committed at the end, rolled back on error. `write=True` holds SQLite's
        in-process write lock for the whole transaction (no SQLITE_BUSY back-off between the gateway's threads)."""
        lock = self.write_lock if write else None
        try:
            connection = self.engine.raw_connection()
        except self.dbapi_error as exc:
            raise self.wrap(exc) from exc
        if lock is not None:
            lock.acquire()
        try:
            cursor = connection.cursor()
            try:
                yield Cursor(self, cursor)
                connection.commit()
            except BaseException as exc:
                self._rollback(connection, exc)
                raise
            finally:
                _close_quietly(cursor)
        except self.dbapi_error as exc:  # the commit itself failed
            raise self.wrap(exc) from exc
        finally:
            if lock is not None:
                lock.release()
            connection.close()  # back to the pool (or dropped, if invalidated)

    def _rollback(self, connection, exc: BaseException) -> None:
        orig = getattr(exc, "orig", exc)
        if isinstance(orig, self.dbapi_error) and self.engine.dialect.is_disconnect(
            orig, connection.dbapi_connection, None
        ):
            connection.invalidate(orig)
            return
        try:
            connection.rollback()
        except self.dbapi_error:
            connection.invalidate()


def _close_quietly(cursor) -> None:
    try:
        cursor.close()
    except Exception:  # noqa: BLE001 - closing a cursor of a broken connection; the error that matters is raised
        pass
