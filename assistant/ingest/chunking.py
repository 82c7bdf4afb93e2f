"""Structure-aware chunking of a normalised Markdown body.

Each chunk belongs to one section and carries its heading path. Blocks (paragraphs, lists, tables)
are packed up to a size budget; a table is never split from its heading or from the sentence that
introduces it, and a table too large for one chunk is split by rows with its header repeated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Bump when chunking changes, so re-ingestion replaces chunks made the old way.
CHUNKER_VERSION = "1"

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


@dataclass(frozen=True)
class Block:
    text: str
    is_table: bool = False


@dataclass(frozen=True)
class TextChunk:
    section: str
    text: str


@dataclass
class _Section:
    path: list[str]
    blocks: list[Block]


def chunk_markdown(body: str, max_chars: int) -> list[TextChunk]:
    chunks: list[TextChunk] = []
    for section in _sections(body):
        section_name = " > ".join(section.path)
        for text in _pack(section.blocks, max_chars):
            chunks.append(TextChunk(section=section_name, text=text))
    return chunks


def _sections(body: str) -> list[_Section]:
    """Split into sections by heading; the H1 is the document title, not part of the path."""
    sections = [_Section(path=[], blocks=[])]
    stack: list[tuple[int, str]] = []
    for raw_block in re.split(r"\n\s*\n", body.strip()):
        for block in _split_block(raw_block):
            heading = _HEADING.match(block) if "\n" not in block else None
            if heading:
                level = len(heading.group(1))
                if level == 1:
                    continue
                stack = [(lvl, name) for lvl, name in stack if lvl < level] + [(level, heading.group(2))]
                sections.append(_Section(path=[name for _, name in stack], blocks=[]))
                continue
            sections[-1].blocks.append(Block(block, is_table=block.lstrip().startswith("|")))
    return [s for s in sections if s.blocks]


def _split_block(block: str) -> list[str]:
    """A block may hold a heading and text, or text and a table, without blank lines between them."""
    parts: list[list[str]] = []
    for line in block.strip("\n").splitlines():
        kind = "heading" if _HEADING.match(line) else "table" if line.lstrip().startswith("|") else "text"
        if not parts or kind == "heading" or kind != _kind(parts[-1]):
            parts.append([line])
        else:
            parts[-1].append(line)
    return ["\n".join(p).strip() for p in parts if "\n".join(p).strip()]


def _kind(lines: list[str]) -> str:
    first = lines[0]
    return "heading" if _HEADING.match(first) else "table" if first.lstrip().startswith("|") else "text"


def _pack(blocks: list[Block], max_chars: int) -> list[str]:
    chunks: list[str] = []
    current: list[str] = []
    for block in blocks:
        pieces = _split_table(block.text, max_chars) if block.is_table else _split_text(block.text, max_chars)
        for piece in pieces:
            if current and len("\n\n".join([*current, piece])) > max_chars:
                # A sentence that introduces the table ("Fees are as follows:") travels with it.
                intro = block.is_table and current[-1].rstrip().endswith((":", "："))
                if intro and len(current) == 1:
                    current.append(piece)
                    continue
                carry = [current.pop()] if intro else []
                chunks.append("\n\n".join(current))
                current = carry
            current.append(piece)
    if current:
        chunks.append("\n\n".join(current))
    return chunks


def _split_table(table: str, max_chars: int) -> list[str]:
    lines = table.splitlines()
    if len(table) <= max_chars or len(lines) <= 3:
        return [table]
    header, rows = lines[:2], lines[2:]
    pieces: list[str] = []
    current: list[str] = []
    for row in rows:
        if current and len("\n".join(header + current + [row])) > max_chars:
            pieces.append("\n".join(header + current))
            current = []
        current.append(row)
    pieces.append("\n".join(header + current))
    return pieces


def _split_text(text: str, max_chars: int) -> list[str]:
    """Split an over-long paragraph or list at sentence ends (or list items), keeping their order.

    A Latin full stop ends a sentence only before whitespace, so "1.5%" and "lantingbank.example"
    stay whole; Chinese sentence ends need no space. A sentence longer than the budget is cut hard.
    """
    if len(text) <= max_chars:
        return [text]
    is_list = text.lstrip().startswith(("- ", "* "))
    units = text.splitlines() if is_list else re.split(r"(?<=[.!?;])\s+|(?<=[。！？；])|\n", text)
    pieces: list[str] = []
    current = ""
    for unit in filter(None, (u.strip() for u in units)):
        joiner = "\n" if is_list else "" if re.match(r"[\u4e00-\u9fff]", unit) else " "
        if current and len(current) + len(joiner) + len(unit) > max_chars:
            pieces.append(current)
            current = ""
        while len(unit) > max_chars:
            pieces.append(unit[:max_chars])
            unit = unit[max_chars:]
        current = f"{current}{joiner}{unit}" if current else unit
    if current:
        pieces.append(current)
    return pieces
