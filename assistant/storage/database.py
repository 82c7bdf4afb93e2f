"""The application database: SQLite by default (WAL, synchronous=FULL), any SQLAlchemy URL otherwise."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event


def open_database(url: str, pool_size: int = 5) -> Engine:
    """``pool_size`` connections are kept open, as many more may be opened under a burst."""
    pool = {"pool_size": pool_size, "max_overflow": pool_size}
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **pool)

        @event.listens_for(engine, "connect")
        def _durable_sqlite(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    # A database that does not answer must not hold a customer's turn: fail fast, the caller degrades.
    connect_args = {"connect_timeout": 5} if url.startswith("postgresql") else {}
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **pool)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything is stored in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
