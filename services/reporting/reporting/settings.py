from typing import Literal

from pydantic_settings import SettingsConfigDict
from pzh_shared.settings import ServiceSettings


class ReportingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REPORTING_", extra="ignore")

    http_port: int = 8105
    # Where the read models live: a SQLite file under DATA_DIR (one node), or PostgreSQL (REPORTING_POSTGRES_*),
    # which any number of workers and read APIs share.
    read_model: Literal["sqlite", "postgres"] = "sqlite"
    # Faust app id, which is also the consumer group: two independent platforms on one broker
    # (a test beside another) need different ones.
    app_id: str = "reporting"
    # Faust group timing: short values let a fresh worker own its partitions within seconds.
    broker_session_timeout: float = 10.0
    broker_heartbeat_interval: float = 1.0
    batch_size: int = 500
    # Below capacity a batch always waits the whole window (the largest part of the read models' lag);
    # 0.1 s measured as fast as 0.2 s, with ~35% less lag; 0.05 s cut lag more but cost ~8% of throughput.
    batch_within: float = 0.1
    # Where generated reports are archived (one folder per report, period and version); empty: <DATA_DIR>/reports.
    reports_dir: str = ""
    # A CJK TrueType font (.ttf/.ttc) embedded in PDF reports; empty: look for Debian's fonts-wqy-zenhei.
    cjk_font: str = ""
    # The issuing body (发文机关) of the deployment's official documents (reports/official.py) and its 机关代字:
    # documents are numbered <prefix><type>〔year〕N号 (攀民通〔2022〕1号), N a sequence per year (the archive's).
    issuing_body: str = "攀枝花市民政局"
    document_prefix: str = "攀民"
    # When the worker checks for closed report periods to generate (cron, Asia/Shanghai; empty: never).
    # Hourly, so a worker that was down catches up within the hour; a period with a version is left alone.
    schedule_cron: str = "10 * * * *"
    # The deployment's root area: its counties (the areas under it the registry published) are the rows of
    # every report, named as the read model names them.
    city_code: str = "510400"
    # The system's name in titles (the API document): the deployment's, like its root area.
    system_name: str = "攀枝花市社会工作服务体系"
    # The deployment's reporting rules (notice weights, station quotas, pilot counties, calendar), versioned by
    # effective date: a JSON file (format: README "Reporting rules"); empty: reporting/data/reporting-rules.json.
    rules_file: str = ""
    # Overrides the rules file's provincial pilot counties (comma-separated county codes) in every version; empty:
    # the rules' list in force at the period's end. The monthly dispatch lists them before a pilot station opens.
    provincial_pilot_counties: str = ""

    @property
    def pilot_counties(self) -> tuple[str, ...]:
        return tuple(code.strip() for code in self.provincial_pilot_counties.split(",") if code.strip())
