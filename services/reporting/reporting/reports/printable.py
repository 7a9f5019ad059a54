"""Every report as a printable HTML fragment (one `<article>`), archived as its `html` file: the report's
tables (the sections its PDF has), and before them, for the reports the bureau sends as documents, the
official document's text (reports/official.py). The console shows the fragment inside its own print page
(gateway/console/templates/report_print.html) with its own stylesheet, so the fragment carries no style or
script; every text is escaped here. Charts are left out: their values are the table's."""

from __future__ import annotations

from html import escape
from typing import Any

from reporting.reports.official import Official, day
from reporting.reports.render import Document, Section


def _cell(value: Any) -> str:
    return "—" if value is None else escape(str(value))


def _table(section: Section) -> list[str]:
    out = [f"<h3>{escape(section.heading)}</h3>", '<table class="report-table">', "<thead><tr>"]
    out += [f'<th scope="col">{escape(c).replace(chr(10), "<br>")}</th>' for c in section.columns]
    out.append("</tr></thead><tbody>")
    out += ["<tr>" + "".join(f"<td>{_cell(v).replace(chr(10), '<br>')}</td>" for v in row) + "</tr>"
            for row in section.rows]
    out.append("</tbody>")
    if section.total is not None:
        out.append("<tfoot><tr>" + "".join(f"<td>{'' if v is None else _cell(v)}</td>" for v in section.total)
                   + "</tr></tfoot>")
    out.append("</table>")
    out += [f'<p class="note">{escape(note)}</p>' for note in section.notes]
    return out


def html(doc: Document, official: Official | None = None) -> bytes:
    out = ['<article class="report">']
    if official is not None:
        out += ['<section class="official">',
                f'<p class="issuer-mark">{escape(official.issuer)}文件</p>',
                f'<p class="number">{escape(official.number)}</p>',
                f"<h1>{escape(official.title)}</h1>",
                f'<p class="addressee">{escape(official.addressee)}：</p>']
        for style, text in official.body:
            out.append(f'<h2 class="h1">{escape(text)}</h2>' if style == "h1" else
                       f'<p class="{style}">{escape(text)}</p>')
        out += [f'<p class="p annex-note">附件：{escape(official.annex)}</p>',
                f'<p class="signature">{escape(official.issuer)}<br>{day(official.issued)}</p>',
                "</section>",
                '<section class="annex">',
                '<p class="annex-label">附件</p>',
                f"<h2>{escape(official.annex)}</h2>"]
    else:
        out += ["<section>", f"<h1>{escape(doc.title)}</h1>",
                f'<p class="lines">{escape("。".join(doc.lines))}。</p>']
    for section in (s for s in doc.sections if s.pdf):
        out += _table(section)
    out += ["</section>", "</article>"]
    return "\n".join(out).encode()
