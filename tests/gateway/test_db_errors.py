"""A failed statement's error message never carries the values it was given (a phone, a message's text)."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from gateway.db import Database


def test_statement_errors_hide_their_parameters(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'x.db'}")
    with db.engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (phone TEXT UNIQUE)"))
        connection.execute(text("INSERT INTO t VALUES (:p)"), {"p": "0912345678"})
    with pytest.raises(IntegrityError) as failed:
        with db.engine.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (:p)"), {"p": "0912345678"})
    assert "0912345678" not in str(failed.value)
    db.engine.dispose()
