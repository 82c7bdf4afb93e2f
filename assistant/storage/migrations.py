"""Append-only schema migrations: never edit a released migration, add a new one.

Each migration runs once, in order, inside a transaction, and is recorded in ``schema_migrations``.
Tables are declared with SQLAlchemy so the same migrations run on SQLite and PostgreSQL. Replicas
starting together migrate one at a time: under a PostgreSQL advisory lock, or a lock on a file
beside the SQLite database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    inspect,
    select,
    text,
)

from assistant.storage.database import exclusively

metadata = MetaData()

schema_migrations = Table(
    "schema_migrations",
    metadata,
    Column("version", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)


def _turn_columns() -> list[Column]:
    """The turn log as migration 1 created it; later migrations only add columns."""
    return [
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("conversation_id", String(64), nullable=False, index=True),
        Column("created_at", DateTime(timezone=True), nullable=False, index=True),
        Column("lang", String(8), nullable=False),
        Column("question", Text, nullable=False),
        Column("answer", Text, nullable=False),
        Column("answer_kind", String(16), nullable=False),
        Column("abstained", Boolean, nullable=False),
        Column("grounded", Boolean, nullable=False),
        Column("fallback_reason", Text),
        Column("citations", Text, nullable=False),  # JSON: [{doc_id, section, version, chunk_id}]
        Column("retrieved_chunk_ids", Text, nullable=False),  # JSON list
        Column("timings_ms", Text, nullable=False),  # JSON: {stage: ms}
        Column("total_ms", Float, nullable=False),
    ]


_UNDERSTANDING_COLUMNS = (
    ("intent", "VARCHAR(64)", String(64)),
    ("intent_confidence", "FLOAT", Float),
    ("emotion", "VARCHAR(16)", String(16)),
    ("emotion_intensity", "FLOAT", Float),
)

# The current schema, for queries.
turns = Table(
    "turns",
    metadata,
    *_turn_columns(),
    *(Column(name, sql_type) for name, _, sql_type in _UNDERSTANDING_COLUMNS),
)


def _conversation_columns() -> list[Column[Any]]:
    return [
        Column("id", String(64), primary_key=True),
        Column("mode", String(8), nullable=False),  # auto | human
        Column("lang", String(8)),
        Column("customer_id", String(64)),
        Column("agent", String(64)),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
    ]


# The channel a message came in through, and the one the conversation was last active in (web, app,
# wechat...): added by migration 9; NULL before it, which is the web chat.
_CHANNEL_COLUMN = "channel VARCHAR(32)"
conversations = Table("conversations", metadata, *_conversation_columns(), Column("channel", String(32)))


# The transcript: every message with its source (customer, assistant, agent, system).
def _message_columns() -> list[Column[Any]]:
    return [
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("conversation_id", String(64), ForeignKey("conversations.id"), nullable=False, index=True),
        Column("source", String(16), nullable=False),
        Column("author", String(64)),
        Column("text", Text, nullable=False),
        Column("details", Text),  # JSON: intent, emotion, citations
        Column("created_at", DateTime(timezone=True), nullable=False),
    ]


messages = Table("messages", metadata, *_message_columns(), Column("channel", String(32)))

handoff_tickets = Table(
    "handoff_tickets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", String(64), ForeignKey("conversations.id"), nullable=False, index=True),
    # A retried enqueue carries the same key, so it can never make a second ticket.
    Column("idempotency_key", String(160), nullable=False, unique=True),
    Column("status", String(16), nullable=False),  # queued | claimed | returned | resolved
    Column("reason", String(32), nullable=False),
    Column("also", Text, nullable=False),  # JSON list of other reason codes
    Column("detail", Text, nullable=False),
    Column("priority", Integer, nullable=False),
    Column("lang", String(8), nullable=False),
    Column("intent", String(64)),
    Column("emotion", String(16)),
    Column("emotion_intensity", Float),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("claimed_by", String(64)),
    Column("claimed_at", DateTime(timezone=True)),
    Column("closed_at", DateTime(timezone=True)),
    # At most one open ticket per conversation, enforced by the database, not by a read-then-write.
    Index(
        "one_open_ticket_per_conversation",
        "conversation_id",
        unique=True,
        sqlite_where=text("status IN ('queued', 'claimed')"),
        postgresql_where=text("status IN ('queued', 'claimed')"),
    ),
    Index("queue_order", "status", "priority", "created_at"),
)

complaints = Table(
    "complaints",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("reference", String(32), nullable=False, unique=True),
    Column("conversation_id", String(64), ForeignKey("conversations.id"), nullable=False, index=True),
    Column("ticket_id", Integer, ForeignKey("handoff_tickets.id")),
    Column("status", String(16), nullable=False),  # open | closed
    Column("summary", Text, nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
)

customers = Table(
    "customers",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("age", Integer, nullable=False),
    Column("segment", String(32), nullable=False),
    Column("income_band", String(16), nullable=False),
    Column("employment", String(16), nullable=False),
    Column("residency", String(16), nullable=False),
    Column("language", String(8), nullable=False),
    Column("risk_tolerance", String(2)),
    Column("risk_assessed_on", Date),
    Column("lanting_assets_cny", Integer, nullable=False),
    Column("marketing_consent", Boolean, nullable=False),
    # PIPL art. 24: the customer can refuse automated marketing at any time, separately from consent.
    Column("recommendations_opt_out", Boolean, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

customer_holdings = Table(
    "customer_holdings",
    metadata,
    Column("customer_id", String(64), ForeignKey("customers.id"), primary_key=True),
    Column("product_id", String(64), primary_key=True),
)

customer_events = Table(
    "customer_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("customer_id", String(64), ForeignKey("customers.id"), nullable=False, index=True),
    Column("type", String(32), nullable=False),
    Column("date", Date, nullable=False),
    Column("amount_cny", Integer),
    Column("product", String(64)),
)

# The recommendation funnel: shown -> clicked ("why this?") -> accepted | dismissed; and opt-outs.
recommendation_events = Table(
    "recommendation_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("customer_id", String(64), nullable=False, index=True),
    Column("conversation_id", String(64), index=True),
    Column("product_id", String(64)),
    Column("event", String(16), nullable=False),
    Column("turn", Integer),
    Column("detail", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


# Every version of every knowledge document, as the product team wrote it and as it was normalised.
document_versions = Table(
    "document_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("doc_id", String(128), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    # draft | quarantined | approved | published | superseded | rejected | retired
    Column("status", String(16), nullable=False),
    Column("title", String(300), nullable=False),
    Column("lang", String(8), nullable=False),
    Column("product", String(128), nullable=False),
    Column("effective_date", Date, nullable=False),
    Column("body_markdown", Text, nullable=False),
    Column("filename", String(300), nullable=False),
    Column("raw", LargeBinary),  # the upload as received, so any version can be re-derived
    Column("content_hash", String(64), nullable=False, index=True),
    Column("findings", Text, nullable=False),  # JSON: the content scanner's findings
    Column("note", Text, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("decided_by", String(64)),
    Column("decided_at", DateTime(timezone=True)),
    Index("one_number_per_version", "doc_id", "version", unique=True),
)

# Append-only: the database itself refuses updates and deletes (triggers below).
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("actor", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    Column("doc_id", String(128), index=True),
    Column("version", Integer),
    Column("detail", Text, nullable=False),  # JSON
)

# Answers an approver pinned to a question pattern, with the document versions they rest on.
curated_answers = Table(
    "curated_answers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("pattern", Text, nullable=False),
    Column("lang", String(8), nullable=False),
    Column("answer", Text, nullable=False),
    Column("sources", Text, nullable=False),  # JSON: [{doc_id, version, section}]
    Column("active", Boolean, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Knowledge gaps an editor already turned into a draft, so they are not listed again.
drafted_gaps = Table(
    "drafted_gaps",
    metadata,
    Column("gap_key", String(64), primary_key=True),
    Column("doc_id", String(128), nullable=False),
    Column("drafted_by", String(64), nullable=False),
    Column("drafted_at", DateTime(timezone=True), nullable=False),
)

# Customer satisfaction: the rating a customer gives at the end of a chat.
csat_ratings = Table(
    "csat_ratings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", String(64), nullable=False, index=True),
    Column("customer_id", String(64)),
    Column("rating", Integer, nullable=False),  # 1 (very dissatisfied) .. 5 (very satisfied)
    Column("comment", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
)

# A job only one process should do at a time (publishing due versions), held by whoever renewed it
# last until it expires: a holder that dies is replaced once its lease has lapsed.
leases = Table(
    "leases",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("holder", String(128), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

# The keyword (BM25) index, shared by every replica and updated per document: each chunk's words
# (our tokenizer, jieba for Chinese) as postings, and per-language totals for the BM25 statistics.
lexical_chunks = Table(
    "lexical_chunks",
    metadata,
    Column("chunk_id", String(255), primary_key=True),
    Column("lang", String(8), nullable=False),
    Column("length", Integer, nullable=False),  # words, repeats included: BM25's document length
    Column("chunk", Text, nullable=False),  # the Chunk as JSON, returned with a hit
)
# A query reads only its terms' rows, in primary-key order (clustered on SQLite), with what scoring
# and filtering need copied beside each posting: no lookup per posting.
lexical_postings = Table(
    "lexical_postings",
    metadata,
    Column("lang", String(8), primary_key=True),
    Column("term", String(255), primary_key=True),
    Column("chunk_id", String(255), primary_key=True),
    Column("tf", Integer, nullable=False),
    Column("length", Integer, nullable=False),
    Column("approved", Boolean, nullable=False),
    Column("effective_date", Date, nullable=False),
    Index("ix_lexical_postings_chunk", "chunk_id"),
    sqlite_with_rowid=False,
)
lexical_stats = Table(
    "lexical_stats",
    metadata,
    Column("lang", String(8), primary_key=True),
    Column("chunks", Integer, nullable=False),
    Column("total_length", Integer, nullable=False),
)

# Other channels (the mobile app's backend, a WeChat gateway, a helpdesk) call the HTTP API with a key;
# only its SHA-256 is kept, so a copy of the database gives no one a usable key.
channel_keys = Table(
    "channel_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("key_prefix", String(16), nullable=False),  # shown in listings to tell keys apart
    Column("roles", String(64), nullable=False),  # comma-separated: chat, helpdesk
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

# Messages per customer (or client address) in fixed windows: every replica counts in the same rows,
# so the limit holds however a customer's messages are spread over replicas, tabs and channels.
rate_limit_windows = Table(
    "rate_limit_windows",
    metadata,
    Column("key", String(160), primary_key=True),
    Column("window_start", Integer, primary_key=True),  # seconds since the epoch, a multiple of the window
    Column("count", Integer, nullable=False),
)

# Conversation evidence for customer labels (knowledge/customers/labels.yaml): one row per turn and
# label it supports, kept while the label's expiry allows; profile labels are read from the profile.
customer_label_evidence = Table(
    "customer_label_evidence",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("customer_id", String(64), nullable=False, index=True),
    Column("label_id", String(64), nullable=False),
    Column("conversation_id", String(64)),
    Column("turn_id", Integer),
    Column("detail", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

_APPEND_ONLY = {
    "sqlite": [
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$ BEGIN "
        "RAISE EXCEPTION 'audit_log is append-only'; END; $$ LANGUAGE plpgsql",
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    ],
}


def _create_turn_log(conn: Connection) -> None:
    Table("turns", MetaData(), *_turn_columns()).create(conn)


def _add_understanding(conn: Connection) -> None:
    for name, ddl_type, _ in _UNDERSTANDING_COLUMNS:
        conn.execute(text(f"ALTER TABLE turns ADD COLUMN {name} {ddl_type}"))


def _create_handoff(conn: Connection) -> None:
    # As released: the channel columns come with migration 9.
    released = MetaData()
    Table("conversations", released, *_conversation_columns()).create(conn)
    Table("messages", released, *_message_columns()).create(conn)
    for table in (handoff_tickets, complaints):
        table.create(conn)


def _create_customers(conn: Connection) -> None:
    for table in (customers, customer_holdings, customer_events, recommendation_events):
        table.create(conn)
    # Deferred: the loader reads the profile model, which is not part of the schema.
    from assistant.recommend.store import load_demo_customers

    load_demo_customers(conn)


def _create_knowledge_management(conn: Connection) -> None:
    for table in (document_versions, audit_log, curated_answers, drafted_gaps):
        table.create(conn)
    for statement in _APPEND_ONLY.get(conn.dialect.name, []):
        conn.execute(text(statement))


def _create_ratings(conn: Connection) -> None:
    csat_ratings.create(conn)


def _create_leases(conn: Connection) -> None:
    leases.create(conn)


def _add_channels(conn: Connection) -> None:
    for table in ("conversations", "messages"):
        conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {_CHANNEL_COLUMN}"))
    channel_keys.create(conn)


def _create_rate_limits(conn: Connection) -> None:
    rate_limit_windows.create(conn)


def _create_label_evidence(conn: Connection) -> None:
    customer_label_evidence.create(conn)


def _create_lexical_index(conn: Connection) -> None:
    for table in (lexical_chunks, lexical_postings, lexical_stats):
        table.create(conn)


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[Connection], None]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "create turn log", _create_turn_log),
    Migration(2, "record intent and emotion per turn", _add_understanding),
    Migration(3, "conversations, transcripts, handoff queue and complaints", _create_handoff),
    Migration(4, "customer profiles (demo customers loaded), recommendation events", _create_customers),
    Migration(5, "document versions, audit log, curated answers, drafted gaps", _create_knowledge_management),
    Migration(6, "customer satisfaction ratings", _create_ratings),
    Migration(7, "leases: one process at a time for shared jobs", _create_leases),
    Migration(8, "shared keyword index: postings and BM25 statistics", _create_lexical_index),
    Migration(9, "channels: API keys, the channel of each message and conversation", _add_channels),
    Migration(10, "shared rate limit counters", _create_rate_limits),
    Migration(11, "customer label evidence", _create_label_evidence),
)


def migrate(engine: Engine) -> list[int]:
    """Apply pending migrations, one process at a time; returns the versions applied now."""
    with exclusively(engine, "migrate"):
        return _apply_pending(engine)


def _apply_pending(engine: Engine) -> list[int]:
    applied_now: list[int] = []
    with engine.begin() as conn:
        schema_migrations.create(conn, checkfirst=True)
    for migration in MIGRATIONS:
        with engine.begin() as conn:
            done = conn.execute(
                select(schema_migrations.c.version).where(schema_migrations.c.version == migration.version)
            ).first()
            if done:
                continue
            migration.apply(conn)
            conn.execute(
                schema_migrations.insert().values(
                    version=migration.version, name=migration.name, applied_at=datetime.now(UTC)
                )
            )
            applied_now.append(migration.version)
    return applied_now


def table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())
