"""The bureau's official documents (公文) beside the tables: the quarterly notice (通报), the half-year report
(报告) and the year-end commendation (通报) laid out after GB/T 9704-2012 — issuing body, document number,
title, addressees, a body written from the report's own figures, the annex (the report's tables), signature,
date and 版记 — as DOCX (python-docx, for an official to edit in WPS or Word) and PDF (reportlab).

Every figure in a body is read from the report's content; the sentences around them are fixed text. Where
GB/T 9704 and the tools part:
- fonts: the DOCX names the standard's fonts (方正小标宋简体, 仿宋_GB2312, 黑体, 楷体_GB2312), which a bureau's
  WPS or Word has; an editor without them substitutes. Those fonts may not be shipped here, so the PDF embeds
  the one installed CJK font (fonts-wqy-zenhei, render.find_font) for every element;
- 成文日期 in Arabic numerals, as GB/T 9704-2012 §7.3.5.1 has it (the 1999 edition used Chinese numerals);
- the 发文字号 is centred under the issuing body for every document, the half-year report too (an upward
  report would carry 签发人 beside it, which only the signer can fill in);
- page numbers are centred "— n —" (the standard puts odd pages right, even pages left);
- the annex tables are on landscape pages (§10.2 横排表格), the 版记 follows them."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reporting.deployment import Deployment
from reporting.reports.halfyear import GOAL_YEAR
from reporting.reports.notice import LABELS
from reporting.reports.render import Document, pdf_font, pdf_sections
from reporting.settings import ReportingSettings

# GB/T 9704-2012 §5.2.1 and §5.2.2: A4, 版心 156 mm × 225 mm, 天头 37 mm, 订口 28 mm
PAGE_MM = (210, 297)
MARGINS_MM = {"top": 37, "bottom": 297 - 37 - 225, "left": 28, "right": 210 - 28 - 156}
BODY_PT = 16  # 3号
TITLE_PT = 22  # 2号
LINE_PT = 225 / 25.4 * 72 / 22  # 22 lines a page (§5.2.3)
ISSUER_MAX_PT = 36  # 小初: the issuing body's mark, smaller when a long name would not fit the line
RED = "FF0000"
FONTS = {"title": "方正小标宋简体", "body": "仿宋_GB2312", "h1": "黑体", "h2": "楷体_GB2312"}
UNITS = {"general_station": "个", "township_station": "个", "village_room": "个", "certifications": "人",
         "organisations": "个", "volunteers_trained": "人"}
ROW_UNITS = {"counties": "县(区)", "cities": "市(州)", "townships": "乡镇(街道)"}
WHOLE = {"counties": "全市", "cities": "全省", "townships": "全县(区)"}  # the area the rows make up
TYPE_CODES = {"通报": "通", "报告": "报"}  # the 发文字号's type after the body's 机关代字 (e.g. 某民 + 通)


@dataclass(frozen=True)
class Issuer:
    name: str  # 发文机关 (its full name; the mark adds 文件)
    prefix: str  # 机关代字, e.g. 某民
    superior: str  # whom an upward report goes to


@dataclass
class Text:
    """What a writer makes of a report: the document type, its subject (标题 is 发文机关 + 关于 + subject + type),
    addressees, the body as (style, text) paragraphs — "p" an indented paragraph, "h1" a 一、 heading (黑体),
    "h2" a （一） paragraph (楷体 lead) — and the annex's title."""

    kind: str
    subject: str
    addressee: str
    body: list[tuple[str, str]]
    annex: str


@dataclass
class Official:
    issuer: str
    number: str
    title: str
    addressee: str
    body: list[tuple[str, str]]
    annex: str
    issued: date
    tables: Document = field(repr=False)


def num(text: str | int | None) -> str:
    """A JSON figure as written in a sentence: exact decimals without trailing zeros ("12.00" -> "12")."""
    if text is None:
        return "—"
    value = Decimal(str(text))
    return f"{value.to_integral_value():f}" if value == value.to_integral_value() else f"{value.normalize():f}"


def percent(share: str) -> str:
    return num(str((Decimal(share) * 100).quantize(Decimal("0.01")))) + "%"


def day(iso: str | date) -> str:
    """GB/T 9704-2012: the year in full, month and day without a leading zero."""
    d = date.fromisoformat(iso) if isinstance(iso, str) else iso
    return f"{d.year}年{d.month}月{d.day}日"


def row_key(content: dict[str, Any]) -> str:
    return next(key for key in ROW_UNITS if key in content)


def ranking(rows: list[dict[str, Any]]) -> str:
    """The ranked rows in order, ties kept visible by their shared rank."""
    if not rows:
        return "暂无数据。"
    return "；".join(f"第{r['rank']}名{r['name']}，{r['score']}分" for r in rows) + "。"


def behind(rows: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    """The rows (in rank order) with a component short of its target, each with those components' sentences."""
    out = []
    for row in rows:
        short = [f"{LABELS[name]}完成{c['actual']}{UNITS[name]}，目标{num(c['target'])}{UNITS[name]}，"
                 f"完成率{percent(c['completion'])}"
                 for name, c in row["components"].items() if Decimal(c["completion"]) < 1]
        if short:
            out.append((row["name"], short))
    return out


def _behind_paragraphs(rows: list[dict[str, Any]], unit: str, what: str) -> list[tuple[str, str]]:
    lagging = behind(rows)
    if not rows:  # no area to measure: nothing is behind, and nothing is met either
        return [("p", "暂无数据。")]
    if not lagging:
        return [("p", f"各{unit}各项指标均已达到{what}。")]
    return [("p", f"{name}：{'；'.join(items)}。") for name, items in lagging]


def notice_text(content: dict[str, Any], issuer: Issuer) -> Text:
    key = row_key(content)
    unit, whole, rows = ROW_UNITS[key], WHOLE[key], content[key]
    totals, scoring = content["totals"], content["scoring"]
    quarter = "一二三四"[content["quarter"] - 1]
    as_of = day(content["as_of"])
    progress = "，".join(f"{LABELS[name]}{totals[name]['actual']}{UNITS[name]}（目标{num(totals[name]['target'])}"
                        f"{UNITS[name]}）" for name in scoring["weights"])
    flows = [(label, totals[k]) for k, label in (("cases_opened", "新开个案"), ("open_cases", "在办个案"),
                                                 ("escalations", "疑似侵害上报"), ("referrals", "政策转介"),
                                                 ("complaints", "受理投诉")) if k in totals]
    money = f"；已拨付资金{num(totals['disbursed'])}元" if "disbursed" in totals else ""
    lagging = behind(rows)
    body = [
        ("p", f"按照社会工作服务体系建设“每季度通报1次”的工作机制，现将截至{as_of}各{unit}社会工作服务体系建设"
              "工作进展情况通报如下。"),
        ("h1", "一、总体进展"),
        ("p", f"截至{as_of}，{whole}{progress}。"),
        ("p", f"{day(content['since'])}以来，" + "，".join(f"{label}{n}件" for label, n in flows) + f"{money}。"),
        ("h1", "二、综合得分与排名"),
        ("p", f"按照通报评分办法（{scoring['formula']}；季度配额按全年的{scoring['quota_share']}计，满分100分），"
              f"各{unit}综合得分与排名依次为：{ranking(rows)}"),
        ("h1", f"三、进度滞后的{unit}和指标"),
        *_behind_paragraphs(rows, unit, "本季度的进度目标"),
        ("h1", "四、下一步工作要求"),
    ]
    if lagging:
        body.append(("h2", f"（一）{'、'.join(name for name, _ in lagging)}要对照年度目标和季度进度，逐项分析"
                           "滞后指标的原因，明确整改措施和完成时限，确保按期完成年度目标任务。"))
    body += [
        ("h2", f"（{'二' if lagging else '一'}）各{unit}要按照实施方案要求，加快推进社会工作服务站（室）建设，"
               "落实持证社工、社区社会组织培育和志愿者培训等年度任务。"),
        ("h2", f"（{'三' if lagging else '二'}）各{unit}要及时、准确录入站点、人员、服务和资金数据。本通报数据取自平台"
               f"截至{as_of}的记录，如有异议请向{issuer.name}反馈。"),
    ]
    subject = f"{content['year']}年第{quarter}季度社会工作服务体系建设工作进展情况"
    return Text("通报", subject, f"各{unit}民政局" if key != "townships" else "各乡镇(街道)", body,
                f"{content['year']}年第{quarter}季度各{unit}得分与排名")


def _below_target(rows: list[dict[str, Any]]) -> list[str]:
    tiers = (("general_station", "总站"), ("township_station", "乡镇(街道)站"), ("village_room", "村(社区)室"))
    out = []
    for row in rows:
        short = [f"{label}{row[t]}/{row[f'{t}_target']}个" for t, label in tiers if row[t] < row[f"{t}_target"]]
        if short:
            out.append(f"{row['name']}（{'，'.join(short)}）")
    return out


def halfyear_text(content: dict[str, Any], issuer: Issuer) -> Text:
    key = row_key(content)
    unit, whole, rows, t = ROW_UNITS[key], WHOLE[key], content[key], content["totals"]
    half = "上" if content["since"].endswith("-01-01") else "下"
    as_of = day(content["as_of"])
    coverage = f"，覆盖率{num(t['coverage_percent'])}%" if t.get("coverage_percent") is not None else ""
    unserved = [u["name"] or u["area_code"] for r in rows for u in r["unserved_townships"]] if key == "counties" \
        else [u["name"] or u["area_code"] for u in t["unserved_townships"]]
    below = _below_target(rows)
    hours = num(t["average_response_hours"]) if t["average_response_hours"] is not None else "—"
    score = num(t["satisfaction"]) if t["satisfaction"] is not None else "—"
    basis = "“每半年向市民政局党组报告1次工作进展情况”" if key == "counties" \
        else "“定期向上级民政部门提交社会工作服务体系建设报告”"
    body = [
        ("p", f"按照{basis}的要求，现将{content['year']}年{half}半年（{day(content['since'])}至{as_of}）{whole}"
              "社会工作服务体系建设工作进展情况报告如下。"),
        ("h1", "一、网络建设"),
        ("p", f"截至{as_of}，{whole}建成社会工作服务总站{t['general_station']}个"
              f"（年度目标{t['general_station_target']}个），"
              f"乡镇(街道)社会工作服务站{t['township_station']}个（年度目标{t['township_station_target']}个，"
              f"{GOAL_YEAR}年目标{t['township_station_goal']}个），村(社区)社会工作服务室{t['village_room']}个"
              f"（年度目标{t['village_room_target']}个）。{whole}乡镇(街道){t['townships']}个，服务覆盖"
              f"{t['townships_served']}个{coverage}，距{GOAL_YEAR}年全覆盖尚缺{t['townships_unserved']}个。"),
        ("h1", "二、人才队伍"),
        ("p", f"{whole}持证社工{t['certified_workers']}人、站长{t['heads']}人、注册志愿者{t['volunteers']}人；"
              "本半年新增"
              f"持证社工{t['certifications']}人，培训志愿者{t['volunteers_trained']}人，培训{t['trainings']}人次。"),
        ("h1", "三、社会组织"),
        ("p", f"本半年培育社区社会组织{t['organisations_incubated']}个，登记社会组织{t['organisations_registered']}个；"
              f"{whole}社会工作服务机构{t['agencies']}个。"),
        ("h1", "四、服务与满意度"),
        ("p", f"本半年新开个案{t['cases_opened']}件，在办个案{t['open_cases']}件，疑似侵害上报{t['escalations']}件，"
              f"政策转介{t['referrals']}件；受理投诉{t['complaints']}件，平均响应时长{hours}小时；满意度调查"
              f"{t['surveys']}份，平均分{score}分。"),
        ("h1", "五、资金"),
        ("p", f"年度预算{num(t['budget'])}元，本半年签约{num(t['contract_amount'])}元、拨付{num(t['disbursed'])}元；"
              f"社会救助购买服务3%上限{num(t['assistance_cap'])}元，年内已用{num(t['assistance_used'])}元，"
              f"余额{num(t['assistance_headroom'])}元。"),
        ("h1", "六、存在的问题"),
        ("p", f"站点未达年度目标的{unit}：{'、'.join(below)}。" if below else f"各{unit}站点均已达到年度目标。"),
        ("p", f"尚未实现社会工作服务覆盖的乡镇(街道){len(unserved)}个：{'、'.join(unserved)}。" if unserved
         else f"{whole}乡镇(街道)均已实现社会工作服务覆盖。"),
        ("h1", "七、下一步工作打算"),
        ("h2", "（一）对照年度目标和" + GOAL_YEAR + "年乡镇(街道)社会工作服务全覆盖目标，督促"
               + ("、".join(b.partition("（")[0] for b in below) if below else f"各{unit}") + "加快站点建设。"),
        ("h2", "（二）落实持证社工、社区社会组织培育和志愿者培训等年度任务，提升站点专业服务能力。"),
        ("h2", "（三）加强资金使用监督，按规定使用社会救助购买服务资金。"),
    ]
    addressee = issuer.superior
    subject = f"{content['year']}年{half}半年社会工作服务体系建设工作进展情况"
    return Text("报告", subject, addressee, body, f"{content['year']}年{half}半年各{unit}社会工作服务体系建设数据")


def shortlist_text(content: dict[str, Any], issuer: Issuer) -> Text:
    rows, year = content["counties"], content["year"]
    shortlist = content["shortlist"]
    lagging = behind(rows)
    body = [
        ("p", f"按照“年底召开1次现场会，总结工作经验，并对工作成效突出的县(区)进行表扬鼓励”的要求，依据"
              f"{content['rule']['scoring']}，现将{year}年度各县(区)社会工作服务体系建设综合得分和表彰推荐名单"
              "通报如下。"),
        ("h1", "一、年度综合得分与排名"),
        ("p", f"各县(区){year}年度综合得分与排名依次为：{ranking(rows)}"),
        ("h1", "二、表彰推荐名单"),
        ("p", f"按照{content['rule']['shortlist']}的规则，推荐{'、'.join(shortlist)}为{year}年度社会工作服务体系建设"
              "成效突出县(区)，在年底现场会上予以表扬。" if shortlist
         else f"按照{content['rule']['shortlist']}的规则，{year}年度没有符合推荐条件的县(区)。"),
        ("h1", "三、未完成全年目标的县(区)和指标"),
        *_behind_paragraphs(rows, "县(区)", "全年目标"),
        ("h1", "四、工作要求"),
        ("h2", "（一）" + (f"{'、'.join(shortlist)}要总结经验做法，发挥示范带动作用。" if shortlist
                          else "各县(区)要对照评分办法查找差距，总结经验做法。")),
    ]
    if lagging:
        body.append(("h2", f"（二）{'、'.join(name for name, _ in lagging)}要分析未完成全年目标的原因，"
                           "在下一年度工作中补齐短板。"))
    subject = f"{year}年度社会工作服务体系建设表彰推荐名单"
    return Text("通报", subject, "各县(区)民政局", body, f"{year}年度各县(区)得分与排名")


WRITERS: dict[str, Callable[[dict[str, Any], Issuer], Text]] = {
    "quarterly_notice": notice_text, "half_year_report": halfyear_text, "year_end_shortlist": shortlist_text}


def series(issuer: Issuer, kind: str) -> str:
    """The 发文字号's 机关代字 and type (GB/T 9704-2012 §7.2.4: 代字〔year〕sequence号, numbered per series
    and year)."""
    return f"{issuer.prefix}{TYPE_CODES[kind]}"


def title(issuer: Issuer, text: Text) -> str:
    return f"{issuer.name}关于{text.subject}的{text.kind}"


# --- DOCX ------------------------------------------------------------------------------------------------------


def _width(text: str) -> float:
    """A line's width in characters of the body size: a full-width character is one, an ASCII one a half."""
    return sum(0.5 if ord(ch) < 128 else 1 for ch in text)


def _signature_indents(issuer: str, issued: str) -> tuple[float, float]:
    """§7.3.5.2 (no seal): the issuer 2 characters from the right edge, the date's first character 2 characters
    right of the issuer's first one; the right indents in characters."""
    return 2, max(0.0, _width(issuer) - _width(issued))


def _issuer_pt(mark: str) -> float:
    return min(ISSUER_MAX_PT, 156 / 25.4 * 72 / _width(mark))


def docx(doc: Official) -> bytes:
    from docx import Document as Docx
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt, RGBColor

    out = Docx()
    out.core_properties.title = doc.title

    def run(par: Any, text: str, font: str, size: float, color: str | None = None) -> None:
        r = par.add_run(text)
        r.font.name, r.font.size = font, Pt(size)
        r._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
        if color:
            r.font.color.rgb = RGBColor.from_string(color)

    def line(text: str = "", font: str = FONTS["body"], size: float = BODY_PT, align: Any = None,
             indent: float = 0, right: float = 0, color: str | None = None, exact: bool = True) -> Any:
        par = out.add_paragraph()
        fmt = par.paragraph_format
        fmt.space_before = fmt.space_after = Pt(0)
        if exact:
            fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(LINE_PT)
        if align is not None:
            par.alignment = align
        fmt.first_line_indent, fmt.right_indent = Pt(indent * BODY_PT), Pt(right * BODY_PT)
        if text:
            run(par, text, font, size, color)
        return par

    def rule(par: Any, color: str, eighths: int) -> None:
        """A line under the paragraph as wide as the 版心: the 版头's red line, the 版记's black ones."""
        border = OxmlElement("w:pBdr")
        bottom = OxmlElement("w:bottom")
        for name, value in (("w:val", "single"), ("w:sz", str(eighths)), ("w:space", "1"), ("w:color", color)):
            bottom.set(qn(name), value)
        border.append(bottom)
        par._p.get_or_add_pPr().append(border)

    section = out.sections[0]
    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    for side, mm in MARGINS_MM.items():
        setattr(section, f"{side}_margin", Mm(mm))
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run(footer, "— ", FONTS["body"], 14)
    page = OxmlElement("w:fldSimple")
    page.set(qn("w:instr"), "PAGE")
    footer._p.append(page)
    run(footer, " —", FONTS["body"], 14)

    mark = f"{doc.issuer}文件"
    line(mark, FONTS["title"], _issuer_pt(mark), WD_ALIGN_PARAGRAPH.CENTER, color=RED, exact=False)
    line()
    rule(line(doc.number, align=WD_ALIGN_PARAGRAPH.CENTER), RED, 12)
    line()
    line(doc.title, FONTS["title"], TITLE_PT, WD_ALIGN_PARAGRAPH.CENTER, exact=False)
    line()
    line(f"{doc.addressee}：")
    body = [line(text, FONTS[style] if style != "p" else FONTS["body"], indent=2) for style, text in doc.body]
    # §7.3.5: the signature and date share a page with the body, so the last paragraph on keeps with them
    closing = [body[-1], line(), line(f"附件：{doc.annex}", indent=2), line()]
    issuer_right, date_right = _signature_indents(doc.issuer, day(doc.issued))
    closing.append(line(doc.issuer, align=WD_ALIGN_PARAGRAPH.RIGHT, right=issuer_right))
    line(day(doc.issued), align=WD_ALIGN_PARAGRAPH.RIGHT, right=date_right)
    for par in closing:
        par.paragraph_format.keep_with_next = True

    annex = out.add_section()
    annex.orientation = WD_ORIENT.LANDSCAPE
    annex.page_width, annex.page_height = Mm(PAGE_MM[1]), Mm(PAGE_MM[0])
    for side in ("top", "bottom", "left", "right"):
        setattr(annex, f"{side}_margin", Mm(20))
    line("附件", FONTS["h1"])
    line(doc.annex, FONTS["title"], TITLE_PT, WD_ALIGN_PARAGRAPH.CENTER, exact=False)
    for part in (s for s in doc.tables.sections if s.pdf):
        line(part.heading, FONTS["h1"], 12, exact=False)
        rows = [part.columns, *part.rows] + ([part.total] if part.total is not None else [])
        table = out.add_table(rows=len(rows), cols=len(part.columns))
        table.style = "Table Grid"
        for cells, values in zip(table.rows, rows, strict=True):
            for cell, value in zip(cells.cells, values, strict=False):
                cell.paragraphs[0].text = ""
                run(cell.paragraphs[0], "—" if value is None else str(value), FONTS["body"], part.font_size + 1)
        for note in part.notes:
            line(note, size=10, exact=False)
    line(exact=False).add_run().add_break(WD_BREAK.LINE)
    rule(line(exact=False), "000000", 8)
    rule(line(f"{doc.issuer}    {day(doc.issued)}印发", size=14, indent=1), "000000", 8)
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


# --- PDF -------------------------------------------------------------------------------------------------------


def _no_line_starts_with_a_full_width_stop() -> None:
    """reportlab's CJK wrapping keeps 。、） off a line's start but not the full-width ，；：？！ (its list in
    reportlab.lib.textsplit lacks U+FF0C, FF1B, FF1A, FF1F, FF01), so a body line could start with a comma;
    added to the list both of its wrapping paths read (once per process; the tables' PDF only gains by it)."""
    from reportlab.lib import textsplit
    from reportlab.platypus import paragraph

    for module in (textsplit, paragraph):
        module.ALL_CANNOT_START += "".join(ch for ch in "，；：？！" if ch not in module.ALL_CANNOT_START)


def pdf(doc: Official, font_path: Path) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        BaseDocTemplate,
        Frame,
        HRFlowable,
        KeepTogether,
        NextPageTemplate,
        PageBreak,
        PageTemplate,
        Paragraph,
        Spacer,
    )

    font = pdf_font(font_path)
    _no_line_starts_with_a_full_width_stop()
    width, height = A4
    m = {side: v * mm for side, v in MARGINS_MM.items()}
    wide = 20 * mm

    def page_number(canvas: Any, template: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 14)
        canvas.drawCentredString(canvas._pagesize[0] / 2, m["bottom"] - 12 * mm, f"— {canvas.getPageNumber()} —")
        canvas.restoreState()

    out = io.BytesIO()
    template = BaseDocTemplate(out, pagesize=A4, title=doc.title, author=doc.issuer)
    template.addPageTemplates([
        PageTemplate("text", [Frame(m["left"], m["bottom"], width - m["left"] - m["right"],
                                    height - m["top"] - m["bottom"], 0, 0, 0, 0)], onPage=page_number),
        PageTemplate("annex", [Frame(wide, wide, height - 2 * wide, width - 2 * wide, 0, 0, 0, 0)],
                     onPage=page_number, pagesize=landscape(A4)),
    ])

    def style(name: str, size: float = BODY_PT, **kw: Any) -> ParagraphStyle:
        return ParagraphStyle(name, fontName=font, fontSize=size, leading=kw.pop("leading", LINE_PT),
                              wordWrap="CJK", **kw)  # breaks between any two characters, never before a 。

    body, heading = style("body", firstLineIndent=2 * BODY_PT), style("h1", firstLineIndent=2 * BODY_PT)
    centred = style("number", alignment=TA_CENTER)
    issuer_right, date_right = _signature_indents(doc.issuer, day(doc.issued))
    mark = f"{doc.issuer}文件"
    size = _issuer_pt(mark)
    story: list[Any] = [
        Paragraph(escape(mark), style("mark", size, leading=size * 1.3, alignment=TA_CENTER,
                                      textColor=colors.HexColor(f"#{RED}"))),
        Spacer(1, LINE_PT), Paragraph(escape(doc.number), centred),
        HRFlowable(width="100%", thickness=1, color=colors.HexColor(f"#{RED}"), spaceBefore=4 * mm,
                   spaceAfter=2 * LINE_PT),
        Paragraph(escape(doc.title), style("title", TITLE_PT, leading=TITLE_PT * 1.5, alignment=TA_CENTER)),
        Spacer(1, LINE_PT), Paragraph(escape(f"{doc.addressee}："), style("addressee")),
    ]
    paragraphs = [Paragraph(escape(text), heading if s == "h1" else body) for s, text in doc.body]
    # §7.3.5: the signature and date share a page with the body: the last paragraph goes over with them
    story += paragraphs[:-1] + [KeepTogether([
        paragraphs[-1], Spacer(1, LINE_PT), Paragraph(escape(f"附件：{doc.annex}"), body), Spacer(1, LINE_PT),
        Paragraph(escape(doc.issuer), style("issuer", alignment=TA_RIGHT, rightIndent=issuer_right * BODY_PT)),
        Paragraph(day(doc.issued), style("date", alignment=TA_RIGHT, rightIndent=date_right * BODY_PT))])]
    story += [
        NextPageTemplate("annex"), PageBreak(),
        Paragraph("附件", style("annex")),
        Paragraph(escape(doc.annex), style("annex-title", TITLE_PT, leading=TITLE_PT * 1.5, alignment=TA_CENTER)),
        Spacer(1, 8),
        *pdf_sections(doc.tables, font, height - 2 * wide),
        HRFlowable(width="100%", thickness=1, color=colors.black, spaceBefore=12, spaceAfter=4),
        Paragraph(escape(f"{doc.issuer}　　{day(doc.issued)}印发"), style("record", 14, leftIndent=14)),
        HRFlowable(width="100%", thickness=1, color=colors.black, spaceBefore=4),
    ]
    template.build(story)
    return out.getvalue()


def issuer_for(settings: ReportingSettings, deployment: Deployment) -> Issuer:
    """The deployment's own bureau (the settings), or for a county's own report the county's bureau: its name
    + 民政局, its 机关代字 the name's first character + 民 (某县 -> 某民), as the county bureaus number theirs;
    an upward report goes to the bureau's party group, a county's to the city's bureau."""
    if deployment.for_county:
        return Issuer(f"{deployment.area_name}民政局", f"{deployment.area_name[:1]}民", f"{deployment.city_name}民政局")
    return Issuer(settings.issuing_body, settings.document_prefix, f"{settings.issuing_body}党组")
