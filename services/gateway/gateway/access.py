"""Who may call what, and where: the functions each role has, and the gateway's route table, which
names for every forwarded route its function and how the area it touches is found.

Scope rule: a principal sees and changes only what lies under its area-code prefix. Out-of-scope
objects (and objects that do not exist) answer 404, functions the role lacks 403. The area of a
request is found from
- path parameters: area codes (`code`, `county_code`, `area_code`) directly; object ids by fetching
  the object from its service (its `area_code`, or the area of its `station_id`/`host_station_id`),
  or, for objects whose reads are themselves audited case reads (clients, cases) and for objects
  that carry no area (a worker never assigned, an intern), from the gateway's ownership index,
  written when the object was created through the gateway;
- the JSON body: `area_code`, `to_area_code`, `code`, `into` (area, station or client), `station_id`,
  `host_station_id`, `to_station_id`, `station_ids`, `client_id`, `other_client_id`, `contract_id`,
  `project_id`, `worker_id`;
- routes without any area (city-wide lists such as GET /progress, casework's read audit, CSV
  imports) are open only to principals at the top of the deployment (`GATEWAY_CITY_AREA_CODE`).
An object whose area cannot be determined is treated as a city-level object."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from gateway.roles import ADMINS, ALL_ROLES, FIELD_ROLES, Role

# function -> roles that have it
FUNCTIONS: dict[str, frozenset[str]] = {
    "read": ALL_ROLES - {Role.AUDITOR, Role.SECURITY_ADMIN},  # non-case data of every service
    "area_write": frozenset({Role.CITY_ADMIN, Role.COUNTY_ADMIN, Role.SYSTEM_ADMIN}),  # administrative divisions
    "target_write": frozenset({Role.CITY_ADMIN, Role.COUNTY_ADMIN}),
    # a county's service-item list is the county bureau's (§三(三)), and the city's above it
    "service_item_write": frozenset({Role.CITY_ADMIN, Role.COUNTY_ADMIN}),
    # who guides a station is the county bureau's decision (§二(一)); a guide (or an administrator) logs the visits
    "guidance_write": frozenset({Role.CITY_ADMIN, Role.COUNTY_ADMIN}),
    "guidance_visit_write": ADMINS | {Role.STATION_OPERATOR, Role.SOCIAL_WORKER, Role.SUPERVISOR},
    "station_write": ADMINS | {Role.STATION_OPERATOR},
    "talent_write": ADMINS | {Role.STATION_OPERATOR},
    # workers', volunteers' and interns' ID numbers and phones unmasked (audited in talent, with a purpose); their
    # erasure, by an administrator of the person's area
    "talent_identity": ADMINS | {Role.STATION_OPERATOR},
    "talent_erasure": ADMINS,
    "funding_write": ADMINS | {Role.FUNDING_OFFICER},
    "report_write": frozenset({Role.CITY_ADMIN, Role.COUNTY_ADMIN}),  # generating a report version now
    # the reporting rules' new versions: the root's bureau its rules, a county's bureau its own 评价细则 (A2 §5.1.3)
    "rules_write": frozenset({Role.CITY_ADMIN, Role.COUNTY_ADMIN}),
    "service_write": ADMINS | FIELD_ROLES,  # projects, needs, complaints, surveys, donation points
    "case_read": ADMINS | FIELD_ROLES,  # case files and client records: never system_admin or auditor
    "case_write": ADMINS | FIELD_ROLES,
    "case_identity": FIELD_ROLES,  # clients' identity unmasked in case reads (with a purpose)
    "service_audit_read": frozenset({Role.AUDITOR}),  # casework's and talent's read audits
    # the gateway's own functions, split by 三权分立 (roles.py): accounts and keys are made by the system
    # administrator (and area administrators for their staff); sign-in security is the security administrator's;
    # the audit logs are read by auditors alone, and nobody changes them
    "account_admin": ADMINS | {Role.SYSTEM_ADMIN},  # create, disable, enable, reset a password, change a role
    "account_list": ADMINS | {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN},
    "account_unlock": ADMINS | {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN},
    "account_security": frozenset({Role.SECURITY_ADMIN}),  # reset a lost authenticator, end an account's sessions
    "api_key_admin": frozenset({Role.SYSTEM_ADMIN}),
    "api_key_revoke": frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN}),
    "gateway_audit_read": frozenset({Role.AUDITOR}),
    # the second person of a bulk export of personal data: an administrator of the requester's area
    "export_approve": ADMINS,
}

# Which kind of thing a path parameter names; "area" parameters are area codes.
PARAM_KINDS = {
    "code": "area", "county_code": "area", "area_code": "area",
    "station_id": "station", "worker_id": "worker", "volunteer_id": "volunteer", "intern_id": "intern",
    "organisation_id": "organisation", "agency_id": "agency", "client_id": "client", "case_id": "case",
    "project_id": "project", "complaint_id": "complaint", "survey_id": "survey",
    "contract_id": "contract", "plan_id": "plan",
    "grant_id": "grant", "round_id": "venture_round", "fund_id": "fund", "charity_need_id": "charity_need",
    "charity_point_id": "charity_point",
}
# JSON body fields that name an area or an object the request touches.
BODY_REFS = {
    "area_code": "area", "to_area_code": "area", "station_id": "station", "host_station_id": "station",
    "to_station_id": "station", "station_ids": "station", "client_id": "client", "other_client_id": "client",
    "contract_id": "contract", "project_id": "project", "worker_id": "worker",
}
# Where the owning service shows an object (service, path); kinds missing here are found in the index only.
OBJECT_SOURCES = {
    "station": ("registry", "/stations/{id}"),
    "worker": ("talent", "/workers/{id}"),
    "volunteer": ("talent", "/volunteers/{id}"),
    "intern": ("talent", "/interns/{id}"),
    "organisation": ("talent", "/organisations/{id}"),
    "agency": ("talent", "/agencies/{id}"),
    "project": ("casework", "/projects/{id}"),
    "complaint": ("casework", "/complaints/{id}"),
    "survey": ("casework", "/surveys/{id}"),
    "contract": ("funding", "/contracts/{id}"),
    "plan": ("funding", "/project-plans/{id}"),
    "grant": ("funding", "/grants/{id}"),
    "venture_round": ("funding", "/venture-rounds/{id}"),
    "fund": ("funding", "/funds/{id}"),
    "charity_need": ("funding", "/charity/needs/{id}"),
    "charity_point": ("funding", "/charity/donation-points/{id}"),
    # "client", "case": their reads are audited case reads, so the gateway never fetches them for a check
}


@dataclass(frozen=True)
class Route:
    method: str
    template: str          # gateway path below /api
    function: str
    root_only: bool = False  # no area to check: only principals at the top of the deployment
    creates: str | None = None  # kind of object a 2xx answer creates (its id is in "<kind>_id")
    moves_to: str | None = None  # body field with the object's new area code after a 2xx answer
    body_into: str | None = None  # what a body "into" names: "area", "station" or "client"
    # A list or search: its `area` query parameter is its scope (the caller's own area when absent, 404 outside
    # it), and query parameters naming objects (station_id, worker_id, ...) are checked like path parameters.
    lists: bool = False
    # A rule of the plan on who, beyond role and area, may give the command (api/duties.py): "filing" (a
    # contract is filed, returned and spot-checked by the level that files it, never by its signer) or
    # "approval" (a case's plan and closing approved by a supervisor of its station or county).
    duty: str | None = None
    # An XLSX export of it (format=xlsx) is a bulk export of personal data (people's names): it needs a second
    # person's approval (api/exports.py).
    personal_export: bool = False
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.template)
        object.__setattr__(self, "regex", re.compile(f"^{pattern}$"))

    @property
    def params(self) -> list[str]:
        return re.findall(r"\{(\w+)\}", self.template)


def _r(method: str, template: str, function: str, **kw: Any) -> Route:
    return Route(method, template, function, **kw)


STATION_ACTIONS = ("open", "suspend", "resume", "close", "merge")
TALENT_PEOPLE = (("worker", "workers"), ("volunteer", "volunteers"), ("intern", "interns"))
WORKER_ACTIONS = (
    "assignment",
    "agency-employment",
    "departure",
    "exams",
    "exams/sitting",
    "exams/result",
    "certification",
    "elderly-care",
    "trainings",
)
CASE_ACTIONS = ("stage", "closure", "risk", "referrals", "abuse-reports", "notes")
CASE_APPROVALS = ("plan-approval", "closing-approval")

ROUTE_TABLE: list[Route] = [
    # registry
    _r("POST", "/areas", "area_write", creates="area"),
    _r("POST", "/areas/import", "area_write", root_only=True),
    _r("GET", "/areas", "read", lists=True),
    _r("GET", "/areas/{code}", "read"),
    _r("GET", "/areas/{code}/children", "read"),
    _r("GET", "/areas/{code}/tree", "read"),
    _r("POST", "/areas/{code}/rename", "area_write"),
    _r("POST", "/areas/{code}/reform-flag", "area_write"),
    _r("POST", "/areas/{code}/merge", "area_write", body_into="area"),
    _r("POST", "/areas/{code}/split", "area_write", body_into="area"),
    _r("POST", "/stations", "station_write", creates="station"),
    _r("GET", "/stations", "read", lists=True),
    _r("GET", "/stations/{station_id}", "read"),
    _r("GET", "/stations/{station_id}/history", "read"),
    *[_r("POST", f"/stations/{{station_id}}/{a}", "station_write", body_into="station") for a in STATION_ACTIONS],
    _r("PUT", "/stations/{station_id}/facilities/{item}", "station_write"),
    _r("GET", "/targets", "read", lists=True),
    _r("PUT", "/targets/{county_code}/{year}", "target_write"),
    _r("GET", "/service-items", "read", lists=True),
    _r("GET", "/service-items/{county_code}", "read"),
    _r("POST", "/service-items/{county_code}", "service_item_write"),
    _r("PUT", "/service-items/{county_code}/{item_code}", "service_item_write"),
    _r("POST", "/service-items/{county_code}/{item_code}/withdrawal", "service_item_write"),
    _r("GET", "/stations/{station_id}/service-items", "read"),
    _r("GET", "/progress", "read", root_only=True),
    _r("GET", "/progress/{county_code}", "read"),
    # talent
    _r("POST", "/workers", "talent_write", creates="worker"),
    _r("GET", "/workers", "read", lists=True, personal_export=True),
    _r("GET", "/workers/{worker_id}", "read"),
    *[_r("POST", f"/workers/{{worker_id}}/{a}", "talent_write") for a in WORKER_ACTIONS],
    _r("PUT", "/talent/stations/{station_id}/head", "talent_write"),
    _r("POST", "/talent/stations/{station_id}/head/relief", "talent_write"),
    _r("GET", "/talent/stations/{station_id}/head", "read"),
    _r("GET", "/talent/stations/{station_id}/quotas/{year}", "read"),
    _r("GET", "/talent/quota-items", "read", lists=True),
    _r("PUT", "/talent/stations/{station_id}/guidance", "guidance_write"),
    _r("POST", "/talent/stations/{station_id}/guidance/end", "guidance_write"),
    _r("POST", "/talent/stations/{station_id}/guidance/visits", "guidance_visit_write"),
    _r("GET", "/talent/stations/{station_id}/guidance", "read"),
    _r("GET", "/guidance/stations", "read", lists=True),
    _r("GET", "/guidance/visits", "read", lists=True),
    _r("POST", "/volunteers", "talent_write", creates="volunteer"),
    _r("GET", "/volunteers", "read", lists=True, personal_export=True),
    _r("POST", "/volunteers/import", "talent_write", root_only=True),
    _r("GET", "/volunteers/{volunteer_id}", "read"),
    _r("POST", "/volunteers/{volunteer_id}/trainings", "talent_write"),
    _r("POST", "/volunteers/{volunteer_id}/hours", "talent_write"),
    _r("POST", "/interns", "talent_write", creates="intern"),
    _r("GET", "/interns", "read", lists=True, personal_export=True),
    _r("POST", "/interns/{intern_id}/placements", "talent_write"),
    _r("GET", "/interns/{intern_id}", "read"),
    _r("POST", "/organisations", "talent_write", creates="organisation"),
    _r("GET", "/organisations", "read", lists=True),
    *[
        _r("POST", f"/organisations/{{organisation_id}}/{a}", "talent_write")
        for a in ("incubation", "incubated", "registration", "graduation")
    ],
    _r("GET", "/organisations/{organisation_id}", "read"),
    _r("POST", "/agencies", "talent_write", creates="agency"),
    _r("GET", "/agencies", "read", lists=True),
    _r("GET", "/agencies/{agency_id}", "read"),
    *[_r("GET", f"/{kinds}/{{{kind}_id}}/personal-data", "talent_identity") for kind, kinds in TALENT_PEOPLE],
    *[_r("POST", f"/{kinds}/{{{kind}_id}}/erasure", "talent_erasure") for kind, kinds in TALENT_PEOPLE],
    _r("GET", "/talent/audit/reads", "service_audit_read", root_only=True),  # talent's read audit
    _r("GET", "/talent/audit/verification", "service_audit_read", root_only=True),
    # casework: clients and cases (case content)
    _r("POST", "/clients", "case_write", creates="client"),
    _r("POST", "/clients/search", "case_read"),  # masked hits, audited; the body's area_code/station_id are its scope
    _r("GET", "/clients/duplicates", "case_read", lists=True),  # before /clients/{client_id}: the first match wins
    _r("GET", "/clients/{client_id}", "case_read"),
    _r("GET", "/clients/{client_id}/cases", "case_read", lists=True),
    _r("POST", "/clients/{client_id}/duplicate-dismissal", "case_write"),  # the body's other_client_id is scoped
    _r("POST", "/clients/{client_id}/merge", "case_write", body_into="client"),  # both records in scope
    _r("POST", "/clients/{client_id}/consent", "case_write"),
    _r("POST", "/clients/{client_id}/categories", "case_write"),
    _r("POST", "/clients/{client_id}/erasure", "case_write"),
    _r("POST", "/cases", "case_write", creates="case"),
    _r("GET", "/cases", "case_read", lists=True),  # no client identity, but case work: not for auditors
    _r("POST", "/cases/{case_id}/worker", "case_write"),
    _r("GET", "/caseload", "case_read", lists=True),  # the caller's own cases (X-User), masked names, audited
    _r("GET", "/approvals", "case_read", lists=True),
    _r("GET", "/cases/{case_id}", "case_read"),
    _r("GET", "/cases/{case_id}/export", "case_read"),
    *[_r("POST", f"/cases/{{case_id}}/{a}", "case_write") for a in CASE_ACTIONS],
    *[_r("POST", f"/cases/{{case_id}}/{a}", "case_write", duty="approval") for a in CASE_APPROVALS],
    _r("POST", "/cases/{case_id}/referrals/{referral_id}/outcome", "case_write"),
    _r("POST", "/cases/{case_id}/transfer", "case_write", moves_to="to_area_code"),
    _r("GET", "/audit/reads", "service_audit_read", root_only=True),
    _r("GET", "/audit/verification", "service_audit_read", root_only=True),
    # casework: services around the cases
    _r("GET", "/casework/contracts/{contract_id}", "read"),
    _r("POST", "/projects", "service_write", creates="project"),
    _r("GET", "/projects", "read", lists=True),
    _r("GET", "/projects/{project_id}", "read"),
    *[_r("POST", f"/projects/{{project_id}}/{a}", "service_write") for a in ("stage", "beneficiaries", "evaluation")],
    _r("POST", "/complaints", "service_write", creates="complaint"),
    _r("GET", "/complaints", "read", lists=True),
    _r("GET", "/complaints/{complaint_id}", "read"),
    _r("POST", "/complaints/{complaint_id}/handling", "service_write"),
    _r("POST", "/complaints/{complaint_id}/closure", "service_write"),
    _r("POST", "/surveys", "service_write", creates="survey"),
    _r("GET", "/surveys", "read", lists=True),
    _r("GET", "/surveys/{survey_id}", "read"),
    # funding
    _r("GET", "/sources", "read", lists=True),
    _r("POST", "/sources", "funding_write"),
    _r("GET", "/sources/{area_code}/{year}/{source}", "read"),
    _r("GET", "/balances/{area_code}/{year}", "read"),
    _r("POST", "/hardship-spending", "funding_write"),
    _r("GET", "/assistance-cap/{area_code}/{year}", "read"),
    _r("GET", "/contracts", "read", lists=True),
    _r("POST", "/contracts", "funding_write", creates="contract"),
    _r("GET", "/contracts/{contract_id}", "read"),
    *[_r("POST", f"/contracts/{{contract_id}}/{a}", "funding_write", duty="filing")
      for a in ("filing", "return", "spot-checks")],
    _r("POST", "/contracts/{contract_id}/disbursements", "funding_write"),
    _r("GET", "/disbursements", "read", lists=True),
    _r("GET", "/project-plans", "read", lists=True),
    _r("POST", "/project-plans", "funding_write", creates="plan"),
    _r("GET", "/project-plans/{plan_id}", "read"),
    *[_r("POST", f"/project-plans/{{plan_id}}/{a}", "funding_write") for a in ("filing", "return", "resubmission")],
    _r("GET", "/filing-queue", "read", lists=True),
    # funding: money beyond purchases (subsidies, awards, venture philanthropy, charity and community funds), and
    # the community charity needs ledger and donation points, which station staff keep
    _r("GET", "/grants", "read", lists=True),
    _r("POST", "/grants", "funding_write"),
    _r("GET", "/grants/{grant_id}", "read"),
    _r("GET", "/venture-rounds", "read", lists=True),
    _r("POST", "/venture-rounds", "funding_write"),
    _r("GET", "/venture-rounds/{round_id}", "read"),
    _r("POST", "/venture-rounds/{round_id}/applications", "funding_write"),
    *[_r("POST", f"/venture-rounds/{{round_id}}/applications/{{application_no}}/{a}", "funding_write")
      for a in ("award", "disbursements")],
    _r("GET", "/funds", "read", lists=True),
    _r("POST", "/funds", "funding_write"),
    _r("GET", "/funds/{fund_id}", "read"),
    *[_r("POST", f"/funds/{{fund_id}}/{a}", "funding_write") for a in ("receipts", "payments")],
    _r("GET", "/charity/needs", "read", lists=True),
    _r("POST", "/charity/needs", "service_write"),
    _r("GET", "/charity/needs/{charity_need_id}", "read"),
    _r("POST", "/charity/needs/{charity_need_id}/meeting", "service_write"),
    _r("GET", "/charity/donation-points", "read", lists=True),
    _r("POST", "/charity/donation-points", "service_write"),
    _r("GET", "/charity/donation-points/{charity_point_id}", "read"),
    _r("POST", "/charity/donation-points/{charity_point_id}/closing", "service_write"),
    # reporting: figures by area; the report archive per area (the city's and each county's own reports): a
    # report's `area` query parameter is its scope like a list's (the caller's own area when absent)
    _r("GET", "/read-models", "read"),
    _r("GET", "/read-models/stations/{area_code}", "read"),
    _r("GET", "/read-models/reports", "read", lists=True),
    _r("POST", "/read-models/reports/{name}/{period}", "report_write", lists=True),
    _r("GET", "/read-models/reports/{name}/{period}", "read", lists=True),
    _r("GET", "/read-models/reports/{name}/{period}/{file}", "read", lists=True),
    _r("GET", "/read-models/dossiers/{county_code}", "read"),  # a county's dossier, scoped by the county
    # an owning area's rules book (the root's rules, a county's rubric): scoped by that area, so a county's
    # bureau reaches its own county's alone and only the root's reaches the root's
    _r("GET", "/read-models/rules/{area_code}", "read"),
    _r("POST", "/read-models/rules/{area_code}", "rules_write"),
    _r("GET", "/read-models/{figure}/{area_code}", "read"),
]

# The first path segment under /api -> the service that owns it. A segment naming a service itself
# (/api/talent/stations/...) forwards the rest of the path to it, for paths two services share.
ROUTES = {
    "areas": "registry",
    "stations": "registry",
    "targets": "registry",
    "service-items": "registry",
    "progress": "registry",
    "workers": "talent",
    "volunteers": "talent",
    "interns": "talent",
    "organisations": "talent",
    "agencies": "talent",
    "guidance": "talent",
    "clients": "casework",
    "cases": "casework",
    "projects": "casework",
    "complaints": "casework",
    "surveys": "casework",
    "audit": "casework",
    "caseload": "casework",
    "approvals": "casework",
    "sources": "funding",
    "balances": "funding",
    "hardship-spending": "funding",
    "assistance-cap": "funding",
    "contracts": "funding",
    "project-plans": "funding",
    "disbursements": "funding",
    "filing-queue": "funding",
    "grants": "funding",
    "venture-rounds": "funding",
    "funds": "funding",
    "charity": "funding",
    "read-models": "reporting",
}
SERVICES = ("registry", "talent", "casework", "funding", "reporting")


def service_path(path: str) -> tuple[str | None, str]:
    """/stations/x -> ("registry", "/stations/x"); /talent/stations/x -> ("talent", "/stations/x")."""
    head, _, rest = path.lstrip("/").partition("/")
    if head in SERVICES:
        return head, f"/{rest}"
    return ROUTES.get(head), path


def match(method: str, path: str) -> tuple[Route, dict[str, str]] | tuple[None, bool]:
    """The route for a request and its path parameters; (None, True) when the path exists with other methods."""
    path_known = False
    for route in ROUTE_TABLE:
        found = route.regex.match(path)
        if found:
            if route.method == method:
                return route, found.groupdict()
            path_known = True
    return None, path_known


def allowed(role: str, function: str) -> bool:
    return role in FUNCTIONS.get(function, frozenset())


CASE_FUNCTIONS = frozenset({"case_read", "case_write"})
