"""Where the project's non-Python files live, so code finds `sql/` and `include/` from any working dir.

`SUPERLYTICS_HOME` points elsewhere (the containers mount the folders under one root).
"""

import os
from pathlib import Path

PROJECT_ROOT = Path(os.environ.get("SUPERLYTICS_HOME") or Path(__file__).resolve().parents[2])
SQL_DIR = PROJECT_ROOT / "sql"
INCLUDE_DIR = PROJECT_ROOT / "include"
LOCAL_STATE_DIR = PROJECT_ROOT / ".pgdata"
AIRFLOW_STATE_DIR = PROJECT_ROOT / ".airflow"
