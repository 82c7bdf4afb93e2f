#!/usr/bin/env python3
"""Draw a seeded, product-stratified sample of real CFPB complaint narratives as JSONL.

Usage:
    python evals/datasets/complaints/make_sample.py SOURCE.csv                # writes cfpb_sample.jsonl
    python evals/datasets/complaints/make_sample.py SOURCE.csv --check        # rebuild in memory, compare
    python evals/datasets/complaints/make_sample.py SOURCE.csv --out X.jsonl --max-per-class 300 \
        --id-prefix cfpb2015-row                                               # product-only 2015 file

SOURCE.csv is a CSV exported from the CFPB Consumer Complaint Database. Two layouts are understood:

* the full public export (``Date received,Product,Sub-product,Issue,Sub-issue,Consumer complaint
  narrative,...,Complaint ID``), which gives product, sub_product and issue;
* a two-label export with only ``<row index>,Product,Consumer complaint narrative`` (no issue, no
  sub-product); ``issue`` and ``sub_product`` are then written as null and the id is the row index.

How the sample is drawn (all deterministic for a given SOURCE file and arguments):

1. keep rows whose narrative, stripped of surrounding whitespace, has at least ``--min-chars``
   characters (default 40); the text itself is written exactly as in the CSV, never truncated or
   cleaned, so the CFPB's ``XXXX`` / ``XX/XX/XXXX`` redactions and ``{$00.00}`` amounts stay;
2. drop exact duplicate narratives (the CFPB receives many copy-pasted form letters), keeping the
   first occurrence in file order;
3. drop product classes with fewer than ``--min-class`` rows (default 25);
4. per product, sort by id, shuffle with ``random.Random(seed)`` and keep the first
   ``--max-per-class`` rows (default: no cap);
5. shuffle the union with ``random.Random(seed)`` and write one JSON object per line:
   ``{"id", "text", "product", "issue", "sub_product"}``.

Standard library only.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import random
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 7

NARRATIVE_COLS = ("Consumer complaint narrative", "consumer_complaint_narrative")
PRODUCT_COLS = ("Product", "product")
ISSUE_COLS = ("Issue", "issue")
SUBPRODUCT_COLS = ("Sub-product", "sub_product")
ID_COLS = ("Complaint ID", "complaint_id")


def _pick(header: list[str], names: tuple[str, ...]) -> str | None:
    for name in names:
        if name in header:
            return name
    return None


def read_rows(path: Path, id_prefix: str) -> list[dict]:
    csv.field_size_limit(sys.maxsize)
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header = list(reader.fieldnames or [])
        narr = _pick(header, NARRATIVE_COLS)
        prod = _pick(header, PRODUCT_COLS)
        if narr is None or prod is None:
            raise SystemExit(f"{path}: no narrative/product column in header {header}")
        issue = _pick(header, ISSUE_COLS)
        subp = _pick(header, SUBPRODUCT_COLS)
        idcol = _pick(header, ID_COLS) or header[0]  # two-label export: first column is the row index
        rows = []
        for rec in reader:
            text = rec.get(narr) or ""
            raw_id = (rec.get(idcol) or "").strip()
            rows.append(
                {
                    "id": f"{id_prefix}{raw_id}",
                    "_sort": int(raw_id) if raw_id.isdigit() else raw_id,
                    "text": text,
                    "product": (rec.get(prod) or "").strip(),
                    "issue": ((rec.get(issue) or "").strip() or None) if issue else None,
                    "sub_product": ((rec.get(subp) or "").strip() or None) if subp else None,
                }
            )
    return rows


def build(path: Path, *, seed: int, min_chars: int, min_class: int, max_per_class: int | None,
          id_prefix: str) -> tuple[list[dict], dict]:
    rows = read_rows(path, id_prefix)
    stats: dict = {"source_rows": len(rows)}
    rows = [r for r in rows if r["text"].strip() and r["product"]]
    stats["with_narrative"] = len(rows)
    rows = [r for r in rows if len(r["text"].strip()) >= min_chars]
    stats["after_min_chars"] = len(rows)
    seen: set[str] = set()
    unique = []
    for r in rows:
        if r["text"] in seen:
            continue
        seen.add(r["text"])
        unique.append(r)
    stats["after_dedup"] = len(unique)
    ids = Counter(r["id"] for r in unique)
    dup_ids = [i for i, c in ids.items() if c > 1]
    if dup_ids:
        raise SystemExit(f"duplicate ids in source: {dup_ids[:5]}")

    by_product: dict[str, list[dict]] = {}
    for r in unique:
        by_product.setdefault(r["product"], []).append(r)
    dropped = {p: len(v) for p, v in by_product.items() if len(v) < min_class}
    stats["dropped_small_classes"] = dict(sorted(dropped.items(), key=lambda kv: -kv[1]))

    picked: list[dict] = []
    for product in sorted(by_product):
        group = by_product[product]
        if len(group) < min_class:
            continue
        group = sorted(group, key=lambda r: (str(type(r["_sort"])), r["_sort"]))
        random.Random(f"{seed}:{product}").shuffle(group)
        picked.extend(group[: max_per_class or len(group)])
    picked.sort(key=lambda r: (str(type(r["_sort"])), r["_sort"]))
    random.Random(seed).shuffle(picked)
    out = [{k: r[k] for k in ("id", "text", "product", "issue", "sub_product")} for r in picked]
    stats["sample_rows"] = len(out)
    return out, stats


def dumps(rows: list[dict]) -> str:
    buf = io.StringIO()
    for r in rows:
        buf.write(json.dumps(r, ensure_ascii=False))
        buf.write("\n")
    return buf.getvalue()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("source", type=Path, help="CFPB complaints CSV (see module docstring)")
    ap.add_argument("--out", type=Path, default=HERE / "cfpb_sample.jsonl")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--min-chars", type=int, default=40)
    ap.add_argument("--min-class", type=int, default=25)
    ap.add_argument("--max-per-class", type=int, default=None)
    ap.add_argument("--id-prefix", default="cfpb-")
    ap.add_argument("--check", action="store_true", help="compare with --out instead of writing it")
    args = ap.parse_args()

    rows, stats = build(args.source, seed=args.seed, min_chars=args.min_chars, min_class=args.min_class,
                        max_per_class=args.max_per_class, id_prefix=args.id_prefix)
    text = dumps(rows)
    for k, v in stats.items():
        print(f"{k}: {v}")
    for product, n in Counter(r["product"] for r in rows).most_common():
        print(f"{n:6d}  {product}")
    if args.check:
        same = args.out.exists() and args.out.read_text(encoding="utf-8") == text
        print("check:", "identical" if same else "DIFFERENT")
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(rows)} rows, {len(text.encode('utf-8'))} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
