"""`bank-assistant channels ...`: the API keys of the channels that call the HTTP API.

A new key is printed once and never again; only its hash is kept. `--json` outputs are contracts.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from assistant.channels.keys import ROLES, Channel, ChannelKeyError, ChannelKeys, ChannelRole
from assistant.config import Settings
from assistant.container import Services

channels = typer.Typer(
    help="API keys for other channels (app backend, WeChat, helpdesk).", no_args_is_help=True
)

AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _keys() -> ChannelKeys:
    return Services(Settings()).channel_keys


def _public(channel: Channel) -> dict[str, object]:
    return channel.model_dump(mode="json")


@channels.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The channel's name, e.g. app, wechat, helpdesk.")],
    role: Annotated[
        list[str] | None, typer.Option("--role", help="chat (the default) and/or helpdesk; repeat for both.")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Make a channel and its API key (shown once: store it in the channel's secrets)."""
    try:
        channel, key = _keys().create(name, _roles(role or ["chat"]))
    except ChannelKeyError as exc:
        typer.echo(json.dumps({"error": str(exc)}) if as_json else f"Refused: {exc}", err=not as_json)
        raise typer.Exit(code=2) from exc
    if as_json:
        typer.echo(json.dumps({**_public(channel), "key": key}))
    else:
        typer.echo(f"Channel {channel.name} ({', '.join(channel.roles)}). Its key, shown only now:\n{key}")


def _roles(names: list[str]) -> list[ChannelRole]:
    roles: list[ChannelRole] = []
    for name in names:
        if name not in ROLES:
            raise ChannelKeyError(f"unknown role {name!r}: chat or helpdesk")
        roles.append(ROLES[name])
    return roles


@channels.command("list")
def list_channels(as_json: AsJson = False) -> None:
    """Every channel, its roles and whether its key is live (keys themselves are never shown)."""
    if as_json:
        typer.echo(json.dumps([_public(c) for c in _keys().all()]))
        return
    for channel in _keys().all():
        state = "revoked" if channel.revoked_at else "live"
        typer.echo(f"{channel.name:<16} {','.join(channel.roles):<14} {channel.key_prefix}…  {state}")


@channels.command("revoke")
def revoke(name: Annotated[str, typer.Argument(help="The channel whose key stops working now.")]) -> None:
    """Revoke a channel's key at once; make a new channel name for its replacement."""
    try:
        _keys().revoke(name)
    except ChannelKeyError as exc:
        typer.echo(f"Refused: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    typer.echo(f"Revoked the key of {name}.")
