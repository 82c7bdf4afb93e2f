"""API keys for the channels that call the HTTP API: the mobile app's backend, a WeChat gateway, a helpdesk.

A key is shown once, when it is made; only its SHA-256 is stored. Keys are 256 random bits, so a
plain hash (no salt, no slow hash) cannot be reversed or guessed, and lookup is one indexed query.
Each key names its channel and what it may do: ``chat`` (speak for the customers its channel has
signed in) and ``helpdesk`` (the agent actions a helpdesk needs).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import Engine, RowMapping, select, update
from sqlalchemy.exc import IntegrityError

from assistant.errors import AssistantError
from assistant.storage.database import as_utc
from assistant.storage.migrations import channel_keys

ChannelRole = Literal["chat", "helpdesk"]
ROLES: dict[str, ChannelRole] = {"chat": "chat", "helpdesk": "helpdesk"}
_KEY_PREFIX = "bak_"
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")


class ChannelKeyError(AssistantError):
    """A key that cannot be made or revoked as asked (bad or taken name, unknown channel)."""


class Channel(BaseModel):
    """An authenticated caller of the API: the channel's name and what its key allows."""

    name: str
    roles: list[ChannelRole]
    key_prefix: str
    created_at: datetime
    revoked_at: datetime | None = None

    def can(self, role: ChannelRole) -> bool:
        return role in self.roles


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class ChannelKeys:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(self, name: str, roles: list[ChannelRole]) -> tuple[Channel, str]:
        """A new channel and its key (returned once, never stored)."""
        if not _NAME.fullmatch(name):
            raise ChannelKeyError("a channel name is 1-32 lower-case letters, digits, '-' or '_'")
        if not roles:
            raise ChannelKeyError("a key needs at least one role: chat or helpdesk")
        key = _KEY_PREFIX + secrets.token_urlsafe(32)
        channel = Channel(
            name=name, roles=sorted(set(roles)), key_prefix=key[:10], created_at=datetime.now(UTC)
        )
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    channel_keys.insert().values(
                        name=name,
                        key_hash=_digest(key),
                        key_prefix=channel.key_prefix,
                        roles=",".join(channel.roles),
                        created_at=channel.created_at,
                    )
                )
        except IntegrityError as exc:
            raise ChannelKeyError(f"a channel named {name!r} already exists") from exc
        return channel, key

    def authenticate(self, key: str) -> Channel | None:
        """The channel whose live key this is, else None."""
        if not key.startswith(_KEY_PREFIX):
            return None
        with self.engine.connect() as conn:
            row = (
                conn.execute(select(channel_keys).where(channel_keys.c.key_hash == _digest(key)))
                .mappings()
                .first()
            )
        if row is None or row["revoked_at"] is not None:
            return None
        return _channel(row)

    def revoke(self, name: str) -> None:
        with self.engine.begin() as conn:
            done = conn.execute(
                update(channel_keys)
                .where(channel_keys.c.name == name, channel_keys.c.revoked_at.is_(None))
                .values(revoked_at=datetime.now(UTC))
            ).rowcount
        if not done:
            raise ChannelKeyError(f"no live key for a channel named {name!r}")

    def all(self) -> list[Channel]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(channel_keys).order_by(channel_keys.c.name)).mappings().all()
        return [_channel(row) for row in rows]


def _channel(row: RowMapping) -> Channel:
    return Channel(
        name=row["name"],
        roles=row["roles"].split(","),
        key_prefix=row["key_prefix"],
        created_at=as_utc(row["created_at"]),
        revoked_at=as_utc(row["revoked_at"]) if row["revoked_at"] else None,
    )
