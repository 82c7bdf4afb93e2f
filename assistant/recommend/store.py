"""Where profiles and recommendation events live: the same database (SQLite or PostgreSQL) as the rest."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

import yaml
from pydantic import BaseModel, TypeAdapter
from sqlalchemy import Connection, Engine, delete, func, select, update

from assistant.config import PROJECT_ROOT
from assistant.recommend.profiles import CustomerEvent, CustomerProfile
from assistant.storage.migrations import (
    customer_events,
    customer_holdings,
    customers,
    recommendation_events,
)

DEMO_CUSTOMERS = PROJECT_ROOT / "knowledge" / "customers" / "demo_customers.yaml"

FunnelEvent = Literal["shown", "clicked", "accepted", "dismissed", "opted_out", "opted_in"]
FUNNEL_STEPS: tuple[FunnelEvent, ...] = ("shown", "clicked", "accepted", "dismissed")


class UnknownCustomerError(LookupError):
    def __init__(self, customer_id: str) -> None:
        super().__init__(f"no customer with id {customer_id!r}")
        self.customer_id = customer_id


def read_profiles(path: Path) -> list[CustomerProfile]:
    return TypeAdapter(list[CustomerProfile]).validate_python(
        yaml.safe_load(path.read_text(encoding="utf-8"))
    )


def save_profile(conn: Connection, profile: CustomerProfile) -> None:
    """Insert or replace one profile with its holdings and events."""
    for table in (customer_events, customer_holdings):
        conn.execute(delete(table).where(table.c.customer_id == profile.id))
    conn.execute(delete(customers).where(customers.c.id == profile.id))
    conn.execute(
        customers.insert().values(
            **profile.model_dump(exclude={"holdings", "events"}), updated_at=datetime.now(UTC)
        )
    )
    if profile.holdings:
        conn.execute(
            customer_holdings.insert(),
            [{"customer_id": profile.id, "product_id": p} for p in sorted(set(profile.holdings))],
        )
    if profile.events:
        conn.execute(
            customer_events.insert(),
            [{"customer_id": profile.id, **event.model_dump()} for event in profile.events],
        )


def load_demo_customers(conn: Connection, path: Path = DEMO_CUSTOMERS) -> int:
    profiles = read_profiles(path)
    for profile in profiles:
        save_profile(conn, profile)
    return len(profiles)


class ProfileStore(Protocol):
    def get(self, customer_id: str) -> CustomerProfile | None: ...
    def all(self) -> list[CustomerProfile]: ...
    def set_opt_out(self, customer_id: str, opted_out: bool) -> None: ...


class SqlProfileStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, customer_id: str) -> CustomerProfile | None:
        profiles = self._load(customers.c.id == customer_id)
        return profiles[0] if profiles else None

    def all(self) -> list[CustomerProfile]:
        return self._load(None)

    def save(self, profile: CustomerProfile) -> None:
        with self.engine.begin() as conn:
            save_profile(conn, profile)

    def set_opt_out(self, customer_id: str, opted_out: bool) -> None:
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(customers)
                .where(customers.c.id == customer_id)
                .values(recommendations_opt_out=opted_out, updated_at=datetime.now(UTC))
            ).rowcount
        if not changed:
            raise UnknownCustomerError(customer_id)

    def _load(self, where: Any) -> list[CustomerProfile]:
        query = select(customers).order_by(customers.c.id)
        if where is not None:
            query = query.where(where)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
            ids = [row["id"] for row in rows]
            holdings: dict[str, list[str]] = {i: [] for i in ids}
            for h in conn.execute(
                select(customer_holdings).where(customer_holdings.c.customer_id.in_(ids))
            ).mappings():
                holdings[h["customer_id"]].append(h["product_id"])
            events: dict[str, list[CustomerEvent]] = {i: [] for i in ids}
            for e in conn.execute(
                select(customer_events)
                .where(customer_events.c.customer_id.in_(ids))
                .order_by(customer_events.c.date, customer_events.c.id)
            ).mappings():
                events[e["customer_id"]].append(CustomerEvent.model_validate(dict(e)))
        return [
            CustomerProfile.model_validate(
                {**row, "holdings": sorted(holdings[row["id"]]), "events": events[row["id"]]}
            )
            for row in rows
        ]


class FunnelRow(BaseModel):
    product_id: str
    shown: int = 0
    clicked: int = 0
    accepted: int = 0
    dismissed: int = 0

    @property
    def acceptance_rate(self) -> float | None:
        return self.accepted / self.shown if self.shown else None


class RecommendationEvents:
    """The funnel, event by event, so the effect of recommendations can be measured per product."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(
        self,
        event: FunnelEvent,
        customer_id: str,
        product_id: str | None = None,
        conversation_id: str | None = None,
        turn: int | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                recommendation_events.insert().values(
                    customer_id=customer_id,
                    conversation_id=conversation_id,
                    product_id=product_id,
                    event=event,
                    turn=turn,
                    detail=json.dumps(detail or {}, ensure_ascii=False),
                    created_at=datetime.now(UTC),
                )
            )

    def last_shown_turn(self, conversation_id: str) -> int | None:
        with self.engine.connect() as conn:
            return conn.execute(
                select(func.max(recommendation_events.c.turn)).where(
                    recommendation_events.c.conversation_id == conversation_id,
                    recommendation_events.c.event == "shown",
                )
            ).scalar()

    def dismissed_since(self, customer_id: str, since: datetime) -> set[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(recommendation_events.c.product_id).where(
                    recommendation_events.c.customer_id == customer_id,
                    recommendation_events.c.event == "dismissed",
                    recommendation_events.c.created_at >= since,
                )
            ).all()
        return {row.product_id for row in rows if row.product_id}

    def events(self, customer_id: str | None = None) -> list[dict[str, Any]]:
        query = select(recommendation_events).order_by(recommendation_events.c.id)
        if customer_id is not None:
            query = query.where(recommendation_events.c.customer_id == customer_id)
        with self.engine.connect() as conn:
            return [{**row, "detail": json.loads(row["detail"])} for row in conn.execute(query).mappings()]

    def funnel(self) -> list[FunnelRow]:
        """Per product: how often it was shown, opened ("why this?"), accepted and dismissed."""
        query = (
            select(
                recommendation_events.c.product_id,
                recommendation_events.c.event,
                func.count().label("n"),
            )
            .where(
                recommendation_events.c.product_id.is_not(None),
                recommendation_events.c.event.in_(FUNNEL_STEPS),
            )
            .group_by(recommendation_events.c.product_id, recommendation_events.c.event)
        )
        rows: dict[str, FunnelRow] = {}
        with self.engine.connect() as conn:
            for product_id, event, n in conn.execute(query):
                row = rows.setdefault(product_id, FunnelRow(product_id=product_id))
                setattr(row, event, n)
        return sorted(rows.values(), key=lambda r: (-r.shown, r.product_id))
