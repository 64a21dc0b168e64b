"""The Assets that chain the DAGs, so the Airflow UI shows usage -> enforcement -> alerts."""

from airflow.sdk import Asset

USAGE_RECORDS = Asset(name="billing.usage_record", uri="superlytics://billing/usage_record")
ACCOUNTS = Asset(name="billing.account", uri="superlytics://billing/account")
ENFORCEMENT = Asset(name="billing.enforcement", uri="superlytics://billing/enforcement")
