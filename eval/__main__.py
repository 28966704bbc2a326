"""``python -m eval …``: the ``budgetlens eval`` command without the main CLI."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from budgetlens.settings import settings_from_args
from eval.cli_eval import add_eval_command


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval")
    add_eval_command(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["eval", *(sys.argv[1:] if argv is None else argv)])
    return int(args.handler(args, settings_from_args(args)))


if __name__ == "__main__":
    sys.exit(main())
