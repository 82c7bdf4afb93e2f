"""`bank-assistant labels`: a customer's labels with the evidence behind each; `bank-assistant
insights`: what customers complain about and ask about, and what is rising.

The `--json` output is a contract: keep names and fields stable.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
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


def _day(value: str, option: str, as_json: bool) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        message = f"{option} is not a date (YYYY-MM-DD): {value!r}"
        typer.echo(json.dumps({"error": message}) if as_json else message, err=not as_json)
        raise typer.Exit(code=2) from None


def insights(
    since: Annotated[str, typer.Option("--since", help="First day, YYYY-MM-DD.")],
    until: Annotated[
        str | None, typer.Option("--until", help="Last day, YYYY-MM-DD (default today).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Opinion mining and hot topics (观点挖掘/热点) from the turn log: complaint topics, question topics,
    rising topics and the questions the assistant could not answer."""
    first = _day(since, "--since", as_json)
    last = _day(until, "--until", as_json) if until else datetime.now(UTC).date()
    if last < first:
        message = f"--until ({last}) is before --since ({first})"
        typer.echo(json.dumps({"error": message}) if as_json else message, err=not as_json)
        raise typer.Exit(code=2)
    report = Services(Settings()).opinions.insights(first, last)
    if as_json:
        typer.echo(report.model_dump_json())
        return
    typer.echo(
        f"{report.since} to {report.until}: {report.messages} messages, {report.complaints} complaints"
    )
    for title, topics in (("Complaints", report.complaint_topics), ("Questions", report.question_topics)):
        typer.echo(f"\n{title}:")
        for topic in topics:
            typer.echo(
                f"  {topic.id:>4} {topic.messages:>4} msgs  {topic.name['en']} | {topic.name['zh']}"
                f"  (to a person {topic.handed_to_person:.0%}, unanswered {topic.unanswered:.0%})"
            )
    typer.echo("\nRising (last 7 days vs the average 7 days before):")
    for rising in report.rising:
        typer.echo(
            f"  {rising.topic_id:>4} {rising.last_7_days} vs {rising.weekly_before}  {rising.name['en']}"
        )
    typer.echo("\nNot answered (draft with `bank-assistant docs draft-gap KEY`):")
    for gap in report.unanswered:
        typer.echo(f"  {gap.gap_key} x{gap.count}  {gap.question[:80]}")
