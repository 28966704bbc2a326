"""HTML for the web app: answers' citations, source panels and records.

Every piece of document text goes through :func:`html.escape` before it reaches the page:
a disclosure is data, and one that contains ``<script>`` must show it, not run it.
"""

from __future__ import annotations

import html
from typing import Any

from budgetlens.extract.lexicon import KIND_NAMES, STATUS_EXPLAINED, STATUS_NAMES
from budgetlens.extract.types import Answer, Citation, Record
from budgetlens.pipeline import stage_label

__all__ = [
    "CSS",
    "SCROLL_TO_CITE_JS",
    "chat_text",
    "chip_label",
    "citation_footer",
    "documents_rows",
    "fact_rows",
    "record_html",
    "source_html",
    "stage_label",
]

# Run after the source panel is updated (event listener ``js=``): inline <script> in gr.HTML
# does not execute, so the panel is scrolled from the event instead.
SCROLL_TO_CITE_JS = """() => {
  setTimeout(() => {
    const m = document.getElementById("cite");
    if (m) m.scrollIntoView({block: "center", behavior: "smooth"});
  }, 150);
}"""

CSS = """
.bl-source { max-height: 420px; overflow-y: auto; white-space: pre-wrap; line-height: 1.6;
  border: 1px solid #ddd; border-radius: 6px; padding: 10px; font-size: 14px; }
.bl-source mark#cite { background: #ffe066; padding: 1px 2px; }
.cite-chips label { border-radius: 999px !important; font-size: 13px; }
.bl-badge { display: inline-block; border-radius: 4px; padding: 0 6px; font-weight: 600;
  font-size: 12px; color: #fff; }
.bl-pass { background: #2f9e44; } .bl-fail { background: #e03131; }
.bl-rounding { background: #f08c00; } .bl-deferred { background: #868e96; }
.bl-checks td, .bl-checks th { padding: 3px 6px; vertical-align: top; text-align: left; }
.bl-operands { margin: 2px 0 6px 18px; color: #444; font-size: 13px; }
/* phone width: wide tables scroll inside their own box, the page never does */
.bl-scroll, #documents, #facts { max-width: 100%; overflow-x: auto; }
.gradio-container { max-width: 100vw !important; overflow-x: hidden; }
#documents table, #facts table { min-width: 0; }
"""


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def chat_text(text: str) -> str:
    """A chat message as the page shows it: escaped, line breaks kept, nothing else. The
    chat does not render Markdown, so a link, an image or a script that a document (or the
    model, quoting one) contains is shown as the characters it is made of and never fetched
    or run."""
    return esc(text).replace("\n", "<br>")


def chip_label(number: int, citation: Citation) -> str:
    """One chip: number, verified mark, document, page and a short quote."""
    quote = citation.quote.replace("\n", " ")
    short = quote if len(quote) <= 28 else quote[:27] + "…"
    mark = "✓" if citation.verified else "✗"
    page = f" · 第{citation.page}页" if citation.page else ""
    return f"[{number}] {mark} {citation.doc}{page} · {short}"


def citation_footer(answer: Answer) -> str:
    """Plain text appended to a chat answer (chips for clicking are shown below the chat)."""
    if not answer.citations:
        return ""
    head = "最接近的段落" if answer.declined else "引用"
    numbers = " ".join(f"[{i}]" for i in range(1, len(answer.citations) + 1))
    return f"\n\n{head}：{numbers}（点击下方引用查看原文）"


def source_html(text: str, span: tuple[int, int] | list[int] | None, doc_name: str) -> str:
    """The whole document, escaped, with the cited span in ``<mark id="cite">``."""
    parts = [f'<div class="bl-source-title"><b>{esc(doc_name)}</b></div>']
    if span is None:
        body = esc(text)
    else:
        start, end = max(0, int(span[0])), min(len(text), int(span[1]))
        body = (
            esc(text[:start])
            + '<mark id="cite">'
            + esc(text[start:end])
            + "</mark>"
            + esc(text[end:])
        )
    parts.append(f'<div class="bl-source" id="bl-source">{body}</div>')
    return "".join(parts)


def documents_rows(manifest: dict[str, dict[str, Any]]) -> list[list[Any]]:
    """Rows for the documents table: name, unit, year, kind."""
    return [
        [
            name,
            entry.get("unit") or "",
            entry.get("year") or "",
            KIND_NAMES.get(entry.get("kind") or "", entry.get("kind") or ""),
        ]
        for name, entry in sorted(manifest.items())
    ]


def fact_rows(record: Record) -> list[list[Any]]:
    """Rows for the facts table: Chinese name, key, the figure as printed, page, source text."""
    return [
        [fact.label or key, key, fact.printed, fact.page or "", fact.text]
        for key, fact in record.facts.items()
    ]


def _badge(status: str) -> str:
    label = STATUS_NAMES.get(status, status)
    tip = STATUS_EXPLAINED.get(status, "")
    return f'<span class="bl-badge bl-{esc(status)}" title="{esc(tip)}">{esc(label)}</span>'


def _operands(check: Any) -> str:
    items = [
        f"<li>{esc(o.label or o.name)} = {esc(o.value)} 万元"
        + (f"：「{esc(o.text)}」" if o.text else "")
        + (f" <small>第{o.page}页</small>" if o.page else "")
        + (f" <small>[{o.span[0]}:{o.span[1]}]</small>" if o.span else "")
        + "</li>"
        for o in check.operand_details
    ]
    return f'<ul class="bl-operands">{"".join(items)}</ul>' if items else ""


def record_html(record: Record) -> str:
    """Header plus the checks, failed first, each failure with its operands' source text."""
    counts: dict[str, int] = {}
    rows = []
    for check in record.checks:
        status = check.status
        counts[status] = counts.get(status, 0) + 1
        detail = _operands(check) if status == "fail" else ""
        rows.append(
            f"<tr><td>{_badge(status)}</td><td>{esc(check.rule_zh or check.rule)}"
            f"<br><small>{esc(check.message)}</small>{detail}</td>"
            f"<td>{esc(check.expected)}</td><td>{esc(check.actual)}</td></tr>"
        )
    order = ("fail", "rounding", "deferred", "pass")
    summary = " · ".join(f"{_badge(s)} {counts[s]}" for s in order if s in counts)
    legend = "；".join(f"{STATUS_NAMES[s]}：{STATUS_EXPLAINED[s]}" for s in order)
    kind = KIND_NAMES.get(record.kind or "", record.kind or "")
    head = (
        f"<h3>{esc(record.unit)} · {esc(record.year)} · {esc(kind)} · {esc(record.scope)}</h3>"
        f"<p>{esc(record.title)}</p><p>核对结果：{summary or '无'}</p>"
        f'<p class="bl-legend"><small>{esc(legend)}</small></p>'
    )
    table = (
        '<div class="bl-scroll"><table class="bl-checks"><tr><th>结果</th><th>核对项</th>'
        f"<th>文中数字</th><th>推算</th></tr>{''.join(rows)}</table></div>"
    )
    return head + table
