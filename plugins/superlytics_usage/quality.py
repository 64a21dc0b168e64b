"""The quality gate: Great Expectations checks on the enforcement candidate before anything is published.

A failing check raises QualityGateFailed with a summary a person can read in the Airflow log: which
expectation, how many rows, a few examples. The caller then publishes nothing and the previous snapshot
stays.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

from superlytics_usage.plans import PlanCatalog

EXAMPLES = 3
# Great Expectations puts the batch in place of {batch}, already aliased: each query reads it once into a CTE.
PERCENTAGE_MISMATCH = """
with candidate as (select * from {batch})
select user_id, key, current_usage, effective_limit, percentage from candidate
where key_kind = 'limit'
  and ((effective_limit > 0 and current_usage is not null
        and abs(percentage - round(current_usage::numeric / effective_limit, 4)) > 0.0001)
       or ((effective_limit <= 0 or current_usage is null) and percentage is not null))
"""
MISSING_ACCOUNT = """
with candidate as (select * from {batch})
select s.user_id from billing.src_account as s
where s.deleted_at is null and not exists (select from candidate as c where c.user_id = s.user_id)
"""
USAGE_NOT_FROM_RECORDS = """
with candidate as (select * from {batch})
select c.user_id, c.key, c.current_usage, r.page_views, r.api_calls, r.data_exports
from candidate as c
join billing.usage_record as r
  on r.user_id = c.user_id and r.period_start <= c.data_through and r.period_end > c.data_through
where (c.key = 'pageViews' and c.current_usage <> r.page_views)
   or (c.key = 'apiCalls' and c.current_usage <> r.api_calls)
   or (c.key = 'dataExports' and c.current_usage <> r.data_exports)
   or (c.key = 'customEvents' and c.current_usage <> r.custom_events)
   or (c.key = 'realTimeUsers' and c.current_usage <> r.real_time_users)
"""


class QualityGateFailed(RuntimeError):
    """The candidate snapshot failed a check; nothing was published."""


@dataclass(frozen=True)
class Finding:
    expectation: str
    unexpected: int
    examples: list[Any]

    def __str__(self) -> str:
        return f"- {self.expectation}: {self.unexpected} row(s), e.g. {self.examples}"


def _expectations(catalog: PlanCatalog) -> list:
    import great_expectations as gx

    return [
        gx.expectations.ExpectCompoundColumnsToBeUnique(column_list=["user_id", "key"],
                                                        description="one row per (user, key)"),
        gx.expectations.ExpectColumnValuesToBeBetween(column="current_usage", min_value=0,
                                                      description="no negative usage"),
        gx.expectations.ExpectColumnValuesToBeInSet(column="plan_id", value_set=list(catalog.plans),
                                                    description="every plan id is in plans.yaml"),
        gx.expectations.UnexpectedRowsExpectation(unexpected_rows_query=PERCENTAGE_MISMATCH,
                                                  description="percentages agree with usage and limit"),
        gx.expectations.UnexpectedRowsExpectation(unexpected_rows_query=MISSING_ACCOUNT,
                                                  description="every active account is present"),
        gx.expectations.UnexpectedRowsExpectation(unexpected_rows_query=USAGE_NOT_FROM_RECORDS,
                                                  description="usage equals what the usage records say"),
    ]


def check_enforcement_candidate(sqlalchemy_url: str, catalog: PlanCatalog) -> int:
    """Validate billing.enforcement_candidate; returns the number of checks passed or raises."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    with warnings.catch_warnings():
        # add_postgres rejects a Unix-socket URL (the embedded server's); the generic SQL source takes it
        warnings.filterwarnings("ignore", message="You are using a generic SQLDatasource")
        source = context.data_sources.add_sql(name="superlytics", connection_string=sqlalchemy_url)
    asset = source.add_table_asset(name="enforcement_candidate", table_name="enforcement_candidate",
                                   schema_name="billing")
    batch = asset.add_batch_definition_whole_table("snapshot").get_batch()
    suite = gx.ExpectationSuite(name="enforcement_snapshot", expectations=_expectations(catalog))
    result = batch.validate(suite, result_format={"result_format": "COMPLETE", "partial_unexpected_count": EXAMPLES})
    findings = [_finding(r) for r in result.results if not r.success]
    if findings:
        raise QualityGateFailed("enforcement snapshot failed its quality gate; nothing was published:\n"
                                + "\n".join(map(str, findings)))
    return len(result.results)


def _finding(outcome: Any) -> Finding:
    config = outcome.expectation_config
    name = config.description or config.type
    detail = outcome.result or {}
    if outcome.exception_info and any(e.get("raised_exception") for e in outcome.exception_info.values()
                                      if isinstance(e, dict)):
        messages = {e["exception_message"].splitlines()[0] for e in outcome.exception_info.values()
                    if isinstance(e, dict) and e.get("exception_message")}
        return Finding(f"{name} (could not be checked)", 0, sorted(messages)[:EXAMPLES])
    if "unexpected_rows" in (detail.get("details") or {}):
        rows = detail["details"]["unexpected_rows"]
        return Finding(name, int(detail.get("observed_value") or len(rows)), [list(r.values()) if isinstance(r, dict)
                                                                             else r for r in rows[:EXAMPLES]])
    return Finding(name, int(detail.get("unexpected_count") or 0),
                   list(detail.get("partial_unexpected_list") or [])[:EXAMPLES])
