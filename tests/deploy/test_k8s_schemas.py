"""Every Kubernetes manifest under deploy/k8s validates, strictly (no unknown fields), against the
Kubernetes API's own JSON Schemas, offline (kubernetes-validate ships them)."""

from __future__ import annotations

import copy
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s" / "base"
# The oldest Kubernetes release still supported upstream when this was written; bump with the cluster.
VERSION = "1.31.0"


def documents() -> list[tuple[str, dict]]:
    found = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue  # a kustomize file, not an API object
        found += [(f"{path.name}:{doc['kind']}/{doc['metadata']['name']}", doc)
                  for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]
    return found


DOCUMENTS = documents()


def test_there_are_manifests_to_validate():
    assert {doc["kind"] for _, doc in DOCUMENTS} >= {"Deployment", "Service", "ConfigMap", "Namespace"}


@pytest.mark.parametrize(("name", "doc"), DOCUMENTS, ids=[name for name, _ in DOCUMENTS])
def test_manifest_matches_the_kubernetes_schema(name, doc):
    kubernetes_validate.validate(doc, VERSION, strict=True)


def test_a_broken_copy_fails():
    """The check can fail: a typo'd field and a wrongly typed value are both refused."""
    deployment = next(doc for _, doc in DOCUMENTS if doc["kind"] == "Deployment")
    typo = copy.deepcopy(deployment)
    typo["spec"]["replica"] = typo["spec"].pop("replicas", 1)
    wrong_type = copy.deepcopy(deployment)
    wrong_type["spec"]["replicas"] = "two"
    for broken in (typo, wrong_type):
        with pytest.raises(kubernetes_validate.ValidationError):
            kubernetes_validate.validate(broken, VERSION, strict=True)
