"""`bank-assistant recommend | customers | funnel`: the recommender from the command line.

The `--json` outputs are contracts: keep names and fields stable.
"""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Annotated, Any

import typer

from assistant.config import Settings
from assistant.container import Services
from assistant.recommend.stage import RecommendRequest


def _echo_json(payload: Any) -> None:
    typer.echo(json.dumps(payload, ensure_ascii=False, default=str))


def recommend(
    customer: Annotated[str, typer.Option("--customer", help="Customer id, e.g. C001.")],
    message: Annotated[
        str | None, typer.Option(help="What the customer just said (need signals and the gate).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    limit: Annotated[int, typer.Option(help="How many ranked products to list.")] = 3,
    today: Annotated[str | None, typer.Option(help="Evaluate as of this date (YYYY-MM-DD).")] = None,
) -> None:
    """Rank the products a customer may be offered, and list what is excluded and why."""
    services = Services(Settings())
    profile = services.profiles.get(customer)
    if profile is None:
        if as_json:
            _echo_json({"error": f"no customer with id {customer!r}", "customer_id": customer})
        else:
            typer.echo(f"No customer {customer}.", err=True)
        raise typer.Exit(code=2)
    understanding = None
    lang = None
    if message:
        understood = services.pipeline.understand.run(message, f"recommend-{uuid.uuid4().hex}")
        understanding, lang = understood.understanding, understood.lang
    stage = services.recommender
    stage.limit = limit
    outcome = stage.evaluate(
        RecommendRequest(
            customer_id=customer,
            lang=lang,
            message=message or "",
            understanding=understanding,
            today=date.fromisoformat(today) if today else None,
        )
    )
    payload = {
        "customer_id": profile.id,
        "name": profile.name,
        "language": profile.language,
        "risk_tolerance": outcome.risk_tolerance,
        "risk_assessed_on": outcome.risk_assessed_on,
        "risk_assessment_valid": outcome.risk_assessment_valid,
        "marketing_consent": profile.marketing_consent,
        "recommendations_opt_out": profile.recommendations_opt_out,
        "message": (
            {
                "lang": lang,
                "intent": understanding.intent.label,
                "emotion": understanding.emotion.label,
                "emotion_intensity": understanding.emotion.intensity,
            }
            if message and understanding
            else None
        ),
        "gate": outcome.gate.model_dump(),
        "recommendations": [r.model_dump() for r in outcome.recommendations],
        "excluded": [e.model_dump() for e in outcome.excluded],
    }
    if as_json:
        _echo_json(payload)
        return
    typer.echo(f"{profile.id} {profile.name}: tolerance {profile.risk_tolerance or '-'}")
    if not outcome.gate.allowed:
        typer.echo(f"No recommendation: {outcome.gate.reason}")
    for number, item in enumerate(outcome.recommendations, start=1):
        typer.echo(f"{number}. {item.product_id} ({item.risk_level or '-'}) {item.score}: {item.reason}")
        if item.disclosure:
            typer.echo(f"   {item.disclosure}")
    for exclusion in outcome.excluded:
        typer.echo(f"   excluded {exclusion.product_id}: {exclusion.detail}")


def customers(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """The customer profiles (the demo customers unless the bank loaded its own)."""
    services = Services(Settings())
    valid_days = services.settings.risk_assessment_valid_days
    rows = [
        {
            "id": p.id,
            "name": p.name,
            "age": p.age,
            "segment": p.segment,
            "language": p.language,
            "risk_tolerance": p.risk_tolerance,
            "risk_assessed_on": p.risk_assessed_on,
            "risk_assessment_valid": p.assessment_valid(date.today(), valid_days),
            "consent": p.marketing_consent and not p.recommendations_opt_out,
            "marketing_consent": p.marketing_consent,
            "recommendations_opt_out": p.recommendations_opt_out,
            "holdings": p.holdings,
        }
        for p in services.profiles.all()
    ]
    if as_json:
        _echo_json(rows)
        return
    for row in rows:
        consent = "consent" if row["consent"] else "no marketing"
        typer.echo(f"{row['id']}  {row['name']:<24} {row['risk_tolerance'] or '--'}  {consent}")


def funnel(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """Per product: recommendations shown, opened ("why this?"), accepted and dismissed."""
    rows = Services(Settings()).recommendation_events.funnel()
    if as_json:
        _echo_json([{**row.model_dump(), "acceptance_rate": row.acceptance_rate} for row in rows])
        return
    typer.echo(f"{'product':<22} {'shown':>6} {'clicked':>8} {'accepted':>9} {'dismissed':>10}")
    for row in rows:
        typer.echo(
            f"{row.product_id:<22} {row.shown:>6} {row.clicked:>8} {row.accepted:>9} {row.dismissed:>10}"
        )
