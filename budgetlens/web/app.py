"""BudgetLens web app: chat with cited answers, upload and index documents, inspect records.

``budgetlens serve`` (or ``python app.py``) listens on ``settings.host``/``settings.port``,
127.0.0.1:7860 unless told otherwise. Only files a user uploads are read (from Gradio's
upload temp files, through the one pipeline), and all document text is HTML-escaped. The
model is started lazily, the first time a question needs it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import gradio as gr

from budgetlens.extract.exports import export_name, write_export
from budgetlens.extract.types import Answer, Record
from budgetlens.files import DOCUMENT_SUFFIXES
from budgetlens.llm.base import LLM
from budgetlens.pipeline import Upload, process_document
from budgetlens.qa.answer import ask
from budgetlens.qa.index import Index
from budgetlens.settings import Settings
from budgetlens.web.views import (
    CSS,
    SCROLL_TO_CITE_JS,
    chip_label,
    citation_footer,
    documents_rows,
    fact_rows,
    record_html,
    source_html,
)

ProgressFn = Callable[..., Any]
DOC_HEADERS = ["文件", "单位", "年度", "类别"]
FACT_HEADERS = ["项目", "键", "金额", "页码", "原文"]


def backend_description(settings: Settings) -> str:
    """What answers and reasons come from (read-only, for the Settings tab)."""
    if settings.base_url:
        return (
            f"OpenAI-compatible endpoint: {settings.base_url}\n"
            f"model: {settings.model or '(BUDGETLENS_MODEL not set)'}"
        )
    from budgetlens.llm.model_install import model_path

    try:
        where = str(model_path(settings.cache_dir, settings.local_model, settings.model_variant))
    except Exception as exc:  # not installed yet: say so rather than fail the page
        where = f"(not available: {exc})"
    return f"embedded local model (llama.cpp on 127.0.0.1)\nGGUF: {where}"


class BudgetLensApp:
    """The handlers behind the UI, free of Gradio so they can be unit-tested."""

    def __init__(self, settings: Settings, index: Index, llm: LLM | None) -> None:
        self.settings = settings
        self.index = index
        self.llm = llm

    # --- documents -----------------------------------------------------------------------

    def doc_names(self) -> list[str]:
        return sorted(self.index.manifest())

    def documents_table(self) -> list[list[Any]]:
        return documents_rows(self.index.manifest())

    def index_upload(self, data: bytes, name: str, *, use_model: bool = False) -> str:
        """Run one upload through the pipeline and index it; a one-line status."""
        result = process_document(
            Upload(name, data), self.llm if use_model else None, max_bytes=self.settings.max_bytes
        )
        record = result.record
        if record.error is not None or result.parsed is None:
            return f"✗ {name}: {record.error}"
        twin = self.index.duplicate_of(record)
        if twin is not None and twin != name:
            return f"✗ {name}: 与已索引的 {twin} 内容相同，未重复索引"
        added = self.index.add(name, result.text, record, result.parsed.doc)
        return f"✓ {name}: {'indexed' if added else 'unchanged'} ({record.unit})"

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
            if path.suffix.lower() not in DOCUMENT_SUFFIXES:
                lines.append(f"✗ {name}: unsupported type (use .txt, .docx, .pdf or .html)")
                continue
            size = path.stat().st_size
            if size > self.settings.max_bytes:
                lines.append(
                    f"✗ {name}: {size / 1048576:.1f} MB is over the "
                    f"{self.settings.max_file_mb:g} MB limit (BUDGETLENS_MAX_FILE_MB)"
                )
                continue
            lines.append(self.index_upload(path.read_bytes(), name, use_model=use_model))
        if progress is not None:
            progress(1.0, desc="done")
        return "\n\n".join(lines)

    def remove(self, name: str | None) -> str:
        if not name:
            return "Choose a document to remove."
        return f"removed {name}" if self.index.remove(name) else f"{name} is not indexed"

    # --- chat ----------------------------------------------------------------------------

    def answer(self, question: str) -> Answer:
        return ask(question, self.index, self.llm)

    def chat(
        self, question: str, history: list[dict[str, Any]] | None
    ) -> tuple[list[dict[str, Any]], list[str], list[dict[str, Any]]]:
        """(chat history, chip labels, citations) once the answer is verified."""
        history = [*(history or [])]
        question = (question or "").strip()
        if not question:
            return history, [], []
        answer = self.answer(question)
        history.append({"role": "user", "content": question})
        history.append({"role": "assistant", "content": answer.answer + citation_footer(answer)})
        cites = [c.model_dump(mode="json") for c in answer.citations]
        labels = [chip_label(i, c) for i, c in enumerate(answer.citations, 1)]
        return history, labels, cites

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

    def record(self, name: str | None) -> Record | None:
        doc = self.index.documents().get(name or "")
        return doc.record if doc is not None else None

    def record_view(self, name: str | None) -> tuple[str, list[list[Any]]]:
        record = self.record(name)
        if record is None:
            return "<p>Choose an indexed document.</p>", []
        return record_html(record), fact_rows(record)

    def export_record(self, name: str | None, fmt: str) -> str | None:
        """Write the record as CSV or XLSX in a fresh temp dir, named after the document."""
        record = self.record(name)
        if record is None:
            return None
        out = Path(tempfile.mkdtemp(prefix="budgetlens-export-"))
        target = out / export_name(Path(record.doc).stem, fmt)
        return str(write_export([record], target, fmt))


def build_app(settings: Settings, index: Index, llm: LLM | None) -> gr.Blocks:
    """The Gradio Blocks UI; launch with ``css=CSS`` (see :func:`launch`)."""
    handlers = BudgetLensApp(settings, index, llm)

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
                file_types=list(DOCUMENT_SUFFIXES),
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
                value=backend_description(settings), label="backend", lines=3, interactive=False
            )
            gr.Textbox(value=str(settings.index_dir), label="index_dir", interactive=False)
            gr.Textbox(value=f"{settings.max_file_mb:g} MB", label="max_file_mb", interactive=False)

        def on_ask(q: str, history: list[dict[str, Any]] | None) -> tuple[Any, ...]:
            hist, labels, found = handlers.chat(q, history)
            return hist, gr.update(choices=labels, value=None), found, ""

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
    demo.budgetlens = handlers
    return demo


def launch(demo: gr.Blocks, settings: Settings, *, block: bool = True) -> None:
    demo.queue().launch(
        server_name=settings.host,
        server_port=settings.port,
        css=CSS,
        max_file_size=f"{settings.max_file_mb:g}mb",
        prevent_thread_lock=not block,
        show_error=True,
        quiet=not block,
    )


def serve(settings: Settings, index: Index) -> None:
    """``budgetlens serve``: the app over ``index``, the model started when first needed."""
    llm = settings.lazy_llm()
    try:
        launch(build_app(settings, index, llm), settings)
    finally:
        llm.close()
