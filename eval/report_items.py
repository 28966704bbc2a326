"""The failing items of one document as HTML: each with the labeller's quote and what
was extracted, inside the text around them.

Why its own module: these tables are the part of the report people read to fix things;
one small function per field keeps each readable.
"""

from __future__ import annotations

from html import escape
from typing import Any


def e(value: Any) -> str:
    return escape("" if value is None else str(value))


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def in_context(ctx: dict[str, Any] | None, css: str = "") -> str:
    """``…before<mark>match</mark>after… [start:end]``."""
    if not ctx:
        return '<span class="muted">—</span>'
    cls = f' class="{css}"' if css else ""
    start, end = ctx["span"]
    return (
        f'<span class="ctx">…{e(ctx["before"])}<mark{cls}>{e(ctx["match"])}</mark>'
        f"{e(ctx['after'])}… <code>[{start}:{end}]</code></span>"
    )


def problem(text: str | None) -> str:
    return f'<br><span class="poor">{e(text)}</span>' if text else ""


def table(title: str, headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<h3>{e(title)}</h3><table><tr>{head}</tr>{body}</table>"


def fact_rows(items: list[dict[str, Any]]) -> list[list[str]]:
    rows = []
    for i in items:
        gold = i.get("gold_context")
        gold_html = in_context(gold, "gold") if gold else e(i.get("gold_quote"))
        rows.append(
            [
                f"<code>{e(i['key'])}</code><br>{e(i['status'])}",
                e(i["gold_value"]),
                e(i["value"]),
                gold_html + problem(i.get("gold_problem")),
                in_context(i.get("record_context")),
            ]
        )
    return rows


def reason_rows(items: list[dict[str, Any]]) -> list[list[str]]:
    rows = []
    for i in items:
        gold = "<br>".join(in_context(c, "gold") for c in i["gold_fragments"]) or "—"
        extracted = "<br>".join(
            f'{in_context(c)} <span class="muted">{e(c["method"])}</span>' for c in i["extracted"]
        )
        rows.append(
            [
                f"<code>{e(i['key'])}</code><br>{e(i['status'])}<br>"
                f"P {pct(i['precision'])} · R {pct(i['recall'])}",
                gold + problem(i.get("gold_problem")),
                extracted or '<span class="poor">nothing extracted</span>',
            ]
        )
    return rows


def duty_rows(items: list[dict[str, Any]]) -> list[list[str]]:
    rows = []
    for i in items:
        status = e(i["status"]) + (f" {pct(i['overlap'])}" if "overlap" in i else "")
        gold = i.get("gold_context")
        extracted = i.get("extracted_context")
        rows.append(
            [
                status,
                (in_context(gold, "gold") if gold else e(i.get("gold", "")))
                + problem(i.get("gold_problem")),
                in_context(extracted) if extracted else e(i.get("extracted", "")),
            ]
        )
    return rows


def check_rows(items: list[dict[str, Any]]) -> list[list[str]]:
    rows = []
    for i in items:
        operands = "".join(
            f"<br>· {e(o['name'])}: {e(o['text'])} <code>{e(o['span'])}</code>"
            for o in i.get("operands", [])
        )
        detail = f"{e(i.get('flag') or i.get('rule'))}<br>{e(i.get('message'))}{operands}"
        rows.append([f"<code>{e(i['id'])}</code>", e(i["status"]), detail])
    return rows


def qa_rows(items: list[dict[str, Any]]) -> list[list[str]]:
    rows = []
    for i in items:
        expected = (
            " / ".join(map(str, i.get("expected_any", []))) if i["answerable"] else "unanswerable"
        )
        citations = "<br>".join(
            e(c.get("quote")) + (" ✓" if c.get("verified") else " ✗") for c in i["citations"]
        )
        rows.append(
            [
                e(i["question"]),
                f'{e(expected)}<br><span class="muted">{e(i.get("citation_contains", ""))}</span>',
                ("(declined) " if i["declined"] else "") + e(i["answer"]) + problem(i.get("error")),
                citations,
            ]
        )
    return rows


def failing_items(doc: dict[str, Any]) -> str:
    """Every item of the document that is not exactly right, by field."""
    parts: list[str] = []
    facts = [i for i in doc.get("facts", {}).get("items", []) if not i["correct"]]
    if facts:
        headers = ["key", "gold", "extracted", "gold quote in the text", "what we cited"]
        parts.append(table("facts", headers, fact_rows(facts)))
    reasons = [i for i in doc.get("reasons", {}).get("items", []) if i["status"] != "exact"]
    if reasons:
        headers = ["change", "gold fragment(s)", "extracted"]
        parts.append(table("reasons", headers, reason_rows(reasons)))
    duties = [
        i
        for i in doc.get("duties", {}).get("items", [])
        if i["status"] != "found" or i.get("overlap", 1.0) < 1.0
    ]
    if duties:
        parts.append(table("duties", ["status", "gold", "extracted"], duty_rows(duties)))
    checks = [i for i in doc.get("checks", {}).get("items", []) if i["status"] != "found"]
    if checks:
        parts.append(table("checks", ["rule", "status", "detail"], check_rows(checks)))
    ungrounded = doc.get("grounding", {}).get("items", [])
    if ungrounded:
        rows = [[e(i["text"]), f"<code>{e(i['span'])}</code>"] for i in ungrounded]
        parts.append(table("not the document's text at their span", ["text", "span"], rows))
    qa = [
        i
        for i in doc.get("qa", {}).get("items", [])
        if not i["correct"] or i.get("citation_correct") is False
    ]
    if qa:
        headers = ["question", "expected", "answer", "citations"]
        parts.append(table("Q&A", headers, qa_rows(qa)))
    return f"<h2>Failing items · {e(doc['doc'])}</h2>{''.join(parts)}" if parts else ""
