"""Cross-checks: does the document agree with itself?

A rule never repairs a figure. Each result carries the stated value (``expected``), what the
other figures imply (``actual``) and every operand with its span, so a reader sees which
printed numbers disagree. Precision first:

* a difference no larger than the printed figures' rounding (or truncation) is ``rounding``;
* a rule with an operand that is not stated, or not of the same scope, basis and year, is
  ``deferred`` with the reason, never guessed;
* only figures read by rule or from a table take part; a figure whose key only a model chose
  is used when the arithmetic confirms it, never to fail a check.

The rules live by subject: :mod:`.facts_rules` (sums, changes, percentages, shares,
repeated statements), :mod:`.table_rules` (totals, hierarchy, row sums, empty tables),
:mod:`.item_rules` (classification-line paragraphs), :mod:`.identity_rules` (unit, year),
:mod:`.instruction_rules` (text planted for an AI assistant).
"""

from __future__ import annotations

from budgetlens.extract.checks.base import CheckResult, Operand, Status, grade
from budgetlens.extract.document import Document
from budgetlens.extract.facts import Facts

__all__ = ["CheckResult", "Operand", "Status", "grade", "run_checks"]


def run_checks(doc: Document, facts: Facts) -> list[CheckResult]:
    from budgetlens.extract.checks.facts_rules import fact_checks
    from budgetlens.extract.checks.identity_rules import identity_checks
    from budgetlens.extract.checks.instruction_rules import instruction_checks
    from budgetlens.extract.checks.item_rules import item_checks
    from budgetlens.extract.checks.table_rules import table_checks

    results: list[CheckResult] = []
    results += fact_checks(doc, facts)
    results += item_checks(doc, facts)
    for table in doc.tables:
        results += table_checks(doc, table)
    results += identity_checks(doc, facts)
    results += instruction_checks(doc)
    return results
