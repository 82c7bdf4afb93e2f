"""Loaders: every supported format becomes DocumentMeta plus a Markdown body, or a DocumentError."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pytest

from assistant.errors import DocumentError
from assistant.ingest.loaders import load_document
from tests.conftest import KNOWLEDGE_DIR


def _assert_meta(doc, **expected: object) -> None:
    assert {field: getattr(doc.meta, field) for field in expected} == expected


def _load(relative: str):
    path = KNOWLEDGE_DIR / relative
    return load_document(path, path.read_bytes())


def _load_bytes(tmp_path: Path, name: str, raw: bytes):
    path = tmp_path / name
    path.write_bytes(raw)
    return load_document(path, raw)


# --- real documents --------------------------------------------------------------------------------


def test_markdown_front_matter_becomes_meta_and_is_stripped_from_body() -> None:
    doc = _load("en/credit-card-platinum.md")

    _assert_meta(
        doc,
        doc_id="credit-card-platinum-en",
        title="Platinum Credit Card",
        lang="en",
        product="credit-card-platinum",
        version=2,
        effective_date=date(2026, 2, 1),
        status="approved",
    )
    assert doc.body_markdown.startswith("# Platinum Credit Card\n")
    assert "doc_id:" not in doc.body_markdown and "---\n" not in doc.body_markdown[:10]
    assert "| Annual fee | ¥1,200 main card, ¥600 supplementary card |" in doc.body_markdown


def test_html_meta_tags_content_tables_and_headings() -> None:
    doc = _load("en/branches-contact-hours.html")
    body = doc.body_markdown

    _assert_meta(
        doc,
        doc_id="branches-contact-hours-en",
        lang="en",
        product="branches-contact-hours",
        version=2,
        effective_date=date(2026, 3, 1),
        status="approved",
    )
    assert doc.meta.title.startswith("Branches, Contact and Opening Hours")

    # Navigation, header and footer chrome is not document content.
    assert "Personal Banking" not in body
    assert "Help Centre" not in body
    assert "All rights reserved" not in body
    assert "Deposit Insurance" not in body

    # Headings become '#' lines at their level.
    lines = body.splitlines()
    assert lines[0] == "# Branches, Contact and Opening Hours"
    assert "## Branch opening hours" in lines
    assert "### What still works during holidays" in lines
    assert "## How to book a branch appointment" in lines

    # A <table> becomes pipe rows: header, separator, one row per <tr>.
    table_start = lines.index("| Day | Hours |")
    assert lines[table_start + 1] == "|---|---|"
    assert lines[table_start + 2 : table_start + 6] == [
        "| Monday to Friday | 9:00-17:00 (all branches) |",
        "| Saturday | 9:00-16:00 (selected branches only, see the branch list) |",
        "| Sunday | Closed |",
        "| Public holidays | Closed |",
    ]
    assert "| Service | Number | Hours |" in lines
    assert "| Card loss and fraud line | 400-820-6688, press 1 | 24 hours a day, 7 days a week |" in lines
    # List items become Markdown bullets; body text is kept.
    assert "- Lanting Mobile, online banking and ATMs are available as normal." in lines
    assert "withdrawals at Lanting ATMs are free." in body


def test_docx_uses_sidecar_meta_and_recovers_headings_and_tables() -> None:
    doc = _load("en/account-opening-kyc.docx")
    lines = doc.body_markdown.splitlines()

    _assert_meta(
        doc,
        doc_id="account-opening-kyc-en",
        title="Opening an Account and Identity Verification (KYC)",
        lang="en",
        version=3,
        effective_date=date(2026, 5, 1),
    )
    assert lines[0] == "# Opening an Account and Identity Verification (KYC)"
    assert "## Overview" in lines
    assert "## Identity documents you need" in lines
    assert "## Tax residency self-certification (CRS)" in lines
    assert "| Customer | Identity documents required |" in lines
    assert "| Mainland China residents | Resident ID card |" in lines
    assert any(line.startswith("- Aged 16 or over: you can open") for line in lines)
    assert "Opening an account at a branch takes about 30 minutes." in doc.body_markdown


def test_english_pdf_uses_sidecar_meta_and_recovers_headings() -> None:
    doc = _load("en/complaints.pdf")
    lines = doc.body_markdown.splitlines()

    _assert_meta(
        doc,
        doc_id="complaints-en",
        title="Complaints and Feedback Policy",
        lang="en",
        version=2,
        effective_date=date(2025, 9, 1),
    )
    assert lines[0] == "# Complaints and Feedback Policy"
    for heading in ("## Overview", "## How to make a complaint", "## Our response times"):
        assert heading in lines
    # Body lines wrapped in the PDF are joined back into one paragraph with spaces.
    assert "Making a complaint to Lanting Bank is free of charge, and it will not affect" in doc.body_markdown
    assert "400-820-6688" in doc.body_markdown


def test_english_pdf_bullets_become_list_items() -> None:
    body = _load("en/complaints.pdf").body_markdown

    assert "\x7f" not in body
    assert any(
        line.startswith("- Phone: customer service hotline 400-820-6688") for line in body.splitlines()
    )


def test_chinese_pdf_uses_sidecar_meta_and_joins_lines_without_spaces() -> None:
    doc = _load("zh/complaints.pdf")
    lines = doc.body_markdown.splitlines()

    _assert_meta(
        doc, doc_id="complaints-zh", title="投诉与意见处理办法", lang="zh", effective_date=date(2025, 9, 1)
    )
    assert lines[0] == "# 投诉与意见处理办法"
    assert "## 投诉渠道" in lines
    assert "## 处理时限" in lines
    assert (
        "如果兰亭银行的服务未能让您满意，欢迎您向我们反映。向兰亭银行投诉不收取任何费用" in doc.body_markdown
    )
    assert any(line.startswith("- 电话：") for line in lines)
    assert "12378" in doc.body_markdown


def test_plain_text_without_metadata_gets_defaults_from_file_and_content(tmp_path: Path) -> None:
    text = (
        "信用卡年费说明\n\n白金卡主卡年费为1200元，消费满15万元可免次年年费。\n"
        "# 这一行不是标题\n| 也不是表格 |\n"
    )
    doc = _load_bytes(tmp_path, "card-fee-notes.txt", text.encode("utf-8"))

    _assert_meta(
        doc,
        doc_id="card-fee-notes",
        lang="zh",
        title="Card Fee Notes",
        status="approved",
        version=1,
        effective_date=date.today(),
    )
    # Markdown-significant characters at line starts are escaped, so text is never read as structure.
    assert "\\# 这一行不是标题" in doc.body_markdown
    assert "\\| 也不是表格 |" in doc.body_markdown
    assert not re.search(r"^[#|]", doc.body_markdown, re.MULTILINE)


def test_plain_english_text_is_detected_as_english(tmp_path: Path) -> None:
    doc = _load_bytes(tmp_path, "notes.txt", b"The branch is open from 9:00 to 17:00 on weekdays.\n")
    assert (doc.meta.doc_id, doc.meta.lang, doc.meta.title) == ("notes", "en", "Notes")


# --- bad input -------------------------------------------------------------------------------------

BAD_INPUTS = {
    "empty": ("empty.md", b"", r"^empty file$"),
    "whitespace only": ("blank.md", b"  \n\t\r\n   \n", r"^empty file$"),
    "gb18030": (
        "gbk.md",
        "# 信用卡年费\n\n白金卡年费1200元。".encode("gb18030"),
        r"not valid UTF-8.*save the file as UTF-8",
    ),
    "latin-1": (
        "latin1.txt",
        "Caf\u00e9 cr\u00e8me: fees apply.".encode("latin-1"),
        r"not valid UTF-8 \(byte 0xe9 at offset 3\)",
    ),
    "nul bytes": ("binary.md", b"# Title\n\nsome\x00text\n", r"binary content"),
    "corrupt pdf": ("broken.pdf", os.urandom(4096), r"^corrupt PDF file"),
    "truncated pdf": ("truncated.pdf", b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog", r"^corrupt PDF file"),
    "corrupt docx": ("broken.docx", os.urandom(4096), r"^corrupt DOCX file"),
    "malformed yaml": (
        "bad-yaml.md",
        b"---\ndoc_id: [unclosed\nlang: en\n---\n# Title\n\nBody.\n",
        r"^malformed front matter",
    ),
    "front matter not a mapping": (
        "list.md",
        b"---\n- a\n- b\n---\n# Title\n\nBody.\n",
        r"must be a YAML mapping",
    ),
    "invalid lang": (
        "french.md",
        b"---\ndoc_id: x\nlang: fr\n---\n# Titre\n\nCorps.\n",
        r"invalid metadata \(lang: Input should be 'en' or 'zh'\)",
    ),
    "invalid status": (
        "status.md",
        b"---\ndoc_id: x\nlang: en\nstatus: published\n---\n# Title\n\nBody.\n",
        r"invalid metadata \(status: .*'draft', 'approved' or 'retired'",
    ),
    "invalid date": (
        "date.md",
        b"---\ndoc_id: x\nlang: en\neffective_date: next spring\n---\n# Title\n\nBody.\n",
        r"invalid metadata \(effective_date: ",
    ),
    "unsupported suffix": (
        "rates.xlsx",
        b"PK\x03\x04 not really a spreadsheet",
        r"unsupported file type '\.xlsx'",
    ),
    "front matter but no body": (
        "meta-only.md",
        b"---\ndoc_id: x\nlang: en\n---\n\n",
        r"no text could be extracted",
    ),
}


@pytest.mark.parametrize(("name", "raw", "reason"), BAD_INPUTS.values(), ids=list(BAD_INPUTS))
def test_bad_input_raises_document_error_with_reason(
    tmp_path: Path, name: str, raw: bytes, reason: str
) -> None:
    with pytest.raises(DocumentError) as info:
        _load_bytes(tmp_path, name, raw)
    assert re.search(reason, str(info.value)), str(info.value)


def test_sidecar_overrides_and_bad_sidecar_is_a_document_error(tmp_path: Path) -> None:
    raw = b"---\ndoc_id: from-front-matter\nlang: en\nversion: 1\n---\n# Title\n\nBody text.\n"
    (tmp_path / "doc.md.meta.yaml").write_text("version: 4\nstatus: draft\n", encoding="utf-8")
    doc = _load_bytes(tmp_path, "doc.md", raw)
    assert (doc.meta.doc_id, doc.meta.version, doc.meta.status) == ("from-front-matter", 4, "draft")

    (tmp_path / "doc.md.meta.yaml").write_text("version: [4\n", encoding="utf-8")
    with pytest.raises(DocumentError, match=r"unreadable metadata file doc\.md\.meta\.yaml"):
        _load_bytes(tmp_path, "doc.md", raw)


def test_utf8_bom_and_utf16_are_accepted(tmp_path: Path) -> None:
    text = "---\ndoc_id: bom-doc\nlang: en\n---\n# Title\n\nBody text.\n"
    assert _load_bytes(tmp_path, "a.md", b"\xef\xbb\xbf" + text.encode()).meta.doc_id == "bom-doc"
    assert _load_bytes(tmp_path, "b.md", text.encode("utf-16")).body_markdown.startswith("# Title")


def test_truncated_utf16_is_a_document_error(tmp_path: Path) -> None:
    with pytest.raises(DocumentError):
        _load_bytes(tmp_path, "odd.txt", b"\xff\xfeabc")


def test_invalid_utf8_after_bom_names_the_bad_byte(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match=r"byte 0xe9"):
        _load_bytes(tmp_path, "bom.md", b"\xef\xbb\xbfcaf\xe9 au lait")
