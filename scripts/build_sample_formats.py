"""Regenerate the knowledge base's PDF and DOCX samples from their Markdown sources.

knowledge/sources/<lang>/complaints.md          -> knowledge/docs/<lang>/complaints.pdf
knowledge/sources/<lang>/account-opening-kyc.md -> knowledge/docs/<lang>/account-opening-kyc.docx
Front matter goes to a ``.meta.yaml`` sidecar, as a bank's exported files would carry it.
Run: .venv/bin/python scripts/build_sample_formats.py
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "knowledge" / "sources"
DOCS = ROOT / "knowledge" / "docs"


def _parse(path: Path) -> tuple[dict, list[tuple[str, object]]]:
    text = path.read_text(encoding="utf-8")
    _, front, body = text.split("---", 2)
    blocks: list[tuple[str, object]] = []
    for block in re.split(r"\n\s*\n", body.strip()):
        lines = block.strip().splitlines()
        if lines[0].startswith("#"):
            level = len(lines[0]) - len(lines[0].lstrip("#"))
            blocks.append((f"h{level}", lines[0].lstrip("#").strip()))
            lines = lines[1:]
            if not lines:
                continue
        if lines[0].startswith("|"):
            rows = [
                [c.strip() for c in line.strip("|").split("|")]
                for line in lines
                if not re.match(r"^\|[-:| ]+\|$", line)
            ]
            blocks.append(("table", rows))
        elif all(
            line.lstrip().startswith(("- ", "* ", "1.", "2.", "3.", "4.", "5.", "6.")) for line in lines
        ):
            blocks.append(("list", [re.sub(r"^\s*(?:[-*]|\d+\.)\s*", "", line) for line in lines]))
        else:
            blocks.append(("p", " ".join(lines)))
    return yaml.safe_load(front), blocks


def _plain(text: str) -> str:
    return text.replace("**", "")


def build_pdf(source: Path, target: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

    meta, blocks = _parse(source)
    font = "Helvetica"
    if meta["lang"] == "zh":
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
        font = "STSong-Light"
    wrap = "CJK" if meta["lang"] == "zh" else "LTR"
    styles = {
        "h1": ParagraphStyle("h1", fontName=font, fontSize=18, leading=24, spaceAfter=8, wordWrap=wrap),
        "h2": ParagraphStyle(
            "h2", fontName=font, fontSize=14, leading=19, spaceBefore=8, spaceAfter=4, wordWrap=wrap
        ),
        "h3": ParagraphStyle(
            "h3", fontName=font, fontSize=12, leading=16, spaceBefore=6, spaceAfter=3, wordWrap=wrap
        ),
        "p": ParagraphStyle("p", fontName=font, fontSize=10, leading=14, spaceAfter=4, wordWrap=wrap),
    }
    story: list = []
    for kind, content in blocks:
        if kind in styles:
            story.append(Paragraph(_plain(str(content)), styles[kind]))
        elif kind == "list":
            story += [Paragraph("• " + _plain(item), styles["p"]) for item in content]  # type: ignore[union-attr]
        elif kind == "table":
            rows = [[Paragraph(_plain(c), styles["p"]) for c in row] for row in content]  # type: ignore[union-attr]
            story += [Table(rows), Spacer(1, 6)]
    document = SimpleDocTemplate(str(target), pagesize=A4, title=meta["title"], invariant=1)
    document.build(story)


def build_docx(source: Path, target: Path) -> None:
    import docx

    meta, blocks = _parse(source)
    document = docx.Document()
    document.core_properties.title = meta["title"]
    for kind, content in blocks:
        if kind == "h1":
            document.add_heading(_plain(str(content)), level=0)
        elif kind in ("h2", "h3"):
            document.add_heading(_plain(str(content)), level=int(kind[1]) - 1)
        elif kind == "p":
            document.add_paragraph(_plain(str(content)))
        elif kind == "list":
            for item in content:  # type: ignore[union-attr]
                document.add_paragraph(_plain(item), style="List Bullet")
        elif kind == "table":
            rows = content  # type: ignore[assignment]
            table = document.add_table(rows=len(rows), cols=len(rows[0]))  # type: ignore[arg-type]
            for r, row in enumerate(rows):  # type: ignore[arg-type]
                for c, cell in enumerate(row):
                    table.cell(r, c).text = _plain(cell)
    document.save(str(target))


def main() -> None:
    for lang in ("en", "zh"):
        for name, suffix, build in (
            ("complaints", ".pdf", build_pdf),
            ("account-opening-kyc", ".docx", build_docx),
        ):
            source = SOURCES / lang / f"{name}.md"
            target = DOCS / lang / f"{name}{suffix}"
            build(source, target)
            meta, _ = _parse(source)
            meta["effective_date"] = str(meta["effective_date"])
            sidecar = target.with_name(target.name + ".meta.yaml")
            sidecar.write_text(yaml.safe_dump(meta, allow_unicode=True, sort_keys=False), encoding="utf-8")
            print(f"wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
