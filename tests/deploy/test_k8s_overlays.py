"""The Kubernetes overlays (deploy/k8s/overlays/city and province) are built with kustomize, and
the built manifests, as `kubectl apply -k` would send them, are validated strictly and offline
against the Kubernetes API's JSON Schemas (kubernetes-validate), then checked for what a schema
cannot see: autoscalers and budgets point at real Deployments, the reporting worker never scales
past the topics' partition count, and only the gateway can be reached from outside the namespace.

kustomize is the Go implementation (sigs.k8s.io/kustomize/kustomize/v5). It is installed once
with `go install` into the virtual environment's bin directory when it is missing there, so CI
needs only Go; without Go (or the module proxy) these tests fail, they never skip.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("city", "province")
KUBERNETES_VERSION = "1.31.0"
KUSTOMIZE_MODULE = "sigs.k8s.io/kustomize/kustomize/v5"
KUSTOMIZE_VERSION = "v5.7.1"
# Processes that must run exactly one pod: the gateway (SQLite account store) and each relay (it
# owns its service's checkpoint). Read from the manifests' own comments would be circular, so listed.
SINGLETONS = {"gateway", "registry-relay", "talent-relay", "casework-relay", "funding-relay"}
GATEWAY = "gateway"


def kustomize_binary() -> Path:
    """.venv/bin/kustomize, installed with `go install` on first use (a few minutes of compiling)."""
    binary = Path(sys.executable).parent / "kustomize"
    if binary.exists():
        return binary
    go = shutil.which("go") or ("/usr/local/go/bin/go" if Path("/usr/local/go/bin/go").exists() else None)
    if go is None:
        pytest.fail("kustomize is not in .venv/bin and Go is not installed to build it "
                    f"(go install {KUSTOMIZE_MODULE}@{KUSTOMIZE_VERSION})")
    env = dict(os.environ, GOBIN=str(binary.parent))
    result = subprocess.run([go, "install", f"{KUSTOMIZE_MODULE}@{KUSTOMIZE_VERSION}"], env=env,
                            capture_output=True, text=True, timeout=1800)
    if result.returncode != 0 or not binary.exists():
        pytest.fail(f"go install {KUSTOMIZE_MODULE}@{KUSTOMIZE_VERSION} failed:\n{result.stderr[-3000:]}")
    return binary


@pytest.fixture(scope="session")
def kustomize() -> Path:
    return kustomize_binary()


def build(kustomize: Path, directory: Path) -> list[dict]:
    result = subprocess.run([str(kustomize), "build", str(directory)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"kustomize build {directory} failed:\n{result.stderr}"
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@pytest.fixture(scope="session")
def built(kustomize) -> dict[str, list[dict]]:
    return {overlay: build(kustomize, K8S / "overlays" / overlay) for overlay in OVERLAYS}


def by_kind(docs: list[dict], kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def schema_problems(docs: list[dict]) -> list[str]:
    problems = []
    for doc in docs:
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            problems.append(f"{doc['kind']}/{doc['metadata']['name']}: {error}")
    return problems


def partitions() -> int:
    """Partitions of every <service>.events topic, from the code (relay default = worker's Faust
    topic_partitions; tests/deploy/test_manifests.py checks that they agree)."""
    worker = (ROOT / "services/reporting/reporting/consumers/worker.py").read_text(encoding="utf-8")
    return int(re.search(r"topic_partitions=(\d+)", worker).group(1))


def selects(selector: dict, labels: dict) -> bool:
    match = selector.get("matchLabels") or {}
    return bool(match) and match.items() <= labels.items() and not selector.get("matchExpressions")


def scaling_problems(docs: list[dict], singletons: set[str] = SINGLETONS) -> list[str]:
    """HPAs and PDBs name real Deployments; the singletons do not scale; the reporting worker's
    replicas stay within the partition count; a PDB never blocks every drain."""
    deployments = by_kind(docs, "Deployment")
    hpas = by_kind(docs, "HorizontalPodAutoscaler")
    problems = []
    for name, hpa in hpas.items():
        target = hpa["spec"]["scaleTargetRef"]
        if target["kind"] != "Deployment" or target["name"] not in deployments:
            problems.append(f"HPA {name}: target {target} is no Deployment")
            continue
        low, high = hpa["spec"].get("minReplicas", 1), hpa["spec"]["maxReplicas"]
        if low > high:
            problems.append(f"HPA {name}: minReplicas {low} > maxReplicas {high}")
        if target["name"] in singletons:
            problems.append(f"HPA {name}: scales {target['name']}, which must run one pod")
        if target["name"] == "reporting-worker" and high > partitions():
            problems.append(
                f"HPA {name}: maxReplicas {high} > {partitions()} partitions: the extra workers get no partition"
            )
    for name in singletons:
        deployment = deployments.get(name)
        if deployment is None:
            problems.append(f"Deployment {name} missing")
        elif (
            deployment["spec"].get("replicas", 1) != 1
            or deployment["spec"].get("strategy", {}).get("type") != "Recreate"
        ):
            problems.append(f"Deployment {name}: must run one replica with the Recreate strategy")
    worker = deployments.get("reporting-worker")
    if worker is None:
        problems.append("Deployment reporting-worker missing")
    else:
        if worker["spec"].get("replicas", 1) > partitions():
            problems.append(f"Deployment reporting-worker: replicas > {partitions()} partitions")
        if "reporting-worker" not in {h["spec"]["scaleTargetRef"]["name"] for h in hpas.values()}:
            problems.append("reporting-worker has no HPA: it should scale up to the partition count")
    for name, pdb in by_kind(docs, "PodDisruptionBudget").items():
        matched = [
            d
            for d in deployments.values()
            if selects(pdb["spec"]["selector"], d["spec"]["template"]["metadata"]["labels"])
        ]
        if not matched:
            problems.append(f"PDB {name}: selects no Deployment's pods")
            continue
        deployment = matched[0]
        hpa = next(
            (h for h in hpas.values() if h["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]), None
        )
        fewest = hpa["spec"].get("minReplicas", 1) if hpa else deployment["spec"].get("replicas", 1)
        if pdb["spec"].get("minAvailable", 0) >= fewest:
            problems.append(
                f"PDB {name}: minAvailable {pdb['spec'].get('minAvailable')} with {fewest} pods blocks every drain"
            )
    return problems


MONITORING = {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}
METRICS_PORT = 9464


def network_problems(docs: list[dict]) -> list[str]:
    """Default deny for ingress; the gateway is the only pod with a rule open to any source; every
    other API admits only the gateway's pods, on its own port."""
    deployments = by_kind(docs, "Deployment")
    policies = by_kind(docs, "NetworkPolicy")
    gateway_labels = deployments[GATEWAY]["spec"]["template"]["metadata"]["labels"]
    problems = []
    if not any(
        p["spec"]["podSelector"] == {}
        and "Ingress" in p["spec"].get("policyTypes", [])
        and not p["spec"].get("ingress")
        for p in policies.values()
    ):
        problems.append("NetworkPolicy: no default deny of ingress (podSelector {}, policyTypes [Ingress], no rules)")
    reachable_from_gateway = set()
    for name, policy in policies.items():
        spec = policy["spec"]
        pods = [d for d, dep in deployments.items() if spec["podSelector"] == {}
                or selects(spec["podSelector"], dep["spec"]["template"]["metadata"]["labels"])]
        for rule in spec.get("ingress") or []:
            sources = rule.get("from")
            only_gateway = bool(sources) and all(
                set(s) == {"podSelector"} and selects(s["podSelector"], gateway_labels) for s in sources)
            # Prometheus in the "monitoring" namespace may reach the metrics port and nothing else.
            only_scrapes = (
                bool(sources)
                and all(set(s) == {"namespaceSelector"} and s["namespaceSelector"] == MONITORING for s in sources)
                and rule.get("ports") == [{"protocol": "TCP", "port": METRICS_PORT}]
            )
            if only_gateway:
                reachable_from_gateway.update(pods)
            elif not only_scrapes and set(pods) - {GATEWAY}:
                problems.append(
                    f"NetworkPolicy {name}: admits {rule.get('from', 'any source')} to {sorted(set(pods) - {GATEWAY})}"
                )
    for name, deployment in deployments.items():
        ports = [
            p
            for c in deployment["spec"]["template"]["spec"]["containers"]
            for p in c.get("ports", [])
            if p["containerPort"] != METRICS_PORT
        ]
        if ports and name != GATEWAY and name not in reachable_from_gateway:
            problems.append(f"NetworkPolicy: the gateway cannot reach {name}")
    gateway_open = any(
        selects(p["spec"]["podSelector"], gateway_labels)
        and any(not r.get("from") for r in p["spec"].get("ingress") or [])
        for p in policies.values()
    )
    if not gateway_open:
        problems.append("NetworkPolicy: nothing admits outside traffic to the gateway")
    return problems


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_builds_and_matches_the_kubernetes_schemas(built, overlay):
    docs = built[overlay]
    kinds = {"Deployment", "Service", "ConfigMap", "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy",
             "Namespace"}
    # The province keeps nothing on volumes (its stores are PostgreSQL: test_province_runs_every_process_...).
    assert kinds | ({"PersistentVolumeClaim"} if overlay == "city" else set()) <= {d["kind"] for d in docs}
    assert {d["metadata"].get("namespace") for d in docs if d["kind"] != "Namespace"} == {"pzh-social-work"}
    assert schema_problems(docs) == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_scaling_and_network_rules(built, overlay):
    assert scaling_problems(built[overlay], SINGLETONS_OF[overlay]) == []
    assert network_problems(built[overlay]) == []


def test_province_is_larger_than_city(built):
    def api_hpa(overlay):
        return by_kind(built[overlay], "HorizontalPodAutoscaler")["registry-api"]["spec"]
    assert api_hpa("province")["minReplicas"] > api_hpa("city")["minReplicas"]
    assert api_hpa("province")["maxReplicas"] > api_hpa("city")["maxReplicas"]
    worker = {
        o: by_kind(built[o], "HorizontalPodAutoscaler")["reporting-worker"]["spec"]["maxReplicas"] for o in OVERLAYS
    }
    assert worker["province"] == partitions() >= worker["city"]


def test_a_broken_overlay_fails_the_schema_check(kustomize, tmp_path):
    """A kustomization that builds but produces an invalid object (a misspelt field, a string
    count) is refused, as CI would refuse it."""
    overlay = tmp_path / "broken"
    overlay.mkdir()
    (overlay / "kustomization.yaml").write_text(yaml.safe_dump({
        "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
        "resources": [os.path.relpath(K8S / "overlays" / "city", overlay)],
        "patches": [{"target": {"kind": "Deployment", "name": "registry-api"},
                     "patch": "- op: add\n  path: /spec/replica\n  value: 2\n"},
                    {"target": {"kind": "HorizontalPodAutoscaler", "name": "talent-api"},
                     "patch": "- op: replace\n  path: /spec/maxReplicas\n  value: many\n"}],
    }), encoding="utf-8")
    problems = schema_problems(build(kustomize, overlay))
    assert any("Deployment/registry-api" in p and "replica" in p for p in problems)
    assert any("HorizontalPodAutoscaler/talent-api" in p for p in problems)


def test_the_scaling_and_network_checks_fail_on_broken_copies(built):
    docs = copy.deepcopy(built["province"])
    hpas = by_kind(docs, "HorizontalPodAutoscaler")
    hpas["reporting-worker"]["spec"]["maxReplicas"] = partitions() + 2
    hpas["talent-api"]["spec"]["scaleTargetRef"]["name"] = "talent-apii"
    by_kind(docs, "PodDisruptionBudget")["funding-api"]["spec"]["minAvailable"] = 3
    problems = scaling_problems(docs, SINGLETONS_OF["province"])
    assert any("reporting-worker" in p and "partitions" in p for p in problems)
    assert any("HPA talent-api: target" in p for p in problems)
    assert any("PDB funding-api" in p and "blocks every drain" in p for p in problems)
    # The city's relays run one pod each (the province's elect one active by their lease).
    city = copy.deepcopy(built["city"])
    by_kind(city, "Deployment")["registry-relay"]["spec"]["replicas"] = 2
    assert any("registry-relay: must run one replica" in p for p in scaling_problems(city))

    docs = copy.deepcopy(built["city"])
    docs = [d for d in docs if not (d["kind"] == "NetworkPolicy" and d["metadata"]["name"] == "default-deny-ingress")]
    policies = by_kind(docs, "NetworkPolicy")
    policies["casework-api-from-gateway"]["spec"]["ingress"][0]["from"].append({"ipBlock": {"cidr": "0.0.0.0/0"}})
    del policies["funding-api-from-gateway"]["spec"]["ingress"]
    problems = network_problems(docs)
    assert any("no default deny" in p for p in problems)
    assert any("casework-api-from-gateway" in p and "ipBlock" in p for p in problems)
    assert any("cannot reach funding-api" in p for p in problems)


# What each overlay must run as one pod: the city keeps the SQLite gateway store and one relay per service; the
# province runs every process replicated (PostgreSQL stores, relay leases, consumer groups).
SINGLETONS_OF = {"city": SINGLETONS, "province": set()}
HOSTNAME = "kubernetes.io/hostname"
# The settings that make the province's processes replicable: each must hold in its ConfigMap.
PROVINCE_SETTINGS = {
    "reporting-config": {"REPORTING_READ_MODEL": "postgres"},
    "gateway-config": {"GATEWAY_STORE": "postgres"},
    **{f"{s}-config": {f"{s.upper()}_EVENT_STORE": "postgres"} for s in ("registry", "talent", "casework", "funding")},
}


def spreads_own_pods(term: dict, labels: dict) -> bool:
    """A spread constraint or anti-affinity term on the node's hostname that counts the pod's own Deployment."""
    if term.get("topologyKey") != HOSTNAME:
        return False
    selector = term.get("labelSelector") or {}
    if selects(selector, labels):
        return True
    # {key Exists} narrowed by matchLabelKeys to the pod's own value of app.kubernetes.io/name.
    keys = {e["key"] for e in selector.get("matchExpressions") or [] if e.get("operator") == "Exists"}
    return bool(keys) and keys <= labels.keys() and "app.kubernetes.io/name" in term.get("matchLabelKeys", [])


def replica_problems(docs: list[dict]) -> list[str]:
    """Every Deployment runs two pods at least, spread over nodes, none pinned to another pod's node by
    pod affinity or a ReadWriteOnce claim; the stores that make that possible are PostgreSQL."""
    hpas = {h["spec"]["scaleTargetRef"]["name"]: h for h in by_kind(docs, "HorizontalPodAutoscaler").values()}
    claims = by_kind(docs, "PersistentVolumeClaim")
    problems = []
    for name, deployment in by_kind(docs, "Deployment").items():
        pod = deployment["spec"]["template"]
        fewest = hpas[name]["spec"].get("minReplicas", 1) if name in hpas else deployment["spec"].get("replicas", 1)
        if fewest < 2:
            problems.append(f"Deployment {name}: {fewest} pod(s), at least 2 wanted")
        affinity = pod["spec"].get("affinity") or {}
        anti = (affinity.get("podAntiAffinity") or {}).get("requiredDuringSchedulingIgnoredDuringExecution") or []
        terms = [*(pod["spec"].get("topologySpreadConstraints") or []), *anti]
        if not any(spreads_own_pods(t, pod["metadata"]["labels"]) for t in terms):
            problems.append(f"Deployment {name}: its pods are not spread over nodes ({HOSTNAME})")
        if affinity.get("podAffinity"):
            problems.append(f"Deployment {name}: pinned to another pod's node (podAffinity)")
        for volume in pod["spec"].get("volumes") or []:
            claim = claims.get((volume.get("persistentVolumeClaim") or {}).get("claimName"))
            if claim and "ReadWriteOnce" in claim["spec"].get("accessModes", []):
                problems.append(f"Deployment {name}: mounts the ReadWriteOnce claim {claim['metadata']['name']}")
    configs = by_kind(docs, "ConfigMap")
    for config, wanted in PROVINCE_SETTINGS.items():
        for key, value in wanted.items():
            if (configs.get(config) or {}).get("data", {}).get(key) != value:
                problems.append(f"ConfigMap {config}: {key} must be {value}")
    return problems


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_singletons_are_the_overlays_own(built, overlay):
    assert scaling_problems(built[overlay], SINGLETONS_OF[overlay]) == []


def test_province_runs_every_process_replicated_and_spread(built):
    assert replica_problems(built["province"]) == []
    assert not by_kind(built["province"], "PersistentVolumeClaim")


def test_the_replica_and_spread_checks_fail_on_broken_copies(built):
    docs = copy.deepcopy(built["province"])
    deployments = by_kind(docs, "Deployment")
    deployments["gateway"]["spec"]["replicas"] = 1
    del deployments["talent-api"]["spec"]["template"]["spec"]["topologySpreadConstraints"]
    beside_worker = {"labelSelector": {"matchLabels": {"app.kubernetes.io/name": "reporting-worker"}},
                     "topologyKey": HOSTNAME}
    deployments["reporting-api"]["spec"]["template"]["spec"]["affinity"] = {
        "podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [beside_worker]}}
    docs.append({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "reporting-data"},
                 "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "2Gi"}}}})
    deployments["reporting-worker"]["spec"]["template"]["spec"]["volumes"][0] = {
        "name": "data", "persistentVolumeClaim": {"claimName": "reporting-data"}}
    by_kind(docs, "HorizontalPodAutoscaler")["reporting-worker"]["spec"]["minReplicas"] = 1
    by_kind(docs, "ConfigMap")["reporting-config"]["data"]["REPORTING_READ_MODEL"] = "sqlite"
    problems = replica_problems(docs)
    assert any(p.startswith("Deployment gateway: 1 pod") for p in problems)
    assert any(p.startswith("Deployment reporting-worker: 1 pod") for p in problems)
    assert any("talent-api: its pods are not spread" in p for p in problems)
    assert any("reporting-api: pinned to another pod's node" in p for p in problems)
    assert any("reporting-worker: mounts the ReadWriteOnce claim reporting-data" in p for p in problems)
    assert any("REPORTING_READ_MODEL must be postgres" in p for p in problems)
    assert len(problems) == 6


def exposure_problems(docs: list[dict]) -> list[str]:
    """Production exposure (issue 18 item 9): every pod that serves HTTP has its API document off
    (<PREFIX>API_DOCS "false", the gateway's whole-API document too) and, but for the gateway (which never serves
    it there), /metrics off on its HTTP port (<PREFIX>METRICS_ON_HTTP "false"); no Service names the metrics port,
    which the NetworkPolicies admit from the monitoring namespace alone (network_problems)."""
    config = {name: cm.get("data") or {} for name, cm in by_kind(docs, "ConfigMap").items()}
    problems = []
    for name, deployment in by_kind(docs, "Deployment").items():
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            if not [p for p in container.get("ports", []) if p["containerPort"] != METRICS_PORT]:
                continue  # no HTTP server: nothing to document or scrape but the metrics port
            env = {k: v for ref in container.get("envFrom", []) if "configMapRef" in ref
                   for k, v in config.get(ref["configMapRef"]["name"], {}).items()}
            env |= {e["name"]: e.get("value") for e in container.get("env", [])}
            wanted = ["API_DOCS"] + ([] if name == GATEWAY else ["METRICS_ON_HTTP"])
            for suffix in wanted:
                found = [v for k, v in env.items() if k.endswith(f"_{suffix}")]
                if found != ["false"]:
                    problems.append(f"Deployment {name}: <PREFIX>{suffix} is {found or 'unset'}, must be \"false\"")
    for name, service in by_kind(docs, "Service").items():
        ports = {p.get("targetPort", p["port"]) for p in service["spec"].get("ports", [])} | \
            {p["port"] for p in service["spec"].get("ports", [])}
        if METRICS_PORT in ports:
            problems.append(f"Service {name}: exposes the metrics port {METRICS_PORT}")
    return problems


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_exposes_no_docs_schema_or_metrics(built, overlay):
    assert exposure_problems(built[overlay]) == []


def test_the_exposure_check_fails_on_broken_copies(built):
    docs = copy.deepcopy(built["city"])
    configs = by_kind(docs, "ConfigMap")
    del configs["talent-config"]["data"]["TALENT_API_DOCS"]
    configs["gateway-config"]["data"]["GATEWAY_API_DOCS"] = "true"
    configs["casework-config"]["data"]["CASEWORK_METRICS_ON_HTTP"] = "true"
    service = next(iter(by_kind(docs, "Service").values()))
    service["spec"]["ports"].append({"name": "metrics", "port": METRICS_PORT, "targetPort": METRICS_PORT})
    problems = exposure_problems(docs)
    assert any("talent-api" in p and "API_DOCS is unset" in p for p in problems)
    assert any("gateway" in p and "API_DOCS is ['true']" in p for p in problems)
    assert any("casework-api" in p and "METRICS_ON_HTTP" in p for p in problems)
    assert any(p.startswith("Service ") and "metrics port" in p for p in problems)
