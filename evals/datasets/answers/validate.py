#!/usr/bin/env python3
"""Validate the answer-quality evaluation set (questions.jsonl).

Standard library only. Run from anywhere:

    python evals/datasets/answers/validate.py            # checks, prints a summary
    python evals/datasets/answers/validate.py --sections # also lists every heading path in the KB

Checks
------
* every line is a JSON object with the expected fields and types;
* ids are unique and look like qa-<lang>-NNN;
* counts: total, per language, share of Traditional-script Chinese questions;
* share of unanswerable questions (>= 25%), and that unanswerable rows have
  kind "unanswerable", no reference_docs and no numbers;
* every reference doc_id exists in the knowledge base (Markdown front matter,
  *.meta.yaml sidecars, HTML <meta name="doc_id">, knowledge/sources front matter);
* every section is a real heading path of that document ("H2 > H3", below the title);
* every figure in "numbers" appears verbatim in the text of at least one referenced
  section (the section includes its sub-sections), and in the reference_answer;
* cross_lingual rows point only at the other language's documents (enough of them in
  each direction); all other answerable rows point at documents in their own language;
* every knowledge-base topic has answerable questions in both languages.

Exit status 0 when everything passes, 1 otherwise.
"""
from __future__ import annotations

import argparse
import collections
import html
import html.parser
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
DEFAULT_DATA = HERE / "questions.jsonl"
DEFAULT_KB = REPO / "knowledge"

# ---------------------------------------------------------------- targets
EXPECTED_TOTAL = 180
EXPECTED_PER_LANG = {"en": 90, "zh": 90}
MIN_UNANSWERABLE_SHARE = 0.25
TRAD_SHARE_RANGE = (0.15, 0.40)  # share of zh questions written in Traditional script
MIN_CROSS_LINGUAL = {"zh": 15, "en": 10}  # zh questions -> *-en docs, en questions -> *-zh docs
# minimum share of answerable questions per kind (kept loose on purpose)
MIN_KIND_SHARE_OF_ANSWERABLE = {
    "numeric": 0.30,
    "multi_part": 0.12,
    "comparison": 0.05,
    "procedural": 0.05,
    "eligibility": 0.05,
}

KINDS = {"numeric", "procedural", "eligibility", "comparison", "multi_part", "cross_lingual", "unanswerable"}
FIELDS = {
    "id": str,
    "lang": str,
    "question": str,
    "answerable": bool,
    "reference_answer": str,
    "reference_docs": list,
    "kind": str,
    "numbers": list,
}
ID_RE = re.compile(r"^qa-(en|zh)-\d{3}$")
SEP = " > "

# Characters that only occur in Traditional (resp. Simplified) script. Used to tell the
# two scripts apart; characters shared by both scripts are deliberately left out.
TRAD_ONLY = set(
    "們這個來時會為說對開關與還錢費號戶帳賬銀轉貸額際機將請頁張點應嗎麼當節續辦處後從證購買賣險簡訊"
    "約據務認記錄結範圍實難價總體區標級評測風損資產過裡讓給場繳發現學華東網絡電話補遺壞樣種類匯國灣歲"
    "碼寶權貴廳護紀塊間題問詢錯誤數單盜掛凍並兒歡動軟體裝幾寫讀邊覺萬賺剛這"
)
SIMP_ONLY = set(
    "们这个来时会为说对开关与还钱费号户帐账银转贷额际机将请页张点应吗么当节续办处从证购买卖险简讯"
    "约据务认记录结范围实难价总体区标级评测风损资产过让给场缴发现学华东网络电话补遗坏样种类汇国湾岁"
    "码宝权贵厅护纪块间题问询错误数单盗挂冻并儿欢动软装几写读边觉万赚刚"
)


def script_of(text: str) -> str:
    """'trad', 'simp', 'mixed' or 'none' (no distinguishing characters)."""
    t = sum(ch in TRAD_ONLY for ch in text)
    s = sum(ch in SIMP_ONLY for ch in text)
    if t and s:
        return "mixed"
    if t:
        return "trad"
    if s:
        return "simp"
    return "none"


# ---------------------------------------------------------------- KB loading
def parse_front_matter(text: str) -> tuple[dict, str]:
    """Return (front matter dict, body). Handles the simple 'key: value' YAML used in the KB."""
    meta: dict = {}
    if text.startswith("---"):
        end = text.find("\n---", 3)
        if end != -1:
            block = text[3:end]
            body = text[end + 4 :]
            for line in block.splitlines():
                if ":" in line:
                    k, v = line.split(":", 1)
                    meta[k.strip()] = v.strip().strip("'\"")
            return meta, body
    return meta, text


def parse_simple_yaml(text: str) -> dict:
    meta = {}
    for line in text.splitlines():
        if ":" in line and not line.startswith((" ", "#")):
            k, v = line.split(":", 1)
            meta[k.strip()] = v.strip().strip("'\"")
    return meta


class _HTMLToMarkdown(html.parser.HTMLParser):
    """Very small HTML -> Markdown-ish converter: keeps h1-h6 as '#' headings and the
    visible text of <main> (or <body> when there is no <main>)."""

    BLOCK = {"p", "li", "tr", "caption", "ul", "ol", "section", "table", "thead", "tbody", "div", "br"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.meta: dict = {}
        self.depth_main = 0
        self.seen_main = False
        self.in_body = False
        self.skip = 0  # inside nav/header/footer/script/style when no <main>

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and "name" in a and "content" in a:
            self.meta[a["name"]] = a["content"]
        if tag == "main":
            self.depth_main += 1
            self.seen_main = True
        if tag == "body":
            self.in_body = True
        if tag in {"script", "style", "nav", "header", "footer", "head", "title"}:
            self.skip += 1
        if re.fullmatch(r"h[1-6]", tag):
            self.out.append("\n" + "#" * int(tag[1]) + " ")
        elif tag in self.BLOCK:
            self.out.append("\n")
        elif tag in {"td", "th"}:
            self.out.append(" | ")

    def handle_endtag(self, tag):
        if tag == "main":
            self.depth_main -= 1
        if tag in {"script", "style", "nav", "header", "footer", "head", "title"}:
            self.skip -= 1
        if re.fullmatch(r"h[1-6]", tag) or tag in self.BLOCK:
            self.out.append("\n")

    def handle_data(self, data):
        if self.skip > 0 or not self.in_body:
            return
        if self.seen_main and self.depth_main <= 0:
            return  # text after </main> (footer) is not part of any section
        self.out.append(re.sub(r"\s+", " ", data))

    def text(self) -> str:
        lines = [ln.strip() for ln in "".join(self.out).splitlines()]
        # keep heading lines intact, drop empty lines
        return "\n".join(ln for ln in lines if ln)


def html_to_markdown(text: str) -> tuple[dict, str]:
    p = _HTMLToMarkdown()
    p.feed(text)
    return p.meta, p.text()


def split_sections(body: str) -> dict[str, str]:
    """Map 'H2 > H3' heading paths (below the level-1 title) to their text, sub-sections included."""
    lines = body.splitlines()
    heads = []  # (line index, level, title)
    for i, ln in enumerate(lines):
        m = re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", ln)
        if m:
            heads.append((i, len(m.group(1)), m.group(2).strip()))
    sections: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    for n, (i, level, title) in enumerate(heads):
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, title))
        if level == 1:
            continue
        path = SEP.join(t for lv, t in stack if lv > 1)
        end = len(lines)
        for j, lv2, _ in heads[n + 1 :]:
            if lv2 <= level:
                end = j
                break
        sections[path] = "\n".join(lines[i:end])
    return sections


def load_kb(kb: Path) -> dict[str, dict]:
    """doc_id -> {'path', 'lang', 'text', 'sections'}"""
    docs: dict[str, dict] = {}
    sources: dict[str, tuple[Path, str]] = {}
    for src in sorted((kb / "sources").rglob("*.md")):
        meta, body = parse_front_matter(src.read_text(encoding="utf-8"))
        if meta.get("doc_id"):
            sources[meta["doc_id"]] = (src, body)

    def add(doc_id, path, lang, body):
        if doc_id in docs:
            raise SystemExit(f"duplicate doc_id {doc_id} in {path} and {docs[doc_id]['path']}")
        docs[doc_id] = {"path": path, "lang": lang, "text": body, "sections": split_sections(body)}

    for path in sorted((kb / "docs").rglob("*")):
        if not path.is_file():
            continue
        name = path.name
        if name.endswith(".md"):
            meta, body = parse_front_matter(path.read_text(encoding="utf-8"))
            if meta.get("doc_id"):
                add(meta["doc_id"], path, meta.get("lang", ""), body)
        elif name.endswith(".meta.yaml"):
            meta = parse_simple_yaml(path.read_text(encoding="utf-8"))
            doc_id = meta.get("doc_id")
            if not doc_id:
                continue
            if doc_id not in sources:
                raise SystemExit(f"{path}: no Markdown source with doc_id {doc_id} under {kb / 'sources'}")
            src, body = sources[doc_id]
            add(doc_id, src, meta.get("lang", ""), body)
        elif name.endswith((".html", ".htm")):
            meta, body = html_to_markdown(path.read_text(encoding="utf-8"))
            if meta.get("doc_id"):
                add(meta["doc_id"], path, meta.get("lang", ""), body)
    return docs


# ---------------------------------------------------------------- checks
def norm_ws(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def topic_of(doc_id: str) -> str:
    return re.sub(r"-(en|zh)$", "", doc_id)


def validate(rows: list[tuple[int, dict]], docs: dict[str, dict]) -> list[str]:
    errors: list[str] = []

    def err(lineno, msg):
        errors.append(f"line {lineno}: {msg}")

    ids = collections.Counter()
    per_lang = collections.Counter()
    scripts = collections.Counter()
    cross = collections.Counter()
    answerable_topics: dict[str, set] = collections.defaultdict(set)
    kinds_answerable = collections.Counter()

    for lineno, r in rows:
        # ---- shape
        for f, typ in FIELDS.items():
            if f not in r:
                err(lineno, f"missing field {f!r}")
            elif not isinstance(r[f], typ):
                err(lineno, f"field {f!r} should be {typ.__name__}")
        extra = set(r) - set(FIELDS)
        if extra:
            err(lineno, f"unexpected fields {sorted(extra)}")
        if any(f not in r or not isinstance(r[f], FIELDS[f]) for f in FIELDS):
            continue
        rid, lang, kind = r["id"], r["lang"], r["kind"]
        ids[rid] += 1
        if not ID_RE.match(rid):
            err(lineno, f"bad id {rid!r}")
        elif rid.split("-")[1] != lang:
            err(lineno, f"id {rid} does not match lang {lang}")
        if lang not in EXPECTED_PER_LANG:
            err(lineno, f"bad lang {lang!r}")
            continue
        per_lang[lang] += 1
        if kind not in KINDS:
            err(lineno, f"bad kind {kind!r}")
        if not r["question"].strip() or not r["reference_answer"].strip():
            err(lineno, "empty question or reference_answer")
        if not all(isinstance(n, str) and n.strip() for n in r["numbers"]):
            err(lineno, "numbers must be non-empty strings")

        # ---- language / script
        if lang == "zh":
            sc = script_of(r["question"])
            scripts[sc] += 1
            if sc == "mixed":
                err(lineno, f"{rid}: question mixes Simplified and Traditional characters")
            asc = script_of(r["reference_answer"])
            if sc in {"trad", "simp"} and asc not in {sc, "none"}:
                err(lineno, f"{rid}: reference_answer script ({asc}) differs from question ({sc})")
            if not re.search(r"[\u4e00-\u9fff]", r["question"]):
                err(lineno, f"{rid}: zh question without Chinese characters")
        elif re.search(r"[\u4e00-\u9fff]{4,}", r["question"]):
            err(lineno, f"{rid}: en question looks Chinese")

        # ---- unanswerable
        if not r["answerable"]:
            if kind != "unanswerable":
                err(lineno, f"{rid}: answerable=false but kind={kind}")
            if r["reference_docs"]:
                err(lineno, f"{rid}: unanswerable question must have reference_docs = []")
            if r["numbers"]:
                err(lineno, f"{rid}: unanswerable question must have numbers = []")
            continue
        if kind == "unanswerable":
            err(lineno, f"{rid}: kind unanswerable but answerable=true")
            continue
        kinds_answerable[kind] += 1
        if kind == "numeric" and not r["numbers"]:
            err(lineno, f"{rid}: numeric question without numbers")

        # ---- references
        refs = r["reference_docs"]
        if not refs:
            err(lineno, f"{rid}: answerable question without reference_docs")
            continue
        section_texts = []
        ref_langs = set()
        for ref in refs:
            if not isinstance(ref, dict) or set(ref) != {"doc_id", "section"}:
                err(lineno, f"{rid}: reference_docs entries need exactly doc_id and section")
                continue
            doc = docs.get(ref["doc_id"])
            if doc is None:
                err(lineno, f"{rid}: unknown doc_id {ref['doc_id']!r}")
                continue
            ref_langs.add(doc["lang"] or ref["doc_id"].rsplit("-", 1)[-1])
            answerable_topics[topic_of(ref["doc_id"])].add(lang)
            sec = doc["sections"].get(norm_ws(ref["section"])) or doc["sections"].get(ref["section"])
            if sec is None:
                near = [s for s in doc["sections"] if s.split(SEP)[-1] in ref["section"] or ref["section"].split(SEP)[-1] in s]
                err(lineno, f"{rid}: section {ref['section']!r} not found in {ref['doc_id']}"
                    + (f" (did you mean {near[:3]})" if near else ""))
                continue
            section_texts.append((ref["doc_id"], sec, doc["text"]))

        other = "en" if lang == "zh" else "zh"
        if kind == "cross_lingual":
            if ref_langs != {other}:
                err(lineno, f"{rid}: cross_lingual question must reference only {other} documents, got {sorted(ref_langs)}")
            else:
                cross[lang] += 1
        elif ref_langs and ref_langs != {lang}:
            err(lineno, f"{rid}: references documents in {sorted(ref_langs)}; use kind cross_lingual or same-language docs")

        # ---- numbers
        for num in r["numbers"]:
            if section_texts and not any(num in sec for _, sec, _ in section_texts):
                in_doc = [d for d, _, full in section_texts if num in full]
                where = f" (it is elsewhere in {in_doc})" if in_doc else " (not in the referenced documents at all)"
                err(lineno, f"{rid}: number {num!r} not found in the referenced section text{where}")
            if num not in r["reference_answer"]:
                err(lineno, f"{rid}: number {num!r} missing from reference_answer")

    # ---- global checks
    for rid, c in ids.items():
        if c > 1:
            errors.append(f"duplicate id {rid} ({c} times)")
    total = sum(per_lang.values())
    if total != EXPECTED_TOTAL:
        errors.append(f"expected {EXPECTED_TOTAL} questions, found {total}")
    for lang, n in EXPECTED_PER_LANG.items():
        if per_lang[lang] != n:
            errors.append(f"expected {n} {lang} questions, found {per_lang[lang]}")
    unans = sum(1 for _, r in rows if r.get("answerable") is False)
    if total and unans / total < MIN_UNANSWERABLE_SHARE:
        errors.append(f"unanswerable share {unans / total:.1%} < {MIN_UNANSWERABLE_SHARE:.0%}")
    zh_total = per_lang["zh"]
    if zh_total:
        share = scripts["trad"] / zh_total
        lo, hi = TRAD_SHARE_RANGE
        if not lo <= share <= hi:
            errors.append(f"Traditional-script share of zh questions {share:.1%} outside {lo:.0%}-{hi:.0%}")
    for lang, n in MIN_CROSS_LINGUAL.items():
        if cross[lang] < n:
            errors.append(f"need >= {n} cross_lingual {lang} questions, found {cross[lang]}")
    n_ans = total - unans
    for kind, share in MIN_KIND_SHARE_OF_ANSWERABLE.items():
        if n_ans and kinds_answerable[kind] / n_ans < share:
            errors.append(f"kind {kind}: {kinds_answerable[kind]} answerable questions, below {share:.0%} of {n_ans}")
    topics = {topic_of(d) for d in docs}
    for t in sorted(topics):
        got = answerable_topics.get(t, set())
        if got != {"en", "zh"}:
            errors.append(f"topic {t}: answerable questions only in {sorted(got) or 'no language'}")
    return errors


def summary(rows: list[tuple[int, dict]]) -> str:
    out = []
    c = collections.Counter()
    for _, r in rows:
        c[(r.get("lang"), r.get("kind"))] += 1
    langs = sorted({k[0] for k in c})
    kinds = sorted({k[1] for k in c})
    out.append("kind".ljust(14) + "".join(l.rjust(6) for l in langs) + "total".rjust(7))
    for k in kinds:
        out.append(k.ljust(14) + "".join(str(c[(l, k)]).rjust(6) for l in langs) + str(sum(c[(l, k)] for l in langs)).rjust(7))
    out.append("total".ljust(14) + "".join(str(sum(c[(l, k)] for k in kinds)).rjust(6) for l in langs) + str(len(rows)).rjust(7))
    unans = sum(1 for _, r in rows if r.get("answerable") is False)
    out.append(f"answerable {len(rows) - unans}, unanswerable {unans} ({unans / max(len(rows), 1):.1%})")
    sc = collections.Counter(script_of(r["question"]) for _, r in rows if r.get("lang") == "zh")
    out.append(f"zh script: {dict(sc)}")
    topics = collections.Counter()
    for _, r in rows:
        for ref in r.get("reference_docs", []):
            topics[topic_of(ref.get("doc_id", ""))] += 1
    out.append("references per topic: " + ", ".join(f"{t}={n}" for t, n in sorted(topics.items())))
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--kb", type=Path, default=DEFAULT_KB)
    ap.add_argument("--sections", action="store_true", help="list every doc_id and its heading paths")
    args = ap.parse_args(argv)

    docs = load_kb(args.kb)
    if args.sections:
        for doc_id in sorted(docs):
            print(doc_id)
            for s in docs[doc_id]["sections"]:
                print("   ", s)
        return 0

    rows: list[tuple[int, dict]] = []
    errors: list[str] = []
    with args.data.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                errors.append(f"line {lineno}: invalid JSON ({e})")
                continue
            if not isinstance(obj, dict):
                errors.append(f"line {lineno}: not a JSON object")
                continue
            rows.append((lineno, obj))
    errors += validate(rows, docs)
    print(f"{len(docs)} documents loaded from {args.kb}")
    print(summary(rows))
    if errors:
        print(f"\nFAILED: {len(errors)} problem(s)")
        for e in errors:
            print("  -", e)
        return 1
    print("\nOK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
