"""The migrations build exactly the schema the models describe (on SQLite and PostgreSQL), and go back down."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

import gateway.zalo_models  # noqa: F401 - the Zalo tables belong to the same metadata
from gateway.db import engine_url
from gateway.migrate import alembic_config, upgrade
from gateway.models import Base
from tests.support.databases import empty_database


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    with empty_database(request.param, tmp_path_factory.mktemp('migrations')) as url:
        yield url


def _differences(url):
    engine = create_engine(engine_url(url))
    try:
        with engine.connect() as connection:
            return compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()


def test_the_migrations_build_the_models_schema(database_url):
    upgrade(database_url)
    assert _differences(database_url) == []


def test_the_migrations_go_down_and_up_again(database_url):
    upgrade(database_url)
    command.downgrade(alembic_config(database_url), "base")
    engine = create_engine(engine_url(database_url))
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
    upgrade(database_url)
    assert _differences(database_url) == []
