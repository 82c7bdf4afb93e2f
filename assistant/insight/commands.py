"""`bank-assistant labels`: a customer's labels with the evidence behind each.

The `--json` output is a contract: keep names and fields stable.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from assistant.config import Settings
from assistant.container import Services


def labels(
    customer: Annotated[str, typer.Option("--customer", help="Customer id, e.g. C001.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """List a customer's labels (客户标签): each with its evidence, when it started and when it expires."""
    services = Services(Settings())
    found = services.labeler.labels(customer)
    if not found and services.profiles.get(customer) is None:
        if as_json:
            typer.echo(json.dumps({"error": f"no customer with id {customer!r}", "customer_id": customer}))
        else:
            typer.echo(f"No customer {customer}.", err=True)
        raise typer.Exit(code=2)
    if as_json:
        payload = {
            "customer_id": customer,
            "labels": [
                {
                    "id": label.id,
                    "name": {"en": label.name_en, "zh": label.name_zh},
                    "use": label.use,
                    "sources": label.sources,
                    "since": label.since.isoformat() if label.since else None,
                    "expires": label.expires.isoformat() if label.expires else None,
                    "needs": label.needs,
                    "evidence": [e.model_dump(mode="json") for e in label.evidence],
                }
                for label in found
            ],
        }
        typer.echo(json.dumps(payload, ensure_ascii=False))
        return
    if not found:
        typer.echo(f"{customer}: no labels.")
    for label in found:
        until = f", until {label.expires:%Y-%m-%d}" if label.expires else ""
        typer.echo(f"{label.id} ({label.name_en} · {label.name_zh}; {label.use}{until})")
        for evidence in label.evidence:
            when = f" [{evidence.at:%Y-%m-%d}]" if evidence.at else ""
            typer.echo(f"  - {evidence.source}{when}: {evidence.detail}")
