from sqlalchemy import text

from assistant.storage.database import open_database
from assistant.storage.migrations import MIGRATIONS, migrate, table_names


def test_migrations_apply_once_and_durable_sqlite_pragmas(tmp_path):
    engine = open_database(f"sqlite:///{tmp_path / 'a.db'}")
    assert migrate(engine) == [m.version for m in MIGRATIONS]
    assert migrate(engine) == []
    assert {"schema_migrations", "turns"} <= table_names(engine)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
