"""The talent service's lists (pzh_shared.listing): workers, volunteers, interns, community social organisations,
service agencies, and the stations talent has heard of (the rows of the quota table).

A row's area is the area of its station as the registry published it (talent's StationProfile); the station's
facts may arrive after the people assigned to it (they come over Kafka), so a profile's event re-projects every
row of that station. Names, ID numbers and volunteer numbers of people are blind fields (keyed hashes, exact match
only), computed from the sealed identity opened with the person's key; once a person is erased their row keeps no
blind field. The names a page shows are opened from the aggregates for that page only (`decorate`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from pzh_shared.listing import ListField, ListIndex, ListSpec, RecentAggregates, Update

from talent.domain.guidance import StationGuidance, guidance_id
from talent.domain.intern import Intern
from talent.domain.organisation import Agency, Organisation
from talent.domain.personal import Person
from talent.domain.station_profile import StationProfile, profile_id
from talent.domain.vocabulary import LEVEL_NAMES, STATUS_NAMES, Employment, OrganisationStatus
from talent.domain.volunteer import Volunteer
from talent.domain.worker import SocialWorker

# A worker is active (at a station or an agency), left (the station or agency they left is kept), or unassigned
# (listed under the area given at registration, if any).

WORKERS = ListSpec("workers", (
    ListField("name", kind="blind"),
    ListField("id_number", kind="blind"),
    ListField("role"),
    ListField("station_id"),
    ListField("agency_id"),
    ListField("area_code", filter="area", sortable=True),
    ListField("employment"),
    ListField("certified", kind="bool"),
    ListField("certificate_level"),
    ListField("head", kind="bool"),
    ListField("status"),
    ListField("registered_on", sortable=True),
    ListField("assigned_on", filter="none"),
    ListField("certified_on", sortable=True),
    ListField("left_on", filter="none"),
), default_sort="registered_on")

VOLUNTEERS = ListSpec("volunteers", (
    ListField("name", kind="blind"),
    ListField("id_number", kind="blind"),
    ListField("volunteer_number", kind="blind"),
    ListField("station_id"),
    ListField("area_code", filter="area", sortable=True),
    ListField("registered_on", sortable=True),
    # whole minutes, for the order only: the page shows the aggregate's hours
    ListField("hours", kind="int", filter="none", sortable=True),
    ListField("trained", kind="bool"),
    ListField("last_trained_on", filter="none"),
), default_sort="registered_on")

INTERNS = ListSpec("interns", (
    ListField("name", kind="blind"),
    ListField("station_id"),
    ListField("area_code", filter="area", sortable=True),
    ListField("supervisor_id"),
    ListField("registered_on", sortable=True),
    ListField("placed_from", filter="none", sortable=True),
    ListField("placed_until", filter="none"),
), default_sort="registered_on")

ORGANISATIONS = ListSpec("organisations", (
    ListField("name", filter="search", sortable=True),
    ListField("host_station_id"),
    ListField("area_code", filter="area", sortable=True),
    ListField("status"),
    ListField("organisation_type"),
    ListField("reform_affected", kind="bool"),
    ListField("registration_number"),
    ListField("filed_on", sortable=True),
    ListField("status_on", sortable=True),
), default_sort="filed_on")

AGENCIES = ListSpec("agencies", (
    ListField("name", filter="search", sortable=True),
    ListField("registration_number"),
    ListField("station_id"),
    ListField("area_code", filter="area", sortable=True),
    ListField("registered_on", sortable=True),
), default_sort="registered_on")

STATIONS = ListSpec("stations", (
    ListField("tier"),
    ListField("provincial_pilot", kind="bool"),
    ListField("kind"),
    ListField("area_code", filter="area", sortable=True),
    ListField("planned_on", sortable=True),
), default_sort="area_code")

# The guidance network: each guided station (who guides it now, how many visits, the last one) and each visit.
GUIDED_STATIONS = ListSpec("guided_stations", (
    ListField("station_id"),
    ListField("area_code", filter="area", sortable=True),
    ListField("guide_kind"),
    ListField("guide_count", kind="int", filter="none"),
    ListField("guided_from", filter="none", sortable=True),
    ListField("ended", kind="bool"),
    ListField("visits", kind="int", filter="none", sortable=True),
    ListField("last_visit_on", filter="none", sortable=True),
), default_sort="area_code")

GUIDANCE_VISITS = ListSpec("guidance_visits", (
    ListField("station_id"),
    ListField("area_code", filter="area", sortable=True),
    ListField("visited_on", filter="none", sortable=True),
    ListField("guide_id"),
    ListField("mode"),
    ListField("minutes", kind="int", filter="none"),
), default_sort="-visited_on")

SPECS = (WORKERS, VOLUNTEERS, INTERNS, ORGANISATIONS, AGENCIES, STATIONS, GUIDED_STATIONS, GUIDANCE_VISITS)

# The lists whose rows belong to a station, and the column naming it.
_STATION_COLUMNS = {"workers": "station_id", "volunteers": "station_id", "interns": "station_id",
                    "organisations": "host_station_id", "agencies": "station_id"}
# A person's identity in clear (name, id_number, phone), or None once erased: TalentApplication.identity.
Identity = Callable[[Any], dict[str, str] | None]


class People(Protocol):
    """What a page of people is decorated from: the aggregates and their identities (TalentApplication)."""

    @property
    def repository(self) -> Any: ...

    def identity(self, person: Any) -> dict[str, str] | None: ...


class TalentProjector:
    """Which list rows a domain event changes: the row of the aggregate it belongs to, as the aggregate is now."""

    def __init__(self, app: Application[UUID], identity: Identity) -> None:
        self.app = app
        self.identity = identity
        self.index: ListIndex | None = None  # set by talent_lists; read for a station's rows
        self._recent = RecentAggregates(self._get)

    def __call__(self, domain_event: Any) -> list[Update]:
        aggregate = self._recent.of(domain_event)
        return self.rows(aggregate) if aggregate is not None else []

    def _get(self, aggregate_id: UUID) -> Aggregate | None:
        try:
            aggregate: Aggregate = self.app.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        return aggregate

    def rows(self, aggregate: Aggregate) -> list[Update]:
        key = str(aggregate.id)
        if isinstance(aggregate, SocialWorker):
            return [("workers", key, self._worker(aggregate))]
        if isinstance(aggregate, Volunteer):
            return [("volunteers", key, self._volunteer(aggregate))]
        if isinstance(aggregate, Intern):
            return [("interns", key, self._intern(aggregate))]
        if isinstance(aggregate, Organisation):
            return [("organisations", key, self._organisation(aggregate))]
        if isinstance(aggregate, Agency):
            return [("agencies", key, self._agency(aggregate))]
        if isinstance(aggregate, StationGuidance):
            return self._guidance(aggregate)
        if isinstance(aggregate, StationProfile):
            return [("stations", aggregate.station_id, self._station(aggregate)), *self._at_station(aggregate)]
        return []  # unique keys, station staffing: no list of their own (the head shows on the worker)

    # --- areas ----------------------------------------------------------------------------------

    def _area(self, station_id: str | None) -> str | None:
        if station_id is None:
            return None
        try:
            profile: StationProfile = self.app.repository.get(profile_id(station_id))
        except AggregateNotFoundError:
            return None  # not heard of yet: its profile's event fills the area in
        return profile.area_code

    def _agency_station(self, agency_id: str | None) -> str | None:
        if agency_id is None:
            return None
        agency = self._recent.load(UUID(agency_id))
        return agency.station_id if isinstance(agency, Agency) else None

    def _at_station(self, profile: StationProfile) -> list[Update]:
        """Every row of the station again, now with its area (the profile came after them, or moved)."""
        agencies = self._ids("agencies", "station_id", [profile.station_id])
        ids = set(agencies)
        for list_name, column in _STATION_COLUMNS.items():
            ids.update(self._ids(list_name, column, [profile.station_id]))
        if agencies:
            ids.update(self._ids("workers", "agency_id", agencies))
        ids.add(str(guidance_id(profile.station_id)))  # its guidance's rows are keyed by station and visit
        updates: list[Update] = []
        for row_id in sorted(ids):
            aggregate = self._recent.load(UUID(row_id))
            if aggregate is not None:
                updates += self.rows(aggregate)
        return updates

    def _ids(self, list_name: str, column: str, values: list[str]) -> list[str]:
        # Read on catch-up's own connection, inside its transaction: rows written earlier in this page count too.
        assert self.index is not None
        db, table = self.index.db, self.index.table(list_name)
        cur = db.connect().cursor()
        cur.execute(db.sql(f"SELECT id FROM {table} WHERE {column} IN ({', '.join('?' for _ in values)})"), values)
        return [str(found[0]) for found in cur.fetchall()]

    # --- rows -----------------------------------------------------------------------------------

    def _worker(self, w: SocialWorker) -> dict[str, Any]:
        if w.station_id or w.agency_id:
            station, agency, status = w.station_id, w.agency_id, "active"
        else:
            station, agency = w.last_station_id, w.last_agency_id
            status = "left" if w.left_on else "unassigned"
        if station or agency:
            area = self._area(station) if station else self._area(self._agency_station(agency))
        else:
            area = w.area_code  # never employed: the area of the office that registered them, if it said
        identity = self.identity(w) or {}
        return {"name": identity.get("name"), "id_number": identity.get("id_number"), "role": w.role.value,
                "station_id": station,
                "agency_id": agency, "area_code": area, "employment": w.employment.value if w.employment else None,
                "certified": w.certified, "certificate_level": w.level.value if w.level else None,
                "head": w.head_of is not None, "status": status, "registered_on": w.registered_on,
                "assigned_on": w.assigned_on or w.employed_on, "certified_on": w.certified_on, "left_on": w.left_on}

    def _volunteer(self, v: Volunteer) -> dict[str, Any]:
        trained = [day for _, day in v.trainings]
        identity = self.identity(v) or {}
        return {"name": identity.get("name"), "id_number": identity.get("id_number"),
                "volunteer_number": v.volunteer_number,
                "station_id": v.station_id, "area_code": self._area(v.station_id), "registered_on": v.registered_on,
                "hours": round(v.hours * 60), "trained": bool(trained), "last_trained_on": max(trained, default=None)}

    def _intern(self, i: Intern) -> dict[str, Any]:
        latest = max(i.placements, key=lambda p: p["placed_from"], default=None)
        station = latest["station_id"] if latest else None
        return {"name": (self.identity(i) or {}).get("name"), "station_id": station, "area_code": self._area(station),
                "supervisor_id": latest["supervisor_id"] if latest else None, "registered_on": i.registered_on,
                "placed_from": latest["placed_from"] if latest else None,
                "placed_until": latest["placed_until"] if latest else None}

    def _organisation(self, o: Organisation) -> dict[str, Any]:
        kind = o.organisation_type.value if o.organisation_type else None
        return {"name": o.name, "host_station_id": o.host_station_id, "area_code": self._area(o.host_station_id),
                "status": o.status.value, "organisation_type": kind,
                "reform_affected": o.reform_affected, "registration_number": o.registration_number,
                "filed_on": o.dates[OrganisationStatus.FILED.value], "status_on": o.dates[o.status.value]}

    def _agency(self, a: Agency) -> dict[str, Any]:
        return {"name": a.name, "registration_number": a.registration_number, "station_id": a.station_id,
                "area_code": self._area(a.station_id), "registered_on": a.registered_on}

    def _guidance(self, g: StationGuidance) -> list[Update]:
        area = self._area(g.station_id)
        first = g.assignments[0] if g.assignments else None
        latest = g.assignments[-1] if g.assignments else None
        current = g.current
        station_row = {
            "station_id": g.station_id, "area_code": area, "guide_kind": latest.kind.value if latest else None,
            "guide_count": len(current.guide_ids) if current else 0,
            "guided_from": first.assigned_on if first else None, "ended": current is None,
            "visits": len(g.visits), "last_visit_on": max((v.visited_on for v in g.visits), default=None)}
        return [("guided_stations", g.station_id, station_row), *(
            ("guidance_visits", v.visit_id, {"station_id": g.station_id, "area_code": area, "visited_on": v.visited_on,
                                              "guide_id": v.guide_id, "mode": v.mode.value,
                                              "minutes": round(v.hours * 60)}) for v in g.visits)]

    @staticmethod
    def _station(p: StationProfile) -> dict[str, Any]:
        return {"tier": p.tier.value, "provincial_pilot": p.provincial_pilot, "kind": p.kind.value,
                "area_code": p.area_code, "planned_on": p.planned_on}


def talent_lists(app: Application[UUID], secret: bytes, identity: Identity) -> ListIndex:
    """The service's lists, caught up from its notification log before every read."""
    projector = TalentProjector(app, identity)
    index = ListIndex(app, SPECS, projector, secret)
    projector.index = index
    return index


# --- what a page shows beyond the index: names from the aggregates, Chinese labels for the 台账 ----------------

LABELS: dict[str, dict[str, str]] = {
    "employment": {Employment.FULL_TIME.value: "专职", Employment.PART_TIME.value: "兼职"},
    "certificate_level": {level.value: name for level, name in LEVEL_NAMES.items()},
    "status": {"active": "在岗", "left": "已离岗", "unassigned": "未任职",
               **{status.value: name for status, name in STATUS_NAMES.items()}},
    "role": {"social_worker": "社会工作者", "community_worker": "社区工作者", "township_cadre": "乡镇(街道)干部",
             "organisation_staff": "社会组织工作人员"},
    "organisation_type": {"functional_service": "功能服务类", "interest_volunteer": "兴趣爱好及志愿服务类"},
    "kind": {"pilot_township": "省级试点乡镇站", "other": "其他站点"},
    "guide_kind": {"workers": "专业社会工作者", "agency": "社会工作服务机构"},
    "mode": {"on_site": "现场", "remote": "远程"},
    "tier": {"general_station": "县(区)总站", "township_station": "乡镇(街道)站", "village_room": "村(社区)室",
             "institution_station": "民政服务机构站"},
}


# Each list's 台账 (format=xlsx): (row key, Chinese header); `<field>_label` columns show the coded values in words.
COLUMNS: dict[str, list[tuple[str, str]]] = {
    "workers": [("name", "姓名"), ("worker_id", "社工编号"), ("role_label", "人员类别"), ("station_id", "站点编号"),
                ("agency_id", "机构编号"), ("area_code", "行政区划代码"), ("employment_label", "用工方式"),
                ("certified", "持证"), ("certificate_level_label", "证书级别"), ("head", "站长"),
                ("status_label", "状态"), ("registered_on", "登记日期"), ("assigned_on", "到岗(受聘)日期"),
                ("certified_on", "取证日期"), ("left_on", "离岗日期")],
    "volunteers": [("name", "姓名"), ("volunteer_id", "志愿者编号(系统)"), ("station_id", "站点编号"),
                   ("area_code", "行政区划代码"), ("registered_on", "注册日期"), ("hours", "服务时长(小时)"),
                   ("trained", "已培训"), ("last_trained_on", "最近培训日期")],
    "interns": [("name", "姓名"), ("intern_id", "实习生编号"), ("university", "高校"), ("station_id", "实习站点编号"),
                ("area_code", "行政区划代码"), ("supervisor_id", "督导社工编号"), ("registered_on", "登记日期"),
                ("placed_from", "实习开始日期"), ("placed_until", "实习结束日期")],
    "organisations": [("name", "组织名称"), ("organisation_id", "组织编号"), ("host_station_id", "孵化站点编号"),
                      ("area_code", "行政区划代码"), ("status_label", "状态"), ("organisation_type_label", "组织类型"),
                      ("reform_affected", "涉改社区"), ("registration_number", "登记证号"), ("filed_on", "备案日期"),
                      ("status_on", "当前状态日期")],
    "agencies": [("name", "机构名称"), ("agency_id", "机构编号"), ("registration_number", "登记证号"),
                 ("station_id", "站点编号"), ("area_code", "行政区划代码"), ("registered_on", "登记日期")],
    "stations": [("station_id", "站点编号"), ("area_code", "行政区划代码"), ("tier_label", "站点层级"),
                 ("kind_label", "考核类别"), ("year", "年度"), ("met", "全部达标"), ("unmet", "未达标指标")],
    "guided_stations": [("station_id", "站点编号"), ("area_code", "行政区划代码"), ("guide_kind_label", "指导方类型"),
                        ("guide_count", "当前指导方数"), ("guided_from", "开始指导日期"), ("ended", "已结束"),
                        ("visits", "督导次数"), ("last_visit_on", "最近督导日期")],
    "guidance_visits": [("visit_id", "督导记录编号"), ("station_id", "站点编号"), ("area_code", "行政区划代码"),
                        ("visited_on", "督导日期"), ("guide_id", "督导人编号"), ("mode_label", "督导方式"),
                        ("minutes", "时长(分钟)")],
}


def labelled(row: dict[str, Any]) -> dict[str, Any]:
    """The row with `<field>_label` beside each coded field: the export shows the Chinese words."""
    for name, words in LABELS.items():
        if name in row:
            row[f"{name}_label"] = words.get(str(row[name]), "") if row[name] is not None else ""
    return row


def with_people(app: People, id_key: str) -> Callable[[list[dict[str, Any]]], list[dict[str, Any]]]:
    """A page's decoration for a list of people: their id under its name, their names (and an intern's university,
    a volunteer's exact hours) from the aggregates, read for these rows only."""

    def decorate(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for row in rows:
            row[id_key] = row["id"]
            try:
                person: Any = app.repository.get(UUID(row["id"]))
            except AggregateNotFoundError:
                person = None
            identity = app.identity(person) if isinstance(person, Person) else None
            row["name"] = identity["name"] if identity else ("[已删除]" if person is not None else "")
            if isinstance(person, Intern):
                row["university"] = person.university
            if isinstance(person, Volunteer):
                row["hours"] = person.hours
            labelled(row)
        return rows

    return decorate


def with_id(id_key: str) -> Callable[[list[dict[str, Any]]], list[dict[str, Any]]]:
    """A page's decoration for a list whose rows are complete in the index (organisations, agencies)."""

    def decorate(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for row in rows:
            row[id_key] = row["id"]
            labelled(row)
        return rows

    return decorate
