"""BudgetLens web app: chat with cited answers, upload and index documents, inspect records.

``budgetlens serve`` (or ``python app.py``) listens on ``settings.host``/``settings.port``,
127.0.0.1:7860 unless told otherwise. Only files a user uploads are read (from Gradio's
upload temp files, through the one pipeline), and all document text is HTML-escaped. The
model is started lazily, the first time a question needs it.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
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
from budgetlens.qa.query import follow_up
from budgetlens.settings import Settings
from budgetlens.web.views import (
    CSS,
    SCROLL_TO_CITE_JS,
    chat_text,
    chip_label,
    citation_footer,
    documents_rows,
    fact_rows,
    record_html,
    source_html,
    stage_label,
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
        # One model answer at a time, in arrival order; record answers never wait for it.
        self._model_turn = threading.Lock()
        self._queue_lock = threading.Lock()
        self._queue: list[int] = []
        self._tickets = 0
        self._temp_dirs: list[Path] = []  # exports written for download, removed on close

    # --- documents -----------------------------------------------------------------------

    def doc_names(self) -> list[str]:
        return sorted(self.index.manifest())

    def documents_table(self) -> list[list[Any]]:
        return documents_rows(self.index.manifest())

    def index_upload(
        self,
        data: bytes,
        name: str,
        *,
        use_model: bool = False,
        on_stage: Callable[[str], None] | None = None,
    ) -> str:
        """Run one upload through the pipeline and index it; a one-line status.
        ``on_stage`` is told each stage (load, parse, extract n/m, embed, index)."""
        result = process_document(
            Upload(name, data),
            self.llm if use_model else None,
            max_bytes=self.settings.max_bytes,
            on_stage=on_stage,
        )
        record = result.record
        if record.error is not None or result.parsed is None:
            return f"✗ {name}: {record.error}"
        twin = self.index.duplicate_of(record)
        if twin is not None and twin != name:
            return f"✗ {name}: 与已索引的 {twin} 内容相同，未重复索引"
        added = self.index.add(name, result.text, record, result.parsed.doc, on_stage)
        failed = sum(1 for c in record.checks if c.status == "fail")
        checks = f"，{failed} 项核对不一致" if failed else ""
        done = "已索引" if added else "未改变"
        return f"✓ {name}: {done}（{record.unit or '单位未识别'}{checks}）"

    def upload(
        self,
        files: Sequence[str] | str | None,
        use_model: bool = False,
        progress: ProgressFn | None = None,
    ) -> str:
        """Index uploaded files (Gradio temp paths); returns a status message (Markdown)."""
        if not files:
            return "没有选择文件。"
        paths = [files] if isinstance(files, str) else list(files)
        lines: list[str] = []
        stages = ("load", "parse", "extract", "embed", "index")
        for number, temp in enumerate(paths):
            path = Path(temp)
            name = path.name

            def report(stage: str, number: int = number, name: str = name) -> None:
                if progress is None:
                    return
                step = stages.index(stage.split()[0]) if stage.split()[0] in stages else 0
                done = (number + step / len(stages)) / len(paths)
                where = f"（{number + 1}/{len(paths)}）" if len(paths) > 1 else ""
                progress(done, desc=f"{name}{where}：{stage_label(stage)}")

            if path.suffix.lower() not in DOCUMENT_SUFFIXES:
                lines.append(f"✗ {name}: 不支持的文件类型（请用 .txt、.docx、.pdf 或 .html）")
                continue
            size = path.stat().st_size
            if size > self.settings.max_bytes:
                lines.append(
                    f"✗ {name}: {size / 1048576:.1f} MB，超过 "
                    f"{self.settings.max_file_mb:g} MB 的上限（BUDGETLENS_MAX_FILE_MB）"
                )
                continue
            lines.append(
                self.index_upload(path.read_bytes(), name, use_model=use_model, on_stage=report)
            )
        if progress is not None:
            progress(1.0, desc="完成")
        return "\n\n".join(lines)

    def remove(self, name: str | None, confirmed: bool = True) -> str:
        if not name:
            return "请先选择要删除的文件。"
        if not confirmed:
            return f"要删除 {name}，请先勾选“确认删除”。"
        if not self.index.remove(name):
            return f"{name} 不在索引中"
        self.clean_exports()
        return f"已删除 {name}（及为它生成的导出文件）"

    def clean_exports(self) -> None:
        """Remove the temporary folders of exports written for download."""
        for folder in self._temp_dirs:
            shutil.rmtree(folder, ignore_errors=True)
        self._temp_dirs.clear()

    # --- chat ----------------------------------------------------------------------------

    def answer(self, question: str, previous: str | None = None) -> Answer:
        """The answer, the model used only when the record cannot answer."""
        return ask(follow_up(question, previous), self.index, self.llm)

    def chat(
        self, question: str, history: list[dict[str, Any]] | None, asked: list[str] | None = None
    ) -> tuple[list[dict[str, Any]], list[str], list[dict[str, Any]]]:
        """(chat history, chip labels, citations) once the answer is verified."""
        *_, final = self.chat_stream(question, history, asked)
        return final

    def chat_stream(
        self, question: str, history: list[dict[str, Any]] | None, asked: list[str] | None = None
    ) -> Iterator[tuple[list[dict[str, Any]], list[str], list[dict[str, Any]]]]:
        """The chat turn as it happens. A record answer comes at once. A question that needs
        the model first shows the passages retrieved for it and its place in the queue (one
        model answer runs at a time, for every user), then the verified answer."""
        history = [*(history or [])]
        question = (question or "").strip()
        if not question:
            yield history, [], []
            return
        previous = asked[-1] if asked else None
        resolved = follow_up(question, previous)
        history.append({"role": "user", "content": chat_text(question)})
        quick = ask(resolved, self.index, None)
        if quick.route != "needs_model" or self.llm is None:
            yield self._turn(history, quick)
            return
        ticket = self._enqueue()
        try:
            while not self._model_turn.acquire(timeout=0.5):
                ahead = self._ahead(ticket)
                waiting = f"前面还有 {ahead} 个问题，" if ahead else ""
                note = f"模型正在阅读相关原文（{waiting}请稍候）。先看检索到的段落："
                yield self._turn(history, quick, note)
            try:
                yield self._turn(history, quick, "模型正在阅读下面的段落，请稍候：")
                answer = ask(resolved, self.index, self.llm)
            finally:
                self._model_turn.release()
        finally:
            self._dequeue(ticket)
        yield self._turn(history, answer)

    def _turn(
        self, history: list[dict[str, Any]], answer: Answer, interim: str | None = None
    ) -> tuple[list[dict[str, Any]], list[str], list[dict[str, Any]]]:
        text = interim if interim is not None else answer.answer + citation_footer(answer)
        shown = [*history, {"role": "assistant", "content": chat_text(text)}]
        cites = [c.model_dump(mode="json") for c in answer.citations]
        labels = [chip_label(i, c) for i, c in enumerate(answer.citations, 1)]
        return shown, labels, cites

    def _enqueue(self) -> int:
        with self._queue_lock:
            self._tickets += 1
            self._queue.append(self._tickets)
            return self._tickets

    def _ahead(self, ticket: int) -> int:
        with self._queue_lock:
            return self._queue.index(ticket) if ticket in self._queue else 0

    def _dequeue(self, ticket: int) -> None:
        with self._queue_lock:
            if ticket in self._queue:
                self._queue.remove(ticket)

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
        self._temp_dirs.append(out)
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
        with gr.Tab("问答", id="chat"):
            # no Markdown: document and model text is escaped and shown as the characters it is
            chatbot = gr.Chatbot(
                label="问答", height=360, elem_id="chat", render_markdown=False, sanitize_html=True
            )
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
            asked = gr.State([])  # this session's questions, for follow-ups ("那基本支出呢？")
            source = gr.HTML(elem_id="source-panel")

        with gr.Tab("文件", id="documents"):
            files = gr.File(
                label=f"上传 .txt/.docx/.pdf/.html（≤ {settings.max_file_mb:g} MB）",
                file_count="multiple",
                file_types=list(DOCUMENT_SUFFIXES),
                elem_id="upload",
            )
            use_model = gr.Checkbox(label="用模型提取原因（较慢）", value=False)
            index_button = gr.Button("解析并索引", variant="primary", elem_id="index")
            status = gr.Markdown(elem_id="upload-status")
            docs_table = gr.Dataframe(
                headers=DOC_HEADERS,
                value=handlers.documents_table(),
                interactive=False,
                elem_id="documents",
            )
            with gr.Row():
                to_remove = gr.Dropdown(choices=handlers.doc_names(), label="文件")
                confirm = gr.Checkbox(label="确认删除", value=False, elem_id="confirm-remove")
                remove_button = gr.Button("删除", variant="stop", elem_id="remove")

        with gr.Tab("记录", id="records"):
            record_choice = gr.Dropdown(
                choices=handlers.doc_names(), label="文件", elem_id="record-choice"
            )
            record_panel = gr.HTML(elem_id="record-panel")
            facts_table = gr.Dataframe(
                headers=FACT_HEADERS, interactive=False, wrap=True, elem_id="facts"
            )
            with gr.Row():
                csv_button = gr.Button("导出 CSV")
                xlsx_button = gr.Button("导出 XLSX")
            download = gr.File(label="下载", interactive=False)

        with gr.Tab("设置", id="settings"):
            gr.Textbox(
                value=backend_description(settings), label="模型", lines=3, interactive=False
            )
            gr.Textbox(value=str(settings.index_dir), label="索引目录", interactive=False)
            gr.Textbox(
                value=f"{settings.max_file_mb:g} MB", label="单个文件上限", interactive=False
            )

        def on_ask(
            q: str, history: list[dict[str, Any]] | None, questions: list[str] | None
        ) -> Iterator[tuple[Any, ...]]:
            latest = [*(questions or [])]
            for hist, labels, found in handlers.chat_stream(q, history, latest):
                yield hist, gr.update(choices=labels, value=None), found, "", latest
            if (q or "").strip():
                latest.append(follow_up(q.strip(), latest[-1] if latest else None))
                yield hist, gr.update(choices=labels, value=None), found, "", latest

        def on_ask_start() -> tuple[Any, Any, str]:
            return gr.update(choices=[], value=None), [], ""

        ask_outputs = [chatbot, chips, cites, question, asked]
        for trigger in (send.click, question.submit):
            # many sessions at once: record answers never wait; the model takes one at a time
            trigger(on_ask_start, None, [chips, cites, source], concurrency_limit=None).then(
                on_ask, [question, chatbot, asked], ask_outputs, concurrency_limit=16
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
            lambda n, ok: (handlers.remove(n, ok), *doc_updates(), False),
            [to_remove, confirm],
            [status, *doc_outputs, confirm],
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
    demo = build_app(settings, index, llm)
    try:
        launch(demo, settings)
    finally:
        demo.budgetlens.clean_exports()  # type: ignore[attr-defined]
        llm.close()
