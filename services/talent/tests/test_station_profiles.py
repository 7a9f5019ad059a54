"""Station facts from the registry (`registry.station.planned.v1` on `registry.events`): the handler
the stations consumer runs, its idempotence, and the quota kind that follows from tier and pilot flag."""

import uuid
from datetime import UTC, datetime

import pytest
from eventsourcing.persistence import Tracking
from pydantic import ValidationError
from pzh_shared.consumer import UnreadVersion
from pzh_shared.envelope import Envelope
from talent.adapters.integration import PUBLICATION
from talent.consumers.stations import stations_consumer, subscription
from talent.domain.errors import NotFound, TalentError
from talent.domain.quotas import StationKind
from talent.domain.station_profile import StationProfile, profile_id

PLANNED = "registry.station.planned.v1"


def notifications(app) -> int:
    return app.recorder.max_notification_id() or 0


@pytest.mark.parametrize(("tier", "pilot", "kind"), [
    ("township_station", True, StationKind.PILOT_TOWNSHIP),
    ("township_station", False, StationKind.OTHER),
    ("general_station", True, StationKind.NONE),  # the quotas are the township stations' (quotas.station_kind)
    ("village_room", False, StationKind.NONE),
    ("institution_station", False, StationKind.NONE),
])
def test_the_kind_follows_tier_and_provincial_pilot(talent_app, tier, pilot, kind, planned):
    station = str(uuid.uuid4())
    subscription(talent_app).apply(PLANNED, planned(station, tier, pilot), Tracking("registry.events:1", 7))
    profile = talent_app.station_profile(station)
    assert (profile.id, profile.station_id, profile.tier, profile.provincial_pilot, profile.kind) == (
        profile_id(station), station, tier, pilot, kind)
    codes = [r.code for r in talent_app.quotas(station, 2021)]
    assert codes[-1:] == (["volunteers_trained_year"] if kind is not StationKind.NONE else [])


def test_the_same_message_twice_changes_nothing(talent_app, planned):
    station = str(uuid.uuid4())
    tracking = Tracking("registry.events:2", 42)
    subscription(talent_app).apply(PLANNED, planned(station, provincial_pilot=True), tracking)
    before = (notifications(talent_app), talent_app.station_profile(station).version)
    assert talent_app.already_tracked(tracking)
    subscription(talent_app).apply(PLANNED, planned(station, provincial_pilot=True), tracking)
    # even with other content: a tracked position is never applied again
    subscription(talent_app).apply(PLANNED, planned(station, provincial_pilot=False), tracking)
    assert (notifications(talent_app), talent_app.station_profile(station).version) == before
    assert talent_app.station_profile(station).kind is StationKind.PILOT_TOWNSHIP


def test_a_republished_event_at_another_offset_is_tracked_but_adds_no_event(talent_app, planned):
    station = str(uuid.uuid4())
    subscription(talent_app).apply(PLANNED, planned(station), Tracking("registry.events:0", 1))
    before = notifications(talent_app)
    subscription(talent_app).apply(PLANNED, planned(station), Tracking("registry.events:0", 2))
    assert talent_app.already_tracked(Tracking("registry.events:0", 2))
    assert notifications(talent_app) == before
    assert talent_app.station_profile(station).version == 1


def test_later_facts_revise_the_profile(talent_app, planned):
    station = str(uuid.uuid4())
    subscription(talent_app).apply(PLANNED, planned(station, provincial_pilot=False), Tracking("registry.events:0", 10))
    subscription(talent_app).apply(PLANNED, planned(station, provincial_pilot=True), Tracking("registry.events:0", 11))
    profile = talent_app.station_profile(station)
    assert (profile.version, profile.kind) == (2, StationKind.PILOT_TOWNSHIP)


def test_other_registry_events_are_tracked_and_ignored(talent_app):
    station = str(uuid.uuid4())
    tracking = Tracking("registry.events:1", 3)
    subscription(talent_app).apply(
        "registry.station.opened.v1", {"station_id": station, "tier": "township_station"}, tracking
    )
    assert talent_app.already_tracked(tracking)
    assert notifications(talent_app) == 0
    with pytest.raises(NotFound):
        talent_app.station_profile(station)


@pytest.mark.parametrize(("event_type", "change", "error"), [
    # The Subscription refuses what it cannot read: a version it does not know, or data its model rejects.
    ("registry.station.planned.v2", {}, UnreadVersion),
    (PLANNED, {"tier": "castle"}, ValueError),
    (PLANNED, {"station_id": "站点一"}, TalentError),
    (PLANNED, {"provincial_pilot": "yes"}, ValidationError),
    (PLANNED, {"planned_on": "someday"}, ValueError),
])
def test_a_message_that_cannot_be_applied_is_refused_and_saves_nothing(talent_app, event_type, change, error, planned):
    station = str(uuid.uuid4())
    data = {**planned(station), **change}
    tracking = Tracking("registry.events:0", 5)
    with pytest.raises(error):
        subscription(talent_app).apply(event_type, data, tracking)
    # Not tracked here: the consumer dead-letters it and then tracks it as handled.
    assert not talent_app.already_tracked(tracking)
    assert notifications(talent_app) == 0


def test_a_missing_field_is_refused(talent_app, planned):
    data = planned(str(uuid.uuid4()))
    del data["provincial_pilot"]
    with pytest.raises(ValidationError, match="provincial_pilot"):
        subscription(talent_app).apply(PLANNED, data, Tracking("registry.events:0", 6))


def test_an_unknown_station_has_no_quota_kind(talent_app):
    station = str(uuid.uuid4())
    with pytest.raises(NotFound, match="尚未收到站点"):
        talent_app.quotas(station, 2021)
    # the fold itself still answers for an explicit kind
    assert talent_app.evaluate_quotas(station, 2021, StationKind.OTHER)


def test_station_profiles_stay_private(talent_app, planned):
    subscription(talent_app).apply(
        PLANNED, planned(str(uuid.uuid4()), provincial_pilot=True), Tracking("registry.events:0", 8)
    )
    events = [
        talent_app.mapper.to_domain_event(n)
        for n in talent_app.recorder.select_notifications(0, 10, inclusive_of_start=False)
    ]
    assert [type(e) for e in events] == [StationProfile.Learnt]
    assert [PUBLICATION.translate(e) for e in events] == [None]
    assert list(PUBLICATION.public_events(talent_app)) == []


def test_the_consumer_handler_applies_envelopes_with_their_tracking(talent_app, planned):
    consumer = stations_consumer(talent_app, "127.0.0.1:1", topic="registry.events")
    assert (consumer.topic, consumer.group_id) == ("registry.events", "talent-stations")
    assert TalentError in consumer.rejected
    station = str(uuid.uuid4())
    envelope = Envelope(
        id=str(uuid.uuid4()),
        source="/pzh/registry",
        type=PLANNED,
        subject=station,
        time=datetime.now(UTC),
        data=planned(station, provincial_pilot=True),
    )
    consumer.handle(envelope, Tracking(consumer.tracking_name(2), 1))
    consumer.handle(envelope, Tracking(consumer.tracking_name(2), 1))
    assert talent_app.station_profile(station).version == 1
    assert talent_app.already_tracked(Tracking("registry.events:2", 1))
