"""render.yaml against Render's published Blueprint JSON schema (vendored in tests/specs/),
and every fromDatabase / fromService reference naming something the Blueprint defines."""

import copy
import json
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from .servers import ROOT

SCHEMA = json.loads((Path(__file__).parent / "specs" / "render-blueprint.schema.json").read_text())


def blueprint() -> dict:
    return yaml.safe_load((ROOT / "render.yaml").read_text())


def schema_errors(document: dict) -> list[str]:
    validator = Draft202012Validator(SCHEMA)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


def dangling_references(document: dict) -> list[str]:
    databases = {db["name"] for db in document.get("databases", [])}
    services = {(s["type"], s["name"]): s for s in document.get("services", [])}
    problems = []
    for service in document.get("services", []):
        for var in service.get("envVars", []):
            if "fromDatabase" in var and var["fromDatabase"]["name"] not in databases:
                problems.append(f"{service['name']}.{var['key']}: no database {var['fromDatabase']['name']!r}")
            if "fromService" in var:
                ref = var["fromService"]
                target = services.get((ref["type"], ref["name"]))
                if target is None:
                    problems.append(f"{service['name']}.{var['key']}: no {ref['type']} service {ref['name']!r}")
                elif "envVarKey" in ref and ref["envVarKey"] not in {v["key"] for v in target.get("envVars", [])}:
                    problems.append(f"{service['name']}.{var['key']}: {ref['name']} has no {ref['envVarKey']}")
    return problems


def test_the_schema_is_a_valid_2020_12_schema():
    Draft202012Validator.check_schema(SCHEMA)


def test_render_yaml_is_valid_against_the_blueprint_schema():
    assert schema_errors(blueprint()) == []


def test_every_reference_names_something_that_exists():
    assert dangling_references(blueprint()) == []


def test_the_checks_catch_mistakes():
    document = blueprint()
    broken = copy.deepcopy(document)
    web = next(s for s in broken["services"] if s["type"] == "web")
    redis_var = next(v for v in web["envVars"] if v["key"] == "REDIS_URL")
    redis_var["fromService"]["name"] = "no-such-kv"
    assert dangling_references(broken) == ["movie-lottery.REDIS_URL: no keyvalue service 'no-such-kv'"]
    broken = copy.deepcopy(document)
    next(s for s in broken["services"] if s["type"] == "keyvalue").pop("ipAllowList")
    assert schema_errors(broken)


@pytest.mark.parametrize("service_type", ["web", "worker"])
def test_web_and_worker_share_the_key_value_store(service_type):
    document = blueprint()
    service = next(s for s in document["services"] if s["type"] == service_type)
    redis_var = next(v for v in service["envVars"] if v["key"] == "REDIS_URL")
    assert redis_var["fromService"] == {"type": "keyvalue", "name": "movie-lottery-kv", "property": "connectionString"}


def test_web_trusts_exactly_render_s_one_proxy():
    web = next(s for s in blueprint()["services"] if s["type"] == "web")
    assert {"key": "TRUSTED_PROXY_HOPS", "value": "1"} in web["envVars"]
