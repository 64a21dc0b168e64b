"""The environment that points a local Airflow at this project: its DAGs, plugins, database and SQLite home.

Shared by `make airflow`, the demo and the tests, so all three see the same DAGs and connections.
"""

from __future__ import annotations

from pathlib import Path

from superlytics_usage.database import airflow_connection
from superlytics_usage.paths import PROJECT_ROOT

POSTGRES_CONN_ID = "superlytics_postgres"


def airflow_environment(home: Path, database_url: str | None = None, metadata_url: str | None = None
                        ) -> dict[str, str]:
    """Airflow's settings for this project; with a database URL, also the pipeline's Connection. Airflow's
    metadata lives at `metadata_url`, else in SQLite under `home` (enough for dag.test() in tests)."""
    home.mkdir(parents=True, exist_ok=True)
    settings = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_url or f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__API__PORT": "8080",
    }
    if database_url:
        settings[f"AIRFLOW_CONN_{POSTGRES_CONN_ID.upper()}"] = airflow_connection(database_url)
    return settings
