"""A self-contained HTML report of one run: cards, tables, a chart, failing items with
their source text, and the change since a baseline.

Why failing items with context: a score says how often, the items say why; a reader sees
the labeller's quote and what was extracted inside the sentence they came from, without
opening the document. One file, inline CSS and SVG, no scripts.
"""

from __future__ import annotations

from typing import Any

from budgetlens.eval.compare import document_scores
from budgetlens.eval.report_items import e, failing_items, pct
from budgetlens.eval.report_svg import bar_chart

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","PingFang SC",sans-serif;
 margin:24px auto;max-width:1200px;padding:0 16px;color:#222;line-height:1.45}
h1{font-size:22px;margin-bottom:4px} h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd}
h3{font-size:15px;margin-bottom:6px} .meta{color:#666;font-size:13px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:12px}
.card{border:1px solid #ddd;border-radius:8px;padding:10px 12px;background:#fafafa}
.card .name{font-size:12px;color:#666;text-transform:uppercase;letter-spacing:.04em}
.card .value{font-size:26px;font-weight:600} .card .sub{font-size:12px;color:#555}
.good{color:#2e7d32} .fair{color:#b26a00} .poor{color:#c62828} .muted{color:#888}
table{border-collapse:collapse;font-size:13px;margin:6px 0 12px} th,td{border:1px solid #e3e3e3;
 padding:4px 8px;vertical-align:top;text-align:left} th{background:#f3f3f3} td.n{text-align:right}
mark{background:#ffe58a;padding:0 1px} mark.gold{background:#cde8ff} .ctx{font-size:13px}
.up{color:#2e7d32} .down{color:#c62828;font-weight:600} code{font-size:12px}
"""

FIELDS = ("facts", "reasons", "duties")
STATUS_CSS = {"worse": "down", "missing": "down", "better": "up"}


def grade(value: float | None) -> str:
    if value is None:
        return "muted"
    return "good" if value >= 0.95 else "fair" if value >= 0.8 else "poor"


def _delta(diffs: dict[str, dict[str, Any]], metric: str) -> str:
    row = diffs.get(metric)
    if not row or row.get("status") in (None, "same", "new"):
        return ""
    if row["status"] == "missing":
        return ' <span class="down">(no longer scored)</span>'
    cls = "up" if row["status"] == "better" else "down"
    value = row["delta"] * 100 if row["better"] == "higher" else row["delta"]
    unit = " pt" if row["better"] == "higher" else ""
    return f' <span class="{cls}">{"+" if row["delta"] > 0 else ""}{value:.1f}{unit}</span>'


def card(name: str, value: str, sub: str, css: str = "", delta: str = "") -> str:
    return (
        f'<div class="card"><div class="name">{e(name)}</div>'
        f'<div class="value {css}">{value}{delta}</div><div class="sub">{sub}</div></div>'
    )


def summary_cards(run: dict[str, Any], diffs: dict[str, dict[str, Any]]) -> str:
    s = run["summary"]
    cards = []
    for field in FIELDS:
        scores = s.get(field)
        if scores is None:
            cards.append(card(field, "—", "not scored", "muted"))
            continue
        sub = f"P {pct(scores['precision'])} · R {pct(scores['recall'])}"
        if field == "reasons":
            sub += f"<br>found {scores['found']}/{scores['gold_keys']} keys (chars)"
        else:
            sub += f"<br>{scores['hit']}/{scores['gold']} gold items"
        cards.append(
            card(
                f"{field} F1",
                pct(scores["f1"]),
                sub,
                grade(scores["f1"]),
                _delta(diffs, f"{field}.f1"),
            )
        )
    checks = s.get("checks")
    if checks:
        css = (
            "good"
            if checks["false_failures"] == 0 and checks["found"] == checks["expected"]
            else "poor"
        )
        cards.append(
            card(
                "checks",
                f"{checks['found']}/{checks['expected']}",
                f"expected flags raised<br>{checks['false_failures']} false failures",
                css,
                _delta(diffs, "checks.false_failures"),
            )
        )
    qa = s.get("qa")
    if qa and "answerable" in qa:
        cards.append(
            card(
                "Q&A answers",
                pct(qa["answer_accuracy"]),
                f"citations {pct(qa['citation_accuracy'])}"
                f"<br>declines {pct(qa['decline_accuracy'])}",
                grade(qa["answer_accuracy"]),
                _delta(diffs, "qa.answer_accuracy"),
            )
        )
    else:
        cards.append(card("Q&A", "—", e((qa or {}).get("status", "not scored")), "muted"))
    g, c = s["grounding"], s["cost"]
    cards.append(
        card(
            "grounded",
            pct(g["rate"]),
            f"{g['grounded']}/{g['total']} strings<br>{g['ungrounded_dropped']} ungrounded dropped",
            grade(g["rate"]),
            _delta(diffs, "grounding.rate"),
        )
    )
    cards.append(
        card(
            "cost",
            f"{c['seconds_per_document'] or 0:.1f} s",
            f"per document<br>{c['model_calls']} model calls ({c['cache_hits']} cached)<br>"
            f"{c['prompt_tokens']} + {c['completion_tokens']} tokens",
        )
    )
    return f'<div class="cards">{"".join(cards)}</div>'


def check_score(checks: dict[str, Any] | None) -> float | None:
    """Expected flags raised over (expected + false failures): 1.0 is exactly right."""
    if not checks:
        return None
    denominator = checks["expected"] + checks["false_failures"]
    return checks["found"] / denominator if denominator else 1.0


def chart(run: dict[str, Any]) -> str:
    series = ["facts F1", "reasons F1", "duties F1", "checks", "grounded"]
    has_qa = any(document_scores(d).get("qa") for d in run["documents"])
    if has_qa:
        series.append("Q&A answers")
    groups = []
    for doc in run["documents"]:
        scores = document_scores(doc)
        values = [(scores.get(f) or {}).get("f1") for f in FIELDS]
        values += [check_score(scores.get("checks")), (scores.get("grounding") or {}).get("rate")]
        if has_qa:
            values.append((scores.get("qa") or {}).get("answer_accuracy"))
        groups.append((doc["doc"], values))
    return bar_chart(groups, series)


def documents_table(run: dict[str, Any]) -> str:
    head = (
        "<tr><th>document</th><th>facts P / R</th><th>reasons P / R (found)</th>"
        "<th>duties P / R</th><th>checks</th><th>grounded</th><th>Q&amp;A</th>"
        "<th>model calls (cached)</th><th>tokens in + out</th><th>seconds</th></tr>"
    )
    rows = []
    for doc in run["documents"]:
        if "error" in doc:
            rows.append(
                f"<tr><td>{e(doc['doc'])}</td>"
                f'<td colspan="9" class="poor">{e(doc["error"])}</td></tr>'
            )
            continue
        s, cost = document_scores(doc), doc["cost"]

        def pr(field: str, s: dict[str, Any] = s) -> str:
            x = s.get(field)
            return "—" if not x else f"{pct(x['precision'])} / {pct(x['recall'])}"

        reasons = pr("reasons")
        if s.get("reasons"):
            reasons += f" ({doc['reasons']['found']}/{doc['reasons']['gold_keys']})"
        checks = s.get("checks")
        check_text = (
            "—"
            if not checks
            else f"{checks['found']}/{checks['expected']}, {checks['false_failures']} false"
        )
        qa = s.get("qa")
        rows.append(
            f"<tr><td>{e(doc['doc'])}</td><td>{pr('facts')}</td><td>{reasons}</td>"
            f"<td>{pr('duties')}</td><td>{check_text}</td><td>{pct(doc['grounding']['rate'])}</td>"
            f"<td>{pct(qa['answer_accuracy']) if qa else '—'}</td>"
            f'<td class="n">{cost["model_calls"]} ({cost["cache_hits"]})</td>'
            f'<td class="n">{cost["prompt_tokens"]} + {cost["completion_tokens"]}</td>'
            f'<td class="n">{doc["seconds"]:.1f}</td></tr>'
        )
    return f"<table>{head}{''.join(rows)}</table>"


def key_table(per_key: dict[str, dict[str, Any]], unit: str) -> str:
    if not per_key:
        return '<p class="muted">nothing scored</p>'
    rows = "".join(
        f"<tr><td><code>{e(key)}</code></td>"
        f"<td class='n {grade(v['precision'])}'>{pct(v['precision'])}</td>"
        f"<td class='n {grade(v['recall'])}'>{pct(v['recall'])}</td>"
        f"<td class='n'>{pct(v['f1'])}</td>"
        f"<td class='n'>{v['hit']} / {v['predicted']} / {v['gold']}</td></tr>"
        for key, v in per_key.items()
    )
    return (
        f"<table><tr><th>key</th><th>precision</th><th>recall</th><th>F1</th>"
        f"<th>right / given / gold ({unit})</th></tr>{rows}</table>"
    )


def diff_section(diffs: list[dict[str, Any]] | None, baseline: str | None) -> str:
    if diffs is None:
        return (
            '<h2>Since the last run</h2><p class="muted">No baseline: first run of this setup.</p>'
        )
    changed = [r for r in diffs if r["status"] != "same"]
    same = len(diffs) - len(changed)
    rows = "".join(
        f"<tr><td><code>{e(r['metric'])}</code></td><td class='n'>{e(r['before'])}</td>"
        f"<td class='n'>{e(r['after'])}</td><td class='n'>{e(r.get('delta', ''))}</td>"
        f"<td class='{STATUS_CSS.get(r['status'], '')}'>"
        f"{e(r['status'])}</td></tr>"
        for r in changed
    )
    table = (
        f"<table><tr><th>metric</th><th>before</th><th>after</th><th>Δ</th><th></th></tr>{rows}</table>"
        if changed
        else ""
    )
    return f"<h2>Since {e(baseline)}</h2><p>{len(changed)} changed, {same} unchanged.</p>{table}"


def render_html(
    run: dict[str, Any], diffs: list[dict[str, Any]] | None = None, baseline: str | None = None
) -> str:
    by_metric = {r["metric"]: r for r in diffs or []}
    failing = "".join(failing_items(d) for d in run["documents"] if "error" not in d)
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        "<title>BudgetLens evaluation</title>"
        f"<style>{CSS}</style></head><body>"
        f"<h1>BudgetLens evaluation</h1><div class='meta'>{e(run['created'])} · {e(run['setup'])} "
        f"(responses: {e(run['responses'])}) · gold {e(run['gold_dir'])} · "
        f"documents {e(run['docs_dir'])}"
        f" · {run['summary']['documents']} documents, {run['summary']['errors']} errors</div>"
        f"<h2>Summary</h2>{summary_cards(run, by_metric)}"
        f"<h2>Scores per document</h2>{chart(run)}{documents_table(run)}"
        f"<h2>Facts per key</h2>{key_table(run['per_key']['facts'], 'facts')}"
        f"<h2>Reasons per change key</h2>{key_table(run['per_key']['reasons'], 'characters')}"
        f"{diff_section(diffs, baseline)}"
        f"{failing or '<h2>Failing items</h2><p class=good>None.</p>'}"
        "</body></html>"
    )
