"""Stores under test (fixtures shared through tests/conftest.py): a folder, SQLite (standard
library) and a real PostgreSQL server."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from .pgserver import PgServer, pg_bin

_databases = itertools.count()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One PostgreSQL server for the whole run (``make test`` installs postgresql)."""
    if pg_bin() is None:
        pytest.skip("PostgreSQL is not installed: `make unit` installs Debian's postgresql")
    with PgServer() as server:
        yield server


def _new_database(server: PgServer) -> str:
    import sqlalchemy as sa

    name = f"tt{next(_databases)}"
    engine = sa.create_engine(
        server.url.replace("postgresql://", "postgresql+psycopg://"),
        isolation_level="AUTOCOMMIT",
    )
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {name}"))
    finally:
        engine.dispose()
    return server.url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    """A fresh, empty database on the test server."""
    return _new_database(pg_server)


@pytest.fixture(params=["folder", "sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a fresh, empty store is, for each kind of store."""
    if request.param == "folder":
        return str(tmp_path / "sessions")
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/sessions.db"
    server: PgServer = request.getfixturevalue("pg_server")
    return _new_database(server)
