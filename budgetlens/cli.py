"""``budgetlens`` command line: one parser, a thin shell over the library.

Exit status: 0 done; 1 some documents failed (each named on stderr, the others processed);
2 a usage or configuration error (bad flag, missing index, model not installed, empty input);
3 ``ask`` declined (the documents do not say, or the answer needs the model).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from budgetlens.errors import BudgetLensError, ConfigError
from budgetlens.extract.lexicon import KIND_NAMES, STATUS_NAMES
from budgetlens.settings import Settings, add_setting_flags, settings_from_args

EXIT_OK, EXIT_DOC_ERRORS, EXIT_USAGE, EXIT_DECLINED = 0, 1, 2, 3

_MARKS = {"fail": "✗", "rounding": "≈", "deferred": "…", "pass": "✓"}
STATUS_MARK = {status: f"{mark} {STATUS_NAMES[status]}" for status, mark in _MARKS.items()}


def _inputs(paths: Sequence[str]) -> list[Path]:
    from budgetlens.files import iter_documents

    found = list(iter_documents(paths))
    if not found:
        raise ConfigError(
            "no documents found in " + ", ".join(paths) + " (.txt, .docx, .pdf, .html)"
        )
    return found


def open_index(settings: Settings, args: argparse.Namespace) -> Any:
    """The configured index. The default location is created on first use; a directory
    named explicitly (flag or env) must exist unless --create, so a typo is an error."""
    from budgetlens.qa.index import Index

    explicit = "index_dir" in settings.model_fields_set
    return Index(settings.index_dir, create=bool(getattr(args, "create", False)) or not explicit)


def cmd_parse(args: argparse.Namespace, settings: Settings) -> int:
    from budgetlens.pipeline import process

    records = []
    errors = 0
    for path in _inputs(args.files):
        record = process(path, None, max_bytes=settings.max_bytes)
        if record.error is not None:
            errors += 1
            print(f"error: {record.doc}: {record.error}", file=sys.stderr)
        elif args.summary_only:
            record.sections, record.tables, record.indicators, record.procurement_items = (
                [], [], [], []
            )  # fmt: skip
        records.append(record)
        if not args.json and record.error is None:
            print(render_summary(record))
    if args.json:
        payload: Any = [r.model_dump(mode="json") for r in records]
        json.dump(payload[0] if len(payload) == 1 else payload, sys.stdout, ensure_ascii=False,
                  indent=2)  # fmt: skip
        print()
    return EXIT_DOC_ERRORS if errors else EXIT_OK


def render_summary(record: Any) -> str:
    """A readable report: identity, failed checks first (with operands), then the facts."""
    lines = [
        f"{record.doc}: {record.unit or '(未找到单位)'} · {record.year or '?'} · "
        f"{KIND_NAMES.get(record.kind or '', '?')} · {record.scope or ''}",
    ]
    counts: dict[str, int] = {}
    for check in record.checks:
        counts[check.status] = counts.get(check.status, 0) + 1
    lines.append(
        "  核对："
        + "，".join(f"{STATUS_MARK[s].split()[1]} {counts.get(s, 0)}" for s in STATUS_MARK)
    )
    for check in record.checks:
        if check.status not in ("fail", "rounding"):
            continue
        lines.append(f"  {STATUS_MARK[check.status]}  {check.rule_zh or check.rule}")
        if check.message:
            lines.append(f"      {check.message}")
        for operand in check.operand_details:
            if operand.span:
                value = "" if operand.value is None else f"{_plain(operand.value)}  "
                page = f"第{operand.page}页 " if operand.page else ""
                lines.append(
                    f"      - {operand.label or operand.name}: {value}{page}"
                    f"[{operand.span[0]}:{operand.span[1]}] {operand.text[:60]}"
                )
    lines.append(f"  数字（{len(record.facts)}，万元）：")
    for key, fact in record.facts.items():
        page = f"第{fact.page}页 " if fact.page else ""
        lines.append(f"    {fact.label or key:<16} {fact.printed:>16}   {page}{fact.text[:50]}")
    for warning in record.warnings:
        lines.append(f"  警告：{warning}")
    return "\n".join(lines)


class StageProgress:
    """A progress bar over documents whose description names the stage each is in
    (读取文件 → 解析与核对 → 模型阅读第n/m句 → 生成检索向量 → 写入索引)."""

    def __init__(self, console: Any, title: str, total: int) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.progress = Progress(
            TextColumn(f"[bold]{title}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            console=console,
        )
        self.task = self.progress.add_task("", total=total)

    def show(self, path: Path, stage: str) -> None:
        from budgetlens.pipeline import stage_label

        self.progress.update(self.task, description=f"{path.name}：{stage_label(stage)}")

    def __enter__(self) -> StageProgress:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(*exc)  # type: ignore[arg-type]


def _plain(value: float) -> str:
    """2023.0 → 2023, 12.5 → 12.5: a figure as a reader writes it."""
    return f"{value:.0f}" if float(value).is_integer() else str(value)


def cmd_extract(args: argparse.Namespace, settings: Settings) -> int:
    from rich.console import Console
    from rich.table import Table

    from budgetlens.extract.batch import iter_records, run_batch
    from budgetlens.extract.exports import export_name, write_export
    from budgetlens.pipeline import process, provenance

    console = Console(stderr=True)
    paths = _inputs(args.paths)
    out_dir = Path(args.output)
    llm = None if args.no_model else settings.lazy_llm()
    with contextlib.ExitStack() as stack:
        if llm is not None:
            stack.callback(llm.close)
        bar = stack.enter_context(StageProgress(console, "extract", len(paths)))
        progress, task, show = bar.progress, bar.task, bar.show

        def done(path: Path, record: Any) -> None:
            note = "沿用" if record is None else ("出错" if record.error else "完成")
            progress.update(task, advance=1, description=f"{path.name}（{note}）")
            if record is not None and record.error:
                progress.console.print(f"error: {path.name}: {record.error}")

        def one(path: Path) -> Any:
            return process(
                path, llm, max_bytes=settings.max_bytes, on_stage=lambda s: show(path, s)
            )

        summary = run_batch(
            paths,
            out_dir,
            one,
            provenance(llm),
            workers=settings.workers,
            resume=args.resume,
            on_done=done,
        )
    target = write_export(
        iter_records(out_dir), out_dir / export_name(out_dir.name, args.format), args.format
    )
    table = Table(title="budgetlens extract", show_header=False)
    for name, value in summary.rows():
        table.add_row(name, value)
    console.print(table)
    console.print(f"记录：{out_dir / 'records'}/  汇总：{target}")
    return EXIT_DOC_ERRORS if summary.errors else EXIT_OK


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    from rich.console import Console

    from budgetlens.pipeline import process_document
    from budgetlens.qa.index import index_sources

    console = Console(stderr=True)
    if not args.paths and not args.remove:
        raise ConfigError("give documents to index (or --remove NAME…)")
    paths = _inputs(args.paths) if args.paths else []
    index = open_index(settings, args)
    llm = None if args.no_model else settings.lazy_llm()
    counts: dict[str, int] = {"added": 0, "unchanged": 0, "duplicates": 0, "errors": 0}
    with contextlib.ExitStack() as stack:
        if llm is not None:
            stack.callback(llm.close)
        with StageProgress(console, "index", len(paths)) as bar:
            progress, task, show = bar.progress, bar.task, bar.show

            def done(path: Path, status: str, record: Any) -> None:
                progress.update(task, advance=1, description=f"{path.name} ({status})")
                if status == "error":
                    progress.console.print(f"error: {path.name}: {record.error}")
                elif status.startswith("duplicate:"):
                    progress.console.print(
                        f"{path.name}: 与已索引的 {status.split(':', 1)[1]} 内容相同，未重复索引"
                    )

            def one(path: Path) -> Any:
                return process_document(
                    path, llm, max_bytes=settings.max_bytes, on_stage=lambda s: show(path, s)
                )

            counts = index_sources(
                index,
                paths,
                one,
                on_done=done,
                on_stage=show,
            )
    for name in args.remove or []:
        if index.remove(name):
            counts["removed"] = counts.get("removed", 0) + 1
        else:
            console.print(f"{name}: not indexed")
    console.print(
        ", ".join(f"{v} {k}" for k, v in counts.items()) + f" · index: {settings.index_dir}"
    )
    return EXIT_DOC_ERRORS if counts["errors"] else EXIT_OK


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from budgetlens.qa.answer import ask

    index = open_index(settings, args)
    docs = [Path(d).name for d in args.docs] if args.docs else None
    llm = None if args.no_model else settings.lazy_llm()
    try:
        answer = ask(args.question, index, llm, docs=docs)
    finally:
        if llm is not None:
            llm.close()
    if args.json:
        json.dump(answer.model_dump(mode="json"), sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        print(answer.answer)
        for warning in answer.warnings:
            print(f"注意：{warning}")
        if answer.citations:
            print("\n" + ("最接近的段落：" if answer.declined else "引用："))
            for number, citation in enumerate(answer.citations, 1):
                mark = "✓" if citation.verified else "·"
                page = f" · 第{citation.page}页" if citation.page else ""
                print(
                    f"[{number}] {mark} {citation.doc}{page} · {citation.section} · "
                    f"[{citation.span[0]}:{citation.span[1]}]\n    「{citation.quote}」"
                )
    return EXIT_DECLINED if answer.declined else EXIT_OK


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from budgetlens.web.app import serve

    serve(settings, open_index(settings, args))
    return EXIT_OK


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from rich.console import Console

    from budgetlens.eval.compare import compare, regressions
    from budgetlens.eval.harness import run_eval
    from budgetlens.eval.report import render_html
    from budgetlens.eval.runs import latest_run, load_run, save_run
    from budgetlens.eval.terminal import print_run

    console, errors = Console(), Console(stderr=True)
    if args.responses and (args.no_model or args.replay):
        raise ConfigError("--responses records a live model; drop --no-model/--replay")
    runs_dir = args.runs_dir or settings.cache_dir / "eval-runs"
    with contextlib.ExitStack() as stack:
        llm, responses = _eval_llm(args, settings, stack)
        run = run_eval(
            args.gold,
            args.docs,
            llm,
            qa=not args.no_qa,
            max_bytes=settings.max_bytes,
            responses=responses,
            on_document=lambda d: errors.print(
                f"eval {d['doc']}: " + (f"[red]{d['error']}[/red]" if "error" in d else "ok")
            ),
        )
    baseline_path = args.baseline or latest_run(runs_dir, run)
    diffs = None
    if baseline_path is not None:
        diffs = compare(load_run(baseline_path), run)
        run["comparison"] = {"baseline": str(baseline_path), "rows": diffs}
    if not args.no_save:
        errors.print(f"saved: {save_run(run, runs_dir)}", soft_wrap=True)
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
        return EXIT_DOC_ERRORS
    return EXIT_OK


def _eval_llm(
    args: argparse.Namespace, settings: Settings, stack: contextlib.ExitStack
) -> tuple[Any, str]:
    """(model or None, where its answers come from)."""
    if args.no_model:
        return None, "none"
    if args.replay:
        from budgetlens.eval.replay import replay_llm

        return replay_llm(args.replay), "replay"
    llm, llm_stack = settings.open_llm()
    stack.enter_context(llm_stack)
    if args.responses:
        from budgetlens.eval.replay import recording_llm

        return recording_llm(llm.inner, args.responses), "live"
    return llm, "live"


def cmd_model(args: argparse.Namespace, settings: Settings) -> int:
    import time

    from budgetlens.llm.model_install import StderrProgress, install_model, model_path

    if args.model_command == "install":
        started = time.monotonic()
        variant = args.variant or settings.model_variant or "1.5b"
        path = install_model(settings.cache_dir, variant=variant, progress=StderrProgress())
        print(f"{path}  ({time.monotonic() - started:.1f} s)")
    else:
        print(model_path(settings.cache_dir, settings.local_model, args.variant))
    return EXIT_OK


def cmd_schema(args: argparse.Namespace, settings: Settings) -> int:
    from budgetlens.schema import render_schemas

    stale = []
    for path, text in render_schemas().items():
        target = Path(args.dir) / path.name if args.dir else path
        if args.check:
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                stale.append(str(target))
        else:
            target.write_text(text, encoding="utf-8")
            print(target)
    if stale:
        print("out of date (run `budgetlens schema`): " + ", ".join(stale), file=sys.stderr)
        return EXIT_DOC_ERRORS
    return EXIT_OK


EXAMPLES = {
    "parse": """examples:
  budgetlens parse examples/                      # every document: identity, failed checks, facts
  budgetlens parse report.pdf --json > record.json
""",
    "extract": """examples:
  budgetlens extract examples/ -o out/demo --format xlsx
  budgetlens extract ~/disclosures -o out/all --resume --workers 2
  budgetlens extract a.pdf b.docx -o out/quick --no-model --format csv
""",
    "index": """examples:
  budgetlens index examples/                      # parse, extract (model) and index
  budgetlens index new.pdf --no-model
  budgetlens index --remove old.pdf
""",
    "ask": """examples:
  budgetlens ask "廊坊市科协2023年项目支出为什么减少？"
  budgetlens ask "对比廊坊和张家口科协的三公经费" --json
  budgetlens ask "机关运行经费主要用于什么？" --docs langfang_kexie_2023_danweiyusuan.txt
exit status 3 when the answer is declined.
""",
    "eval": """examples:
  budgetlens eval                                         # bundled gold, examples/
  budgetlens eval --gold eval/corpus/dev --docs eval/corpus/dev --no-model
  budgetlens eval --report out/eval.html --json out/eval.json
""",
    "serve": """examples:
  budgetlens serve                                # http://127.0.0.1:7860
  BUDGETLENS_PORT=8080 budgetlens serve --host 0.0.0.0
""",
}


def _command(
    commands: Any, name: str, help_text: str, handler: Any, *, settings: bool = True
) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        name,
        help=help_text,
        description=help_text,
        epilog=EXAMPLES.get(name),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(handler=handler)
    if settings:
        add_setting_flags(parser)
    return parser


def build_parser() -> argparse.ArgumentParser:
    from budgetlens.eval.harness import DEFAULT_GOLD
    from budgetlens.extract.exports import FORMATS

    parser = argparse.ArgumentParser(
        prog="budgetlens",
        description="Typed, verified records and cited answers from Chinese budget disclosures.",
        epilog=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)

    parse = _command(commands, "parse", "facts, tables and checks, without any model", cmd_parse)
    parse.add_argument("files", nargs="+", help="documents or directories (walked)")
    parse.add_argument("--json", action="store_true", help="print the record(s) as JSON")
    parse.add_argument(
        "--summary-only", action="store_true", help="leave sections/tables/rows out of the JSON"
    )

    extract = _command(
        commands, "extract", "records with narrative (reasons, duties…) for many documents",
        cmd_extract,
    )  # fmt: skip
    extract.add_argument("paths", nargs="+", help="documents or directories (walked)")
    extract.add_argument("-o", "--output", required=True, help="output directory")
    extract.add_argument(
        "--format",
        choices=FORMATS,
        default="jsonl",
        help="combined file written after the batch: jsonl (one record per line), "
        "csv (one row per fact) or xlsx (sheets: facts, checks, reasons, errors)",
    )
    extract.add_argument(
        "--resume",
        action="store_true",
        help="keep records that are still current (same content, no error, same parser, "
        "model and prompt versions); redo the rest",
    )
    extract.add_argument(
        "--no-model", action="store_true", help="structure and cue phrases only, no model"
    )

    index = _command(commands, "index", "add documents to the question-answering index", cmd_index)
    index.add_argument("paths", nargs="*", help="documents or directories (walked)")
    index.add_argument("--remove", nargs="+", metavar="NAME", help="drop documents by file name")
    index.add_argument(
        "--no-model", action="store_true", help="index without the model (reasons from cues)"
    )

    ask = _command(commands, "ask", "ask a question; every answer cites its source", cmd_ask)
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="the answer as JSON")
    ask.add_argument("--docs", nargs="+", help="only these documents (file names)")
    ask.add_argument(
        "--no-model",
        action="store_true",
        help="answer from records only; say so when a question needs the model",
    )

    serve = _command(commands, "serve", "the chat app (Gradio) on settings.host:port", cmd_serve)
    for sub in (index, ask, serve):
        sub.add_argument(
            "--create",
            action="store_true",
            help="create the index directory if it does not exist (needed when --index-dir "
            "or BUDGETLENS_INDEX_DIR names a directory that is not there yet)",
        )

    evaluate = _command(
        commands, "eval", "score extraction and Q&A against hand-labelled gold files", cmd_eval
    )
    evaluate.add_argument("--gold", type=Path, default=DEFAULT_GOLD, help="gold files (*.json)")
    evaluate.add_argument(
        "--docs",
        type=Path,
        nargs="+",
        default=[Path("examples")],
        help="folders holding the documents the gold files name (searched in order)",
    )
    source = evaluate.add_mutually_exclusive_group()
    source.add_argument("--no-model", action="store_true", help="structure and cues only")
    source.add_argument(
        "--replay",
        type=Path,
        metavar="DIR",
        help="answer model prompts only from responses recorded in DIR (a miss fails)",
    )
    evaluate.add_argument(
        "--responses", type=Path, metavar="DIR", help="record the model's answers in DIR"
    )
    evaluate.add_argument("--report", type=Path, metavar="OUT.html", help="write the HTML report")
    evaluate.add_argument("--json", type=Path, metavar="OUT.json", help="write all scores as JSON")
    evaluate.add_argument(
        "--baseline", type=Path, metavar="RUN.json", help="compare with this run (default: last)"
    )
    evaluate.add_argument("--runs-dir", type=Path, default=None, help="where runs are saved")
    evaluate.add_argument("--no-save", action="store_true", help="do not save this run")
    evaluate.add_argument("--no-qa", action="store_true", help="skip the questions")
    evaluate.add_argument(
        "--fail-on-regression", action="store_true", help="exit 1 when a score drops"
    )

    from budgetlens.llm.model_install import VARIANTS

    model = _command(
        commands, "model", "install or locate the bundled local model", cmd_model, settings=False
    )
    model_commands = model.add_subparsers(dest="model_command", required=True)
    install = model_commands.add_parser("install", help="install and verify the bundled model")
    install.add_argument("--variant", choices=sorted(VARIANTS), default=None)
    where = model_commands.add_parser("path", help="print the model file that would be served")
    where.add_argument("--variant", choices=sorted(VARIANTS), default=None)
    for sub in (install, where):
        add_setting_flags(sub)

    schema = _command(
        commands, "schema", "write (or --check) the record's JSON Schema files", cmd_schema,
        settings=False,
    )  # fmt: skip
    schema.add_argument("--check", action="store_true", help="exit 1 if a file is out of date")
    schema.add_argument("--dir", help="write into this directory instead of eval/")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    import signal

    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `budgetlens … | head` ends quietly
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = settings_from_args(args)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        print(f"error: bad setting ({problems})", file=sys.stderr)
        return EXIT_USAGE
    try:
        return int(args.handler(args, settings))
    except BudgetLensError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
