"""``budgetlens`` command line: a thin shell over the library functions."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from budgetlens.settings import Settings, add_setting_flags, settings_from_args

DOCUMENT_SUFFIXES = {".txt", ".docx", ".pdf", ".html", ".htm"}


def iter_inputs(paths: Sequence[str]) -> Iterator[Path]:
    """Files as given, directories walked for documents, in a stable order."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES
            )
        else:
            yield path


def _max_bytes(settings: Settings) -> int:
    return int(settings.max_file_mb * 1024 * 1024)


def cmd_parse(args: argparse.Namespace, settings: Settings) -> int:
    from extract.loaders import LoadError
    from extract.record import parse_file

    records: list[dict[str, Any]] = []
    errors = 0
    for path in iter_inputs(args.files):
        try:
            parsed = parse_file(path, max_bytes=_max_bytes(settings))
        except LoadError as exc:
            errors += 1
            print(f"error: {exc}", file=sys.stderr)
            records.append({"doc": path.name, "error": exc.problem})
            continue
        record = parsed.record(include_tables=not args.summary_only)
        records.append(record)
        if not args.json:
            print(render_summary(record))
    if args.json:
        payload: Any = records[0] if len(records) == 1 else records
        json.dump(payload, sys.stdout, ensure_ascii=False, indent=2)
        print()
    return 1 if errors else 0  # every file was still processed


STATUS_MARK = {
    "fail": "✗ FAIL",
    "rounding": "≈ rounding",
    "deferred": "… deferred",
    "pass": "✓ pass",
}


def render_summary(record: dict[str, Any]) -> str:
    """A readable report: identity, failed checks first (with operands), then the facts."""
    lines = [
        f"{record['doc']}: {record['unit'] or '(unit not found)'} · {record['year'] or '?'} · "
        f"{ {'budget': '预算', 'final_account': '决算'}.get(record['kind'] or '', '?') } · "
        f"{record['scope'] or ''}",
    ]
    counts: dict[str, int] = {}
    for check in record["checks"]:
        counts[check["status"]] = counts.get(check["status"], 0) + 1
    lines.append("  checks: " + ", ".join(f"{counts.get(s, 0)} {s}" for s in STATUS_MARK))
    for check in record["checks"]:
        if check["status"] not in ("fail", "rounding"):
            continue
        lines.append(f"  {STATUS_MARK[check['status']]}  {check['rule']}")
        if check["message"]:
            lines.append(f"      {check['message']}")
        for operand in check["operand_details"]:
            if operand["span"]:
                value = "" if operand["value"] is None else f"{operand['value']}  "
                lines.append(
                    f"      - {operand['name']}: {value}"
                    f"[{operand['span'][0]}:{operand['span'][1]}] {operand['text'][:60]}"
                )
    lines.append(f"  facts ({len(record['facts'])}, 万元):")
    for key, fact in record["facts"].items():
        lines.append(f"    {key:<36} {fact['value']:>14,.2f}   {fact['text'][:50]}")
    for warning in record.get("warnings", []):
        lines.append(f"  warning: {warning}")
    return "\n".join(lines)


def open_model(stack: Any, args: argparse.Namespace, settings: Settings) -> Any:
    """The configured LLM for a command (None with --no-model); closed with ``stack``."""
    if args.no_model:
        return None
    from extract.llm import get_llm

    llm, llm_stack = get_llm(settings)
    stack.enter_context(llm_stack)
    return llm


def cmd_extract(args: argparse.Namespace, settings: Settings) -> int:
    import contextlib

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    from rich.table import Table

    from extract.batch import export, run_batch

    console = Console(stderr=True)
    paths = list(iter_inputs(args.paths))
    out_dir = Path(args.output)
    with contextlib.ExitStack() as stack:
        llm = open_model(stack, args, settings)
        progress = stack.enter_context(
            Progress(
                TextColumn("[bold]extract"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.description}"),
                console=console,
                transient=False,
            )
        )
        task = progress.add_task("", total=len(paths))

        def done(path: Path, record: dict[str, Any] | None) -> None:
            note = "skipped" if record is None else ("error" if "error" in record else "ok")
            progress.update(task, advance=1, description=f"{path.name} ({note})")
            if record is not None and "error" in record:
                progress.console.print(f"error: {path.name}: {record['error']}")

        summary = run_batch(
            paths,
            out_dir,
            llm,
            workers=settings.workers,
            resume=args.resume,
            max_bytes=_max_bytes(settings),
            on_done=done,
        )
    target = export(out_dir, args.format)
    table = Table(title="budgetlens extract", show_header=False)
    for name, value in summary.rows():
        table.add_row(name, value)
    console.print(table)
    console.print(f"records: {out_dir / 'records'}/  combined: {target}")
    return 1 if summary.errors else 0


def _open_index(settings: Settings):
    from qa.index import Index

    return Index(settings.index_dir)


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    import contextlib

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from extract.record import parse_file
    from qa.index import index_paths, record_for_index

    console = Console(stderr=True)
    paths = list(iter_inputs(args.paths))
    index = _open_index(settings)
    with contextlib.ExitStack() as stack:
        llm = open_model(stack, args, settings)

        def record_for(path: Path) -> tuple[Any, dict[str, Any]]:
            parsed = parse_file(path, max_bytes=_max_bytes(settings))
            return parsed, record_for_index(parsed, llm)

        with Progress(
            TextColumn("[bold]index"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            console=console,
        ) as progress:
            task = progress.add_task("", total=len(paths))

            def done(path: Path, status: str) -> None:
                progress.update(task, advance=1, description=f"{path.name} ({status})")
                if status.startswith("error"):
                    progress.console.print(status)

            counts = index_paths(
                index, paths, max_bytes=_max_bytes(settings), on_done=done, record_for=record_for
            )
    for name in args.remove or []:
        if index.remove(name):
            counts["removed"] = counts.get("removed", 0) + 1
    console.print(
        ", ".join(f"{v} {k}" for k, v in counts.items()) + f" · index: {settings.index_dir}"
    )
    return 1 if counts["errors"] else 0


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    import contextlib

    from qa.answer import ask

    index = _open_index(settings)
    docs = [Path(d).name for d in args.docs] if args.docs else None
    with contextlib.ExitStack() as stack:
        llm = open_model(stack, args, settings)
        answer = ask(args.question, index, llm, docs=docs)
    if args.json:
        json.dump(answer.as_dict(), sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    for char in answer.answer:  # the answer first, as it is shown in the chat
        sys.stdout.write(char)
    sys.stdout.write("\n")
    if answer.citations:
        print("\n" + ("最接近的段落：" if answer.declined else "引用："))
        for number, citation in enumerate(answer.citations, 1):
            mark = "✓" if citation.verified else "✗"
            print(
                f"[{number}] {mark} {citation.doc} · {citation.section} · "
                f"[{citation.span[0]}:{citation.span[1]}]\n    「{citation.quote}」"
            )
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from app import build_app, launch

    launch(build_app(settings), settings, host=args.host, port=args.port)
    return 0


def cmd_model(args: argparse.Namespace, settings: Settings) -> int:
    from extract.llm.model_install import main as model_main

    return model_main(args.model_args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="budgetlens",
        description="Typed, verified records and cited answers from Chinese budget disclosures.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    parse = commands.add_parser("parse", help="facts, tables and checks without any model")
    parse.add_argument("files", nargs="+", help="documents or directories")
    parse.add_argument("--json", action="store_true", help="print the record(s) as JSON")
    parse.add_argument(
        "--summary-only",
        action="store_true",
        help="leave sections/tables/rows out of the JSON record",
    )
    add_setting_flags(parse)
    parse.set_defaults(handler=cmd_parse)

    extract = commands.add_parser(
        "extract", help="records with narrative (reasons, duties…) for many documents"
    )
    extract.add_argument("paths", nargs="+", help="documents or directories (walked)")
    extract.add_argument("-o", "--output", required=True, help="output directory")
    extract.add_argument("--format", choices=["jsonl", "csv", "xlsx"], default="jsonl")
    extract.add_argument(
        "--resume",
        action="store_true",
        help="skip documents whose record is already written for this content",
    )
    extract.add_argument(
        "--no-model",
        action="store_true",
        help="structure and cue phrases only, no LLM (fast, offline)",
    )
    add_setting_flags(extract)
    extract.set_defaults(handler=cmd_extract)

    index = commands.add_parser("index", help="add documents to the question-answering index")
    index.add_argument("paths", nargs="*", help="documents or directories (walked)")
    index.add_argument("--remove", nargs="+", metavar="NAME", help="drop documents by file name")
    index.add_argument(
        "--no-model",
        action="store_true",
        help="index without LLM narrative extraction (reasons from cue phrases)",
    )
    add_setting_flags(index)
    index.set_defaults(handler=cmd_index)

    ask_parser = commands.add_parser("ask", help="ask a question; answers cite the source")
    ask_parser.add_argument("question")
    ask_parser.add_argument("--json", action="store_true", help="the answer as JSON")
    ask_parser.add_argument("--docs", nargs="+", help="only these documents (file names)")
    ask_parser.add_argument(
        "--no-model",
        action="store_true",
        help="answer from records only; decline what needs the model",
    )
    add_setting_flags(ask_parser)
    ask_parser.set_defaults(handler=cmd_ask)

    serve = commands.add_parser("serve", help="the chat app (Gradio) on 127.0.0.1:7860")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=7860)
    add_setting_flags(serve)
    serve.set_defaults(handler=cmd_serve)

    from eval.cli_eval import add_eval_command

    add_eval_command(commands)

    model = commands.add_parser(
        "model", help="install or locate the bundled local model (install [--variant] | path)"
    )
    model.add_argument("model_args", nargs=argparse.REMAINDER)
    model.set_defaults(handler=cmd_model)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    import signal

    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `budgetlens … | head` ends quietly
    parser = build_parser()
    args = parser.parse_args(argv)
    settings = settings_from_args(args)
    return int(args.handler(args, settings))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
