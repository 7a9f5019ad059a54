"""The deployment's reference areas loaded on the real PostgreSQL: Sichuan from the pinned file, its cities,
183 counties and townships, in bounded chunks, and nothing new on a second run."""

from __future__ import annotations

import time
import uuid
from typing import Any

from pzh_shared.areas import AreaLevel, AreaRoot
from pzh_shared.eventstore import store_env
from registry.adapters.reference import read_areas
from registry.application.service import RegistryApplication
from registry.settings import RegistrySettings


def test_sichuan_down_to_its_townships_loads_once_on_postgres(postgres_server: Any, tmp_path: Any) -> None:
    server = postgres_server
    settings = RegistrySettings(event_store="postgres", data_dir=tmp_path, postgres_host=server.host,
                                postgres_port=server.port, postgres_dbname=server.dbname, postgres_user=server.user,
                                postgres_password=server.password or "", root_area_code="510000")
    fresh = type("FreshRegistry", (RegistryApplication,), {"name": f"registry_{uuid.uuid4().hex[:8]}"})
    registry = fresh(env=store_env(settings, fresh.name))
    try:
        rows = read_areas(settings.areas_file)
        root = AreaRoot("510000")
        registry.root = root
        started = time.monotonic()
        loaded = registry.load_areas(rows, root, AreaLevel.TOWNSHIP)
        took = time.monotonic() - started
        counties = [c for c in loaded if len(c) == 6 and not c.endswith("00")]
        print(f"\nSichuan: {len(loaded)} areas loaded on PostgreSQL in {took:.1f} s")
        assert loaded[0] == "510000" and len(counties) == 183 and sum(len(c) == 9 for c in loaded) > 3000
        assert len(registry.area("510000").children) == 21  # 21 cities and prefectures
        assert sorted(registry.area("510400").children) == ["510402", "510403", "510411", "510421", "510422"]
        assert registry.area("510421").name == "米易县"
        assert registry.load_areas(rows, root, AreaLevel.TOWNSHIP) == []
    finally:
        registry.close()
