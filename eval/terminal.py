"""The run as tables in a terminal (rich): totals per field, then one row per document."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from budgetlens.eval.compare import document_scores, regressions


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def num(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}"


def _delta(diffs: dict[str, dict[str, Any]], metric: str) -> str:
    row = diffs.get(metric)
    if not row or "delta" not in row or row["status"] == "same":
        return ""
    colour = "green" if row["status"] == "better" else "red"
    sign = "+" if row["delta"] > 0 else ""
    if row["better"] == "higher":
        return f"[{colour}]{sign}{row['delta'] * 100:.1f}[/{colour}]"
    return f"[{colour}]{sign}{row['delta']:g}[/{colour}]"


def summary_table(run: dict[str, Any], diffs: dict[str, dict[str, Any]]) -> Table:
    s = run["summary"]
    table = Table(title=f"budgetlens eval · {run['setup']} ({run['responses']})")
    for column in ("field", "P", "R", "F1", "Δ"):
        table.add_column(column, justify="left" if column == "field" else "right", no_wrap=True)
    table.add_column("detail (right/given/gold)")
    for field in ("facts", "reasons", "duties"):
        scores = s.get(field)
        if scores is None:
            table.add_row(field, "—", "—", "—", "", "not scored")
            continue
        detail = f"{scores['hit']}/{scores['predicted']}/{scores['gold']}"
        if field == "facts" and "wrong" in scores:
            detail += f", {scores['wrong']} wrong, {scores['extra']} extra"
        if field == "reasons":
            detail += f" chars, {scores['found']}/{scores['gold_keys']} keys found"
        table.add_row(
            field,
            pct(scores["precision"]),
            pct(scores["recall"]),
            pct(scores["f1"]),
            _delta(diffs, f"{field}.f1"),
            detail,
        )
    identity = s.get("identity")
    if identity:
        table.add_row(
            "identity",
            "",
            pct(identity["rate"]),
            "",
            _delta(diffs, "identity.rate"),
            f"{identity['right']}/{identity['total']} unit/year/kind right",
        )
    checks = s.get("checks")
    if checks:
        table.add_row(
            "checks",
            "",
            pct(checks["recall"]),
            "",
            _delta(diffs, "checks.false_failures"),
            f"{checks['found']}/{checks['expected']} inconsistencies caught, "
            f"{checks['false_failures']} false alarms",
        )
    qa = s.get("qa")
    if qa and "answerable" in qa:
        table.add_row(
            "Q&A",
            "",
            pct(qa["answer_accuracy"]),
            "",
            _delta(diffs, "qa.answer_accuracy"),
            f"answers {qa['answer_correct']}/{qa['answerable']}, cited "
            f"{qa['citation_correct']}/{qa['cited']}, declined "
            f"{qa['declined_correctly']}/{qa['unanswerable']}",
        )
    else:
        table.add_row("Q&A", "", "", "", "", (qa or {}).get("status", "not scored"))
    g, c = s["grounding"], s["cost"]
    table.add_row(
        "grounded",
        "",
        "",
        pct(g["rate"]),
        _delta(diffs, "grounding.rate"),
        f"{g['grounded']}/{g['total']} strings, {g['ungrounded_dropped']} dropped",
    )
    table.add_row(
        "cost",
        "",
        "",
        "",
        "",
        f"{c['model_calls']} calls ({c['cache_hits']} cached), "
        f"{c['prompt_tokens']}+{c['completion_tokens']} tokens, "
        f"{c['seconds_per_document'] or 0:.1f} s/doc",
    )
    return table


def documents_table(run: dict[str, Any]) -> Table:
    table = Table(
        title="per document (F1 %; checks: found/expected, false; calls+cached)",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        padding=(0, 1),
        collapse_padding=True,
    )
    table.add_column("document", overflow="ellipsis", no_wrap=True, max_width=18)
    for column in ("facts", "reasons", "duties", "checks", "grounded", "Q&A", "calls", "s"):
        table.add_column(
            column, justify="right", no_wrap=True, min_width=5 if column == "s" else len(column)
        )
    for doc in run["documents"]:
        if "error" in doc:
            table.add_row(doc["doc"], f"[red]error: {doc['error']}[/red]")
            continue
        scores = document_scores(doc)
        checks = scores.get("checks")
        check_text = (
            "—"
            if not checks
            else f"{checks['found']}/{checks['expected']}, {checks['false_failures']}"
        )
        qa = scores.get("qa")
        cost = doc["cost"]
        table.add_row(
            doc["doc"].removesuffix(".txt"),
            *(num((scores.get(f) or {}).get("f1")) for f in ("facts", "reasons", "duties")),
            check_text,
            num(doc["grounding"]["rate"]),
            num(qa["answer_accuracy"]) if qa else "—",
            f"{cost['model_calls']}" + (f"+{cost['cache_hits']}c" if cost["cache_hits"] else ""),
            f"{doc['seconds']:.1f}",
        )
    return table


def groups_table(run: dict[str, Any], field: str, title: str) -> Table:
    """One row per template family (or province): the bars the corpus is held to."""
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    for column in ("", "docs", "facts R", "wrong", "extra", "identity", "reasons keyed",
                   "caught", "false"):  # fmt: skip
        table.add_column(column, justify="left" if not column else "right", no_wrap=True)
    for name, s in (run.get(field) or {}).items():
        facts, identity, reasons, checks = (
            s.get("facts") or {}, s.get("identity") or {}, s.get("reasons") or {},
            s.get("checks") or {},
        )  # fmt: skip
        table.add_row(
            name,
            str(s["documents"]),
            pct(facts.get("recall")),
            str(facts.get("wrong", "—")),
            str(facts.get("extra", "—")),
            pct(identity.get("rate")),
            f"{reasons.get('found', 0)}/{reasons.get('gold_keys', 0)}" if reasons else "—",
            f"{checks.get('found', 0)}/{checks.get('expected', 0)}" if checks else "—",
            str(checks.get("false_failures", "—")) if checks else "—",
        )
    return table


def print_run(
    run: dict[str, Any],
    diffs: list[dict[str, Any]] | None = None,
    *,
    baseline: str | None = None,
    console: Console | None = None,
) -> None:
    console = console or Console()
    by_metric = {row["metric"]: row for row in diffs or []}
    console.print(summary_table(run, by_metric))
    console.print(documents_table(run))
    if len(run.get("by_family") or {}) > 1:
        console.print(groups_table(run, "by_family", "per template family"))
    if diffs is None:
        console.print("baseline: none (first run of this setup)")
        return
    worse = regressions(diffs)
    better = [r for r in diffs if r["status"] == "better"]
    console.print(f"baseline: {baseline}: {len(better)} better, {len(worse)} worse")
    for row in worse:
        console.print(f"  [red]worse[/red] {row['metric']}: {row['before']} → {row['after']}")
