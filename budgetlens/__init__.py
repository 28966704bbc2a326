"""BudgetLens: typed, verified records and cited answers from Chinese budget disclosures."""

__version__ = "0.1.0"
