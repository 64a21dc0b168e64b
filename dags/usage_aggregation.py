"""
### usage_aggregation — raw events into exact usage records, hourly

Keeps `billing.usage_record` (one row per account and billing period) exact for every open period.

**Each run** recounts the hours of its data interval *plus a lookback window* (param `lookback_hours`,
default 72): events that arrive late or are backdated into those hours are picked up, even though an
earlier run already covered them. It refreshes per-account hourly buckets for those hours (and any hour
of an open period never computed), then recomputes every billing period that touches them: whole hours
from the buckets, the partial hours at a period's edges from raw rows, so periods are exact to the
microsecond. A period that closed is recomputed by every run whose lookback still reaches it, so it takes
in late events for `lookback_hours` after it closes.

**Events backdated further than the lookback** are not seen by scheduled runs. Recompute the affected range:
trigger this DAG with `recompute_from` / `recompute_to` (ISO timestamps), or backfill the dates
(`airflow backfill create --dag-id usage_aggregation --from-date ... --to-date ...`). Both are safe to
repeat: every bucket and record is replaced whole, never incremented.

Counts per metric: page views (event_type 1), custom events (distinct names, raw volume alongside),
API calls and exports (`billing.usage_event`), real-time users (peak distinct sessions in a clock-aligned
5-minute window), and the gauges as of the run (`billing.usage_gauge`). Events count for the website's
owner (its user, or its team's owner); deleted websites' events still count. Produces the
`billing.usage_record` Asset; each run leaves an audit row in `billing.usage_run`.
"""

from airflow.sdk import Param, dag, task
from airflow.timetables.interval import CronDataIntervalTimetable

from superlytics_usage.assets import USAGE_RECORDS
from superlytics_usage.dag_defaults import writer_dag


@dag(
    schedule=CronDataIntervalTimetable("0 * * * *", timezone="UTC"),
    **writer_dag("usage"),
    doc_md=__doc__,
    params={
        "lookback_hours": Param(72, type="integer", minimum=1, maximum=24 * 62,
                                description="Hours before the interval end to recount."),
        "recompute_from": Param(None, type=["null", "string"], format="date-time",
                                description="Recompute every period touching [from, to) instead of the lookback."),
        "recompute_to": Param(None, type=["null", "string"], format="date-time",
                              description="End of the recompute range (exclusive)."),
    },
)
def usage_aggregation():
    @task(outlets=[USAGE_RECORDS])
    def aggregate_usage(data_interval_start=None, data_interval_end=None, params=None, run_id=None):
        """Refresh the interval's hourly buckets and every billing period that touches them."""
        from superlytics_usage.usage_aggregation_task import run_usage_aggregation

        return run_usage_aggregation(data_interval_start, data_interval_end, params, run_id)

    aggregate_usage()


usage_aggregation()
