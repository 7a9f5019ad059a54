"""The official documents (reports/official.py): the quarterly notice, the half-year report and the year-end
commendation of a synthetic year, each read back as DOCX (python-docx) and as PDF (pdftotext), and checked for
what the JSON of the same version says — the title, the document number, the addressees — and for what the
test computes from the report's own rows: the ranking in order and the areas behind target. Page 1 of every
PDF is rendered to test-artifacts/documents/ (pdftoppm) for a person to look at."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document as Docx
from fastapi.testclient import TestClient
from reporting.api.app import create_app
from reporting.reports import official
from reporting.reports.archive import ReportArchive
from reporting.reports.service import generate

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "documents"
DOCUMENTS = [("quarterly_notice", "2024-Q4"), ("half_year_report", "2024-H1"), ("year_end_shortlist", "2024")]


@pytest.fixture(scope="module")
def world(scenario_reports):
    return scenario_reports


@pytest.fixture
def client(world, tmp_path):
    return TestClient(create_app(world[0], ReportArchive(tmp_path / "reports"), settings=world[2]))


def _made(world, report, period):
    store, archive, settings = world
    meta = generate(store, archive, report, period, settings=settings)
    version = meta["version"]
    content = json.loads(archive.path(report, period, version, "json").read_text())
    return meta, content, archive.path(report, period, version, "docx"), archive.path(report, period, version,
                                                                                        "official.pdf")


def _docx_text(path: Path) -> list[str]:
    return [p.text for p in Docx(str(path)).paragraphs]


def _pdf_text(path: Path) -> str:
    """The PDF's text with the line breaks of its layout taken out (a sentence wraps anywhere)."""
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return re.sub(r"\s+", "", text)


def _ranking(rows) -> str:
    ordered = sorted(rows, key=lambda r: (r["rank"], r["area_code"]))
    return "；".join(f"第{r['rank']}名{r['name']}，{r['score']}分" for r in ordered)


def _behind(rows) -> list[str]:
    """The names of the areas with a scored item under its target, as the test reads the rows."""
    return [r["name"] for r in sorted(rows, key=lambda r: r["rank"])
            if any(Decimal(c["actual"]) < Decimal(c["target"]) for c in r["components"].values())]


@pytest.mark.parametrize(("report", "period"), DOCUMENTS)
def test_docx_and_pdf_carry_the_heading_of_the_json(world, report, period):
    meta, content, docx, pdf = _made(world, report, period)
    assert {"docx", "official.pdf"} <= set(meta["files"])
    document = content["document"]
    assert re.fullmatch(r"攀民(通|报)〔\d{4}〕\d+号", document["number"])
    paragraphs = _docx_text(docx)
    assert paragraphs[0] == "攀枝花市民政局文件"
    assert document["number"] in paragraphs and document["title"] in paragraphs
    assert f"{document['addressee']}：" in paragraphs
    assert paragraphs.index(document["number"]) < paragraphs.index(document["title"]) < paragraphs.index(
        f"{document['addressee']}：")
    y, m, d = (int(x) for x in document["date"].split("-"))
    assert f"{y}年{m}月{d}日" in paragraphs  # GB/T 9704-2012: Arabic numerals, no leading zero
    text = _pdf_text(pdf)
    for part in (document["number"], document["title"], document["addressee"], f"附件：{document['annex']}"):
        assert part in text, part
    assert text.index(document["number"]) < text.index(document["title"]) < text.index(document["addressee"])


@pytest.mark.parametrize(("report", "period"), [DOCUMENTS[0], DOCUMENTS[2]])
def test_the_body_ranks_the_counties_in_order_and_names_those_behind_target(world, report, period):
    _, content, docx, pdf = _made(world, report, period)
    rows = content["counties"]
    behind = _behind(rows)
    assert behind, "the synthetic year has counties behind target, or this test proves nothing"
    body = "".join(_docx_text(docx))
    text = _pdf_text(pdf)
    for rendered in (body, text):
        assert _ranking(rows) in rendered
        section = rendered[rendered.index("三、"):rendered.index("四、")]
        named = [name for name in (r["name"] for r in rows) if f"{name}：" in section]
        assert named == behind
    if report == "year_end_shortlist":
        assert content["shortlist"] and f"推荐{'、'.join(content['shortlist'])}为" in body


def test_the_half_year_report_goes_to_the_party_group_with_the_city_totals(world):
    _, content, docx, pdf = _made(world, "half_year_report", "2024-H1")
    t = content["totals"]
    assert content["document"]["addressee"] == "攀枝花市民政局党组"
    body = "".join(_docx_text(docx))
    for sentence in (f"乡镇(街道)社会工作服务站{t['township_station']}个（年度目标{t['township_station_target']}个",
                     f"本半年新开个案{t['cases_opened']}件", f"持证社工{t['certified_workers']}人"):
        assert sentence in body and sentence in _pdf_text(pdf), sentence
    below = [c["name"] for c in content["counties"] if c["township_station"] < c["township_station_target"]]
    assert all(f"{name}（" in body for name in below)


def test_a_regenerated_period_keeps_its_number_and_a_new_period_takes_the_next(world):
    _, first, _, _ = _made(world, "quarterly_notice", "2024-Q2")
    _, again, _, _ = _made(world, "quarterly_notice", "2024-Q2")
    _, other, _, _ = _made(world, "quarterly_notice", "2024-Q3")
    _, report, _, _ = _made(world, "half_year_report", "2024-H2")
    assert again["version"] == first["version"] + 1
    assert again["document"]["number"] == first["document"]["number"]
    assert other["document"]["series"] == first["document"]["series"] == "攀民通"
    assert other["document"]["sequence"] > first["document"]["sequence"]
    assert report["document"]["series"] == "攀民报"  # a series of its own


def test_reports_without_a_document_list_only_their_tables(world):
    meta, _, docx, _ = _made(world, "monthly_dispatch", "2024-06")
    assert set(meta["files"]) == {"json", "xlsx", "pdf", "html"} and docx is None


@pytest.mark.parametrize(("report", "period"), DOCUMENTS)
def test_page_one_rendered_for_a_person(world, report, period, tmp_path):
    _, content, _, pdf = _made(world, report, period)
    subprocess.run(["pdftoppm", "-r", "80", "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(tmp_path / report)], check=True)
    png = tmp_path / f"{report}.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Page size:\s+595\.\d* x 841\.\d*", pages)  # A4 portrait for the text
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(png, ARTIFACTS / f"{report}-{period}-page1.png")
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "yes" in fonts.splitlines()[-1].split()  # the CJK font is embedded


def test_a_countys_notice_is_its_bureaus_document_downloaded_by_the_report_route(client, tmp_path):
    """A county's own notice ranks its townships: issued by the county's bureau in its own series, to its
    townships, the ranking and the townships behind target computed here from the JSON's rows."""
    made = client.post("/read-models/reports/quarterly-notice/2024-Q4", params={"area": "510421"})
    assert made.status_code == 201, made.text
    files = made.json()["files"]
    assert files["docx"] == "/read-models/reports/quarterly-notice/2024-Q4/v1.docx?area=510421"
    content = client.get(files["json"]).json()
    document = content["document"]
    assert (document["issuer"], document["series"], document["addressee"]) == ("米易县民政局", "米民通", "各乡镇(街道)")
    docx = client.get(files["docx"])
    assert docx.status_code == 200 and docx.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml")
    pdf = client.get(files["official.pdf"])
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].endswith('quarterly_notice-2024-Q4-v1.official.pdf"')
    (tmp_path / "county.docx").write_bytes(docx.content)
    (tmp_path / "county.pdf").write_bytes(pdf.content)
    rows = content["townships"]
    behind = _behind(rows)
    assert behind, "the county has townships behind target, or this test proves nothing"
    for text in ("".join(_docx_text(tmp_path / "county.docx")), _pdf_text(tmp_path / "county.pdf")):
        assert "米易县民政局文件" in text and document["number"] in text and "各乡镇(街道)：" in text
        assert _ranking(rows) in text
        section = text[text.index("三、"):text.index("四、")]
        assert [r["name"] for r in sorted(rows, key=lambda r: r["rank"]) if f"{r['name']}：" in section] == behind
    assert client.get("/read-models/reports/quarterly-notice/2024-Q4/v1.docx").status_code == 404  # not the city's


def test_a_notice_without_rows_says_there_is_no_data_rather_than_all_met(world):
    """A county with no township yet: the body must not claim every township met its targets."""
    _, content, _, _ = _made(world, "quarterly_notice", "2024-Q1")
    text = official.notice_text({**content, "counties": []}, official.Issuer("攀枝花市民政局", "攀民", ""))
    body = "".join(t for _, t in text.body)
    assert "均已达到" not in body and body.count("暂无数据。") == 2


def test_the_docx_pages_are_gb_t_9704_a4_and_the_annex_landscape(world):
    """DOCX keeps lengths in twentieths of a point, so they are compared to the tenth of a millimetre."""
    from docx.enum.section import WD_ORIENT
    from docx.shared import Length

    _, _, docx, _ = _made(world, "quarterly_notice", "2024-Q3")
    text, annex = Docx(str(docx)).sections

    def mm(*lengths):
        return tuple(round(Length(length).mm, 1) for length in lengths)

    assert mm(text.page_width, text.page_height) == (210, 297)
    assert mm(text.top_margin, text.left_margin) == (37, 28)  # 天头 and 订口, §5.2.1
    assert mm(text.page_width - text.left_margin - text.right_margin) == (156,)  # 版心 156 mm × 225 mm
    assert mm(text.page_height - text.top_margin - text.bottom_margin) == (225,)
    assert annex.orientation == WD_ORIENT.LANDSCAPE and mm(annex.page_width) == (297,)
