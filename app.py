"""Launch the BudgetLens chat app: ``python app.py [--host H] [--port P] [--<setting> V …]``.

The app itself lives in the package (:mod:`budgetlens.web.app`); this is the same as
``budgetlens serve``.
"""

import sys

from budgetlens.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
