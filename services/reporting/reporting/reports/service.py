"""Generating a report: compute from the read models, render every format (and, for the reports the bureau sends
as documents, the official document as DOCX and PDF; the printable HTML of every report), archive a new version."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from reporting.adapters.store import ReadModelStore
from reporting.deployment import deployment_for, report_area, rules_of
from reporting.projections.facts import CHINA
from reporting.reports import official, printable, render
from reporting.reports.archive import ReportArchive
from reporting.reports.catalogue import KINDS
from reporting.settings import ReportingSettings

QUARTERLY_NOTICE = "quarterly_notice"


def generate(store: ReadModelStore, archive: ReportArchive, report: str, period: str, font: str = "",
             settings: ReportingSettings | None = None, area: str | None = None) -> dict[str, Any]:
    """A new version of the report for the period, of the deployment's city (`settings`, else read from the
    environment now) or of one of its counties (`area`), as the read model knows them on the period's last
    day. A report that cannot be made for the area raises NotForArea before anything is written."""
    kind = KINDS[report]
    settings = settings or ReportingSettings()
    end = kind.span(period)[1]  # a bad period fails before anything is written
    scope = report_area(settings, area)
    font_path = render.find_font(font)
    deployment = deployment_for(store, settings, scope, end.isoformat())
    # which version of the deployment's rules (weights, quotas, pilots, calendar) the figures were made with
    in_force = rules_of(settings).at(end)
    content = {**kind.build(store, deployment, period),
               "rules": {"effective_from": in_force.effective_from.isoformat(), "file": settings.rules_file or ""}}
    folder = "" if scope == settings.city_code else scope
    writer = official.WRITERS.get(report)
    text = issuer = None
    if writer is not None:  # the report the bureau sends as a document: numbered and dated when made
        issuer = official.issuer_for(settings, deployment)
        text = writer(content, issuer)
        issued = datetime.now(CHINA).date()
        series = official.series(issuer, text.kind)
        sequence = archive.document_sequence(report, period, series, issued.year, folder)
        content = {**content, "document": {
            "issuer": issuer.name, "number": f"{series}〔{issued.year}〕{sequence}号",
            "series": series, "year": issued.year, "sequence": sequence, "date": issued.isoformat(),
            "title": official.title(issuer, text), "addressee": text.addressee, "annex": text.annex}}

    def files(version: int, generated_at: str) -> dict[str, bytes]:
        stamped = {**content, "version": version, "generated_at": generated_at}
        doc = kind.document(stamped)
        out = {"json": json.dumps(stamped, ensure_ascii=False, indent=2).encode(),
               "xlsx": render.xlsx(doc), "pdf": render.pdf(doc, font_path)}
        document = None
        if text is not None:
            meta = stamped["document"]
            document = official.Official(meta["issuer"], meta["number"], meta["title"], meta["addressee"],
                                         text.body, text.annex, date.fromisoformat(meta["date"]), doc)
            out |= {"docx": official.docx(document), "official.pdf": official.pdf(document, font_path)}
        return out | {"html": printable.html(doc, document)}

    return archive.store(report, period, files, folder)


def generate_if_missing(store: ReadModelStore, archive: ReportArchive, report: str, period: str, font: str = "",
                        settings: ReportingSettings | None = None) -> dict[str, Any] | None:
    """The schedule's call: a period that already has a version keeps it (None), otherwise v1."""
    if archive.versions(report, period):
        return None
    return generate(store, archive, report, period, font, settings)


def generate_quarterly_notice(store: ReadModelStore, archive: ReportArchive, period: str, font: str = "",
                              settings: ReportingSettings | None = None) -> dict[str, Any]:
    return generate(store, archive, QUARTERLY_NOTICE, period, font, settings)
