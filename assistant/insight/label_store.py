"""Where conversation evidence for customer labels lives, and the Labeler that writes and reads it.

A recorded turn adds one row per label it is evidence for; listing a customer's labels reads the rows
still inside each label's expiry, so a label appears with its evidence and disappears when the
evidence is too old. Profile labels are computed from the profile as it is now.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, and_, delete, or_, select

from assistant.domain import TurnResult
from assistant.insight.labels import CustomerLabel, Evidence, LabelBook
from assistant.recommend.profiles import CustomerProfile
from assistant.recommend.store import ProfileStore
from assistant.storage.migrations import customer_label_evidence

# A label without an expiry keeps its evidence this long; listings show the latest few.
_LONGEST_KEPT = timedelta(days=365)
_EVIDENCE_SHOWN = 5


class LabelEvidenceStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, customer_id: str, label_id: str, evidence: Evidence, keep: timedelta) -> None:
        """Record one piece of evidence and drop this label's evidence older than ``keep``."""
        at = evidence.at or datetime.now(UTC)
        table = customer_label_evidence
        with self.engine.begin() as conn:
            conn.execute(
                delete(table).where(
                    table.c.customer_id == customer_id, table.c.label_id == label_id, table.c.at < at - keep
                )
            )
            conn.execute(
                table.insert().values(
                    customer_id=customer_id,
                    label_id=label_id,
                    conversation_id=evidence.conversation_id,
                    turn_id=evidence.turn_id,
                    detail=evidence.detail,
                    at=at,
                )
            )

    def recent(self, customer_id: str, since: dict[str, datetime]) -> dict[str, list[Evidence]]:
        """Per label, its evidence at or after ``since[label]``, oldest first."""
        if not since:
            return {}
        table = customer_label_evidence
        within = or_(*(and_(table.c.label_id == label, table.c.at >= at) for label, at in since.items()))
        query = (
            select(table).where(table.c.customer_id == customer_id, within).order_by(table.c.at, table.c.id)
        )
        found: dict[str, list[Evidence]] = defaultdict(list)
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                found[row.label_id].append(
                    Evidence(
                        source="conversation",
                        detail=row.detail,
                        at=_aware(row.at),
                        conversation_id=row.conversation_id,
                        turn_id=row.turn_id,
                    )
                )
        return dict(found)

    def forget(self, customer_id: str) -> int:
        """Erase a customer's conversation evidence (a data-protection request); returns rows deleted."""
        with self.engine.begin() as conn:
            table = customer_label_evidence
            return conn.execute(delete(table).where(table.c.customer_id == customer_id)).rowcount or 0


class Labeler:
    def __init__(
        self,
        book: LabelBook,
        store: LabelEvidenceStore,
        profiles: ProfileStore,
        assessment_valid_days: int,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.book = book
        self.store = store
        self.profiles = profiles
        self.assessment_valid_days = assessment_valid_days
        self.clock = clock

    def observe(self, customer_id: str, turn: TurnResult, turn_id: int | None = None) -> list[str]:
        """Record what this turn is evidence for; returns the label ids it supported."""
        now = self.clock()
        supported = []
        for definition, detail in self.book.from_turn(turn):
            evidence = Evidence(
                source="conversation",
                detail=detail,
                at=now,
                conversation_id=turn.conversation_id,
                turn_id=turn_id,
            )
            keep = timedelta(days=definition.expires_days) if definition.expires_days else _LONGEST_KEPT
            self.store.add(customer_id, definition.id, evidence, keep)
            supported.append(definition.id)
        return supported

    def labels(self, customer_id: str, profile: CustomerProfile | None = None) -> list[CustomerLabel]:
        """The customer's labels now, each with its evidence (the latest few) and expiry.
        ``profile``: the customer's profile when the caller has already read it."""
        now = self.clock()
        found: dict[str, CustomerLabel] = {}
        profile = profile or self.profiles.get(customer_id)
        if profile is not None:
            for label in self.book.from_profile(profile, now.date(), self.assessment_valid_days):
                found[label.id] = label
        windows = {
            d.id: now - (timedelta(days=d.expires_days) if d.expires_days else _LONGEST_KEPT)
            for d in self.book.definitions.values()
            if d.conversation is not None
        }
        for label_id, evidence in self.store.recent(customer_id, windows).items():
            definition = self.book.definitions.get(label_id)
            if definition is None or definition.conversation is None:
                continue  # a label since removed from labels.yaml
            turns = {(e.conversation_id, e.turn_id, e.at) for e in evidence}
            if len(turns) < definition.conversation.min_turns:
                continue
            last = max(e.at or now for e in evidence)
            expires = last + timedelta(days=definition.expires_days) if definition.expires_days else None
            shown = evidence[-_EVIDENCE_SHOWN:]
            earlier = found.get(label_id)
            found[label_id] = self.book.label(
                label_id,
                (earlier.evidence if earlier else []) + shown,
                since=evidence[0].at,
                expires=expires,
            )
        return [found[label_id] for label_id in self.book.definitions if label_id in found]

    def protected(self, customer_id: str) -> list[CustomerLabel]:
        """Labels that route the customer to a person and suppress every offer."""
        return [label for label in self.labels(customer_id) if label.use == "protect"]


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes: they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
