"""Offline checks of the deployment descriptions against the code they deploy.

docker-compose.yml, deploy/docker/ and deploy/k8s/ are validated here because no Docker engine
or Kubernetes API server runs on the development and CI machines. Facts are read from the code,
not repeated: the processes from deploy/local/localinfra/platform.py (PROCESSES), each
service's env prefix and settings fields from its pydantic-settings class, each module's roles
from its __main__.py. Every check collects problems as text; the tests at the end feed broken
copies to the same checks to show that they fail.
"""

from __future__ import annotations

import ast
import copy
import importlib
import importlib.util
import inspect
import json
import re
import shlex
import subprocess
import tomllib
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml

from .conftest import platform_processes

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "deploy" / "docker" / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
K8S_DIR = ROOT / "deploy" / "k8s" / "base"
K8S_ROOT = ROOT / "deploy" / "k8s"
COMPOSE_DIR = ROOT / "deploy" / "compose"
# The Compose Specification's JSON Schema, vendored (deploy/schemas/README.md says from where).
COMPOSE_SPEC = ROOT / "deploy" / "schemas" / "compose-spec.json"
OPERATIONS = ROOT / "docs" / "operations.md"

# Environment variables a platform process may carry besides its own prefix, per process.
EXTRA_ENV = {"reporting-worker": {"FAUST_DATADIR"}}
# Names that hold secrets: their values may never be written into a deployment file.
SECRET_NAME = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|PRIVATE_KEY|API_KEY|CIPHER_KEY)", re.I)
# A compose value that only refers to a variable of the caller's environment: ${VAR}, ${VAR?msg},
# ${VAR:?msg} (required), or ${VAR:-} / ${VAR-} (optional, empty by default). No other default.
SECRET_REFERENCE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?::?\?[^}]*|:?-)?\}")
# Settings that say where a service's event store is and how to read it: every process of one
# service (the API and its relay) must agree on them, or the relay reads another store.
STORE_SETTINGS = ("event_store", "data_dir", "postgres_host", "postgres_port", "postgres_dbname", "postgres_user",
                  "postgres_password", "kurrentdb_uri", "cipher_key")


# ------------------------------------------------------------------------------------------
# Facts from the code
# ------------------------------------------------------------------------------------------

PROCESSES = platform_processes()
HTTP_PROCESSES = {name for name, (_, _, http) in PROCESSES.items() if http}
MODULES = sorted({args[0] for _, args, _ in PROCESSES.values()})


def module_main(module: str) -> Path:
    return ROOT / "services" / module / module / "__main__.py"


def module_roles(module: str) -> set[str]:
    """Roles the module's __main__ accepts: a command service's ServiceProcess declares them
    (`PROCESS.roles`); other modules compare strings with `role`. Empty: takes none."""
    process = getattr(importlib.import_module(f"{module}.__main__"), "PROCESS", None)
    if process is not None:
        return set(process.roles)
    tree = ast.parse(module_main(module).read_text(encoding="utf-8"))
    roles = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and isinstance(node.left, ast.Name) and node.left.id == "role":
            roles |= {c.value for c in node.comparators if isinstance(c, ast.Constant) and isinstance(c.value, str)}
    return roles


def settings_of(module: str) -> tuple[str, set[str]]:
    """(env prefix, field names) of the module's settings class, a subclass of ServiceSettings."""
    from pzh_shared.settings import ServiceSettings

    mod = importlib.import_module(f"{module}.settings")
    classes = [obj for obj in vars(mod).values()
               if isinstance(obj, type) and issubclass(obj, ServiceSettings) and obj is not ServiceSettings]
    assert len(classes) == 1, f"{module}.settings: expected one ServiceSettings subclass, found {classes}"
    cls = classes[0]
    return cls.model_config["env_prefix"], set(cls.model_fields)


SETTINGS = {module: settings_of(module) for module in MODULES}


def process_module(process: str) -> str:
    return PROCESSES[process][1][0]


# ------------------------------------------------------------------------------------------
# Checks shared by compose and Kubernetes
# ------------------------------------------------------------------------------------------

def command_problems(where: str, command: list[str] | str | None, process: str) -> list[str]:
    """The command must be `python -m <module> [role]` for a real module and role, and the one
    platform.py runs for this process."""
    if isinstance(command, str):
        command = shlex.split(command)
    if not command:
        return [f"{where}: no command (the image's CMD runs the gateway, not {process})"]
    if command[:2] != ["python", "-m"] or len(command) < 3:
        return [f"{where}: command {command} is not `python -m <module> ...`"]
    module, args = command[2], command[3:]
    problems = []
    if not module_main(module).is_file():
        problems.append(f"{where}: module {module!r} has no {module_main(module).relative_to(ROOT)}")
    elif importlib.util.find_spec(module) is None:
        problems.append(f"{where}: module {module!r} is not installed")
    else:
        roles = module_roles(module)
        if roles and (len(args) != 1 or args[0] not in roles):
            problems.append(f"{where}: {module} takes one role of {sorted(roles)}, got {args}")
        if not roles and args:
            problems.append(f"{where}: {module} takes no role, got {args}")
    if process in PROCESSES and [module, *args] != PROCESSES[process][1]:
        problems.append(f"{where}: runs {[module, *args]}, platform.py runs {PROCESSES[process][1]} for {process}")
    return problems


def env_name_problems(where: str, process: str, names: list[str]) -> list[str]:
    """Every variable carries the process's prefix and names a real settings field."""
    module = process_module(process)
    prefix, fields = SETTINGS[module]
    if prefix != PROCESSES[process][0]:
        return [f"{where}: {module} settings use prefix {prefix}, platform.py says {PROCESSES[process][0]}"]
    problems = []
    for name in names:
        if name in EXTRA_ENV.get(process, set()):
            continue
        if not name.startswith(prefix):
            problems.append(f"{where}: {name} does not start with {prefix}")
        elif name[len(prefix):].lower() not in fields:
            problems.append(f"{where}: {name} is no setting of {module} (fields: {sorted(fields)})")
    return problems


def host_port(address: str) -> tuple[str, int]:
    parts = urlsplit(address if "//" in address else f"//{address}")
    return parts.hostname or "", parts.port or 0


# ------------------------------------------------------------------------------------------
# docker-compose.yml
# ------------------------------------------------------------------------------------------

def load_compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def env_dict(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return {name: None if value is None else str(value) for name, value in env.items()}


def compose_schema_problems(compose: dict) -> list[str]:
    """Validation against the Compose Specification's own JSON Schema (what `docker compose
    config` checks first): misspelt keys, wrong shapes, unknown conditions."""
    validator = jsonschema.Draft202012Validator(json.loads(COMPOSE_SPEC.read_text(encoding="utf-8")))
    return [f"compose {'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
            for e in validator.iter_errors(compose)]


def compose_process_problems(compose: dict) -> list[str]:
    """Each platform process is one compose service built from the Dockerfile, running the
    right module with env of its own prefix, a restart policy, and health checks where it
    serves HTTP."""
    services = compose.get("services", {})
    problems = [f"compose: no service for process {name}" for name in PROCESSES if name not in services]
    for name, service in services.items():
        if not service.get("image") and not service.get("build"):
            problems.append(f"compose {name}: neither image nor build")
        build = service.get("build")
        if build:
            context = ROOT / build.get("context", ".")
            dockerfile = context / build.get("dockerfile", "Dockerfile")
            if not context.is_dir() or not dockerfile.is_file():
                problems.append(f"compose {name}: build context {context} or Dockerfile {dockerfile} missing")
        if service.get("restart") not in ("always", "unless-stopped", "on-failure"):
            problems.append(f"compose {name}: restart policy {service.get('restart')!r}")
        if name not in PROCESSES:
            continue
        where = f"compose {name}"
        if (
            not build
            or (ROOT / build.get("context", ".") / build.get("dockerfile", "Dockerfile")).resolve() != DOCKERFILE
        ):
            problems.append(f"{where}: not built from {DOCKERFILE.relative_to(ROOT)}")
        problems += command_problems(where, service.get("command"), name)
        env = env_dict(service)
        problems += env_name_problems(where, name, list(env))
        prefix = PROCESSES[name][0]
        health = service.get("healthcheck") or {}
        test = health.get("test")
        test_text = " ".join(test) if isinstance(test, list) else str(test or "")
        if name in HTTP_PROCESSES:
            port = env.get(f"{prefix}HTTP_PORT")
            if env.get(f"{prefix}HTTP_HOST") != "0.0.0.0":
                problems.append(f"{where}: {prefix}HTTP_HOST must be 0.0.0.0 inside a container")
            if not port:
                problems.append(f"{where}: {prefix}HTTP_PORT not set")
            elif f"127.0.0.1:{port}/health" not in test_text:
                problems.append(f"{where}: health check {test_text!r} does not call /health on port {port}")
            published = [p.rsplit(":", 1)[-1] for p in service.get("ports", [])]
            if port and published and published != [port]:
                problems.append(f"{where}: publishes container ports {published}, the API listens on {port}")
        else:
            if "/health" in test_text or f"{prefix}HTTP_PORT" in env or service.get("ports"):
                problems.append(f"{where}: has no HTTP server but a /health check, HTTP port or published port")
    return problems


def compose_secret_problems(compose: dict) -> list[str]:
    """No secret value is written in the file: secret-named variables only refer to variables of
    the caller's environment, and without a default."""
    problems = []
    for name, service in compose.get("services", {}).items():
        for var, value in env_dict(service).items():
            if SECRET_NAME.search(var) and (value is None or not SECRET_REFERENCE.fullmatch(value)):
                problems.append(f"compose {name}: {var} must be ${{VAR:?message}} (or ${{VAR:-}}), not {value!r}")
    return problems


def store_agreement_problems(where: str, env_of: dict[str, dict]) -> list[str]:
    """Processes of one service (same prefix) give their event store the same settings."""
    problems = []
    by_prefix: dict[str, list[str]] = {}
    for process in env_of:
        by_prefix.setdefault(PROCESSES[process][0], []).append(process)
    for prefix, group in by_prefix.items():
        for setting in STORE_SETTINGS:
            var = f"{prefix}{setting.upper()}"
            values = {process: env_of[process].get(var) for process in group}
            if len({repr(v) for v in values.values()}) > 1:
                problems.append(f"{where}: {var} differs between {values}")
    return problems


# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?message}, ${VAR?message}: Compose's interpolation.
INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


def interpolate(value, variables: dict[str, str]):
    """A value as Compose would see it with `variables` in its environment (a required variable
    that is missing becomes <NAME>, where Compose would refuse to start)."""
    if isinstance(value, dict):
        return {k: interpolate(v, variables) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, variables) for v in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match) -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3) or ""
        current = variables.get(name)
        if op == ":-":
            return current or arg
        if op == "-":
            return arg if current is None else current
        if op in (":?", "?"):
            return current or f"<{name}>"
        return current or ""
    return INTERPOLATION.sub(substitute, value)


def referenced_variables(value) -> set[str]:
    """Variables a parsed compose file (or part of it) interpolates; comments do not count."""
    if isinstance(value, dict):
        return set().union(*(referenced_variables(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(referenced_variables(v) for v in value)) if value else set()
    return {m.group(1) for m in INTERPOLATION.finditer(value)} if isinstance(value, str) else set()


def env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a Compose --env-file (comments and blank lines skipped)."""
    pairs = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip()
    return pairs


def active_services(compose: dict, variables: dict[str, str]) -> dict[str, dict]:
    """The services `docker compose up` starts: those without profiles, and those of a profile
    named in COMPOSE_PROFILES."""
    profiles = {p for p in variables.get("COMPOSE_PROFILES", "").split(",") if p}
    return {name: service for name, service in compose.get("services", {}).items()
            if not service.get("profiles") or profiles & set(service["profiles"])}


def kafka_nodes(services: dict[str, dict]) -> dict[str, dict[str, str]]:
    return {name: env_dict(s) for name, s in services.items() if "KAFKA_PROCESS_ROLES" in env_dict(s)}


def compose_wiring_problems(compose: dict, variables: dict[str, str] | None = None) -> list[str]:
    """With the given variables (an env file's): addresses in the env point at services that run,
    on ports those services listen on, and every dependency that runs is declared."""
    variables = variables or {}
    everything = compose.get("services", {})
    services = interpolate(active_services(compose, variables), variables)
    problems = []
    nodes = kafka_nodes(services)
    kafka_ports = {host_port("//" + listener.split("://", 1)[-1])[1]
                   for env in nodes.values() for listener in (env.get("KAFKA_LISTENERS") or "").split(",") if listener}
    collector_config = _collector_config(services.get("otel-collector", {}))
    collector_http = host_port("//" + collector_config.get("receivers", {}).get("otlp", {}).get("protocols", {})
                               .get("http", {}).get("endpoint", ""))[1] if collector_config else None
    init_deps = set((services.get("kafka-init") or {}).get("depends_on") or {})
    for node in nodes:
        if node not in init_deps:
            problems.append(f"compose kafka-init: does not wait for Kafka node {node}")
    for name, service in services.items():
        env = env_dict(service)
        deps = service.get("depends_on") or {}
        dep_names = set(deps) if isinstance(deps, dict) else set(deps)
        for dep in dep_names:
            required = not isinstance(deps, dict) or deps[dep].get("required", True)
            if dep not in everything:
                problems.append(f"compose {name}: depends on unknown service {dep}")
            elif dep not in services:
                if required:
                    problems.append(f"compose {name}: depends on {dep}, which this profile does not start")
            elif (
                isinstance(deps, dict)
                and deps[dep].get("condition") == "service_healthy"
                and not services[dep].get("healthcheck")
            ):
                problems.append(f"compose {name}: waits for {dep} to be healthy, but {dep} has no health check")
        for var, value in env.items():
            if value is None:
                continue
            if var.endswith("_KAFKA_BOOTSTRAP") or (name == "kafka-init" and var == "KAFKA_BOOTSTRAP"):
                for address in value.split(","):
                    host, port = host_port(address)
                    if host not in nodes or port not in kafka_ports:
                        problems.append(
                            f"compose {name}: {var} address {address} is not a listener of a running Kafka node "
                            f"({sorted(nodes)}, {sorted(kafka_ports)})"
                        )
                if len({host_port(a)[0] for a in value.split(",")}) < len(nodes):
                    problems.append(f"compose {name}: {var}={value} does not name every Kafka node {sorted(nodes)}")
                if (
                    name != "kafka-init"
                    and (deps.get("kafka-init") or {}).get("condition") != "service_completed_successfully"
                ):
                    problems.append(f"compose {name}: uses Kafka but does not wait for kafka-init to create the topics")
            elif var.endswith("_POSTGRES_HOST"):
                if value not in services:
                    problems.append(f"compose {name}: {var}={value} is no running compose service")
                elif value not in dep_names:
                    problems.append(f"compose {name}: uses {value} but does not depend on it")
            elif (
                var.endswith("_KURRENTDB_URI") and env.get(var.replace("_KURRENTDB_URI", "_EVENT_STORE")) == "kurrentdb"
            ):
                host = urlsplit(value).hostname or ""
                if host not in services:
                    problems.append(f"compose {name}: {var}={value} is no running compose service")
                elif host not in dep_names:
                    problems.append(f"compose {name}: uses {host} but does not depend on it")
            elif var.endswith("_OTLP_ENDPOINT") and value:
                host, port = host_port(value)
                if host not in services or port != collector_http:
                    problems.append(
                        f"compose {name}: {var}={value} is not the collector's OTLP/HTTP receiver (:{collector_http})"
                    )
            elif var.endswith("_URL"):
                host, port = host_port(value)
                target = services.get(host)
                target_port = None
                if target is not None and host in PROCESSES:
                    target_port = env_dict(target).get(f"{PROCESSES[host][0]}HTTP_PORT")
                if target is None or str(port) != str(target_port):
                    problems.append(f"compose {name}: {var}={value} does not reach an HTTP service of this file")
    return problems


def _collector_config(service: dict) -> dict | None:
    for mount in service.get("volumes", []):
        source, target = mount.split(":")[:2]
        if target == "/etc/otelcol/config.yaml":
            path = ROOT / source
            return yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
    return None


def compose_volume_problems(compose: dict) -> list[str]:
    services = compose.get("services", {})
    declared = set(compose.get("volumes") or {})
    problems = []
    for name, service in services.items():
        for mount in service.get("volumes", []):
            source = mount.split(":")[0]
            if source.startswith((".", "/")):
                if not (ROOT / source).exists():
                    problems.append(f"compose {name}: bind-mount source {source} does not exist")
            elif source not in declared:
                problems.append(f"compose {name}: volume {source} is not declared under volumes:")
    # The read model is a SQLite file in REPORTING_DATA_DIR: the worker writes it, the API reads it.
    mounts = {}
    for name in ("reporting-worker", "reporting-api"):
        service = services.get(name, {})
        data_dir = env_dict(service).get("REPORTING_DATA_DIR")
        mounts[name] = {m.split(":")[0] for m in service.get("volumes", []) if m.split(":")[1] == data_dir}
    if not (mounts["reporting-worker"] & mounts["reporting-api"]):
        problems.append(
            f"compose: reporting-worker and reporting-api do not share a volume at REPORTING_DATA_DIR ({mounts})"
        )
    return problems


def test_compose_matches_the_compose_specification():
    assert compose_schema_problems(load_compose()) == []


def test_compose_runs_every_process_from_the_dockerfile():
    compose = load_compose()
    assert set(PROCESSES) <= set(compose["services"])
    assert compose_process_problems(compose) == []


def test_compose_writes_no_secret():
    compose = load_compose()
    assert compose_secret_problems(compose) == []
    # The database and the registry read the same variable, so they agree on the password.
    postgres = env_dict(compose["services"]["postgres"])["POSTGRES_PASSWORD"]
    for name in ("registry-api", "registry-relay"):
        assert env_dict(compose["services"][name])["REGISTRY_POSTGRES_PASSWORD"] == postgres
    assert "POSTGRES_PASSWORD:?" in COMPOSE_FILE.read_text(encoding="utf-8")


def test_compose_addresses_point_at_its_services():
    compose = load_compose()
    assert compose_wiring_problems(compose) == []
    env_of = {name: env_dict(compose["services"][name]) for name in PROCESSES}
    assert store_agreement_problems("compose", env_of) == []


def test_compose_volumes():
    assert compose_volume_problems(load_compose()) == []


def compose_exposure_problems(compose: dict, variables: dict[str, str] | None = None) -> list[str]:
    """Production exposure (issue 18 item 9), in every profile: each process serving HTTP has its API document off
    (<PREFIX>API_DOCS "false") and, but for the gateway (which never serves it there), /metrics off on its HTTP
    port (<PREFIX>METRICS_ON_HTTP "false"); no service publishes the metrics port 9464 to the host."""
    problems = []
    for name, service in active_services(compose, variables or {}).items():
        env = env_dict(service)
        if name in HTTP_PROCESSES:
            prefix = PROCESSES[name][0]
            for suffix in ["API_DOCS"] + ([] if name == "gateway" else ["METRICS_ON_HTTP"]):
                if env.get(f"{prefix}{suffix}") != "false":
                    problems.append(f"compose {name}: {prefix}{suffix} is {env.get(f'{prefix}{suffix}')!r}, "
                                    f"must be \"false\"")
        if any(str(p).rsplit(":", 1)[-1] == "9464" for p in service.get("ports", [])):
            problems.append(f"compose {name}: publishes the metrics port 9464")
    return problems


@pytest.mark.parametrize("env_files", [(), ("cluster.env",), ("kurrentdb.env",)])
def test_compose_exposes_no_docs_schema_or_metrics(env_files):
    variables = {k: v for f in env_files for k, v in env_file(COMPOSE_DIR / f).items()}
    assert compose_exposure_problems(load_compose(), variables) == []


def test_the_compose_exposure_check_fails_on_a_broken_copy():
    compose = load_compose()
    services = compose["services"]
    del services["talent-api"]["environment"]["TALENT_API_DOCS"]
    services["gateway"]["environment"]["GATEWAY_API_DOCS"] = "true"
    services["reporting-api"]["environment"]["REPORTING_METRICS_ON_HTTP"] = "true"
    services["funding-api"]["ports"] = [*services["funding-api"]["ports"], "127.0.0.1:9464:9464"]
    problems = compose_exposure_problems(compose)
    assert any("talent-api: TALENT_API_DOCS is None" in p for p in problems)
    assert any("gateway: GATEWAY_API_DOCS is 'true'" in p for p in problems)
    assert any("reporting-api: REPORTING_METRICS_ON_HTTP" in p for p in problems)
    assert any("funding-api: publishes the metrics port" in p for p in problems)


def relay_partitions() -> int:
    """Partitions per topic as the code creates them: the relay's default, which the reporting
    worker's Faust app must repeat (topic_partitions)."""
    from pzh_shared.relay import OutboxRelay

    partitions = inspect.signature(OutboxRelay.__init__).parameters["partitions"].default
    worker = (ROOT / "services/reporting/reporting/consumers/worker.py").read_text(encoding="utf-8")
    assert f"topic_partitions={partitions}," in worker, (
        "the reporting worker's topic_partitions differs from the relay's partitions"
    )
    return partitions


def expected_topics() -> set[str]:
    """<module>.events and its dead-letter topic for every module that runs a relay, and the
    reporting worker's Faust assignor topic (<app id>-__assignor-__leader, one partition, written
    "name:1" as kafka-init takes it)."""
    from pzh_shared.envelope import dlq_topic
    from reporting.settings import ReportingSettings

    topics = {f"{ReportingSettings.model_fields['app_id'].default}-__assignor-__leader:1"}  # Faust: 1 partition
    for module in MODULES:
        if "relay" in module_roles(module):
            topics |= {f"{module}.events", dlq_topic(f"{module}.events")}
    return topics


def kafka_cluster_problems(compose: dict, variables: dict[str, str]) -> list[str]:
    """With an env file's variables: the Kafka nodes that run form one KRaft quorum, and the
    replication settings of the brokers, of kafka-init's topics and of the clients agree with the
    number of nodes."""
    services = interpolate(active_services(compose, variables), variables)
    nodes = kafka_nodes(services)
    if not nodes:
        return ["compose: no Kafka node"]
    problems = []
    first = next(iter(nodes.values()))
    for var in (
        "CLUSTER_ID",
        "KAFKA_CONTROLLER_QUORUM_VOTERS",
        "KAFKA_DEFAULT_REPLICATION_FACTOR",
        "KAFKA_MIN_INSYNC_REPLICAS",
    ):
        if len({env.get(var) for env in nodes.values()}) != 1:
            problems.append(f"compose: Kafka nodes disagree on {var}")
    voters = {}
    for voter in first["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(","):
        node_id, _, address = voter.partition("@")
        voters[node_id] = host_port(address)[0]
    controllers = {str(env["KAFKA_NODE_ID"]): name for name, env in nodes.items()
                   if "controller" in env["KAFKA_PROCESS_ROLES"].split(",")}
    if voters != controllers:
        problems.append(f"compose: quorum voters {voters} are not the running controllers {controllers}")
    if len(voters) % 2 == 0:
        problems.append(f"compose: {len(voters)} controllers; a KRaft quorum needs an odd number")
    rf, min_isr = int(first["KAFKA_DEFAULT_REPLICATION_FACTOR"]), int(first["KAFKA_MIN_INSYNC_REPLICAS"])
    if rf > len(nodes):
        problems.append(f"compose: replication factor {rf} > {len(nodes)} Kafka nodes")
    if min_isr > rf or (rf > 1 and min_isr >= rf):
        problems.append(f"compose: min.insync.replicas {min_isr} with replication factor {rf} leaves no node to lose")
    for env in nodes.values():
        for var, value in env.items():
            if var.endswith("_REPLICATION_FACTOR") and int(value) != rf:
                problems.append(f"compose: {var}={value}, the cluster's replication factor is {rf}")
            if var.endswith("_MIN_ISR") and int(value) != min_isr:
                problems.append(f"compose: {var}={value}, the cluster's min.insync.replicas is {min_isr}")
    init = env_dict(services.get("kafka-init", {}))
    if init.get("KAFKA_REPLICATION_FACTOR") != str(rf):
        problems.append(
            f"compose kafka-init: creates topics with replication factor {init.get('KAFKA_REPLICATION_FACTOR')}, "
            f"the cluster's is {rf}"
        )
    if init.get("KAFKA_TOPIC_PARTITIONS") != str(relay_partitions()):
        problems.append(
            f"compose kafka-init: {init.get('KAFKA_TOPIC_PARTITIONS')} partitions, the code uses {relay_partitions()}"
        )
    missing = expected_topics() - set((init.get("KAFKA_TOPICS") or "").split())
    if missing:
        problems.append(f"compose kafka-init: does not create {sorted(missing)}")
    return problems


def compose_variable_problems(compose_text: str, operations: str, env_files: dict[str, dict[str, str]]) -> list[str]:
    """Every variable the file reads from the caller's environment is documented (as `NAME` in
    docs/operations.md), and every variable an env file sets is one the file reads."""
    compose = yaml.safe_load(compose_text)
    referenced = referenced_variables(compose)
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]*)`", operations))
    problems = [
        f"compose: ${{{name}}} is not documented in docs/operations.md" for name in sorted(referenced - documented)
    ]
    profiles = {p for s in compose.get("services", {}).values() for p in s.get("profiles", [])}
    for file, pairs in env_files.items():
        for name, value in pairs.items():
            if name == "COMPOSE_PROFILES":
                problems += [
                    f"{file}: profile {p} is used by no service" for p in value.split(",") if p not in profiles
                ]
            elif name not in referenced:
                problems.append(f"{file}: {name} is read nowhere in docker-compose.yml")
    return problems


def compose_env_files() -> dict[str, dict[str, str]]:
    return {path.relative_to(ROOT).as_posix(): env_file(path) for path in sorted(COMPOSE_DIR.glob("*.env"))}


def test_compose_infrastructure():
    services = load_compose()["services"]
    assert all(
        env_dict(services[name])["REGISTRY_EVENT_STORE"] == "${EVENT_STORE:-postgres}"
        for name in ("registry-api", "registry-relay")
    )
    assert services["postgres"]["image"].split(":")[1].startswith("15")
    assert services["postgres"].get("healthcheck")
    for node in kafka_nodes(services):
        assert services[node]["image"] == "apache/kafka:4.1.1" and services[node].get("healthcheck")
    config = _collector_config(services["otel-collector"])
    exporters = config["service"]["pipelines"]["traces"]["exporters"]
    assert any(host_port(config["exporters"][e].get("endpoint", ""))[0] == "jaeger" for e in exporters)
    assert "jaeger" in services


def test_compose_one_broker_by_default():
    compose = load_compose()
    assert kafka_cluster_problems(compose, {}) == []
    nodes = kafka_nodes(interpolate(active_services(compose, {}), {}))
    assert list(nodes) == ["kafka"]
    assert nodes["kafka"]["KAFKA_DEFAULT_REPLICATION_FACTOR"] == "1"


def test_compose_cluster_profile_runs_three_brokers_with_rf3_and_min_isr2():
    compose = load_compose()
    variables = env_file(COMPOSE_DIR / "cluster.env")
    assert variables["COMPOSE_PROFILES"] == "cluster"
    assert kafka_cluster_problems(compose, variables) == []
    assert compose_wiring_problems(compose, variables) == []
    nodes = kafka_nodes(interpolate(active_services(compose, variables), variables))
    assert len(nodes) == 3
    assert {env["KAFKA_DEFAULT_REPLICATION_FACTOR"] for env in nodes.values()} == {"3"}
    assert {env["KAFKA_MIN_INSYNC_REPLICAS"] for env in nodes.values()} == {"2"}


def test_compose_kurrentdb_profile_uses_the_eventsourcing_kurrentdb_module():
    from pzh_shared.eventstore import store_env
    from pzh_shared.settings import ServiceSettings

    compose = load_compose()
    variables = env_file(COMPOSE_DIR / "kurrentdb.env")
    assert compose_wiring_problems(compose, variables) == []
    services = interpolate(active_services(compose, variables), variables)
    assert "kurrentdb" in services and services["kurrentdb"].get("healthcheck")
    # The image gets the persistence module the shared store factory names for "kurrentdb".
    extra = services["registry-api"]["build"]["args"]["EXTRA_PACKAGES"]
    dockerfile = DOCKERFILE.read_text(encoding="utf-8")
    assert "ARG EXTRA_PACKAGES" in dockerfile and "${EXTRA_PACKAGES}" in dockerfile
    for name in PROCESSES:
        module, prefix = process_module(name), PROCESSES[name][0]
        env = env_dict(services[name])
        if f"{prefix}EVENT_STORE" not in env:
            continue
        assert env[f"{prefix}EVENT_STORE"] == "kurrentdb", name
        # The shared factory turns these settings into eventsourcing's environment.
        store = store_env(ServiceSettings(event_store="kurrentdb", kurrentdb_uri=env[f"{prefix}KURRENTDB_URI"]), module)
        # pzh_shared.kurrent's factory, which builds on the eventsourcing-kurrentdb package the image installs.
        assert store["PERSISTENCE_MODULE"] == "pzh_shared.kurrent:KurrentFactory"
        assert re.split(r"[<>=!~ ]", extra, maxsplit=1)[0] == "eventsourcing-kurrentdb", extra
        assert store["KURRENTDB_URI"].startswith("kurrentdb://kurrentdb:2113")


def test_compose_variables_are_documented():
    problems = compose_variable_problems(
        COMPOSE_FILE.read_text(encoding="utf-8"), OPERATIONS.read_text(encoding="utf-8"), compose_env_files()
    )
    assert problems == []


def test_compose_checks_fail_on_a_broken_cluster_or_an_undocumented_variable():
    compose = load_compose()
    broken = dict(env_file(COMPOSE_DIR / "cluster.env"))
    broken["KAFKA_CONTROLLER_QUORUM_VOTERS"] = "1@kafka:9093"   # three nodes, one voter
    broken["KAFKA_MIN_INSYNC_REPLICAS"] = "3"
    broken["KAFKA_BOOTSTRAP"] = "kafka:9092"
    problems = kafka_cluster_problems(compose, broken)
    assert any("quorum voters" in p for p in problems)
    assert any("leaves no node to lose" in p for p in problems)
    assert any("does not name every Kafka node" in p for p in compose_wiring_problems(compose, broken))
    assert any(
        "replication factor 3 > 1" in p for p in kafka_cluster_problems(compose, {"KAFKA_REPLICATION_FACTOR": "3"})
    )
    text = COMPOSE_FILE.read_text(encoding="utf-8").replace(
        "${KAFKA_BOOTSTRAP:-kafka:9092}", "${KAFKA_BOOTSTRAPS:-kafka:9092}"
    )
    problems = compose_variable_problems(
        text, OPERATIONS.read_text(encoding="utf-8"), {"x.env": {"KAFKA_BOOTSTRAP": "k:9092"}}
    )
    assert "compose: ${KAFKA_BOOTSTRAPS} is not documented in docs/operations.md" in problems
    assert "x.env: KAFKA_BOOTSTRAP is read nowhere in docker-compose.yml" in problems
    del compose["services"]["kafka-init"]["environment"]["KAFKA_TOPICS"]
    compose["services"]["registry-relay"]["depends_on"]["kafka-9"] = {"condition": "service_healthy"}
    assert any("does not create" in p for p in kafka_cluster_problems(compose, {}))
    assert any("unknown service kafka-9" in p for p in compose_wiring_problems(compose, {}))


# ------------------------------------------------------------------------------------------
# deploy/docker/Dockerfile and .dockerignore
# ------------------------------------------------------------------------------------------

def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined, current = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        current += (" " if current else "") + stripped.rstrip("\\").strip()
        if not stripped.endswith("\\"):
            joined.append(current)
            current = ""
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "") for line in joined]


def dockerignore_patterns() -> list[tuple[bool, re.Pattern]]:
    patterns = []
    for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = line.lstrip("!").strip("/")
        regex = ""
        i = 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                regex, i = regex + "(?:.*/)?", i + 3
            elif pattern.startswith("**", i):
                regex, i = regex + ".*", i + 2
            elif pattern[i] == "*":
                regex, i = regex + "[^/]*", i + 1
            elif pattern[i] == "?":
                regex, i = regex + "[^/]", i + 1
            elif pattern[i] == "[":
                end = pattern.index("]", i)
                regex, i = regex + pattern[i:end + 1], end + 1
            else:
                regex, i = regex + re.escape(pattern[i]), i + 1
        patterns.append((negate, re.compile(regex)))
    return patterns


def dockerignored(path: str) -> bool:
    """Docker's rule: the last pattern matching the path or one of its parents decides."""
    parts = PurePosixPath(path).parts
    candidates = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    excluded = False
    for negate, regex in dockerignore_patterns():
        if any(regex.fullmatch(c) for c in candidates):
            excluded = not negate
    return excluded


def dockerfile_problems(text: str) -> list[str]:
    instructions = dockerfile_instructions(text)
    problems = []
    args = {}
    for ins, rest in instructions:
        if ins == "ARG" and "=" in rest:
            key, value = rest.split("=", 1)
            args[key.strip()] = value.strip()
    stages = [i for i, (ins, _) in enumerate(instructions) if ins == "FROM"]
    if not stages:
        return ["Dockerfile: no FROM"]
    for i in stages:
        image = instructions[i][1].split()[0]
        image = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), image)
        if image != "python:3.11-slim":
            problems.append(f"Dockerfile: stage from {image}, expected python:3.11-slim")
    final = instructions[stages[-1]:]
    users = [rest.split(":")[0].strip() for ins, rest in final if ins == "USER"]
    if not users or users[-1] in ("root", "0"):
        problems.append("Dockerfile: the final stage does not switch to a non-root USER")
    for ins, rest in instructions:
        if ins in ("ENV", "ARG") and SECRET_NAME.search(rest):
            problems.append(f"Dockerfile: {ins} {rest!r} bakes a secret-named variable into the image")
        if ins in ("COPY", "ADD") and "--from=" not in rest:
            sources = [s for s in shlex.split(rest) if not s.startswith("--")][:-1]
            for source in sources:
                if not (ROOT / source).exists():
                    problems.append(f"Dockerfile: COPY source {source} does not exist")
                elif dockerignored(source.rstrip("/")):
                    problems.append(f"Dockerfile: COPY source {source} is excluded by .dockerignore")
    installs = [rest for ins, rest in instructions if ins == "RUN" and "pip install" in rest]
    installed = {t.rstrip("/") for rest in installs for t in shlex.split(rest) if t.startswith("./")}
    names = {}
    for path in installed:
        pyproject = ROOT / path / "pyproject.toml"
        if not pyproject.is_file():
            problems.append(f"Dockerfile: pip installs {path}, which has no pyproject.toml")
            continue
        project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
        names[project["name"]] = project.get("dependencies", [])
    for name, deps in names.items():
        for dep in deps:
            dep_name = re.split(r"[<>=!~\[; ]", dep, maxsplit=1)[0]
            if dep_name.startswith("pzh-") and dep_name not in names:
                problems.append(f"Dockerfile: {name} needs {dep_name}, which the image does not install")
    for module in MODULES:
        if f"./services/{module}" not in installed:
            problems.append(f"Dockerfile: does not install services/{module}, which a process runs")
    cmds = [rest for ins, rest in final if ins == "CMD"]
    if not cmds:
        problems.append("Dockerfile: no CMD")
    else:
        cmd = yaml.safe_load(cmds[-1])  # the exec form is a JSON array
        problems += command_problems("Dockerfile CMD", cmd, "gateway")
    return problems


def test_dockerfile():
    assert dockerfile_problems(DOCKERFILE.read_text(encoding="utf-8")) == []


def test_dockerignore_keeps_the_context_small_and_secret_free():
    for path in (".git", ".venv", "var/data/registry.sqlite", ".env", "deploy/local/kafka/libs/kafka-clients-4.1.1.jar",
                 "services/registry/pzh_registry.egg-info", "shared/pzh_shared/__pycache__/envelope.cpython-311.pyc",
                 "services/reporting/tests/test_x.py", "docs/architecture.md"):
        assert dockerignored(path), f"{path} would be sent to the Docker builder"
    for path in ("shared/pyproject.toml", "shared/pzh_shared/envelope.py", "services/registry/pyproject.toml",
                 "services/gateway/gateway/__main__.py", "deploy/docker/Dockerfile"):
        assert not dockerignored(path), f"{path} is needed by the image but excluded"


# ------------------------------------------------------------------------------------------
# deploy/k8s (Kustomize base)
# ------------------------------------------------------------------------------------------

def load_kustomization() -> dict:
    return yaml.safe_load((K8S_DIR / "kustomization.yaml").read_text(encoding="utf-8"))


def load_k8s_documents() -> list[dict]:
    docs = []
    for path in sorted(K8S_DIR.glob("*.y*ml")):
        if path.name == "kustomization.yaml":
            continue
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc is not None:
                doc["__file__"] = path.relative_to(K8S_DIR).as_posix()
                docs.append(doc)
    return docs


def by_kind(docs: list[dict], kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in docs if d.get("kind") == kind}


def quantity(value: str | int | float) -> float:
    text = str(value)
    units = {"m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "k": 1e3, "M": 1e6, "G": 1e9}
    for unit, factor in sorted(units.items(), key=lambda kv: -len(kv[0])):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return float(text)


def kustomization_problems(kustomization: dict) -> list[str]:
    problems = []
    listed = kustomization.get("resources", [])
    for resource in listed:
        if not (K8S_DIR / resource).exists():
            problems.append(f"kustomization: resource {resource} does not exist")
    for path in sorted(K8S_DIR.glob("*.y*ml")):
        rel = path.relative_to(K8S_DIR).as_posix()
        if rel != "kustomization.yaml" and rel not in listed:
            problems.append(f"kustomization: {rel} is not listed in resources")
    if not kustomization.get("namespace"):
        problems.append("kustomization: no namespace")
    return problems


def deployment_problems(docs: list[dict], kustomization: dict) -> list[str]:
    """Every process is a Deployment running the platform image with the right command, env of
    its own prefix from ConfigMaps, secrets only through secretKeyRef, resources, and probes
    (plus a Service) exactly when it serves HTTP."""
    deployments = by_kind(docs, "Deployment")
    configmaps = by_kind(docs, "ConfigMap")
    services = by_kind(docs, "Service")
    claims = by_kind(docs, "PersistentVolumeClaim")
    images = {i["name"] for i in kustomization.get("images", []) if i.get("newTag") or i.get("digest")}
    env_of: dict[str, dict] = {}
    problems = [f"k8s: no Deployment for process {name}" for name in PROCESSES if name not in deployments]
    problems += [f"k8s: Deployment {name} runs no known process" for name in deployments if name not in PROCESSES]
    for name, deployment in deployments.items():
        if name not in PROCESSES:
            continue
        where = f"k8s Deployment {name}"
        prefix = PROCESSES[name][0]
        spec = deployment["spec"]
        template = spec["template"]
        labels = template["metadata"].get("labels", {})
        if not spec["selector"]["matchLabels"].items() <= labels.items():
            problems.append(f"{where}: selector {spec['selector']} does not match the pod labels {labels}")
        pod = template["spec"]
        if not (pod.get("securityContext") or {}).get("runAsNonRoot"):
            problems.append(f"{where}: pod does not set runAsNonRoot")
        containers = pod.get("containers", [])
        if len(containers) != 1:
            problems.append(f"{where}: expected one container, found {len(containers)}")
            continue
        container = containers[0]
        image = container.get("image", "")
        if image.split(":")[0] not in images:
            problems.append(
                f"{where}: image {image!r} is not the platform image set in kustomization.yaml {sorted(images)}"
            )
        problems += command_problems(where, container.get("command"), name)

        # Environment: ConfigMaps (all keys) and explicit entries.
        env: dict[str, str | None] = {}
        for source in container.get("envFrom", []):
            ref = (source.get("configMapRef") or {}).get("name")
            if ref is None:
                problems.append(f"{where}: envFrom {source} is not a ConfigMap")
            elif ref not in configmaps:
                problems.append(f"{where}: ConfigMap {ref} is not in the base")
            else:
                env.update({k: str(v) for k, v in (configmaps[ref].get("data") or {}).items()})
        for entry in container.get("env", []):
            secret_ref = (entry.get("valueFrom") or {}).get("secretKeyRef")
            if SECRET_NAME.search(entry["name"]) and not secret_ref:
                problems.append(f"{where}: {entry['name']} must come from a Secret (secretKeyRef), not a value")
            env[entry["name"]] = repr(secret_ref) if secret_ref else entry.get("value")
        problems += env_name_problems(where, name, list(env))
        env_of[name] = env
        if env.get(f"{prefix}EVENT_STORE") == "postgres":
            refs = [e for e in container.get("env", []) if e["name"] == f"{prefix}POSTGRES_PASSWORD"]
            if not refs or not (refs[0].get("valueFrom") or {}).get("secretKeyRef"):
                problems.append(f"{where}: PostgreSQL event store without {prefix}POSTGRES_PASSWORD from a Secret")

        resources = container.get("resources") or {}
        for kind in ("requests", "limits"):
            for resource in ("cpu", "memory"):
                if resource not in (resources.get(kind) or {}):
                    problems.append(f"{where}: no {kind}.{resource}")
        for resource in ("cpu", "memory"):
            try:
                if quantity(resources["requests"][resource]) > quantity(resources["limits"][resource]):
                    problems.append(f"{where}: {resource} request exceeds its limit")
            except KeyError:
                pass

        ports = {p.get("name"): p["containerPort"] for p in container.get("ports", [])}
        probes = {p: container.get(p) for p in ("startupProbe", "readinessProbe", "livenessProbe") if container.get(p)}
        selecting = [s for s, svc in services.items()
                     if svc["spec"].get("selector") and svc["spec"]["selector"].items() <= labels.items()]
        if name in HTTP_PROCESSES:
            http_port = env.get(f"{prefix}HTTP_PORT")
            if env.get(f"{prefix}HTTP_HOST") != "0.0.0.0":
                problems.append(f"{where}: {prefix}HTTP_HOST must be 0.0.0.0 in a pod")
            if str(http_port) not in {str(p) for p in ports.values()}:
                problems.append(f"{where}: container ports {ports} do not include {prefix}HTTP_PORT={http_port}")
            for probe in ("readinessProbe", "livenessProbe"):
                get = (probes.get(probe) or {}).get("httpGet") or {}
                port = ports.get(get.get("port"), get.get("port"))
                if get.get("path") != "/health" or str(port) != str(http_port):
                    problems.append(f"{where}: {probe} is not GET /health on {http_port}")
            if not selecting:
                problems.append(f"{where}: no Service selects it")
            for service_name in selecting:
                for sp in services[service_name]["spec"].get("ports", []):
                    target = ports.get(sp.get("targetPort"), sp.get("targetPort", sp.get("port")))
                    if str(target) != str(http_port):
                        problems.append(
                            f"k8s Service {service_name}: targetPort {sp.get('targetPort')} is not {http_port}"
                        )
        else:
            if any("httpGet" in p for p in probes.values()):
                problems.append(f"{where}: has no HTTP server but an httpGet probe")
            if selecting:
                problems.append(f"{where}: has no HTTP server but Services {selecting} select it")

        # Claims referenced by volumes exist; a read-only root file system needs a writable /tmp.
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        for volume in volumes.values():
            claim = (volume.get("persistentVolumeClaim") or {}).get("claimName")
            if claim and claim not in claims:
                problems.append(f"{where}: claim {claim} is not in the base")
        mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
        if (container.get("securityContext") or {}).get("readOnlyRootFilesystem") and "/tmp" not in mounts:
            problems.append(f"{where}: read-only root file system without a /tmp volume")
    return problems + store_agreement_problems("k8s", env_of)


def k8s_secret_problems(docs: list[dict]) -> list[str]:
    problems = []
    for doc in docs:
        if doc.get("kind") == "Secret" and (doc.get("data") or doc.get("stringData")):
            problems.append(f"k8s {doc['__file__']}: Secret {doc['metadata']['name']} carries values")
        if doc.get("kind") == "ConfigMap":
            for key in doc.get("data") or {}:
                if SECRET_NAME.search(key):
                    problems.append(f"k8s ConfigMap {doc['metadata']['name']}: {key} is a secret in a ConfigMap")
    return problems


def k8s_wiring_problems(docs: list[dict]) -> list[str]:
    """The gateway's upstream URLs name Services of the base and their ports; the relay is single;
    the reporting worker and API share the read-model claim at REPORTING_DATA_DIR."""
    problems = []
    services = by_kind(docs, "Service")
    deployments = by_kind(docs, "Deployment")
    configmaps = by_kind(docs, "ConfigMap")
    all_data = {k: str(v) for cm in configmaps.values() for k, v in (cm.get("data") or {}).items()}
    for var, value in all_data.items():
        if var.startswith("GATEWAY_") and var.endswith("_URL"):
            host, port = host_port(value)
            svc = services.get(host)
            if svc is None or port not in {p["port"] for p in svc["spec"]["ports"]}:
                problems.append(f"k8s: {var}={value} is not a Service port of the base")
    relay = deployments.get("registry-relay")
    if relay and (relay["spec"].get("replicas", 1) != 1 or relay["spec"].get("strategy", {}).get("type") != "Recreate"):
        problems.append("k8s: registry-relay must run exactly one replica with the Recreate strategy")
    data_dir = all_data.get("REPORTING_DATA_DIR")
    claims = []
    for name in ("reporting-worker", "reporting-api"):
        pod = deployments.get(name, {}).get("spec", {}).get("template", {}).get("spec", {})
        volumes = {v["name"]: (v.get("persistentVolumeClaim") or {}).get("claimName") for v in pod.get("volumes", [])}
        mounted = {volumes.get(m["name"]) for c in pod.get("containers", []) for m in c.get("volumeMounts", [])
                   if m["mountPath"] == data_dir}
        claims.append(mounted - {None})
    if not (claims[0] & claims[1]):
        problems.append(
            f"k8s: reporting-worker and reporting-api do not mount one claim at REPORTING_DATA_DIR={data_dir}"
        )
    return problems


def test_every_k8s_yaml_parses_and_is_listed():
    docs = load_k8s_documents()
    assert docs
    for doc in docs:
        assert doc.get("apiVersion") and doc.get("kind") and doc.get("metadata", {}).get("name"), doc["__file__"]
    assert kustomization_problems(load_kustomization()) == []


def test_k8s_deployments():
    assert deployment_problems(load_k8s_documents(), load_kustomization()) == []


def test_k8s_holds_no_secret():
    docs = load_k8s_documents()
    assert k8s_secret_problems(docs) == []
    text = "\n".join(p.read_text(encoding="utf-8") for p in K8S_ROOT.rglob("*.y*ml"))
    assert "secretKeyRef" in text


def test_k8s_wiring():
    assert k8s_wiring_problems(load_k8s_documents()) == []


def test_k8s_readme_documents_external_kafka():
    readme = (K8S_ROOT / "README.md").read_text(encoding="utf-8")
    assert "Kafka" in readme and "external" in readme.lower()
    for var in ("REGISTRY_KAFKA_BOOTSTRAP", "REPORTING_KAFKA_BOOTSTRAP", "pzh-postgres"):
        assert var in readme


# ------------------------------------------------------------------------------------------
# The checks fail on broken input
# ------------------------------------------------------------------------------------------

def test_checks_catch_a_literal_password():
    compose = load_compose()
    compose["services"]["registry-api"]["environment"]["REGISTRY_POSTGRES_PASSWORD"] = "hunter2"
    compose["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"] = "${POSTGRES_PASSWORD:-changeme}"
    problems = compose_secret_problems(compose)
    assert len(problems) == 2
    assert any("registry-api: REGISTRY_POSTGRES_PASSWORD" in p and "hunter2" in p for p in problems)
    assert any("postgres: POSTGRES_PASSWORD" in p and "changeme" in p for p in problems)


def test_checks_catch_processes_of_one_service_disagreeing_on_their_store():
    compose = load_compose()
    compose["services"]["registry-relay"]["environment"]["REGISTRY_CIPHER_KEY"] = "${OTHER_KEY:-}"
    env_of = {name: env_dict(compose["services"][name]) for name in PROCESSES}
    assert any("REGISTRY_CIPHER_KEY differs" in p for p in store_agreement_problems("compose", env_of))
    docs = copy.deepcopy(load_k8s_documents())
    relay = by_kind(docs, "Deployment")["registry-relay"]["spec"]["template"]["spec"]["containers"][0]
    relay["env"] = [e for e in relay["env"] if e["name"] != "REGISTRY_CIPHER_KEY"]
    assert any("REGISTRY_CIPHER_KEY differs" in p for p in deployment_problems(docs, load_kustomization()))


def test_checks_catch_a_wrong_prefix_or_unknown_setting():
    compose = load_compose()
    env = compose["services"]["registry-relay"]["environment"]
    env["REPORTING_KAFKA_BOOTSTRAP"] = "kafka:9092"
    env["REGISTRY_KAFKA_BOOTSTRAPS"] = "kafka:9092"
    problems = compose_process_problems(compose)
    assert any("REPORTING_KAFKA_BOOTSTRAP does not start with REGISTRY_" in p for p in problems)
    assert any("REGISTRY_KAFKA_BOOTSTRAPS is no setting" in p for p in problems)


def test_checks_catch_a_missing_health_check_and_a_wrong_command():
    compose = load_compose()
    del compose["services"]["reporting-api"]["healthcheck"]
    compose["services"]["gateway"]["command"] = ["python", "-m", "gatewayy"]
    compose["services"]["registry-relay"]["command"] = ["python", "-m", "registry", "worker"]
    problems = compose_process_problems(compose)
    assert any("reporting-api: health check" in p for p in problems)
    assert any("'gatewayy' has no" in p for p in problems)
    assert any("registry takes one role" in p for p in problems)


def test_checks_catch_broken_wiring_and_schema_typos():
    compose = load_compose()
    compose["services"]["gateway"]["environment"]["GATEWAY_REGISTRY_URL"] = "http://registry-api:9999"
    compose["services"]["reporting-api"]["volumes"] = ["other-data:/var/lib/pzh/data"]
    compose["services"]["kafka"]["healthchek"] = {"test": ["CMD", "true"]}
    assert any("GATEWAY_REGISTRY_URL" in p for p in compose_wiring_problems(compose))
    assert any("do not share a volume" in p for p in compose_volume_problems(compose))
    assert any("healthchek" in p for p in compose_schema_problems(compose))


def test_checks_catch_a_deployment_without_probes_or_resources():
    docs = copy.deepcopy(load_k8s_documents())
    deployments = by_kind(docs, "Deployment")
    container = deployments["gateway"]["spec"]["template"]["spec"]["containers"][0]
    del container["readinessProbe"]
    del container["resources"]["limits"]
    relay = deployments["registry-relay"]["spec"]["template"]["spec"]["containers"][0]
    relay["env"] = [{"name": "REGISTRY_POSTGRES_PASSWORD", "value": "hunter2"}]
    relay["command"] = ["python", "-m", "registry", "api"]
    problems = deployment_problems(docs, load_kustomization())
    assert any("gateway: readinessProbe" in p for p in problems)
    assert any("gateway: no limits.cpu" in p for p in problems)
    assert any("registry-relay: REGISTRY_POSTGRES_PASSWORD must come from a Secret" in p for p in problems)
    assert any("registry-relay: runs ['registry', 'api']" in p for p in problems)


def test_checks_catch_an_unlisted_manifest_and_a_root_image(tmp_path):
    kustomization = load_kustomization()
    kustomization["resources"] = [r for r in kustomization["resources"] if r != "gateway.yaml"] + ["missing.yaml"]
    problems = kustomization_problems(kustomization)
    assert "kustomization: gateway.yaml is not listed in resources" in problems
    assert "kustomization: resource missing.yaml does not exist" in problems
    broken = DOCKERFILE.read_text(encoding="utf-8").replace("USER 10001:10001", "USER root")
    broken = broken.replace("./services/reporting ", "") + "\nENV REGISTRY_POSTGRES_PASSWORD=x\n"
    problems = dockerfile_problems(broken)
    assert any("non-root USER" in p for p in problems)
    assert any("does not install services/reporting" in p for p in problems)
    assert any("secret-named" in p for p in problems)


@pytest.mark.parametrize("module", MODULES)
def test_every_process_module_is_real(module):
    assert module_main(module).is_file()
    assert importlib.util.find_spec(module) is not None
    prefix, fields = SETTINGS[module]
    assert {"kafka_bootstrap", "otlp_endpoint", "http_host", "http_port"} <= fields
    assert all(PROCESSES[p][0] == prefix for p in PROCESSES if process_module(p) == module)


def test_kafka_init_script_is_valid_bash_and_gets_its_variables():
    service = load_compose()["services"]["kafka-init"]
    mounts = {m.split(":")[1]: m.split(":")[0] for m in service["volumes"]}
    script = ROOT / mounts[service["entrypoint"][-1]]
    result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    required = set(re.findall(r"\$\{(\w+):\?\}", script.read_text(encoding="utf-8")))
    assert required and required <= set(env_dict(service)), (required, set(env_dict(service)))
