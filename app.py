"""BudgetLens web app: chat with cited answers, upload and index documents, inspect records.

    python app.py [--host 127.0.0.1] [--port 7860] [--<setting> VALUE ...]

Listens on 127.0.0.1 unless ``--host`` or ``BUDGETLENS_APP_HOST`` says otherwise. Only the
files a user uploads are read (from Gradio's upload temp files, through ``load_bytes``), and
all document text is HTML-escaped. The model (the embedded one, or ``base_url``) is started
lazily, the first time a question needs retrieval answers or "use the model" is ticked.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import gradio as gr

from budgetlens.settings import Settings, add_setting_flags, settings_from_args
from extract.batch import export
from extract.llm.base import LLM, Message, StructuredOutputError, T
from extract.loaders import LoadError, load_bytes
from extract.record import parse_loaded
from qa.answer import ask
from qa.app_views import (
    CSS,
    SCROLL_TO_CITE_JS,
    chip_label,
    citation_footer,
    documents_rows,
    fact_rows,
    record_html,
    source_html,
)
from qa.index import Index, record_for_index

LLMFactory = Callable[[], LLM | None]
ProgressFn = Callable[..., Any]
UPLOAD_TYPES = (".txt", ".docx", ".pdf", ".html", ".htm")
DOC_HEADERS = ["document", "unit", "year", "kind"]
FACT_HEADERS = ["key", "value (万元)", "source text"]


def backend_description(settings: Settings) -> str:
    """What answers and reasons come from (read-only, for the Settings tab)."""
    if settings.base_url:
        return (
            f"OpenAI-compatible endpoint: {settings.base_url}\n"
            f"model: {settings.model or '(BUDGETLENS_MODEL not set)'}"
        )
    from extract.llm import model_path

    try:
        where = str(model_path(settings))
    except Exception as exc:  # not installed yet: say so rather than fail the page
        where = f"(not available: {exc})"
    return f"embedded local model (llama.cpp on 127.0.0.1)\nGGUF: {where}"


class _LazyLLM:
    """Stands in for the model until a call needs it; then builds it once via the factory."""

    name = "lazy"

    def __init__(self, factory: LLMFactory) -> None:
        self._factory = factory

    def _get(self) -> LLM:
        llm = self._factory()
        if llm is None:
            raise StructuredOutputError("no model configured", attempts=0)
        return llm

    @property
    def stats(self) -> Any:
        return self._get().stats

    def structured(
        self,
        messages: list[Message],
        response_model: type[T],
        *,
        validation_context: dict[str, Any] | None = None,
        max_retries: int = 2,
    ) -> T:
        return self._get().structured(
            messages,
            response_model,
            validation_context=validation_context,
            max_retries=max_retries,
        )

    def stream(self, messages: list[Message]) -> Iterator[str]:
        return self._get().stream(messages)


class BudgetLensApp:
    """The handlers behind the UI, free of Gradio so they can be unit-tested."""

    def __init__(
        self, settings: Settings, index: Index | None = None, llm_factory: LLMFactory | None = None
    ) -> None:
        self.settings = settings
        self.index = index if index is not None else Index(settings.index_dir)
        self._llm_factory = llm_factory or self._default_llm
        self._llm: LLM | None = None
        self._llm_lock = threading.Lock()
        self._stack = contextlib.ExitStack()

    # --- model ---------------------------------------------------------------------------

    def _default_llm(self) -> LLM | None:
        with self._llm_lock:
            if self._llm is None:
                from extract.llm import get_llm

                llm, stack = get_llm(self.settings)
                self._stack.enter_context(stack)
                atexit.register(self._stack.close)
                self._llm = llm
            return self._llm

    @property
    def max_bytes(self) -> int:
        return int(self.settings.max_file_mb * 1024 * 1024)

    # --- documents -----------------------------------------------------------------------

    def doc_names(self) -> list[str]:
        return sorted(self.index.manifest())

    def documents_table(self) -> list[list[Any]]:
        return documents_rows(self.index.manifest())

    def index_upload(self, data: bytes, name: str, *, use_model: bool = False) -> tuple[bool, str]:
        """Parse, extract and index one upload; (ok, message)."""
        parsed = parse_loaded(load_bytes(data, name, max_bytes=self.max_bytes), name)
        record = record_for_index(parsed, self._llm_factory() if use_model else None)
        added = self.index.add(name, parsed.doc.text, record, parsed.doc)
        return True, f"✓ {name}: {'indexed' if added else 'unchanged'} ({record.get('unit')})"

    def upload(
        self,
        files: Sequence[str] | str | None,
        use_model: bool = False,
        progress: ProgressFn | None = None,
    ) -> str:
        """Index uploaded files (Gradio temp paths); returns a status message (Markdown)."""
        if not files:
            return "No file chosen."
        paths = [files] if isinstance(files, str) else list(files)
        lines: list[str] = []
        for number, temp in enumerate(paths):
            path = Path(temp)
            name = path.name
            if progress is not None:
                progress(number / len(paths), desc=f"parsing {name}")
            if path.suffix.lower() not in UPLOAD_TYPES:
                lines.append(f"✗ {name}: unsupported type (use .txt, .docx, .pdf or .html)")
                continue
            size = path.stat().st_size
            if size > self.max_bytes:
                lines.append(
                    f"✗ {name}: {size / 1048576:.1f} MB is over the "
                    f"{self.settings.max_file_mb:g} MB limit (BUDGETLENS_MAX_FILE_MB)"
                )
                continue
            try:
                _, message = self.index_upload(path.read_bytes(), name, use_model=use_model)
            except LoadError as exc:
                message = f"✗ {exc}"
            except Exception as exc:  # a model or index failure: report it, keep going
                message = f"✗ {name}: {type(exc).__name__}: {exc}"
            lines.append(message)
        if progress is not None:
            progress(1.0, desc="done")
        return "\n\n".join(lines)

    def remove(self, name: str | None) -> str:
        if not name:
            return "Choose a document to remove."
        return f"removed {name}" if self.index.remove(name) else f"{name} is not indexed"

    # --- chat ----------------------------------------------------------------------------

    def answer_stream(
        self, question: str, history: list[dict[str, Any]] | None
    ) -> Iterator[tuple[list[dict[str, Any]], list[str], list[dict[str, Any]]]]:
        """Yield (chat history, chip labels, citations) as the answer text grows."""
        history = [*(history or [])]
        question = (question or "").strip()
        if not question:
            yield history, [], []
            return
        history.append({"role": "user", "content": question})
        history.append({"role": "assistant", "content": "…"})
        yield list(history), [], []
        answer = ask(question, self.index, _LazyLLM(self._llm_factory))
        text = answer.answer + citation_footer(answer)
        step = max(1, len(text) // 40)
        for end in range(step, len(text) + step, step):
            history[-1] = {"role": "assistant", "content": text[:end]}
            yield list(history), [], []
            time.sleep(0.01)
        cites = [c.as_dict() for c in answer.citations]
        labels = [chip_label(i, c) for i, c in enumerate(answer.citations, 1)]
        yield history, labels, cites

    def citation_view(self, number: int | None, cites: list[dict[str, Any]] | None) -> str:
        """The cited document, escaped, with the cited span marked."""
        if number is None or not cites or not 0 <= number < len(cites):
            return ""
        cite = cites[number]
        doc = self.index.documents().get(cite["doc"])
        if doc is None:
            return f"<p>{cite['doc']} is no longer indexed.</p>"
        return source_html(doc.text, tuple(cite["span"]), doc.name)

    # --- records -------------------------------------------------------------------------

    def record(self, name: str | None) -> dict[str, Any] | None:
        doc = self.index.documents().get(name or "")
        return doc.record if doc is not None else None

    def record_view(self, name: str | None) -> tuple[str, list[list[Any]]]:
        record = self.record(name)
        if record is None:
            return "<p>Choose an indexed document.</p>", []
        return record_html(record), fact_rows(record)

    def export_record(self, name: str | None, fmt: str) -> str | None:
        """Write the record as facts.csv or records.xlsx in a fresh temp dir; its path."""
        record = self.record(name)
        if record is None:
            return None
        out = Path(tempfile.mkdtemp(prefix="budgetlens-export-"))
        (out / "records").mkdir()
        (out / "records" / "record.json").write_text(
            json.dumps(record, ensure_ascii=False), encoding="utf-8"
        )
        return str(export(out, fmt))


def build_app(
    settings: Settings, index: Index | None = None, llm_factory: LLMFactory | None = None
) -> gr.Blocks:
    """The Gradio Blocks UI; launch with ``css=CSS`` (see :func:`launch`)."""
    handlers = BudgetLensApp(settings, index, llm_factory)

    def doc_updates() -> tuple[Any, Any, Any]:
        names = handlers.doc_names()
        return (
            handlers.documents_table(),
            gr.update(choices=names, value=None),
            gr.update(choices=names, value=None),
        )

    with gr.Blocks(title="BudgetLens", analytics_enabled=False) as demo:
        gr.Markdown("## BudgetLens · 预算公开问答")
        with gr.Tab("Chat", id="chat"):
            chatbot = gr.Chatbot(label="问答", height=360, elem_id="chat")
            with gr.Row():
                question = gr.Textbox(
                    placeholder="例如：为什么项目支出减少？",
                    show_label=False,
                    scale=5,
                    elem_id="question",
                )
                send = gr.Button("提问", variant="primary", scale=1, elem_id="send")
            chips = gr.Radio(
                choices=[],
                type="index",
                label="引用（点击查看原文）",
                elem_classes="cite-chips",
                elem_id="chips",
            )
            cites = gr.State([])
            source = gr.HTML(elem_id="source-panel")

        with gr.Tab("Documents", id="documents"):
            files = gr.File(
                label=f"上传 .txt/.docx/.pdf/.html（≤ {settings.max_file_mb:g} MB）",
                file_count="multiple",
                file_types=list(UPLOAD_TYPES),
                elem_id="upload",
            )
            use_model = gr.Checkbox(label="use the model for reasons", value=False)
            index_button = gr.Button("Parse and index", variant="primary", elem_id="index")
            status = gr.Markdown(elem_id="upload-status")
            docs_table = gr.Dataframe(
                headers=DOC_HEADERS,
                value=handlers.documents_table(),
                interactive=False,
                elem_id="documents",
            )
            with gr.Row():
                to_remove = gr.Dropdown(choices=handlers.doc_names(), label="document")
                remove_button = gr.Button("Remove", variant="stop")

        with gr.Tab("Records", id="records"):
            record_choice = gr.Dropdown(
                choices=handlers.doc_names(), label="document", elem_id="record-choice"
            )
            record_panel = gr.HTML(elem_id="record-panel")
            facts_table = gr.Dataframe(
                headers=FACT_HEADERS, interactive=False, wrap=True, elem_id="facts"
            )
            with gr.Row():
                csv_button = gr.Button("Export CSV")
                xlsx_button = gr.Button("Export XLSX")
            download = gr.File(label="download", interactive=False)

        with gr.Tab("Settings", id="settings"):
            gr.Textbox(
                value=backend_description(settings),
                label="backend",
                lines=3,
                interactive=False,
            )
            gr.Textbox(value=str(settings.index_dir), label="index_dir", interactive=False)
            gr.Textbox(value=f"{settings.max_file_mb:g} MB", label="max_file_mb", interactive=False)

        def on_ask(q: str, history: list[dict[str, Any]] | None) -> Iterator[Any]:
            for hist, labels, found in handlers.answer_stream(q, history):
                chip_update = gr.update(choices=labels, value=None) if labels else gr.update()
                yield hist, chip_update, found, ""

        def on_ask_start() -> tuple[Any, Any, str]:
            return gr.update(choices=[], value=None), [], ""

        ask_outputs = [chatbot, chips, cites, question]
        for trigger in (send.click, question.submit):
            trigger(on_ask_start, None, [chips, cites, source]).then(
                on_ask, [question, chatbot], ask_outputs
            )
        chips.input(handlers.citation_view, [chips, cites], source).then(
            None, None, None, js=SCROLL_TO_CITE_JS
        )

        def on_index(
            paths: list[str] | None,
            model: bool,
            progress: gr.Progress = gr.Progress(),  # noqa: B008
        ) -> tuple[Any, ...]:
            message = handlers.upload(paths, model, progress)
            return (message, *doc_updates())

        doc_outputs = [docs_table, to_remove, record_choice]
        index_button.click(on_index, [files, use_model], [status, *doc_outputs])
        remove_button.click(
            lambda n: (handlers.remove(n), *doc_updates()), to_remove, [status, *doc_outputs]
        )
        record_choice.change(handlers.record_view, record_choice, [record_panel, facts_table])
        csv_button.click(lambda n: handlers.export_record(n, "csv"), record_choice, download)
        xlsx_button.click(lambda n: handlers.export_record(n, "xlsx"), record_choice, download)
        demo.load(doc_updates, None, doc_outputs)
    demo.budgetlens = handlers  # type: ignore[attr-defined]
    return demo


def launch(
    demo: gr.Blocks,
    settings: Settings,
    *,
    host: str = "127.0.0.1",
    port: int = 7860,
    block: bool = True,
) -> None:
    demo.queue().launch(
        server_name=host,
        server_port=port,
        css=CSS,
        max_file_size=f"{settings.max_file_mb:g}mb",
        prevent_thread_lock=not block,
        show_error=True,
        quiet=not block,
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--host",
        default=os.environ.get("BUDGETLENS_APP_HOST", "127.0.0.1"),
        help="address to listen on (default 127.0.0.1; env BUDGETLENS_APP_HOST)",
    )
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("BUDGETLENS_APP_PORT", "7860"))
    )
    add_setting_flags(parser)
    args = parser.parse_args(argv)
    settings = settings_from_args(args)
    launch(build_app(settings), settings, host=args.host, port=args.port)


if __name__ == "__main__":
    main()
