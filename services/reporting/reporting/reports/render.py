"""One rendering path for every report: a report's JSON content is laid out as a Document (a title,
lines under it, and sections of tables, each with an optional total row, chart and notes), and the
Document is written as XLSX (openpyxl) and PDF (reportlab, a CJK TrueType font embedded). A report
module only builds its JSON and says how it is laid out; it never touches openpyxl or reportlab."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from reporting import privacy

FONT_CANDIDATES = (
    # Debian fonts-wqy-zenhei (installed by deploy/local/install-system-deps.sh)
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)


class FontMissing(RuntimeError):
    """No CJK TrueType font: the PDF would show empty boxes instead of Chinese."""


def find_font(configured: str = "") -> Path:
    for candidate in ((configured,) if configured else FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise FontMissing(
        f"no CJK TrueType font found (tried {', '.join((configured,) if configured else FONT_CANDIDATES)}); "
        "install fonts-wqy-zenhei or set REPORTING_CJK_FONT"
    )


def number(text: str | int | None) -> float | int | str | None:
    """A JSON figure (exact decimal string or int) as a spreadsheet number: whole numbers stay int; a suppressed
    count's mark (reporting/privacy.py) stays the text it is."""
    if text is None or isinstance(text, int | float):
        return text
    if text in (privacy.MARK, privacy.WITHHELD):
        return text
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() and "." not in text else float(value)


@dataclass
class Chart:
    """A bar chart of one or more value columns against a category column of the section's rows."""

    title: str
    category: int
    values: list[int]
    value_max: float | None = None


@dataclass
class Section:
    heading: str
    columns: list[str]
    rows: list[list[Any]]
    total: list[Any] | None = None
    chart: Chart | None = None
    notes: list[str] = field(default_factory=list)
    sheet: str | None = None  # its own XLSX sheet of that name; None: the section is in the PDF only
    pdf: bool = True  # False: in the XLSX only (wide tables officials filter rather than read)
    font_size: int = 8


@dataclass
class Document:
    title: str
    lines: list[str]
    sections: list[Section]


def _cell(value: Any) -> str:
    return "—" if value is None else str(value)


def _widths(section: Section, rows: list[list[str]], page: float, font: str) -> list[float]:
    """Column widths for a wide table: each as wide as its longest cell (a heading may wrap onto
    two lines); when the page is narrower than the sum, the part above two characters' width
    shrinks in proportion (a heading narrower than one character could never be laid out)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    size = section.font_size
    least = 2 * size + 8
    widths = []
    for i, heading in enumerate(section.columns):
        longest = max((stringWidth(row[i], font, size) for row in rows if i < len(row)), default=0)
        widths.append(max(longest, stringWidth(heading, font, size) / 2, 3 * size) + 8)
    if sum(widths) <= page:
        return [w * page / sum(widths) for w in widths]  # the spare width to every column, so headings wrap less
    k = max(0.0, page - least * len(widths)) / (sum(widths) - least * len(widths))
    return [least + (w - least) * k for w in widths]


def xlsx(doc: Document) -> bytes:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    book.remove(book.active)
    for section in (s for s in doc.sections if s.sheet):
        sheet = book.create_sheet(section.sheet)
        # every sheet starts the same way: title, the report's lines in one row, a blank row, then the table
        sheet.append([doc.title if len(book.worksheets) == 1 else f"{doc.title}·{section.heading}"])
        sheet["A1"].font = Font(bold=True, size=14)
        sheet.append(["；".join(doc.lines)])
        sheet.append([])
        header_row = sheet.max_row + 1
        sheet.append(section.columns)
        for cell in sheet[header_row]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True)
        for row in section.rows:
            sheet.append(row)
        if section.total is not None:
            sheet.append(section.total)
        for note in section.notes:
            sheet.append([note])
        if section.chart is not None and section.rows:
            chart = BarChart()
            chart.type = "bar"
            chart.title = section.chart.title
            last = header_row + len(section.rows)
            for column in section.chart.values:
                chart.add_data(
                    Reference(sheet, min_col=column + 1, min_row=header_row, max_row=last), titles_from_data=True
                )
            chart.set_categories(
                Reference(sheet, min_col=section.chart.category + 1, min_row=header_row + 1, max_row=last)
            )
            if section.chart.value_max is not None:
                chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, section.chart.value_max
            sheet.add_chart(chart, f"A{sheet.max_row + 3}")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def pdf_font(font_path: Path) -> str:
    """The CJK font registered with reportlab once per process; its name for the styles."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    font = "CJK"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(font, str(font_path), subfontIndex=0))
    return font


def pdf(doc: Document, font_path: Path) -> bytes:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    font = pdf_font(font_path)
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22)
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=13)
    out = io.BytesIO()
    document = SimpleDocTemplate(out, pagesize=landscape(A4), title=doc.title, leftMargin=28, rightMargin=28)
    story: list[Any] = [Paragraph(doc.title, title), Paragraph("。".join(doc.lines) + "。", body), Spacer(1, 8)]
    document.build(story + pdf_sections(doc, font, document.width))
    return out.getvalue()


def pdf_sections(doc: Document, font: str, width: float) -> list[Any]:
    """The flowables of the document's PDF sections (tables, notes, charts) for a frame `width` wide;
    the official document's annex (reports/official.py) lays out the same tables."""
    from reportlab.graphics.charts.barcharts import HorizontalBarChart
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=13)
    palette = [colors.HexColor(c) for c in ("#c0392b", "#2e86c1", "#27ae60", "#f39c12")]
    story: list[Any] = []
    for section in (s for s in doc.sections if s.pdf):
        story.append(Paragraph(section.heading, body))
        wide = len(section.columns) > 9  # too wide for natural widths: share the page, wrap the headings
        small = ParagraphStyle("small", fontName=font, fontSize=section.font_size, leading=section.font_size + 2)
        head = [Paragraph(c.replace("\n", "<br/>"), small) for c in section.columns] if wide else section.columns
        data = [head] + [[_cell(v) for v in row] for row in section.rows]
        if section.total is not None:
            data.append([_cell(v) if v is not None else "" for v in section.total])
        widths = _widths(section, data[1:], width, font) if wide else None
        table = Table(data, colWidths=widths, repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), font),
                    ("FONTSIZE", (0, 0), (-1, -1), section.font_size),
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            )
        )
        story += [table, Spacer(1, 6)]
        for note in section.notes:
            story.append(Paragraph(note, body))
        if section.chart is not None and section.rows:
            spec = section.chart
            rows = list(reversed(section.rows))  # a horizontal bar chart draws its first category at the bottom
            height = max(130, 14 * len(rows) * len(spec.values))
            drawing = Drawing(500, height + 20)
            chart = HorizontalBarChart()
            chart.x, chart.y, chart.width, chart.height = 90, 10, 380, height
            chart.data = [[float(number(r[c]) or 0) for r in rows] for c in spec.values]
            chart.categoryAxis.categoryNames = [str(r[spec.category]) for r in rows]
            chart.categoryAxis.labels.fontName = font
            chart.valueAxis.valueMin = 0
            if spec.value_max is not None:
                chart.valueAxis.valueMax = spec.value_max
            for i in range(len(spec.values)):
                chart.bars[i].fillColor = palette[i % len(palette)]
            drawing.add(chart)
            if len(spec.values) > 1:
                legend = Legend()
                legend.x, legend.y, legend.fontName = 480, height, font
                legend.colorNamePairs = [
                    (palette[i % len(palette)], section.columns[c]) for i, c in enumerate(spec.values)
                ]
                drawing.add(legend)
            story += [Paragraph(spec.title, body), drawing]
        story.append(Spacer(1, 10))
    return story
