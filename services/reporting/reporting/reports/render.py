"""The notice as XLSX (openpyxl) and PDF (reportlab, a CJK TrueType font embedded)."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

from reporting.reports.notice import FIGURE_LABELS, WEIGHTS

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",  # Debian fonts-wqy-zenhei (installed by deploy/local/install-system-deps.sh)
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)


class FontMissing(RuntimeError):
    """No CJK TrueType font: the PDF would show empty boxes instead of Chinese."""


def find_font(configured: str = "") -> Path:
    for candidate in ((configured,) if configured else FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise FontMissing(f"no CJK TrueType font found (tried {', '.join((configured,) if configured else FONT_CANDIDATES)}); "
                      "install fonts-wqy-zenhei or set REPORTING_CJK_FONT")


def _number(text: str | None) -> float | int | None:
    if text is None:
        return None
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() and "." not in text else float(value)


def _table(notice: dict[str, Any]) -> tuple[list[str], list[list[Any]], list[Any]]:
    header = ["排名", "区划代码", "县(区)", "综合得分"]
    for weight, label in WEIGHTS.values():
        header += [f"{label}·实际", f"{label}·目标", f"{label}·得分(满分{weight})"]
    header += list(FIGURE_LABELS.values())
    rows = []
    for county in notice["counties"]:
        row: list[Any] = [county["rank"], county["area_code"], county["name"], _number(county["score"])]
        for name in WEIGHTS:
            c = county["components"][name]
            row += [c["actual"], _number(c["target"]), _number(c["points"])]
        row += [_number(v) if isinstance(v, str) else v for v in (county["figures"][k] for k in FIGURE_LABELS)]
        rows.append(row)
    totals = notice["totals"]
    total_row: list[Any] = ["", "", "合计", None]
    for name in WEIGHTS:
        total_row += [totals[name]["actual"], _number(totals[name]["target"]), None]
    for key in FIGURE_LABELS:
        value = totals.get(key)
        total_row.append(_number(value) if isinstance(value, str) else value)
    return header, rows, total_row


def xlsx(notice: dict[str, Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "季度通报"
    sheet.append([notice["title"]])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([f"统计截至 {notice['as_of']}（累计自 {notice['since']}）；版本 v{notice.get('version', '')}"])
    sheet.append([])
    header, rows, total_row = _table(notice)
    sheet.append(header)
    for cell in sheet[4]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True)
    for row in rows:
        sheet.append(row)
    sheet.append(total_row)
    chart = BarChart()
    chart.type = "bar"
    chart.title = "各县(区)综合得分"
    chart.add_data(Reference(sheet, min_col=4, min_row=4, max_row=4 + len(rows)), titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=3, min_row=5, max_row=4 + len(rows)))
    sheet.add_chart(chart, f"A{7 + len(rows)}")
    scoring = book.create_sheet("评分办法")
    scoring.append(["指标", "权重"])
    for weight, label in WEIGHTS.values():
        scoring.append([label, weight])
    scoring.append([notice["scoring"]["formula"]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def pdf(notice: dict[str, Any], font_path: Path) -> bytes:
    from reportlab.graphics.charts.barcharts import HorizontalBarChart
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = "CJK"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(font, str(font_path), subfontIndex=0))
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22)
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=13)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), title=notice["title"], leftMargin=28, rightMargin=28)
    story: list[Any] = [Paragraph(notice["title"], title),
                        Paragraph(f"统计截至 {notice['as_of']}（累计自 {notice['since']}），版本 v{notice.get('version', '')}。"
                                  f"评分：{notice['scoring']['formula']}；季度配额按全年的 {notice['scoring']['quota_share']} 计。", body),
                        Spacer(1, 8)]
    head = ["排名", "县(区)", "得分"] + [f"{label}\n(满分{w})" for w, label in WEIGHTS.values()]
    data = [head]
    for county in notice["counties"]:
        data.append([county["rank"], county["name"], county["score"]]
                    + [f"{c['actual']}/{c['target']}\n{c['points']}" for c in (county["components"][n] for n in WEIGHTS)])
    table = Table(data, repeatRows=1)
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 8),
                               ("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    story += [table, Spacer(1, 10)]
    drawing = Drawing(500, 150)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 60, 10, 420, 130
    chart.data = [[float(c["score"]) for c in reversed(notice["counties"])]]
    chart.categoryAxis.categoryNames = [c["name"] for c in reversed(notice["counties"])]
    chart.categoryAxis.labels.fontName = font
    chart.valueAxis.valueMin, chart.valueAxis.valueMax = 0, 100
    chart.bars[0].fillColor = colors.HexColor("#c0392b")
    drawing.add(chart)
    story += [Paragraph("各县(区)综合得分", body), drawing, Spacer(1, 8)]
    figures = [["县(区)"] + list(FIGURE_LABELS.values())]
    for county in notice["counties"]:
        figures.append([county["name"]] + ["—" if v is None else str(v) for v in (county["figures"][k] for k in FIGURE_LABELS)])
    other = Table(figures, repeatRows=1)
    other.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 7),
                               ("GRID", (0, 0), (-1, -1), 0.4, colors.grey)]))
    story += [Paragraph("其他工作数据（不计分）", body), other]
    doc.build(story)
    return out.getvalue()
