"""The intent datasets: Banking77 (CC BY 4.0), CLINC150 (CC BY 3.0) and our own EN/ZH sets.

Banking77 and CLINC150 are read from ../shared/data at training/evaluation time only.
"""

from __future__ import annotations

import csv
import json
import random
from collections import defaultdict
from pathlib import Path

from assistant.config import PROJECT_ROOT

SHARED = PROJECT_ROOT.parent / "shared" / "data"
OURS = PROJECT_ROOT / "evals" / "datasets" / "intents"

Row = tuple[str, str]  # (text, intent)

# CLINC150's banking and credit_cards domains: a bank assistant must not call these out of scope.
CLINC_BANK_INTENTS = frozenset(
    "transfer transactions balance freeze_account pay_bill bill_balance bill_due interest_rate routing "
    "min_payment order_checks pin_change report_fraud account_blocked spending_history credit_score "
    "report_lost_card credit_limit rewards_balance new_card application_status card_declined "
    "international_fees apr redeem_rewards credit_limit_change damaged_card replacement_card_duration "
    "expiration_date improve_credit_score".split()
)
# Bank-adjacent or conversational CLINC intents: neither clearly in nor out of our scope, so they are
# used neither as out-of-scope training data nor in the out-of-scope evaluation.
CLINC_AMBIGUOUS = frozenset(
    "exchange_rate direct_deposit payday travel_notification greeting goodbye thank_you are_you_a_bot "
    "what_can_i_ask_you cancel yes no maybe repeat user_name change_user_name who_do_you_work_for".split()
)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]


def banking77() -> list[Row]:
    with (SHARED / "banking77" / "train.csv").open(encoding="utf-8") as handle:
        return [(row["text"], row["category"]) for row in csv.DictReader(handle)]


def clinc() -> dict[str, list[Row]]:
    data = json.loads((SHARED / "clinc150" / "data_full_train_val.json").read_text(encoding="utf-8"))
    return {split: [(text, label) for text, label in rows] for split, rows in data.items()}


def ours(name: str) -> list[Row]:
    return [(row["text"], row["intent"]) for row in read_jsonl(OURS / f"{name}.jsonl")]


def stratified_split(rows: list[Row], fraction: float, seed: int) -> tuple[list[Row], list[Row]]:
    by_label: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_label[row[1]].append(row)
    rng = random.Random(seed)
    train: list[Row] = []
    dev: list[Row] = []
    for label in sorted(by_label):
        items = by_label[label][:]
        rng.shuffle(items)
        cut = round(len(items) * fraction)
        dev += items[:cut]
        train += items[cut:]
    return train, dev


def out_of_scope_training(seed: int, per_intent: int = 4) -> list[Row]:
    """CLINC's out-of-scope train queries plus a few queries from each clearly non-bank intent."""
    splits = clinc()
    rows = [(text, "out_of_scope") for text, _ in splits["oos_train"]]
    by_label: dict[str, list[str]] = defaultdict(list)
    for text, label in splits["train"]:
        if label not in CLINC_BANK_INTENTS | CLINC_AMBIGUOUS:
            by_label[label].append(text)
    rng = random.Random(seed)
    for label in sorted(by_label):
        rows += [(text, "out_of_scope") for text in rng.sample(by_label[label], per_intent)]
    return rows


def english_training(dev_fraction: float, seed: int) -> tuple[list[Row], list[Row]]:
    """Banking77 (minus a stratified dev split) + our conversational intents + out-of-scope queries."""
    train, dev = stratified_split(banking77(), dev_fraction, seed)
    train += ours("en_conversational_train") + out_of_scope_training(seed)
    return train, dev
