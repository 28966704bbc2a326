"""Build ``build/pkgview/budgetlens``: the installed package's tree, made of symlinks.

Why: pyproject.toml installs the top-level folders (extract/, qa/, eval/, prompts/) as
subpackages of ``budgetlens`` through setuptools' package-dir mapping. Static tools (mypy,
import-linter) cannot follow that mapping; this tree of links lets them see the package
exactly as it is installed while every link points at the file you edit.

    python tools/package_view.py   # prints the directory to run the tools in
"""

from __future__ import annotations

import shutil
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VIEW = ROOT / "build" / "pkgview"


def build() -> Path:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    mapping: dict[str, str] = config["tool"]["setuptools"]["package-dir"]
    shutil.rmtree(VIEW, ignore_errors=True)
    for package, folder in sorted(mapping.items(), key=lambda item: item[0].count(".")):
        target = VIEW.joinpath(*package.split("."))
        target.mkdir(parents=True, exist_ok=True)
        source = ROOT / folder
        for entry in source.iterdir():
            if entry.name == "__pycache__" or (
                entry.is_dir() and not (entry / "__init__.py").exists()
            ):
                continue
            link = target / entry.name
            if not link.exists():
                link.symlink_to(entry)
    return VIEW


if __name__ == "__main__":
    print(build())
    sys.exit(0)
