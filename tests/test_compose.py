"""docker-compose.yaml against the Compose Specification schema, and against what the DAGs need: every
Airflow component, the databases, the SMTP server and Stripe, wired through the Connections the code uses.
(No Docker engine here: the file is checked, not started.)"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml

from conftest import ROOT
from superlytics_usage.airflow_env import POSTGRES_CONN_ID
from superlytics_usage.stripe_reconciliation_task import STRIPE_CONN_ID
from superlytics_usage.usage_alerts_task import SMTP_CONN_ID

SHARED_SCHEMA = ROOT.parent / "shared" / "reference" / "compose-spec.json"
SCHEMA = ROOT / "tests" / "reference" / "compose-spec.json"  # a copy, so a checkout anywhere can run this
AIRFLOW_COMMANDS = {"airflow-apiserver": "api-server", "airflow-scheduler": "scheduler",
                    "airflow-dag-processor": "dag-processor", "airflow-triggerer": "triggerer"}
MOUNTED = ("dags", "plugins", "sql", "include")
VARIABLE = re.compile(r"(?<!\$)\$\{(\w+)(?::?-([^}]*))?\}")  # $${...} is the container's, not compose's


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yaml").read_text())


@pytest.fixture(scope="module")
def env_example() -> dict[str, str]:
    lines = (ROOT / ".env.example").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))


def interpolate(value: str, env: dict[str, str]) -> str:
    """What `docker compose` makes of ${VAR} and ${VAR:-default} with the example .env in place."""
    return VARIABLE.sub(lambda m: env.get(m.group(1)) or m.group(2) or "", value)


def test_the_schema_copy_is_the_shared_reference():
    if not SHARED_SCHEMA.exists():
        pytest.skip(f"{SHARED_SCHEMA} is not on this machine; the copy in tests/reference is used")
    assert json.loads(SCHEMA.read_text()) == json.loads(SHARED_SCHEMA.read_text())


def test_the_file_is_valid_under_the_compose_specification(compose):
    schema = json.loads(SCHEMA.read_text())
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(compose), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors)


def test_every_service_the_pipeline_needs_is_there(compose):
    services = compose["services"]
    assert {"postgres", "mailpit", "stripe-standin", "airflow-init", *AIRFLOW_COMMANDS} <= set(services)
    for name, command in AIRFLOW_COMMANDS.items():
        assert services[name]["command"] == command, name
        assert services[name]["depends_on"]["airflow-init"] == {"condition": "service_completed_successfully"}
    init = "\n".join(services["airflow-init"]["command"])
    assert "airflow db migrate" in init and "superlytics_usage.cli migrate" in init
    assert any(port.endswith(":8025") for port in services["mailpit"]["ports"])  # Mailpit's web UI
    assert any(port.endswith(":8080") for port in services["airflow-apiserver"]["ports"])


def test_airflow_services_mount_the_project(compose):
    for name in (*AIRFLOW_COMMANDS, "airflow-init"):
        targets = {volume.split(":")[1] for volume in compose["services"][name]["volumes"]}
        assert {f"/opt/airflow/{folder}" for folder in MOUNTED} <= targets, name
        for folder in MOUNTED:
            assert (ROOT / folder).is_dir()


def test_the_connections_the_code_uses_point_at_compose_services(compose, env_example):
    services = compose["services"]
    for name in (*AIRFLOW_COMMANDS, "airflow-init"):
        environment = {k: interpolate(str(v), env_example) for k, v in services[name]["environment"].items()}
        postgres = urlsplit(environment[f"AIRFLOW_CONN_{POSTGRES_CONN_ID.upper()}"])
        assert (postgres.hostname, postgres.path) == ("postgres", f"/{env_example['SUPERLYTICS_DB']}")
        assert postgres.username == env_example["POSTGRES_USER"]
        smtp = json.loads(environment[f"AIRFLOW_CONN_{SMTP_CONN_ID.upper()}"])
        assert smtp["host"] == "mailpit" and smtp["extra"]["disable_ssl"] and smtp["extra"]["disable_tls"]
        stripe = json.loads(environment[f"AIRFLOW_CONN_{STRIPE_CONN_ID.upper()}"])
        assert urlsplit(stripe["extra"]["api_base"]).hostname == "stripe-standin" and stripe["password"]
        metadata = urlsplit(environment["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
        assert metadata.hostname == "postgres" and metadata.path == "/airflow"


def test_every_variable_the_file_reads_is_in_env_example(compose, env_example):
    text = (ROOT / "docker-compose.yaml").read_text()
    used = {m.group(1) for m in VARIABLE.finditer(text)}
    assert used - set(env_example) == set()


def test_the_files_the_stack_builds_from_exist(compose):
    build = compose["services"]["airflow-apiserver"]["build"]
    assert (ROOT / build["context"] / build["dockerfile"]).is_file()
    init_scripts = [v.split(":")[0] for v in compose["services"]["postgres"]["volumes"] if v.startswith("./")]
    assert init_scripts and all((ROOT / script).is_file() for script in init_scripts)
