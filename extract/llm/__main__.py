"""``python -m extract.llm install [--variant 0.5b]``: same as ``budgetlens model install``.

Exists so scripts and CI can install the model before the CLI is wired, without the
runpy warning that ``python -m extract.llm.model_install`` prints.
"""

from .model_install import main

raise SystemExit(main())
