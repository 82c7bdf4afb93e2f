"""HTML view of an evaluation report: one self-contained page, plots embedded as base64 PNGs.

`render_html` reads the dict that `bank-assistant eval` writes to report.json (and optionally the one
of an earlier run, to show deltas). Every section is optional: a section whose data is missing or
malformed is left out, so the minimal report still renders. All report text is HTML-escaped.
"""

from __future__ import annotations

import base64
import functools
import html
import io
import math
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib import font_manager
from matplotlib.figure import Figure

LOWER_IS_BETTER = ("abstained_on_answerable", "abstained_when_answerable", "latency", "unsupported")
COUNTS = frozenset({"questions"})  # sizes, not qualities: shown, never coloured or plotted as rates
CJK_FONTS = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "SimHei")
MAX_CONFUSION_LABELS = 15
LATENCY_HISTOGRAM_STAGES = ("total", "retrieve", "answer")
MAX_BARS_PER_FIGURE = 8

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #1f2328; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #d0d7de; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.text { white-space: pre-wrap; max-width: 40em; }
.better { color: #1a7f37; font-weight: bold; }
.worse { color: #cf222e; font-weight: bold; }
.caption { color: #59636e; font-size: 0.9em; }
img { max-width: 100%; display: block; margin: 0.5em 0 1.5em; }
"""


# ---------------------------------------------------------------- small helpers


def lower_is_better(metric: str) -> bool:
    """Whether a smaller value of this metric is an improvement (abstaining when answerable, latency...)."""
    return any(marker in metric for marker in LOWER_IS_BETTER)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_rate(metric: str, value: object) -> bool:
    return metric not in COUNTS and _is_number(value) and 0.0 <= float(value) <= 1.0  # type: ignore[arg-type]


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _e(value: object) -> str:
    return html.escape(str(value))


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) <= 1 else f"{value:,.1f}"  # rates, then milliseconds
    return "–" if value is None else str(value)


def _ratio(value: object) -> float | None:
    """A number, or a 'found/expected' string as handoff's recall_by_reason writes it, as a float."""
    if _is_number(value):
        return float(value)  # type: ignore[arg-type]
    if isinstance(value, str) and value.count("/") == 1:
        found, expected = value.split("/")
        try:
            return float(found) / float(expected) if float(expected) else None
        except ValueError:
            return None
    return None


def _table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    """Header cells are escaped here; row cells are already-rendered <td> elements."""
    head = "".join(f"<th>{_e(cell)}</th>" for cell in header)
    body = "".join(f"<tr>{''.join(row)}</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _td(value: object, css: str = "") -> str:
    css = css or ("num" if _is_number(value) or value is None else "text")
    return f'<td class="{css}">{_e(_fmt(value))}</td>'


def _section(title: str, *parts: str) -> str:
    return f"<section><h2>{_e(title)}</h2>{''.join(parts)}</section>"


def _caption(text: str) -> str:
    return f'<p class="caption">{_e(text)}</p>'


@functools.cache
def _font_families() -> list[str]:
    """DejaVu Sans, falling back glyph by glyph to the first installed CJK font (Chinese labels)."""
    installed = {font.name for font in font_manager.fontManager.ttflist}
    return ["DejaVu Sans", *[name for name in CJK_FONTS if name in installed][:1]]


def _plot(draw: Callable[[Figure], None], size: tuple[float, float], alt: str) -> str:
    """Draw on a fresh Agg figure, always close it, and return it as an inline <img>."""
    with plt.rc_context({"font.family": _font_families()}):
        fig = plt.figure(figsize=size)
        try:
            draw(fig)
            fig.tight_layout()
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", dpi=90)
        finally:
            plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{data}">'


# ---------------------------------------------------------------- sections


def _header(report: Mapping[str, Any], previous: Mapping[str, Any] | None) -> str:
    items = [("created", report.get("created")), ("answers", report.get("answers"))]
    if previous is not None:
        items.append(("compared with the run of", previous.get("created")))
    if isinstance(_dict(report.get("baseline")).get("description"), str):
        items.append(("baseline", report["baseline"]["description"]))
    if isinstance(report.get("llm_judged"), str):
        items.append(("LLM-judged metrics", report["llm_judged"]))
    lines = "".join(f"<li><b>{_e(name)}:</b> {_e(_fmt(value))}</li>" for name, value in items)
    return f"<header><h1>Evaluation report</h1><ul>{lines}</ul></header>"


def _delta_cell(metric: str, value: object, before: object) -> str:
    if not (_is_number(value) and _is_number(before)):
        return _td(None)
    delta = float(value) - float(before)  # type: ignore[arg-type]
    if metric in COUNTS or abs(delta) < 1e-9:
        return _td(f"{delta:+.0f}" if isinstance(value, int) else f"{delta:+.3f}", "num")
    improved = (delta < 0) == lower_is_better(metric)
    verdict = "better" if improved else "worse"
    return f'<td class="num {verdict}" title="{verdict}">{delta:+.3f} {"▲" if improved else "▼"}</td>'


def _summary(report: Mapping[str, Any], previous: Mapping[str, Any] | None) -> str:
    overall = _dict(_dict(report.get("answer_quality")).get("overall"))
    metrics = [name for name, value in overall.items() if _is_number(value)]
    if not metrics:
        return ""
    baseline = _dict(_dict(report.get("baseline")).get("overall")) if report.get("baseline") else None
    before = _dict(_dict(previous.get("answer_quality")).get("overall")) if previous is not None else None
    header = ["metric", "value"]
    header += ["baseline"] if baseline is not None else []
    header += ["previous", "delta"] if before is not None else []
    rows = []
    for name in metrics:
        row = [_td(name), _td(overall[name])]
        if baseline is not None:
            row.append(_td(baseline.get(name)))
        if before is not None:
            row += [_td(before.get(name)), _delta_cell(name, overall[name], before.get(name))]
        rows.append(row)
    note = _caption(f"Lower is better for metrics containing {', '.join(LOWER_IS_BETTER)}; higher otherwise.")
    return _section("Summary", _table(header, rows), note if before is not None else "")


def _language_series(report: Mapping[str, Any]) -> list[tuple[str, dict[str, Any], bool]]:
    """(label, metrics, is_baseline) for each language of our run and of the baseline."""
    series = []
    for source, is_baseline in ((report.get("answer_quality"), False), (report.get("baseline"), True)):
        by_language = _dict(_dict(source).get("by_language"))
        for lang in ("en", "zh"):
            if lang in by_language:
                label = f"baseline {lang}" if is_baseline else lang
                series.append((label, _dict(by_language[lang]), is_baseline))
    return series


def _draw_grouped_bars(
    metrics: list[str], series: list[tuple[str, dict[str, Any], bool]]
) -> Callable[[Figure], None]:
    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        width = 0.8 / len(series)
        for index, (label, values, is_baseline) in enumerate(series):
            color = f"C{0 if label.endswith('en') else 1}"
            heights = [float(values[m]) if _is_rate(m, values.get(m)) else math.nan for m in metrics]
            positions = [m + (index - (len(series) - 1) / 2) * width for m in range(len(metrics))]
            style = (
                {"facecolor": "white", "edgecolor": color, "hatch": "//"} if is_baseline else {"color": color}
            )
            ax.bar(positions, heights, width, label=label, **style)  # type: ignore[arg-type]
        ax.set_xticks(range(len(metrics)), metrics, rotation=30, ha="right")
        ax.set_ylim(0, 1.05)
        ax.set_ylabel("score")
        ax.legend(fontsize="small")
        ax.grid(axis="y", alpha=0.3)

    return draw


def _by_language(report: Mapping[str, Any]) -> str:
    series = _language_series(report)
    ours = [values for _, values, is_baseline in series if not is_baseline]
    metrics = list(dict.fromkeys(m for values in ours for m, v in values.items() if _is_rate(m, v)))
    if not metrics:
        return ""
    per_figure = math.ceil(len(metrics) / math.ceil(len(metrics) / MAX_BARS_PER_FIGURE))  # balanced figures
    images = [
        _plot(_draw_grouped_bars(chunk, series), (1.2 * len(chunk) + 3, 4), "metrics by language")
        for chunk in (metrics[i : i + per_figure] for i in range(0, len(metrics), per_figure))
    ]
    note = "Rates in [0, 1] per language; hatched bars are the baseline." if len(series) > len(ours) else ""
    return _section("Metrics by language", *images, _caption(note) if note else "")


def _top_error_labels(labels: list[str], matrix: list[list[float]], keep: int) -> list[int]:
    """Indices of the `keep` labels most involved in errors (off-diagonal row + column sums), in order."""
    size = len(labels)
    errors = [sum(matrix[i][j] + matrix[j][i] for j in range(size) if j != i) for i in range(size)]
    chosen = sorted(range(size), key=lambda i: -errors[i])[:keep]
    return sorted(chosen)


def _draw_confusion(labels: list[str], matrix: list[list[float]]) -> Callable[[Figure], None]:
    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        image = ax.imshow(matrix, cmap="Blues")
        fig.colorbar(image, ax=ax, shrink=0.8)
        ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize="small")
        ax.set_yticks(range(len(labels)), labels, fontsize="small")
        ax.set_xlabel("predicted")
        ax.set_ylabel("expected")
        peak = max((v for row in matrix for v in row), default=0) or 1
        for i, row in enumerate(matrix):
            for j, value in enumerate(row):
                if value:
                    color = "white" if value > peak / 2 else "black"
                    ax.text(j, i, _fmt(value), ha="center", va="center", fontsize="x-small", color=color)

    return draw


def _confusion(task: str, confusion: Mapping[str, Any]) -> str:
    labels = [str(label) for label in confusion.get("labels") or []]
    matrix = confusion.get("matrix") or []
    if not labels or len(matrix) != len(labels) or any(len(row) != len(labels) for row in matrix):
        return ""
    caption = f"{task}: rows are the expected label, columns the predicted one."
    if len(labels) > MAX_CONFUSION_LABELS:
        keep = _top_error_labels(labels, matrix, MAX_CONFUSION_LABELS)
        caption += f" Only the {MAX_CONFUSION_LABELS} labels with the most errors of {len(labels)} are shown."
        labels = [labels[i] for i in keep]
        matrix = [[matrix[i][j] for j in keep] for i in keep]
    side = max(4.0, 0.45 * len(labels) + 2)
    return _plot(_draw_confusion(labels, matrix), (side + 1, side), f"{task} confusion matrix") + _caption(
        caption
    )


def _flatten(values: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Numeric leaves of nested dicts as ('by_language.en', 0.9), skipping the confusion matrix."""
    leaves: list[tuple[str, Any]] = []
    for key, value in values.items():
        if key == "confusion":
            continue
        if isinstance(value, dict):
            leaves += _flatten(value, f"{prefix}{key}.")
        elif _is_number(value):
            leaves.append((f"{prefix}{key}", value))
    return leaves


def _understanding(report: Mapping[str, Any]) -> str:
    understanding = _dict(report.get("understanding"))
    tasks = {task: _dict(values) for task, values in understanding.items() if isinstance(values, dict)}
    if not tasks:
        return ""
    rows = [
        [_td(task), _td(name), _td(value)]
        for task, values in tasks.items()
        for name, value in _flatten(values)
    ]
    parts = [_table(["task", "metric", "value"], rows)] if rows else []
    parts += [_caption(f"{task}: {values['note']}") for task, values in tasks.items() if "note" in values]
    parts += [_confusion(task, _dict(values.get("confusion"))) for task, values in tasks.items()]
    return _section("Understanding", *parts)


def _draw_horizontal_bars(names: list[str], values: list[float], xlabel: str) -> Callable[[Figure], None]:
    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        ax.barh(range(len(names)), values, color="C2")
        ax.set_yticks(range(len(names)), names)
        ax.invert_yaxis()
        ax.set_xlim(0, 1.05)
        ax.set_xlabel(xlabel)
        ax.grid(axis="x", alpha=0.3)

    return draw


def _is_empty_scope(values: Mapping[str, Any]) -> bool:
    counts = [values.get(key) for key in ("tp", "fp", "fn")]
    return all(_is_number(c) for c in counts) and not any(counts)


def _handoff(report: Mapping[str, Any]) -> str:
    handoff = _dict(report.get("handoff"))
    scopes = {scope: _dict(handoff.get(scope)) for scope in ("all", "en", "zh") if handoff.get(scope)}
    # A language with no conversations in the run reports 0.0 everywhere: leave it out, say so.
    empty = [scope for scope, values in scopes.items() if _is_empty_scope(values)]
    scopes = {scope: values for scope, values in scopes.items() if scope not in empty}
    parts = [_caption(f"No handoff cases for: {', '.join(empty)}.")] if empty else []
    columns = list(dict.fromkeys(k for values in scopes.values() for k, v in values.items() if _is_number(v)))
    if columns:
        rows = [[_td(scope), *(_td(values.get(c)) for c in columns)] for scope, values in scopes.items()]
        parts.append(_table(["scope", *columns], rows))
    by_reason = _dict(handoff.get("recall_by_reason"))
    if by_reason:
        parts.append(_table(["reason", "recall"], ([_td(r), _td(v, "num")] for r, v in by_reason.items())))
        rated = {reason: _ratio(value) for reason, value in by_reason.items()}
        names = [reason for reason, value in rated.items() if value is not None]
        if names:
            draw = _draw_horizontal_bars(names, [rated[n] or 0.0 for n in names], "recall")
            parts.append(_plot(draw, (7, 0.4 * len(names) + 1.5), "handoff recall by reason"))
    misses = [_dict(m) for m in handoff.get("misses") or []]
    if misses:
        keys = ("id", "turn", "expected", "got", "detail")
        parts.append("<h3>Missed handoffs</h3>")
        parts.append(_table(keys, ([_td(m.get(k), "text") for k in keys] for m in misses)))
    return _section("Handoff", *parts) if parts else ""


def _draw_histograms(samples: dict[str, list[float]]) -> Callable[[Figure], None]:
    def draw(fig: Figure) -> None:
        for index, (stage, values) in enumerate(samples.items()):
            ax = fig.add_subplot(1, len(samples), index + 1)
            ax.hist(values, bins=min(30, max(5, len(values) // 2)), color="C0")
            ax.set_title(stage)
            ax.set_xlabel("ms")
        fig.axes[0].set_ylabel("questions")

    return draw


def _draw_percentiles(latency: dict[str, dict[str, Any]]) -> Callable[[Figure], None]:
    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        stages = list(latency)
        for offset, key in ((-0.2, "p50"), (0.2, "p95")):
            heights = [
                float(latency[s][key]) if _is_number(latency[s].get(key)) else math.nan for s in stages
            ]
            ax.bar([i + offset for i in range(len(stages))], heights, 0.4, label=key)
        ax.set_xticks(range(len(stages)), stages, rotation=30, ha="right")
        ax.set_yscale("log")  # stages range from about a millisecond to seconds
        ax.set_ylabel("ms (log scale)")
        ax.legend()
        ax.grid(axis="y", alpha=0.3)

    return draw


def _latency(report: Mapping[str, Any]) -> str:
    quality = _dict(report.get("answer_quality"))
    latency = {stage: _dict(values) for stage, values in _dict(quality.get("latency_ms")).items()}
    cases = quality.get("cases")
    timings = [_dict(_dict(case).get("timings_ms")) for case in cases] if isinstance(cases, list) else []
    samples = {
        stage: values
        for stage in LATENCY_HISTOGRAM_STAGES
        if (values := [float(t[stage]) for t in timings if _is_number(t.get(stage))])
    }
    parts = []
    if latency:
        rows = [[_td(stage), _td(v.get("p50")), _td(v.get("p95"))] for stage, v in latency.items()]
        parts.append(_table(["stage", "p50 ms", "p95 ms"], rows))
    if samples:
        parts.append(_plot(_draw_histograms(samples), (4 * len(samples), 3.5), "latency histograms"))
    elif latency:
        parts.append(_plot(_draw_percentiles(latency), (0.9 * len(latency) + 3, 4), "latency p50 and p95"))
    return _section("Latency", *parts) if parts else ""


def _failures(report: Mapping[str, Any]) -> str:
    failures = [_dict(f) for f in _dict(report.get("answer_quality")).get("failures") or []]
    if not failures:
        return ""

    def cell(value: object) -> str:
        text = ", ".join(map(str, value)) if isinstance(value, list) else value
        return _td(text, "text")

    keys = ("id", "question", "why", "answer", "reference_docs", "retrieved_doc_ids")
    rows = ([cell(f.get(k)) for k in keys] for f in failures)
    return _section("Failures", _caption(f"{len(failures)} failed questions."), _table(keys, rows))


def _heldout(report: Mapping[str, Any]) -> str:
    """The held-out answer set (nothing tuned on it) beside the development set, per language."""
    heldout = _dict(report.get("answer_quality_heldout"))
    if not heldout:
        return ""
    development = _dict(_dict(report.get("answer_quality")).get("by_language"))
    by_language = _dict(heldout.get("by_language"))
    langs = [lang for lang in ("en", "zh") if lang in by_language]
    metrics = [name for name, value in _dict(heldout.get("overall")).items() if _is_number(value)]
    header = ["metric", *[f"held-out {lang}" for lang in langs], *[f"development {lang}" for lang in langs]]
    rows = [
        [
            _td(name),
            *[_td(_dict(by_language[lang]).get(name)) for lang in langs],
            *[_td(_dict(development.get(lang)).get(name)) for lang in langs],
        ]
        for name in metrics
    ]
    return _section(
        "Held-out answer set", _caption(str(heldout.get("description", ""))), _table(header, rows)
    )


# ---------------------------------------------------------------- entry points


def render_html(report: dict[str, Any], previous: dict[str, Any] | None = None) -> str:
    """The whole report as one HTML page; sections without data are left out."""
    body = "".join(
        [
            _header(report, previous),
            _summary(report, previous),
            _by_language(report),
            _heldout(report),
            _understanding(report),
            _handoff(report),
            _latency(report),
            _failures(report),
        ]
    )
    title = _e(f"Evaluation report {report.get('created', '')}".strip())
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>{STYLE}</style></head><body>{body}</body></html>\n"
    )


def write_html(report: dict[str, Any], directory: Path, previous: dict[str, Any] | None = None) -> Path:
    """Write report.html into `directory` (next to report.json) and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "report.html"
    path.write_text(render_html(report, previous), encoding="utf-8")
    return path
