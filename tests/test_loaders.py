"""extract.loaders: every format becomes one text in the .txt-export convention, or a LoadError.

Fixtures are generated in the tests (python-docx, reportlab, plain bytes) so no binary files
live in the repository.
"""

from __future__ import annotations

import io
import pickle
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from docx.document import Document as DocxDocument
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budgetlens.extract.loaders import (
    DEFAULT_MAX_BYTES,
    LoadedText,
    LoadError,
    load_bytes,
    load_text,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.txt"))
LANGFANG = EXAMPLES / "langfang_kexie_2023_danweiyusuan.txt"


def excerpt(chars: int = 3000) -> str:
    """A real excerpt (prose and a table) from an example export."""
    return LANGFANG.read_text(encoding="utf-8")[:chars]


# --------------------------------------------------------------------------- .txt


def test_examples_are_present() -> None:
    # the two Hebei documents; the Chongqing page stays in ../shared/corpus
    assert [p.name for p in EXAMPLE_FILES] == [
        "langfang_kexie_2023_danweiyusuan.txt",
        "zhangjiakou_kexie_2021_bumenyusuan.txt",
    ]


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_example_txt_loads_verbatim(path: Path) -> None:
    raw = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    loaded = load_text(path)
    assert loaded.text == raw
    assert loaded.source_format == "txt"
    assert loaded.encoding == "utf-8"
    assert loaded.warnings == []


def test_example_load_is_fast() -> None:
    start = time.perf_counter()
    load_text(LANGFANG)
    assert time.perf_counter() - start < 0.5


def test_utf8_bom_and_crlf(tmp_path: Path) -> None:
    text = excerpt()
    f = tmp_path / "bom.txt"
    f.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    loaded = load_text(f)
    assert loaded.text == text
    assert loaded.encoding == "utf-8-sig"
    assert "\ufeff" not in loaded.text and "\r" not in loaded.text


def test_lone_cr_becomes_newline() -> None:
    assert (
        load_bytes("第一行\r第二行\r\n第三行".encode(), "mac.txt").text == "第一行\n第二行\n第三行"
    )


@pytest.mark.parametrize("encoding", ["gb18030", "gbk"])
def test_chinese_legacy_encodings_decode(tmp_path: Path, encoding: str) -> None:
    text = excerpt()
    f = tmp_path / f"{encoding}.txt"
    f.write_bytes(text.encode(encoding))
    loaded = load_text(f)
    assert loaded.text == text
    assert loaded.encoding == "gb18030"
    assert loaded.warnings == []


def test_gb2312_short_text() -> None:
    text = "部门预算：一般公共预算财政拨款收入689.35万元。\n"
    assert load_bytes(text.encode("gb2312"), "short.txt").text == text


def test_utf16_with_bom() -> None:
    text = excerpt(800)
    loaded = load_bytes(text.encode("utf-16"), "u16.txt")
    assert loaded.text == text
    assert loaded.encoding == "utf-16"


def test_utf16_without_bom_is_recognised_not_binary() -> None:
    text = excerpt(800)
    loaded = load_bytes(text.encode("utf-16-le"), "u16le.txt")
    assert loaded.text == text
    assert loaded.encoding == "utf-16-le"
    assert any("byte order mark" in w for w in loaded.warnings)


def test_truncated_utf8_is_replaced_with_offset_warning() -> None:
    data = "预算说明：收入689.35万元".encode()
    cut = data[:-1]  # half of the last character
    loaded = load_bytes(cut, "cut.txt")
    assert loaded.text == "预算说明：收入689.35万\ufffd"
    assert loaded.encoding == "utf-8"
    [warning] = loaded.warnings
    assert warning.startswith("cut.txt: ")
    assert f"offset {len(data) - 3}" in warning


def test_corrupted_byte_in_gbk_is_replaced_with_offset_warning() -> None:
    text = excerpt(2000)
    data = text.encode("gb18030") + b"\x81"  # a dangling lead byte at the end
    loaded = load_bytes(data, "gbk.txt")
    assert loaded.encoding == "gb18030"
    assert loaded.text[:1000] == text[:1000]
    assert any(f"offset {len(data) - 1}" in w for w in loaded.warnings)


def test_trailing_nul_padding_is_dropped_with_warning() -> None:
    loaded = load_bytes("预算".encode() + b"\x00" * 16, "pad.txt")
    assert loaded.text == "预算"
    assert any("NUL" in w and "offset 6" in w for w in loaded.warnings)


def test_big5_falls_back_to_charset_normalizer() -> None:
    text = "中華人民共和國預算法規定各部門應當公開預算，包括收入和支出。" * 3
    loaded = load_bytes(text.encode("big5"), "big5.txt")
    assert loaded.text == text
    assert loaded.encoding == "big5"
    assert any("guessed" in w for w in loaded.warnings)


def test_unknown_extension_sniffs_as_text() -> None:
    loaded = load_bytes("收入689.35万元".encode(), "export.dat")
    assert loaded.source_format == "txt"
    assert loaded.text == "收入689.35万元"


# --------------------------------------------------------------------------- .docx


def table_rows(text: str) -> list[list[str]]:
    """Rows back out of the tab convention (what the downstream table rebuilder does)."""
    rows: list[list[str]] = []
    row: list[str] = []
    for line in text.split("\n"):
        if line.startswith("\t"):
            row.append(line[1:])
        elif row:
            rows.append(row)
            row = []
    return rows


def docx_bytes(build: Callable[[DocxDocument], object]) -> bytes:
    """A .docx made with python-docx, the way Word/WPS lay out paragraphs and tables."""
    document = docx.Document()
    build(document)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _budget_docx(document: DocxDocument) -> None:
    document.add_heading("2018年部门预算情况说明", level=1)
    document.add_paragraph("一、收入支出预算总体情况")
    document.add_paragraph("收入预算\t689.35万元。")
    table = document.add_table(rows=3, cols=3)
    cells = [["项目", "预算数", "上年数"], ["一般公共服务支出", "324970.32", ""], ["合计", "", "1"]]
    for i, row in enumerate(cells):
        for j, value in enumerate(row):
            table.cell(i, j).text = value
    table.cell(2, 0).merge(table.cell(2, 1))  # gridSpan=2
    table.cell(2, 2).text = "689.35"
    document.add_paragraph("二、说明")


def test_docx_paragraphs_and_table_in_document_order() -> None:
    loaded = load_bytes(docx_bytes(_budget_docx), "budget.docx")
    assert loaded.text == (
        "2018年部门预算情况说明\n"
        "一、收入支出预算总体情况\n"
        "收入预算 689.35万元。\n"  # a tab in a paragraph must not look like a table cell
        "\n"
        "\t项目\n\t预算数\n\t上年数\n"
        "\n"
        "\t一般公共服务支出\n\t324970.32\n\t\n"
        "\n"
        "\t合计\n\t689.35\n"
        "\n"
        "\n"
        "二、说明\n"
    )
    assert loaded.source_format == "docx"
    assert loaded.encoding is None
    assert loaded.warnings == []  # ragged rows are reported once, by extract.structure


def test_docx_merges_match_python_docx_row_cells() -> None:
    """Vertical merge repeats per row, horizontal merge once; nested tables are flattened."""

    def build(document: DocxDocument) -> None:
        document.add_paragraph("前")
        table = document.add_table(rows=3, cols=3)
        for i in range(3):
            for j in range(3):
                table.cell(i, j).text = f"r{i}c{j}"
        table.cell(0, 0).merge(table.cell(1, 0))  # vMerge
        table.cell(2, 1).merge(table.cell(2, 2))  # gridSpan
        table.cell(0, 2).paragraphs[0].add_run().add_break()
        table.cell(0, 2).add_paragraph("第二段")
        table.cell(1, 1).add_table(rows=1, cols=2).cell(0, 1).text = "嵌套"

    data = docx_bytes(build)
    got = table_rows(load_bytes(data, "merged.docx").text)
    assert got == [
        ["r0c0 r1c0", "r0c1", "r0c2 第二段"],
        ["r0c0 r1c0", "r1c1 嵌套", "r1c2"],
        ["r2c0", "r2c1 r2c2"],
    ]
    # Same shape as python-docx's row.cells with consecutive duplicates removed.
    table = docx.Document(io.BytesIO(data)).tables[0]
    for row, expected in zip(table.rows, got, strict=True):
        cells = row.cells
        distinct = [c for k, c in enumerate(cells) if k == 0 or c._tc is not cells[k - 1]._tc]
        assert len(distinct) == len(expected)


def test_docx_tables_between_paragraphs_keep_order() -> None:
    def build(document: DocxDocument) -> None:
        for n in (1, 2):
            document.add_paragraph(f"表{n}标题")
            table = document.add_table(rows=1, cols=2)
            table.cell(0, 0).text = f"A{n}"
            table.cell(0, 1).text = f"B{n}"
        document.add_paragraph("结尾")

    text = load_bytes(docx_bytes(build), "two.docx").text
    assert text == "表1标题\n\n\tA1\n\tB1\n\n\n表2标题\n\n\tA2\n\tB2\n\n\n结尾\n"


def test_docx_with_no_text_is_an_error() -> None:
    with pytest.raises(LoadError, match=r"^blank\.docx: .*no text"):
        load_bytes(docx_bytes(lambda d: d.add_paragraph("   ")), "blank.docx")


# --------------------------------------------------------------------------- .html

HTML_PAGE = """<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>预算公开</title><script>var secret = "不应出现";</script><style>td {}</style></head>
<body><div class="crumb">首页 &gt; 信息公开</div>
<h1>2023年部门
预算</h1>
<p>一、收入&nbsp;&nbsp;说明<br>第二行</p>
<table border="1">
<tr><th colspan="2">项目</th><th>金额</th></tr>
<tr><td>财政拨款</td><td>基本支出</td><td>689.35</td></tr>
<tr><td>合计<br>（万元）</td><td></td><td>689.35</td></tr>
</table>
<p>表后<span>说明</span></p>
<noscript>请启用脚本</noscript>
<div style="display:none">隐藏</div>
</body></html>
"""


def test_html_drops_script_and_renders_table() -> None:
    loaded = load_bytes(HTML_PAGE.encode("gb18030"), "page.html")
    assert loaded.text == (
        "首页 > 信息公开\n"
        "2023年部门预算\n"
        "一、收入 说明\n"
        "第二行\n"
        "\n"
        "\t项目\n\t金额\n"
        "\n"
        "\t财政拨款\n\t基本支出\n\t689.35\n"
        "\n"
        "\t合计 （万元）\n\t\n\t689.35\n"
        "\n"
        "\n"
        "表后说明\n"
    )
    assert loaded.encoding == "gb18030"
    assert loaded.source_format == "html"
    assert loaded.warnings == []


def test_html_rowspan_repeats_like_docx_vmerge() -> None:
    page = (
        "<html><body><table><tr><td rowspan=2>收入</td><td>a</td></tr>"
        "<tr><td>b</td></tr></table></body></html>"
    )
    assert load_bytes(page.encode(), "rs.htm").text == "\t收入\n\ta\n\n\t收入\n\tb\n\n\n"


def test_html_rowspan_and_colspan_keep_grid_order() -> None:
    page = (
        "<table><tr><td rowspan=3>A</td><td>b</td><td rowspan=2>C</td></tr>"
        "<tr><td>d</td></tr><tr><td colspan=2>e</td></tr><tr><td>f</td><td>g</td><td>h</td></tr>"
        "</table>"
    )
    assert table_rows(load_bytes(page.encode(), "grid.html").text) == [
        ["A", "b", "C"],
        ["A", "d", "C"],
        ["A", "e"],
        ["f", "g", "h"],
    ]


def test_html_layout_table_is_not_a_data_table() -> None:
    page = (
        "<html><body><table><tr><td>栏目导航</td><td><p>正文</p>"
        "<table><tr><td>项目</td><td>金额</td></tr></table></td></tr></table></body></html>"
    )
    assert load_bytes(page.encode(), "layout.html").text == "栏目导航\n正文\n\n\t项目\n\t金额\n\n\n"


def test_html_utf8_page_mislabelled_gb2312() -> None:
    page = '<html><head><meta charset="gb2312"></head><body><p>预算说明</p></body></html>'
    loaded = load_bytes(page.encode("utf-8"), "wrong.html")
    assert loaded.text == "预算说明\n"
    assert loaded.encoding == "utf-8"
    assert loaded.warnings


def test_html_without_extension_is_sniffed() -> None:
    loaded = load_bytes(b"<html><body><p>hello</p></body></html>", "download")
    assert loaded.source_format == "html"
    assert loaded.text == "hello\n"


# --------------------------------------------------------------------------- .pdf


def chinese_pdf(pages: list[list[object]]) -> bytes:
    """A PDF with real Chinese text via reportlab's built-in CID font (no font file needed)."""
    pytest.importorskip("reportlab")
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("cn", fontName="STSong-Light", fontSize=11, leading=16)
    story: list[object] = []
    for number, page in enumerate(pages):
        if number:
            story.append(PageBreak())
        for item in page:
            if isinstance(item, str):
                story.append(Paragraph(item, style))
            else:
                table = Table(item)
                table.setStyle(
                    [
                        ("FONT", (0, 0), (-1, -1), "STSong-Light", 10),
                        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                    ]
                )
                story.extend([Spacer(1, 12), table, Spacer(1, 12)])
    buf = io.BytesIO()
    SimpleDocTemplate(buf).build(story)
    return buf.getvalue()


@pytest.fixture(scope="module")
def budget_pdf() -> bytes:
    table = [
        ["项目", "预算数", "备注"],
        ["一般公共服务支出", "324970.32", ""],
        ["合计", "1,234.56", "万元"],
    ]
    return chinese_pdf(
        [
            [
                "重庆市交通委员会2018年部门预算情况说明",
                "2018年一般公共预算财政拨款收入324970.32万元。",
                table,
                "以上为表格后的说明。",
            ],
            ["第二页：名词解释"],
        ]
    )


def test_pdf_chinese_text_and_table_in_position(budget_pdf: bytes) -> None:
    loaded = load_bytes(budget_pdf, "budget.pdf")
    assert loaded.source_format == "pdf"
    assert loaded.warnings == []
    assert loaded.text == (
        "重庆市交通委员会2018年部门预算情况说明\n"
        "2018年一般公共预算财政拨款收入324970.32万元。\n"
        "\n"
        "\t项目\n\t预算数\n\t备注\n"
        "\n"
        "\t一般公共服务支出\n\t324970.32\n\t\n"
        "\n"
        "\t合计\n\t1,234.56\n\t万元\n"
        "\n"
        "\n"
        "以上为表格后的说明。\n"
        "第二页：名词解释\n"
    )


def test_pdf_scanned_has_no_text_layer() -> None:
    pytest.importorskip("reportlab")
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    pdf = canvas.Canvas(buf)
    pdf.rect(50, 50, 300, 400, fill=1)  # an "image" of a page: no characters at all
    pdf.showPage()
    pdf.save()
    with pytest.raises(LoadError) as err:
        load_bytes(buf.getvalue(), "scan.pdf")
    assert str(err.value) == "scan.pdf: no text layer (scanned PDF?); OCR is not supported"


def test_pdf_frame_around_text_is_not_a_table() -> None:
    pytest.importorskip("reportlab")
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf)
    pdf.setFont("STSong-Light", 12)
    pdf.rect(30, 30, 530, 780)  # a page border: pdfplumber sees a one-cell "table"
    pdf.drawString(60, 760, "预算说明")
    pdf.drawString(60, 740, "收入689.35万元")
    pdf.showPage()
    pdf.save()
    assert load_bytes(buf.getvalue(), "frame.pdf").text == "预算说明\n收入689.35万元\n"


def test_pdf_named_docx_is_read_as_pdf_with_warning(budget_pdf: bytes) -> None:
    loaded = load_bytes(budget_pdf, "budget.docx")
    assert loaded.source_format == "pdf"
    assert any("content is a PDF" in w for w in loaded.warnings)


# --------------------------------------------------------------------------- bad input


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(LoadError) as err:
        load_text(tmp_path / "nope.txt")
    assert str(err.value) == "nope.txt: file not found"
    assert err.value.path == tmp_path / "nope.txt"
    assert err.value.problem == "file not found"


def test_directory(tmp_path: Path) -> None:
    (tmp_path / "dir.txt").mkdir()
    with pytest.raises(LoadError, match=r"^dir\.txt: is a directory"):
        load_text(tmp_path / "dir.txt")


@pytest.mark.parametrize("ext", [".txt", ".docx", ".pdf", ".html", ""])
def test_empty_file(tmp_path: Path, ext: str) -> None:
    f = tmp_path / f"empty{ext}"
    f.write_bytes(b"")
    with pytest.raises(LoadError) as err:
        load_text(f)
    assert str(err.value) == f"empty{ext}: empty file (0 bytes)"


@pytest.mark.parametrize("ext", [".txt", ".html"])
def test_whitespace_only_file(tmp_path: Path, ext: str) -> None:
    f = tmp_path / f"blank{ext}"
    f.write_bytes(b" \r\n\t\n" + "\u3000".encode())
    with pytest.raises(LoadError) as err:
        load_text(f)
    assert str(err.value) == f"blank{ext}: empty file (only whitespace)"


@pytest.mark.parametrize(
    "data",
    [
        b"\x00\x01\x02\x03" * 64,
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00",
        b"\x01\x02\x03\x04\x05ab\x06",
    ],
    ids=["nul-bytes", "exe", "control-chars"],
)
def test_binary_content(tmp_path: Path, data: bytes) -> None:
    f = tmp_path / "blob.txt"
    f.write_bytes(data)
    with pytest.raises(LoadError) as err:
        load_text(f)
    assert str(err.value) == "blob.txt: binary file, not a text/.docx/.pdf/.html document"


def test_file_over_limit_is_refused_without_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = tmp_path / "huge.txt"
    with f.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)  # sparse: no disk used

    def no_reading(*args: object, **kwargs: object) -> None:
        raise AssertionError("the loader read a file it should have refused by size")

    monkeypatch.setattr(Path, "open", no_reading)
    monkeypatch.setattr(Path, "read_bytes", no_reading)
    with pytest.raises(LoadError) as err:
        load_text(f)
    assert str(err.value) == (
        "huge.txt: is 50.0 MB, over the 20 MB limit; set BUDGETLENS_MAX_FILE_MB to raise it"
    )


def test_load_bytes_respects_max_bytes() -> None:
    assert DEFAULT_MAX_BYTES == 20 * 1024 * 1024
    with pytest.raises(LoadError, match=r"^up\.txt: is 200 bytes, over the 100 bytes limit"):
        load_bytes(b"x" * 200, "up.txt", max_bytes=100)
    with pytest.raises(LoadError, match=r"^up\.txt: is 2\.5 MB, over the 1\.5 MB limit"):
        load_bytes(b"x" * (5 * 1024 * 1024 // 2), "up.txt", max_bytes=3 * 1024 * 1024 // 2)


def test_truncated_docx() -> None:
    data = docx_bytes(_budget_docx)
    for cut in (len(data) // 2, len(data) - 20, 30):
        with pytest.raises(LoadError) as err:
            load_bytes(data[:cut], "cut.docx")
        assert str(err.value) == (
            "cut.docx: not a valid .docx: the zip archive is truncated or corrupt"
        )


def test_docx_that_is_not_a_zip() -> None:
    with pytest.raises(LoadError, match=r"^fake\.docx: not a valid \.docx: .*not a zip"):
        load_bytes("只是文字".encode(), "fake.docx")


def test_zip_that_is_not_a_docx() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(LoadError, match=r"^sheet\.docx: is an Excel workbook"):
        load_bytes(buf.getvalue(), "sheet.docx")


def test_docx_with_broken_xml() -> None:
    data = docx_bytes(_budget_docx)
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            dst.writestr(info, body[:200] if info.filename == "word/document.xml" else body)
    with pytest.raises(LoadError, match=r"^broken\.docx: not a valid \.docx: broken XML"):
        load_bytes(buf.getvalue(), "broken.docx")


def test_corrupt_pdf(budget_pdf: bytes) -> None:
    for data in (budget_pdf[: len(budget_pdf) // 3], b"%PDF-1.7\n" + b"garbage " * 50):
        with pytest.raises(
            LoadError, match=r"^bad\.pdf: not a valid \.pdf: .*truncated or corrupt"
        ):
            load_bytes(data, "bad.pdf")


def test_pdf_without_header() -> None:
    with pytest.raises(LoadError, match=r"^nohead\.pdf: not a valid \.pdf: no %PDF header"):
        load_bytes("这不是PDF".encode(), "nohead.pdf")


def test_old_word_doc_is_refused_clearly() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    with pytest.raises(LoadError, match=r"^old\.doc: is an old binary Office/WPS file"):
        load_bytes(ole, "old.doc")


def test_undecodable_text() -> None:
    with pytest.raises(LoadError) as err:
        load_bytes(bytes(range(0x80, 0x100)) * 4, "junk.txt")
    assert str(err.value).startswith("junk.txt: cannot decode the text")


def test_load_error_pickles_for_worker_processes() -> None:
    err = LoadError(Path("/data/x.pdf"), "not a valid .pdf: truncated")
    copy = pickle.loads(pickle.dumps(err))
    assert str(copy) == "x.pdf: not a valid .pdf: truncated"
    assert copy.path == Path("/data/x.pdf") and copy.problem == err.problem


# --------------------------------------------------------------------------- fuzz

_PREFIXES = st.sampled_from(
    [b"", b"%PDF-1.4\n", b"PK\x03\x04", b"<html><body>", b"\xef\xbb\xbf", b"\xff\xfe"]
)


def _check_result(name: str, data: bytes) -> None:
    try:
        loaded = load_bytes(data, name)
    except LoadError as e:
        assert str(e).startswith(name + ": ")
        return
    assert isinstance(loaded, LoadedText)
    assert loaded.text.strip()
    assert "\r" not in loaded.text and "\ufeff" not in loaded.text
    assert all(w.startswith(name + ": ") for w in loaded.warnings)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    prefix=_PREFIXES,
    body=st.binary(max_size=1024),
    ext=st.sampled_from([".txt", ".docx", ".pdf", ".html", ".htm", "", ".bin"]),
)
def test_fuzz_arbitrary_bytes_only_raise_load_error(prefix: bytes, body: bytes, ext: str) -> None:
    _check_result("fuzz" + ext, prefix + body)


@pytest.fixture(scope="module")
def real_documents(budget_pdf: bytes) -> dict[str, bytes]:
    return {".docx": docx_bytes(_budget_docx), ".pdf": budget_pdf}


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    ext=st.sampled_from([".docx", ".pdf"]),
    cut=st.floats(min_value=0.0, max_value=1.0),
    flips=st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(0, 255)), max_size=4),
)
def test_fuzz_damaged_documents_only_raise_load_error(
    real_documents: dict[str, bytes], ext: str, cut: float, flips: list[tuple[float, int]]
) -> None:
    data = bytearray(real_documents[ext])
    for where, value in flips:
        data[int(where * (len(data) - 1))] = value
    _check_result("damaged" + ext, bytes(data[: max(1, int(cut * len(data)))]))
