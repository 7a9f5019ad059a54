"""The command services on KurrentDB: a real server named by KURRENTDB_URI (none can run on these machines: then
these tests are skipped, and shared/tests/conftest.py prints the contract suite's NOT RUN line), the tracking records
in the tests' PostgreSQL server. Each service's application and relay start as `python -m <service>` builds them,
the registry loads its areas (saves of many aggregates) and talent refuses a second worker with the same ID number
(the worker and its unique key are one atomic append)."""

from __future__ import annotations

import importlib
import os
import uuid
from datetime import date

import pytest
from pzh_shared.areas import AreaLevel, AreaRoot
from pzh_shared.eventstore import store_env
from pzh_shared.relay import OutboxRelay

KURRENTDB_URI = os.environ.get("KURRENTDB_URI", "")
pytestmark = pytest.mark.skipif(not KURRENTDB_URI, reason="no KURRENTDB_URI: no KurrentDB server can run here")


def kurrentdb_settings(settings_class, server, tmp_path):
    return settings_class(event_store="kurrentdb", kurrentdb_uri=KURRENTDB_URI, data_dir=tmp_path,
                          postgres_host=server.host, postgres_port=server.port, postgres_dbname=server.dbname,
                          postgres_user=server.user, postgres_password=server.password or "")


@pytest.mark.parametrize("service", ["registry", "talent", "casework", "funding"])
def test_the_service_and_its_relay_start_on_kurrentdb(service, postgres_server, tmp_path):
    process = importlib.import_module(f"{service}.__main__").PROCESS
    settings = kurrentdb_settings(process.settings_class, postgres_server, tmp_path)
    application = process.build_application(settings)
    try:
        relay = OutboxRelay(application, process.publication.translate, settings.kafka_bootstrap, service,
                            topic=f"kurrent-{uuid.uuid4().hex[:8]}.events")
        assert relay.lease is not None and relay.lease.held()  # the relay lease, in the tracking database
        relay.lease.release()
        relay.app.recorder.select_notifications(relay.checkpoint(), 1, inclusive_of_start=False)
        assert relay.lag() >= 0  # a number: the store answered
    finally:
        application.close()


def test_registry_loads_its_areas_once_on_kurrentdb(postgres_server, tmp_path):
    from registry.adapters.reference import read_areas
    from registry.application.service import RegistryApplication
    from registry.settings import RegistrySettings

    settings = kurrentdb_settings(RegistrySettings, postgres_server, tmp_path)
    fresh = type("FreshRegistry", (RegistryApplication,), {"name": f"registry_{uuid.uuid4().hex[:8]}"})
    registry = fresh(env=store_env(settings, fresh.name))
    try:
        rows, root = read_areas(settings.areas_file), AreaRoot("510400")
        registry.root = root
        loaded = registry.load_areas(rows, root, AreaLevel.COUNTY)
        assert loaded[0] == "510400" and sorted(registry.area("510400").children) == [
            "510402", "510403", "510411", "510421", "510422"]
        assert registry.area("510421").name == "米易县"
        assert registry.load_areas(rows, root, AreaLevel.COUNTY) == []
        first = registry.recorder.select_notifications(0, 1, inclusive_of_start=False)[0]
        assert first.originator_version == 1
    finally:
        registry.close()


def test_talent_refuses_a_second_worker_with_the_same_id_number_on_kurrentdb(postgres_server, tmp_path):
    from talent.adapters.integration import PUBLICATION
    from talent.application.service import TalentApplication
    from talent.domain.errors import AlreadyRegistered
    from talent.domain.identifiers import id_check_digit
    from talent.settings import TalentSettings

    settings = kurrentdb_settings(TalentSettings, postgres_server, tmp_path)
    fresh = type("FreshTalent", (TalentApplication,), {"name": f"talent_{uuid.uuid4().hex[:8]}"})
    talent = fresh(env=store_env(settings, fresh.name), publication=PUBLICATION)
    try:
        first17 = "51040219850101123"
        id_number = first17 + id_check_digit(first17)
        worker_id = talent.register_worker("郑社工", id_number, "13800001111", date(2020, 12, 1))
        with pytest.raises(AlreadyRegistered):
            talent.register_worker("王社工", id_number, "13800002222", date(2020, 12, 1))
        assert talent.worker(worker_id).name == "郑社工"
        workers = {n.originator_id for n in talent.recorder.select_notifications(0, 100, inclusive_of_start=False)}
        assert len(workers) == 2  # the first worker and its unique key; nothing of the refused second
    finally:
        talent.close()
