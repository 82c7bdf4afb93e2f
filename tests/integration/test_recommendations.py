"""Recommendations end to end: real classifiers, retrieval and database; the gate decides by turn."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.container import Services
from assistant.recommend.store import DEMO_CUSTOMERS, read_profiles

pytestmark = pytest.mark.slow

# C004: consenting, C2, travels and spends by card without a Gold or Platinum card.
# C008: no marketing consent. C011: consented but turned recommendations off.
TRAVELLER, NO_CONSENT, OPTED_OUT = "C004", "C008", "C011"


@pytest.fixture
def services(kb_services: Services, kb_data_dir: Path, tmp_path: Path) -> Services:
    settings = Settings(
        data_dir=kb_data_dir,
        answers="extractive",
        database=f"sqlite:///{tmp_path / 'app.db'}",
        _env_file=None,
    )  # type: ignore[call-arg]
    return Services(settings, embedder=kb_services.embedder)


def ask(services: Services, text: str, conversation: str, customer: str | None):  # type: ignore[no-untyped-def]
    return services.pipeline.ask(text, conversation, use_llm=False, customer_id=customer)


def test_a_suitable_moment_gets_one_offer_beside_the_answer_and_it_is_recorded_as_shown(services):
    result = ask(services, "Is there a foreign transaction fee when I pay by card abroad?", "c1", TRAVELLER)
    assert result.answer.kind in ("llm", "extractive") and result.answer.text
    assert [r.product_id for r in result.recommendations] in (["cc-gold"], ["cc-platinum"])
    offer = result.recommendations[0]
    assert "travel" in offer.reason and offer.reason not in result.answer.text  # beside, never inside
    shown = services.recommendation_events.events(TRAVELLER)
    assert [(e["event"], e["product_id"], e["conversation_id"]) for e in shown] == [
        ("shown", offer.product_id, "c1")
    ]
    # At most one offer every few turns.
    second = ask(services, "And the cash advance fee on credit cards?", "c1", TRAVELLER)
    assert second.recommendations == [] and second.recommendation_gate == "too_soon"


def test_chinese_customers_get_the_reason_and_risk_disclosure_in_chinese(services):
    result = ask(
        services, "我有一笔闲钱，稳享180天的起购金额是多少？", "c2", "C005"
    )  # C2, large idle balance
    offers = result.recommendations
    assert offers, result.recommendation_gate
    assert "因为" in offers[0].reason
    if offers[0].risk_level:
        assert "理财非存款、产品有风险、投资须谨慎" in (offers[0].disclosure or "")


@pytest.mark.parametrize(
    ("text", "customer", "gate"),
    [
        ("What is the foreign transaction fee abroad?", NO_CONSENT, "no_marketing_consent"),
        ("What is the foreign transaction fee abroad?", OPTED_OUT, "opted_out"),
        ("What is the foreign transaction fee abroad?", None, None),
        (
            "This is outrageous!! You charged me a foreign fee twice and nobody answers",
            TRAVELLER,
            "customer_upset",
        ),
        ("There are two card payments in Berlin I didn't make", TRAVELLER, None),
        ("我的信用卡被盗刷了两笔", TRAVELLER, None),
        ("I want to make a formal complaint about the foreign fee", TRAVELLER, None),
        ("hello", TRAVELLER, "not_beside_an_answer"),
    ],
)
def test_gated_moments_get_no_offer(services, text, customer, gate):
    result = ask(services, text, f"g-{abs(hash(text))}", customer)
    assert result.recommendations == []
    if gate is not None:
        assert result.recommendation_gate == gate
    else:
        assert result.recommendation_gate in (None, "customer_upset", "complaint_or_fraud", "handoff")
    assert services.recommendation_events.events(customer or "nobody") == []


def test_once_a_conversation_is_about_fraud_or_with_a_person_it_stays_offer_free(services):
    ask(services, "someone used my card, I did not authorise these payments", "f1", TRAVELLER)
    for question in ("What is the foreign transaction fee abroad?", "Which card is best for overseas trips?"):
        later = ask(services, question, "f1", TRAVELLER)
        assert later.recommendations == []
    # Two calm turns later the mood no longer blocks; the fraud report still does.
    assert later.recommendation_gate in ("complaint_or_fraud", "with_person")


def test_feedback_events_make_the_funnel_and_an_opt_out_stops_offers(services):
    result = ask(services, "Is there a foreign transaction fee when I pay by card abroad?", "fb", TRAVELLER)
    product = result.recommendations[0].product_id
    stage = services.recommender
    stage.feedback("clicked", TRAVELLER, product, "fb")
    stage.feedback("dismissed", TRAVELLER, product, "fb")
    row = next(r for r in services.recommendation_events.funnel() if r.product_id == product)
    assert (row.shown, row.clicked, row.accepted, row.dismissed) == (1, 1, 0, 1)
    again = ask(services, "Any card that is good for overseas trips?", "fb-2", TRAVELLER)
    assert product not in [r.product_id for r in again.recommendations]  # dismissed: not offered again
    stage.feedback("opted_out", TRAVELLER, conversation_id="fb")
    assert services.profiles.get(TRAVELLER).recommendations_opt_out  # type: ignore[union-attr]
    after = ask(services, "Is there a foreign transaction fee when I pay by card abroad?", "fb-3", TRAVELLER)
    assert after.recommendations == [] and after.recommendation_gate == "opted_out"


def _cli(args: list[str], data_dir: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BANK_ASSISTANT_DATA_DIR": str(data_dir), "BANK_ASSISTANT_ANSWERS": "extractive"}
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        input=stdin,
        timeout=300,
        check=False,
    )


def test_recommend_and_customers_cli_contracts(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from assistant.cli import app

    monkeypatch.setenv("BANK_ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    listed = runner.invoke(app, ["customers", "--json"])
    assert listed.exit_code == 0, listed.output
    customers = json.loads(listed.stdout)
    assert len(customers) == len(read_profiles(DEMO_CUSTOMERS)) >= 30
    assert {"id", "name", "risk_tolerance", "consent"} <= set(customers[0])

    shown = runner.invoke(app, ["recommend", "--customer", TRAVELLER, "--json"])
    assert shown.exit_code == 0, shown.output
    payload = json.loads(shown.stdout)
    assert payload["risk_tolerance"] == "C2" and payload["recommendations"]
    for item in payload["recommendations"]:
        assert {"product_id", "risk_level", "reason"} <= set(item)
        assert item["risk_level"] in (None, "R1", "R2")
    reasons = {e["product_id"]: e["reason"] for e in payload["excluded"]}
    assert reasons["wm-global-tech-qdii"] == "risk_above_tolerance"

    upset = runner.invoke(
        app, ["recommend", "--customer", TRAVELLER, "--message", "你们太过分了！！", "--json"]
    )
    assert json.loads(upset.stdout)["recommendations"] == []

    unknown = runner.invoke(app, ["recommend", "--customer", "NOPE", "--json"])
    assert unknown.exit_code == 2 and "error" in json.loads(unknown.stdout)


def test_replay_with_a_customer_reports_each_turns_recommendations(kb_data_dir, tmp_path):
    lines = json.dumps({"turns": ["What is the foreign transaction fee abroad?", "thanks"]}) + "\n"
    done = _cli(["replay", "-", "--customer", TRAVELLER], kb_data_dir, stdin=lines)
    assert done.returncode == 0, done.stderr
    turns = json.loads(done.stdout.splitlines()[0])["turns"]
    assert [r["product_id"] for r in turns[0]["recommendations"]] in (["cc-gold"], ["cc-platinum"])
    assert set(turns[0]["recommendations"][0]) >= {"product_id", "risk_level"}
    assert turns[1]["recommendations"] == []
    unknown = _cli(["replay", "-", "--customer", "NOPE"], kb_data_dir, stdin=lines)
    assert unknown.returncode == 2


def test_the_agent_sees_who_the_signed_in_customer_is_and_nothing_for_a_guest(services):
    signed_in = ask(services, "I want to speak to a person please", "p1", TRAVELLER)
    guest = ask(services, "I want to speak to a person please", "p2", None)
    assert signed_in.ticket and guest.ticket
    packet = services.desk.packet(signed_in.ticket.ticket_id, with_summary=False, with_suggestion=False)
    assert packet is not None and packet.customer is not None
    assert packet.customer["id"] == TRAVELLER and packet.customer["risk_tolerance"] == "C2"
    assert "events" not in packet.customer  # only what the agent needs
    anonymous = services.desk.packet(guest.ticket.ticket_id, with_summary=False, with_suggestion=False)
    assert anonymous is not None and anonymous.customer is None


def test_labels_from_earlier_conversations_shape_later_offers_and_protect_the_vulnerable(
    services, kb_data_dir, tmp_path
):
    """An earlier question about fees abroad labels the customer a traveller: a later suggestion names
    the label in its reason. A bereavement told in one conversation stops every offer in the next, and
    `bank-assistant labels --json` shows both labels with their evidence."""
    from assistant.recommend.stage import RecommendRequest
    from ui.offers import labels_markdown

    customer = "C001"  # consenting, Chinese-speaking, no card spending or travel in the profile
    before = services.recommender.evaluate(RecommendRequest(customer_id=customer))
    assert "cc-gold" not in [r.product_id for r in before.recommendations]
    ask(services, "Is there a fee when I use my card overseas?", "l1", customer)
    outcome = services.recommender.evaluate(RecommendRequest(customer_id=customer))
    labelled = [r for r in outcome.recommendations if "label:travels_abroad" in r.signals]
    assert [r.product_id for r in labelled] == ["cc-gold"] and "“常出境”" in labelled[0].reason

    told = ask(services, "My husband passed away last month, what happens to his account?", "l2", customer)
    assert told.recommendations == []
    later = ask(services, "What is the annual fee of the gold credit card?", "l3", customer)
    assert later.recommendations == [] and later.recommendation_gate == "protected_customer"

    env = {
        **os.environ,
        "BANK_ASSISTANT_DATA_DIR": str(kb_data_dir),
        "BANK_ASSISTANT_DATABASE": f"sqlite:///{tmp_path / 'app.db'}",
    }
    cli = [sys.executable, "-m", "assistant.cli", "labels", "--customer", customer, "--json"]
    done = subprocess.run(cli, capture_output=True, text=True, env=env, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    labels = {label["id"]: label for label in json.loads(done.stdout)["labels"]}
    assert labels["vulnerable_customer"]["use"] == "protect" and labels["vulnerable_customer"]["needs"] == {}
    assert "passed away" in labels["vulnerable_customer"]["evidence"][-1]["detail"]
    assert labels["travels_abroad"]["sources"] == ["conversation"]
    assert labels["salary_customer"]["sources"] == ["profile"]
    assert labels["travels_abroad"]["expires"] is not None

    # The customer sees the same labels, each with what it is used for and why it is there.
    shown = labels_markdown(services.labeler.labels(customer))
    assert "Travels abroad · 常出境" in shown and "shapes the product suggestions" in shown
    assert "we make no offers and take extra care" in shown and "passed away" in shown
    assert labels_markdown([]).startswith("We hold no labels")
