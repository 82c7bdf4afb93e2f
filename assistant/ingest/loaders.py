"""Loaders turn a file of any supported format into metadata plus a Markdown body.

Every format is normalised to Markdown (headings as ``#``, tables as pipe rows) so that one
structure-aware chunker serves them all. Problems raise ``DocumentError`` with a reason a person can
act on; the ingestor reports it and skips the file.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from assistant.domain import DocumentMeta
from assistant.errors import DocumentError
from assistant.lang import detect_lang

SUPPORTED_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".docx")
SIDECAR_SUFFIX = ".meta.yaml"
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.DOTALL)


@dataclass(frozen=True)
class LoadedDocument:
    meta: DocumentMeta
    body_markdown: str
    source_path: Path


def load_document(path: Path, raw: bytes) -> LoadedDocument:
    """Parse ``raw`` (the bytes of ``path``) into a ``LoadedDocument`` or raise ``DocumentError``."""
    suffix = path.suffix.lower()
    if suffix not in _CONVERTERS:
        raise DocumentError(f"unsupported file type '{suffix}'")
    if not raw.strip():
        raise DocumentError("empty file")
    declared, body = _CONVERTERS[suffix](raw)
    if not body.strip():
        raise DocumentError("no text could be extracted (empty, scanned image or protected document)")
    declared = {**declared, **_read_sidecar(path)}
    return LoadedDocument(meta=_resolve_meta(declared, body, path), body_markdown=body, source_path=path)


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR_SUFFIX)


def _read_sidecar(path: Path) -> dict[str, Any]:
    side = sidecar_path(path)
    if not side.exists():
        return {}
    try:
        data = yaml.safe_load(side.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise DocumentError(f"unreadable metadata file {side.name}: {exc}") from exc
    if not isinstance(data, dict):
        raise DocumentError(f"metadata file {side.name} must be a YAML mapping")
    return data


def _resolve_meta(declared: dict[str, Any], body: str, path: Path) -> DocumentMeta:
    """Fill what the document did not declare with safe defaults, then validate."""
    title_match = re.search(r"^#\s+(.+)$", body, re.MULTILINE)
    lang = declared.get("lang") or detect_lang(body[:4000])
    defaults: dict[str, Any] = {
        "doc_id": path.stem,
        "title": title_match.group(1).strip() if title_match else path.stem.replace("-", " ").title(),
        "lang": lang,
        "effective_date": date.today(),
    }
    try:
        return DocumentMeta.model_validate({**defaults, **{k: v for k, v in declared.items() if v}})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise DocumentError(f"invalid metadata ({problems})") from exc


def decode_text(raw: bytes) -> str:
    """UTF-8 (with or without BOM) or UTF-16 with BOM; anything else is refused, not guessed."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise DocumentError(f"not valid UTF-16 ({exc.reason} at offset {exc.start})") from exc
    if b"\x00" in raw:
        raise DocumentError("binary content in a text file")
    body = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = exc.start + len(raw) - len(body)
        raise DocumentError(
            f"not valid UTF-8 (byte 0x{body[exc.start]:02x} at offset {offset}); save the file as UTF-8"
        ) from exc


def _split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        data = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise DocumentError(f"malformed front matter: {exc}") from exc
    if not isinstance(data, dict):
        raise DocumentError("front matter must be a YAML mapping")
    return data, text[match.end() :]


def _markdown(raw: bytes) -> tuple[dict[str, Any], str]:
    return _split_front_matter(decode_text(raw))


def _plain_text(raw: bytes) -> tuple[dict[str, Any], str]:
    meta, text = _split_front_matter(decode_text(raw))
    # Plain text has no markup: escape characters Markdown would read as headings or tables.
    return meta, re.sub(r"^([#|])", r"\\\1", text, flags=re.MULTILINE)


def _table_to_markdown(rows: list[list[str]]) -> str:
    rows = [[cell.replace("|", "/").replace("\n", " ").strip() for cell in row] for row in rows if row]
    if not rows:
        return ""
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * width]
    lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return "\n".join(lines)


def _html(raw: bytes) -> tuple[dict[str, Any], str]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(decode_text(raw), "lxml")
    meta: dict[str, Any] = {
        str(tag["name"]): tag.get("content", "")
        for tag in soup.find_all("meta")
        if tag.get("name") in DocumentMeta.model_fields
    }
    if soup.title and soup.title.string and "title" not in meta:
        meta["title"] = soup.title.string.strip()
    if "lang" not in meta and soup.html and soup.html.get("lang"):
        meta["lang"] = str(soup.html["lang"]).split("-")[0].lower()
    for tag in soup(["script", "style", "nav", "footer", "noscript", "template"]):
        tag.decompose()
    root = soup.find("main") or soup.body or soup
    blocks: list[str] = []
    for el in root.find_all(["h1", "h2", "h3", "h4", "p", "li", "table", "dt", "dd", "address"]):
        if el.find_parent("table") is not None or (el.name == "p" and el.find_parent("li")):
            continue
        if el.name == "table":
            rows = [
                [c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])] for tr in el.find_all("tr")
            ]
            blocks.append(_table_to_markdown(rows))
            continue
        text = el.get_text(" ", strip=True)
        if not text:
            continue
        if el.name in ("h1", "h2", "h3", "h4"):
            blocks.append("#" * int(el.name[1]) + " " + text)
        elif el.name == "li":
            blocks.append("- " + text)
        else:
            blocks.append(text)
    return meta, "\n\n".join(blocks)


def _docx(raw: bytes) -> tuple[dict[str, Any], str]:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(raw))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise DocumentError(f"corrupt DOCX file: {exc}") from exc
    meta: dict[str, Any] = {}
    if document.core_properties.title:
        meta["title"] = document.core_properties.title
    blocks: list[str] = []
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            blocks.append(_table_to_markdown([[c.text for c in row.cells] for row in item.rows]))
            continue
        assert isinstance(item, Paragraph)
        text = item.text.strip()
        if not text:
            continue
        style = (item.style.name if item.style is not None else "") or ""
        level = re.match(r"(?:Heading|Title)\s*(\d?)", style)
        if style == "Title":
            blocks.append("# " + text)
        elif level:
            blocks.append("#" * (int(level.group(1) or 1) + 1) + " " + text)
        elif style.startswith("List"):
            blocks.append("- " + text)
        else:
            blocks.append(text)
    return meta, "\n\n".join(blocks)


def _pdf(raw: bytes) -> tuple[dict[str, Any], str]:
    """Headings are recovered from font sizes: text set larger than the body text is a heading."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            raise DocumentError("encrypted PDF")
        lines: list[tuple[float, str]] = []
        for page in reader.pages:
            page_lines: list[tuple[float, str]] = []

            def visit(text: str, _cm: Any, _tm: Any, _font: Any, size: float, out=page_lines) -> None:
                # Some PDF fonts map the bullet glyph to DEL (U+007F): read it as a bullet.
                text = text.replace("\x7f", "•").strip()
                if text:
                    out.append((round(float(size), 1), text))

            page.extract_text(visitor_text=visit)
            lines += page_lines
        info = reader.metadata
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise DocumentError(f"corrupt PDF file: {exc}") from exc
    meta: dict[str, Any] = {}
    if info and info.title:
        meta["title"] = str(info.title)
    if not lines:
        return meta, ""
    body_size = Counter(size for size, _ in lines).most_common(1)[0][0]
    heading_sizes = sorted({s for s, _ in lines if s > body_size + 0.5}, reverse=True)
    blocks: list[str] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            joiner = "" if detect_lang("".join(paragraph)) == "zh" else " "
            blocks.append(joiner.join(paragraph))
            paragraph.clear()

    for size, text in lines:
        if size in heading_sizes:
            flush()
            blocks.append("#" * (heading_sizes.index(size) + 1) + " " + text)
        elif text.startswith(("•", "- ")):
            flush()
            paragraph.append("- " + text.lstrip("•- "))
        else:
            paragraph.append(text)
    flush()
    return meta, "\n\n".join(blocks)


_CONVERTERS: dict[str, Callable[[bytes], tuple[dict[str, Any], str]]] = {
    ".md": _markdown,
    ".markdown": _markdown,
    ".txt": _plain_text,
    ".html": _html,
    ".htm": _html,
    ".docx": _docx,
    ".pdf": _pdf,
}
