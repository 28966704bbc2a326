"""``budgetlens eval``: wiring only; the work is in :mod:`eval.harness` and the reports.

``budgetlens/cli.py`` calls :func:`add_eval_command` with its subparsers; ``python -m eval``
runs the same command on its own.
"""

from __future__ import annotations

import argparse
import contextlib
import json
from pathlib import Path
from typing import Any

from budgetlens.settings import Settings, add_setting_flags

DEFAULT_GOLD = Path(__file__).resolve().parent / "gold"


def add_eval_command(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``eval`` on a ``parser.add_subparsers()`` object; returns its parser."""
    from eval.runs import DEFAULT_RUNS_DIR

    parser = subparsers.add_parser(
        "eval",
        help="score extraction (and Q&A) against hand-labelled gold files",
        description="Run extraction on every gold file's document and score it: facts, "
        "reasons, duties, checks, Q&A, grounding and cost; terminal table, JSON, HTML.",
    )
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD, help="gold files (*.json)")
    parser.add_argument(
        "--docs", type=Path, default=Path("examples"), help="documents named by the gold files"
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--no-model", action="store_true", help="structure and cue phrases only (fast)"
    )
    source.add_argument(
        "--replay",
        type=Path,
        metavar="DIR",
        help="answer model prompts only from responses recorded in DIR (no model; a miss fails)",
    )
    parser.add_argument(
        "--responses",
        type=Path,
        metavar="DIR",
        help="record the model's answers (and failures) in DIR, for --replay",
    )
    parser.add_argument("--report", type=Path, metavar="OUT.html", help="write the HTML report")
    parser.add_argument("--json", type=Path, metavar="OUT.json", help="write all scores as JSON")
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="RUN.json",
        help="compare with this run (default: the last saved run of the same setup)",
    )
    parser.add_argument("--runs-dir", type=Path, default=DEFAULT_RUNS_DIR, help="saved runs")
    parser.add_argument("--no-save", action="store_true", help="do not save this run")
    parser.add_argument(
        "--qa", metavar="MODULE:FUNCTION", help="Q&A factory: make_ask(QAContext) -> ask"
    )
    parser.add_argument("--no-qa", action="store_true", help="skip Q&A even if configured")
    parser.add_argument(
        "--fail-on-regression",
        action="store_true",
        help="exit 1 when any score is below the baseline's",
    )
    add_setting_flags(parser)
    parser.set_defaults(handler=cmd_eval)
    return parser


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from rich.console import Console

    from eval.compare import compare, regressions
    from eval.harness import GoldFileError, run_eval
    from eval.qa_hook import DEFAULT_ASK_FACTORY, load_factory
    from eval.replay import ReplayMissError
    from eval.report import render_html
    from eval.runs import latest_run, load_run, save_run
    from eval.terminal import print_run

    console, errors = Console(), Console(stderr=True)
    if args.responses and (args.no_model or args.replay):
        errors.print("error: --responses records a live model; drop --no-model/--replay")
        return 2
    spec = None if args.no_qa else (args.qa or DEFAULT_ASK_FACTORY)
    try:
        with contextlib.ExitStack() as stack:
            llm, responses = _open_llm(args, settings, stack)
            run = run_eval(
                args.gold,
                args.docs,
                llm,
                ask_factory=load_factory(spec) if spec else None,
                settings=settings,
                max_bytes=int(settings.max_file_mb * 1024 * 1024),
                responses=responses,
                on_document=lambda d: errors.print(
                    f"eval {d['doc']}: " + (f"[red]{d['error']}[/red]" if "error" in d else "ok")
                ),
            )
    except (GoldFileError, ReplayMissError, ValueError, ImportError) as exc:
        errors.print(f"error: {exc}")
        return 2
    baseline_path = args.baseline or latest_run(args.runs_dir, run)
    diffs = None
    if baseline_path is not None:
        diffs = compare(load_run(baseline_path), run)
        run["comparison"] = {"baseline": str(baseline_path), "rows": diffs}
    if not args.no_save:
        errors.print(f"saved: {save_run(run, args.runs_dir)}", soft_wrap=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(run, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        label = None if baseline_path is None else str(baseline_path)
        args.report.write_text(render_html(run, diffs, label), encoding="utf-8")
    print_run(
        run, diffs, baseline=None if baseline_path is None else str(baseline_path), console=console
    )
    worse = regressions(diffs or [])
    if run["summary"]["errors"] or (args.fail_on_regression and worse):
        return 1
    return 0


def _open_llm(
    args: argparse.Namespace, settings: Settings, stack: contextlib.ExitStack
) -> tuple[Any, str]:
    """(model or None, where its answers come from)."""
    if args.no_model:
        return None, "none"
    if args.replay:
        from eval.replay import replay_llm

        return replay_llm(args.replay), "replay"
    from extract.llm import CachedLLM, get_llm

    llm, llm_stack = get_llm(settings)
    stack.enter_context(llm_stack)
    if args.responses:
        from eval.replay import recording_llm

        inner = llm.inner if isinstance(llm, CachedLLM) else llm
        version = llm.prompt_version if isinstance(llm, CachedLLM) else "1"
        return recording_llm(inner, args.responses, version), "live"
    return llm, "live"
