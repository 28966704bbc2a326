"""Each run's JSON is kept (under ``<cache_dir>/eval-runs`` by default) so that the next
run compares with the last one.

Why match on setup and documents: a ``--no-model`` run compared with a model run, or a
run on another gold set, would show differences that are not regressions.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from budgetlens.files import write_atomic


def _docs(run: dict[str, Any]) -> list[str]:
    return sorted(d["doc"] for d in run.get("documents") or [])


def save_run(run: dict[str, Any], runs_dir: Path) -> Path:
    slug = re.sub(r"[^A-Za-z0-9.-]+", "-", str(run.get("setup", "run"))).strip("-")
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    path = runs_dir / f"{stamp}-{slug}.json"
    write_atomic(path, json.dumps(run, ensure_ascii=False, indent=1))
    return path


def latest_run(runs_dir: Path, like: dict[str, Any]) -> Path | None:
    """The newest saved run with the same setup over the same documents, if any."""
    if not runs_dir.is_dir():
        return None
    for path in sorted(runs_dir.glob("*.json"), reverse=True):  # names start with a timestamp
        try:
            run = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if run.get("setup") == like.get("setup") and _docs(run) == _docs(like):
            return path
    return None


def load_run(path: Path) -> dict[str, Any]:
    run = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(run, dict) or "summary" not in run:
        raise ValueError(f"{path}: not an evaluation run's JSON")
    return run
