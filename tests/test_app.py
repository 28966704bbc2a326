"""The web app's handlers (budgetlens.web.app), without a browser: temp index, no model."""

from __future__ import annotations

import csv
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("gradio", reason="gradio is not installed (pip install gradio)")

from budgetlens.extract.types import Check, Operand, Record
from budgetlens.llm.fake import FakeLLM
from budgetlens.qa.index import Index
from budgetlens.settings import Settings
from budgetlens.web.app import BudgetLensApp, backend_description, build_app

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "langfang_kexie_2023_danweiyusuan.txt"

HOSTILE = """某某区民政局2024年部门预算公开说明
现将某某区民政局2024年部门预算公开如下：
一、预算情况
2024年支出预算200.00万元，其中基本支出120.00万元，项目支出80.00万元。<script>alert(1)</script>
项目支出比上年减少10.00万元，主要是养老服务补贴项目调整。
"""


@pytest.fixture(scope="module")
def handlers(tmp_path_factory: pytest.TempPathFactory) -> BudgetLensApp:
    root = tmp_path_factory.mktemp("app")
    settings = Settings(index_dir=root / "index", cache_dir=root / "cache", max_file_mb=1)
    app = BudgetLensApp(settings, Index(settings.index_dir), None)
    upload = root / "upload"
    upload.mkdir()
    target = upload / EXAMPLE.name
    target.write_bytes(EXAMPLE.read_bytes())
    hostile = upload / "hostile.txt"
    hostile.write_text(HOSTILE, encoding="utf-8")
    calls: list[tuple[float, str]] = []
    message = app.upload(
        [str(target), str(hostile)], False, lambda f, desc="": calls.append((f, desc))
    )
    assert "✓ langfang_kexie_2023_danweiyusuan.txt: 已索引" in message, message
    assert calls[-1] == (1.0, "完成")
    # progress by stage, each named, for each file in turn
    stages = [desc for _, desc in calls if desc.startswith("langfang")]
    assert [s.split("：")[-1] for s in stages] == [
        "读取文件", "解析与核对", "提取原因、职责等文字", "生成检索向量", "写入索引",
    ]  # fmt: skip
    assert [f for f, _ in calls] == sorted(f for f, _ in calls)
    return app


def test_upload_lists_the_document_with_unit_year_kind(handlers: BudgetLensApp) -> None:
    rows = {row[0]: row for row in handlers.documents_table()}
    _name, unit, year, kind = rows["langfang_kexie_2023_danweiyusuan.txt"]
    assert "廊坊" in unit and year == 2023 and kind == "预算"


def test_reupload_is_unchanged_and_wrong_type_is_refused(
    handlers: BudgetLensApp, tmp_path: Path
) -> None:
    again = tmp_path / EXAMPLE.name
    again.write_bytes(EXAMPLE.read_bytes())
    assert "未改变" in handlers.upload([str(again)])
    exe = tmp_path / "tool.exe"
    exe.write_bytes(b"MZ\x00")
    assert "不支持的文件类型" in handlers.upload(str(exe))
    assert handlers.upload(None) == "没有选择文件。"


def test_over_the_size_limit_is_rejected_with_a_clear_message(
    handlers: BudgetLensApp, tmp_path: Path
) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * (1024 * 1024 + 10))
    message = handlers.upload([str(big)])
    assert message.startswith("✗ big.txt") and "超过 1 MB 的上限" in message
    assert "big.txt" not in handlers.doc_names()


def test_an_answer_comes_with_a_verified_citation_marked(handlers: BudgetLensApp) -> None:
    question = "廊坊市科协项目支出为什么减少？"  # two documents state a 项目支出 decrease
    history, labels, cites = handlers.chat(question, [])
    assert history[0] == {"role": "user", "content": question}
    assert "老科协" in history[-1]["content"]
    assert labels and labels[0].startswith("[1] ✓ langfang")
    assert cites[0]["verified"]
    html = handlers.citation_view(0, cites)
    marked = html.split('<mark id="cite">', 1)[1].split("</mark>", 1)[0]
    assert "项目支出减少144.13万元" in marked
    assert handlers.citation_view(None, cites) == ""


def test_question_without_an_answer_is_declined_without_a_model(handlers: BudgetLensApp) -> None:
    history, _labels, cites = handlers.chat("廊坊市科协有几个党支部委员？", [])
    assert "模型" in history[-1]["content"]  # needs the model, which is off: it says so
    assert all(not c["verified"] for c in cites)  # closest passages, not claims


def test_record_view_escapes_document_text(handlers: BudgetLensApp) -> None:
    cites_html = handlers.citation_view(
        0, [{"doc": "hostile.txt", "span": [0, 10], "quote": "", "verified": True}]
    )
    view, facts = handlers.record_view("hostile.txt")
    assert "<script>" not in cites_html and "&lt;script&gt;" in cites_html
    assert "<script>" not in view
    assert facts
    langfang, langfang_facts = handlers.record_view("langfang_kexie_2023_danweiyusuan.txt")
    assert "bl-badge bl-pass" in langfang and ">通过<" in langfang
    assert any("144.13" in str(row[2]) for row in langfang_facts)
    assert any(row[0] == "人员经费" and row[2] == "451.60万元" for row in langfang_facts)


def test_failed_checks_show_operands_and_their_text(tmp_path: Path) -> None:
    from budgetlens.web.views import record_html

    record = Record(
        doc="x.txt",
        unit="x<b>",
        checks=[
            Check(
                id="c1",
                rule="sum",
                status="fail",
                expected=3,
                actual=4,
                message="1+2≠4",
                operand_details=[Operand(name="a", value=1, span=(0, 3), text="a为1<script>")],
            )
        ],
    )
    html = record_html(record)
    assert "bl-fail" in html and "a为1&lt;script&gt;" in html and "x&lt;b&gt;" in html


def test_export_csv_and_xlsx(handlers: BudgetLensApp) -> None:
    path = handlers.export_record("langfang_kexie_2023_danweiyusuan.txt", "csv")
    assert path is not None
    with open(path, encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    assert rows[0][:2] == ["文件（doc）", "路径（path）"] and len(rows) > 5
    assert Path(path).name == "langfang_kexie_2023_danweiyusuan.facts.csv"
    xlsx = handlers.export_record("langfang_kexie_2023_danweiyusuan.txt", "xlsx")
    assert xlsx is not None and xlsx.endswith(".xlsx") and Path(xlsx).stat().st_size > 0
    assert handlers.export_record("missing.txt", "csv") is None


def test_remove_drops_the_document(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache")
    app = BudgetLensApp(settings, Index(settings.index_dir), None)
    doc = tmp_path / "d.txt"
    doc.write_text(HOSTILE, encoding="utf-8")
    app.upload([str(doc)])
    assert app.doc_names() == ["d.txt"]
    assert "确认删除" in app.remove("d.txt", confirmed=False) and app.doc_names() == ["d.txt"]
    exported = app.export_record("d.txt", "csv")
    assert exported is not None and Path(exported).exists()
    assert app.remove("d.txt", confirmed=True).startswith("已删除 d.txt")
    assert app.doc_names() == [] and not Path(exported).exists()  # its exports went too


def test_build_app_returns_blocks(tmp_path: Path) -> None:
    import gradio as gr

    settings = Settings(index_dir=tmp_path / "index", base_url="http://127.0.0.1:9/v1", model="m")
    demo = build_app(settings, Index(settings.index_dir), None)
    assert isinstance(demo, gr.Blocks)
    assert "http://127.0.0.1:9/v1" in backend_description(settings)


def test_chat_text_is_escaped_and_never_markup(handlers: BudgetLensApp) -> None:
    from budgetlens.web.views import chat_text

    shown = chat_text(
        '见[官网](http://evil.example/x) <img src="http://evil.example/p.png">\n下一行'
    )
    assert "<img" not in shown and "&lt;img" in shown and "<br>" in shown
    history, _labels, _cites = handlers.chat("<b>项目支出</b>为什么减少？", [])
    assert history[0]["content"] == "&lt;b&gt;项目支出&lt;/b&gt;为什么减少？"


def test_a_follow_up_keeps_the_unit_year_and_question(handlers: BudgetLensApp) -> None:
    first = "廊坊市科协2023年项目支出是多少？"
    history, _labels, cites = handlers.chat(first, [], [])
    assert "项目支出" in history[-1]["content"]
    history, _labels, cites = handlers.chat("那基本支出呢？", history, [first])
    assert "基本支出" in history[-1]["content"] and "504.58" in history[-1]["content"]
    assert cites and cites[0]["doc"].startswith("langfang")


class SlowModel(FakeLLM):
    """The scripted model, answering after a pause: what another user's question waits behind."""

    def __init__(self, seconds: float) -> None:
        super().__init__([{"found": False, "answer": "文件中没有找到相关信息", "citations": []}])
        self.seconds = seconds
        self.started = threading.Event()

    def structured(self, request, response_model, *, context=None, max_retries=1):  # type: ignore[no-untyped-def]
        self.started.set()
        time.sleep(self.seconds)
        return super().structured(request, response_model, context=context, max_retries=max_retries)


def test_a_record_answer_does_not_wait_behind_a_model_answer(handlers: BudgetLensApp) -> None:
    slow = SlowModel(3.0)
    app = BudgetLensApp(handlers.settings, handlers.index, slow)  # type: ignore[arg-type]
    steps: list[str] = []
    model_question = threading.Thread(
        target=lambda: steps.extend(
            h[-1]["content"] for h, _, _ in app.chat_stream("廊坊市科协有几个党支部委员？", [])
        )
    )
    model_question.start()
    assert slow.started.wait(10)
    started = time.perf_counter()
    history, _labels, _cites = app.chat("廊坊市科协2023年项目支出是多少？", [])
    waited = time.perf_counter() - started
    model_question.join(20)
    assert "项目支出" in history[-1]["content"]
    assert waited < 2.0  # the record answer did not queue behind the model's 3 s
    assert any("模型正在阅读" in step for step in steps)  # the first shows what it is doing
    assert "没有找到" in steps[-1]
