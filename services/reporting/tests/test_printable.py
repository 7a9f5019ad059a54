"""Every report's printable HTML (reports/printable.py), the fragment the console's print page shows: each of
the five reports has one with its title and the rows of its PDF tables; the three the bureau sends as
documents carry the document's text first; every text is escaped, and the fragment holds no script or style."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
from reporting.reports import printable
from reporting.reports.catalogue import KINDS
from reporting.reports.render import Document, Section
from reporting.reports.service import generate

PERIODS = {"monthly_dispatch": "2024-06", "quarterly_notice": "2024-Q4", "half_year_report": "2024-H1",
           "year_end_shortlist": "2024", "station_scorecard": "2024"}


class _Text(HTMLParser):
    """The fragment's text, its tags and the rows of its tables' bodies."""

    def __init__(self) -> None:
        super().__init__()
        self.text, self.tags, self.body_rows, self._in_body = [], [], 0, False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._in_body = self._in_body or tag == "tbody"
        self.body_rows += tag == "tr" and self._in_body

    def handle_endtag(self, tag):
        self._in_body = self._in_body and tag != "tbody"

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture(scope="module")
def world(scenario_reports):
    return scenario_reports


@pytest.mark.parametrize("report", list(PERIODS))
def test_every_report_has_a_printable_page_with_its_tables(world, report):
    store, archive, settings = world
    meta = generate(store, archive, report, PERIODS[report], settings=settings)
    assert "html" in meta["files"]
    content = json.loads(archive.path(report, PERIODS[report], meta["version"], "json").read_text())
    parsed = _Text()
    parsed.feed(archive.path(report, PERIODS[report], meta["version"], "html").read_text())
    text = "".join(parsed.text)
    sections = [s for s in KINDS[report].document(content).sections if s.pdf]
    assert parsed.body_rows == sum(len(s.rows) for s in sections) > 0
    assert not {"script", "style", "link"} & set(parsed.tags)
    if "document" in content:
        document = content["document"]
        for part in (f"{document['issuer']}文件", document["number"], document["title"], document["addressee"]):
            assert part in text, part
        assert text.index(document["title"]) < text.index(sections[0].heading)
    else:
        assert content["title"] in text


def test_text_is_escaped():
    doc = Document("<b>标题</b>", ["统计截至 <今天>"], [Section("表 & 附注", ["列<1>"], [["<script>x</script>"]],
                                                                notes=["注 \"引号\""])])
    fragment = printable.html(doc).decode()
    assert "<script>" not in fragment and "<b>" not in fragment and "&lt;script&gt;" in fragment
    assert "表 &amp; 附注" in fragment and "列&lt;1&gt;" in fragment
