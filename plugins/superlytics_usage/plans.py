"""The plan catalogue: typed, immutable plans loaded from `include/plans.yaml`.

Everything downstream (limits, flags, alerts, retention, Stripe price mapping) asks this module, so a
plan change is a YAML edit. A bad file fails with one `PlanCatalogError` naming the file, the plan and
the key, because the catalogue gates billing: guessing past a typo would mis-bill customers.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from superlytics_usage.paths import INCLUDE_DIR

# SUPERLYTICS_PLANS points at another catalogue (a staging edit, a test's broken file).
DEFAULT_PATH = Path(os.environ.get("SUPERLYTICS_PLANS") or INCLUDE_DIR / "plans.yaml")
UNLIMITED = -1
METRIC_KINDS = ("counter", "peak", "gauge", "unmetered", "policy")
PLAN_TYPES = ("subscription", "lifetime")
SUPPORT_LEVELS = ("community", "email", "priority", "dedicated")
PRICE_INTERVALS = ("monthly", "yearly", "lifetime")
TOP_LEVEL_KEYS = ("settings", "retention", "metrics", "features", "plans")
PLAN_KEYS = ("name", "type", "tier", "support_level", "prices", "stripe_price_ids", "limits", "features", "inherits")
INHERITED_KEYS = ("tier", "support_level")
SETTINGS_DEFAULTS: dict[str, Any] = {
    "yearly_price_factor": 0.83,
    "near_limit_threshold": 0.80,
    "alert_thresholds": [0.80, 1.00],
    "past_due_grace_days": 7,
    "max_plan_change_share": 0.10,
    "plan_change_floor": 10,
    "max_paid_to_free": 5,
}
RETENTION_DEFAULTS: dict[str, int] = {
    "downgrade_grace_days": 30,
    "max_cutoff_jump_days": 60,
    "max_rows_per_run": 5_000_000,
    "batch_size": 20_000,
}


class PlanCatalogError(ValueError):
    """The catalogue file is unusable; the message names the file, the plan and the key."""


@dataclass(frozen=True)
class Metric:
    key: str
    kind: str
    label: str

    @property
    def is_metered(self) -> bool:
        return self.kind in ("counter", "peak", "gauge")


@dataclass(frozen=True)
class Plan:
    id: str
    name: str
    type: str
    tier: int
    support_level: str
    prices: Mapping[str, Decimal]
    stripe_price_ids: Mapping[str, str]
    limits: Mapping[str, int]
    features: Mapping[str, bool]
    inherits: str | None = None

    @property
    def is_lifetime(self) -> bool:
        return self.type == "lifetime"


@dataclass(frozen=True)
class Settings:
    yearly_price_factor: Decimal
    near_limit_threshold: Decimal
    alert_thresholds: tuple[Decimal, ...]
    past_due_grace_days: int
    max_plan_change_share: Decimal
    plan_change_floor: int
    max_paid_to_free: int

    def holds_reconciliation(self, plan_changes: int, accounts: int, paid_to_free: int) -> bool:
        """The circuit breaker: too many plan changes at once (a share, above a floor so that a small
        shop's ordinary day never trips it), or paying accounts moving to free in bulk."""
        too_many = plan_changes > max(self.plan_change_floor, self.max_plan_change_share * accounts)
        return too_many or paid_to_free > self.max_paid_to_free


@dataclass(frozen=True)
class RetentionSettings:
    downgrade_grace_days: int
    max_cutoff_jump_days: int
    max_rows_per_run: int
    batch_size: int


@dataclass(frozen=True)
class PlanCatalog:
    path: Path
    settings: Settings
    retention: RetentionSettings
    metrics: Mapping[str, Metric]
    features: tuple[str, ...]
    plans: Mapping[str, Plan]

    def get_plan(self, plan_id: str) -> Plan:
        try:
            return self.plans[plan_id]
        except KeyError:
            raise KeyError(f"unknown plan {plan_id!r}; known: {', '.join(self.plans)}") from None

    def plan_price(self, plan_id: str, interval: str) -> Decimal:
        """Price of a plan for an interval; yearly is derived, as in the seed (12 x monthly x factor)."""
        plan = self.get_plan(plan_id)
        if interval not in PRICE_INTERVALS:
            raise ValueError(f"interval must be one of {PRICE_INTERVALS}, got {interval!r}")
        if interval == "yearly" and "monthly" in plan.prices:
            return plan.prices["monthly"] * 12 * self.settings.yearly_price_factor
        if interval not in plan.prices:
            raise KeyError(f"plan {plan_id!r} has no {interval} price")
        return plan.prices[interval]

    def plan_for_price(self, price_id: str) -> Plan | None:
        """The plan a Stripe price id buys, or None for a price this catalogue does not know."""
        for plan in self.plans.values():
            if price_id in plan.stripe_price_ids.values():
                return plan
        return None

    @property
    def limit_keys(self) -> tuple[str, ...]:
        return tuple(self.metrics)

    def is_paying(self, plan_id: str | None) -> bool:
        """Whether the plan costs money; a plan id the catalogue does not know is not paying."""
        plan = self.plans.get(plan_id) if plan_id else None
        return plan is not None and any(price > 0 for price in plan.prices.values())

    @property
    def calendar_plan_ids(self) -> tuple[str, ...]:
        """Plans with no recurring Stripe price (free, lifetime): their usage periods are UTC months."""
        return tuple(p.id for p in self.plans.values()
                     if not ({"monthly", "yearly"} & set(p.stripe_price_ids)))


def is_unlimited(value: int) -> bool:
    return value == UNLIMITED


def load_catalog(path: Path | str | None = None) -> PlanCatalog:
    """Read and validate the catalogue; raises PlanCatalogError with one precise message."""
    path = Path(path) if path is not None else DEFAULT_PATH
    try:
        raw = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise PlanCatalogError(f"{path}: cannot read the plan catalogue: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise PlanCatalogError(f"{path}: not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    return _Validator(path).catalog(raw)


class _Validator:
    """Turns the parsed YAML into a PlanCatalog, failing on the first problem with its location."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, problem: str, *, key: str, plan: str | None = None) -> PlanCatalogError:
        where = f"plan '{plan}', key '{key}'" if plan else f"key '{key}'"
        return PlanCatalogError(f"{self.path}: {where}: {problem}")

    def mapping(self, value: Any, *, key: str, plan: str | None = None) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(f"must be a mapping, got {type(value).__name__}", key=key, plan=plan)
        return value

    def only_keys(self, value: dict[str, Any], allowed: tuple[str, ...], *, key: str, plan: str | None = None) -> None:
        for name in value:
            if name not in allowed:
                where = f"{key}.{name}" if key else str(name)
                raise self.fail(f"unknown key; allowed: {', '.join(allowed)}", key=where, plan=plan)

    def integer(self, value: Any, *, key: str, plan: str | None = None, minimum: int = 0) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(f"must be an integer, got {value!r}", key=key, plan=plan)
        if value < minimum:
            raise self.fail(f"must be >= {minimum}, got {value}", key=key, plan=plan)
        return value

    def share(self, value: Any, *, key: str) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"must be a number, got {value!r}", key=key)
        if not 0 < value <= 2:
            raise self.fail(f"must be in (0, 2], got {value}", key=key)
        return Decimal(str(value))

    def catalog(self, raw: Any) -> PlanCatalog:
        if not isinstance(raw, dict):
            keys = ", ".join(TOP_LEVEL_KEYS)
            raise PlanCatalogError(f"{self.path}: the catalogue must be a mapping with keys {keys}")
        self.only_keys(raw, TOP_LEVEL_KEYS, key="")
        metrics = self.metrics(raw.get("metrics"))
        features = self.features(raw.get("features"))
        plans = self.plans(raw.get("plans"), metrics, features)
        return PlanCatalog(
            path=self.path,
            settings=self.settings(raw.get("settings")),
            retention=self.retention(raw.get("retention")),
            metrics=MappingProxyType(metrics),
            features=features,
            plans=MappingProxyType(plans),
        )

    def settings(self, raw: Any) -> Settings:
        values = {**SETTINGS_DEFAULTS, **self.mapping(raw, key="settings")}
        self.only_keys(values, tuple(SETTINGS_DEFAULTS), key="settings")
        thresholds = values["alert_thresholds"]
        if not isinstance(thresholds, list) or not thresholds:
            raise self.fail("must be a non-empty list of shares", key="settings.alert_thresholds")
        shares = tuple(self.share(t, key="settings.alert_thresholds") for t in thresholds)
        if list(shares) != sorted(set(shares)):
            raise self.fail("must be increasing with no repeats", key="settings.alert_thresholds")
        return Settings(
            yearly_price_factor=self.share(values["yearly_price_factor"], key="settings.yearly_price_factor"),
            near_limit_threshold=self.share(values["near_limit_threshold"], key="settings.near_limit_threshold"),
            alert_thresholds=shares,
            past_due_grace_days=self.integer(values["past_due_grace_days"], key="settings.past_due_grace_days"),
            max_plan_change_share=self.share(values["max_plan_change_share"], key="settings.max_plan_change_share"),
            plan_change_floor=self.integer(values["plan_change_floor"], key="settings.plan_change_floor"),
            max_paid_to_free=self.integer(values["max_paid_to_free"], key="settings.max_paid_to_free"),
        )

    def retention(self, raw: Any) -> RetentionSettings:
        values = {**RETENTION_DEFAULTS, **self.mapping(raw, key="retention")}
        self.only_keys(values, tuple(RETENTION_DEFAULTS), key="retention")
        checked = {name: self.integer(v, key=f"retention.{name}", minimum=1 if name == "batch_size" else 0)
                   for name, v in values.items()}
        return RetentionSettings(**checked)

    def metrics(self, raw: Any) -> dict[str, Metric]:
        metrics: dict[str, Metric] = {}
        for name, spec in self.mapping(raw, key="metrics").items():
            spec = self.mapping(spec, key=f"metrics.{name}")
            self.only_keys(spec, ("kind", "label"), key=f"metrics.{name}")
            if spec.get("kind") not in METRIC_KINDS:
                raise self.fail(f"must be one of {', '.join(METRIC_KINDS)}, got {spec.get('kind')!r}",
                                key=f"metrics.{name}.kind")
            metrics[name] = Metric(key=name, kind=spec["kind"], label=str(spec.get("label") or name))
        if not metrics:
            raise self.fail("must list at least one metric", key="metrics")
        return metrics

    def features(self, raw: Any) -> tuple[str, ...]:
        if not isinstance(raw, list) or not all(isinstance(f, str) for f in raw):
            raise self.fail("must be a list of feature names", key="features")
        if len(set(raw)) != len(raw):
            raise self.fail("lists a feature twice", key="features")
        return tuple(raw)

    def plans(self, raw: Any, metrics: dict[str, Metric], features: tuple[str, ...]) -> dict[str, Plan]:
        specs = self.mapping(raw, key="plans")
        if "free" not in specs:
            raise self.fail("the catalogue needs a 'free' plan: canceled accounts fall back to it", key="plans.free")
        for plan_id, spec in specs.items():
            self.only_keys(self.mapping(spec, key="plans", plan=plan_id), PLAN_KEYS, key="", plan=plan_id)
        plans = {plan_id: self.plan(plan_id, self.resolve(plan_id, specs), metrics, features) for plan_id in specs}
        owners: dict[str, str] = {}
        for plan in plans.values():
            for interval, price_id in plan.stripe_price_ids.items():
                if price_id in owners:
                    raise self.fail(f"price id {price_id!r} is already used by plan '{owners[price_id]}'",
                                    key=f"stripe_price_ids.{interval}", plan=plan.id)
                owners[price_id] = plan.id
        return plans

    def resolve(self, plan_id: str, specs: dict[str, Any]) -> dict[str, Any]:
        """Merge a plan over its base chain: limits and features key by key, tier and support level whole."""
        chain = [plan_id]
        while (base := (specs[chain[-1]] or {}).get("inherits")) is not None:
            if base not in specs:
                raise self.fail(f"unknown base plan {base!r}", key="inherits", plan=chain[-1])
            if base in chain:
                raise self.fail(f"inheritance cycle {' -> '.join([*chain, base])}", key="inherits", plan=plan_id)
            chain.append(base)
        merged: dict[str, Any] = {"limits": {}, "features": {}}
        for name in reversed(chain):
            spec = specs[name] or {}
            for section in ("limits", "features"):
                merged[section].update(self.mapping(spec.get(section), key=section, plan=name))
            for key in INHERITED_KEYS:
                if key in spec:
                    merged[key] = spec[key]
        own = specs[plan_id] or {}
        for key in ("name", "type", "prices", "stripe_price_ids", "inherits"):
            merged[key] = own.get(key)
        return merged

    def plan(self, plan_id: str, spec: dict[str, Any], metrics: dict[str, Metric], features: tuple[str, ...]) -> Plan:
        if not isinstance(spec["name"], str) or not spec["name"]:
            raise self.fail("must be a non-empty string", key="name", plan=plan_id)
        if spec["type"] not in PLAN_TYPES:
            raise self.fail(f"must be one of {', '.join(PLAN_TYPES)}, got {spec['type']!r}", key="type", plan=plan_id)
        if spec.get("support_level") not in SUPPORT_LEVELS:
            raise self.fail(f"must be one of {', '.join(SUPPORT_LEVELS)}, got {spec.get('support_level')!r}",
                            key="support_level", plan=plan_id)
        limits = spec["limits"]
        for name in limits:
            if name not in metrics:
                raise self.fail("is not a metric in the 'metrics' section", key=f"limits.{name}", plan=plan_id)
        for name in metrics:
            if name not in limits:
                raise self.fail("is missing", key=f"limits.{name}", plan=plan_id)
            self.integer(limits[name], key=f"limits.{name}", plan=plan_id, minimum=UNLIMITED)
        flags = spec["features"]
        for name, value in flags.items():
            if name not in features:
                raise self.fail("is not a feature in the 'features' section", key=f"features.{name}", plan=plan_id)
            if not isinstance(value, bool):
                raise self.fail(f"must be true or false, got {value!r}", key=f"features.{name}", plan=plan_id)
        for name in features:
            if name not in flags:
                raise self.fail("is missing", key=f"features.{name}", plan=plan_id)
        return Plan(
            id=plan_id,
            name=spec["name"],
            type=spec["type"],
            tier=self.integer(spec.get("tier"), key="tier", plan=plan_id),
            support_level=spec["support_level"],
            prices=MappingProxyType(self.prices(plan_id, spec)),
            stripe_price_ids=MappingProxyType(self.price_ids(plan_id, spec)),
            limits=MappingProxyType({name: limits[name] for name in metrics}),
            features=MappingProxyType({name: flags[name] for name in features}),
            inherits=spec["inherits"],
        )

    def prices(self, plan_id: str, spec: dict[str, Any]) -> dict[str, Decimal]:
        prices = self.mapping(spec["prices"], key="prices", plan=plan_id)
        self.only_keys(prices, ("monthly", "lifetime"), key="prices", plan=plan_id)
        needed = "lifetime" if spec["type"] == "lifetime" else "monthly"
        if needed not in prices:
            raise self.fail(f"a {spec['type']} plan needs a {needed} price", key=f"prices.{needed}", plan=plan_id)
        checked = {}
        for interval, value in prices.items():
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise self.fail(f"must be a price >= 0, got {value!r}", key=f"prices.{interval}", plan=plan_id)
            checked[interval] = Decimal(str(value))
        return checked

    def price_ids(self, plan_id: str, spec: dict[str, Any]) -> dict[str, str]:
        ids = self.mapping(spec["stripe_price_ids"], key="stripe_price_ids", plan=plan_id)
        self.only_keys(ids, PRICE_INTERVALS, key="stripe_price_ids", plan=plan_id)
        for interval, value in ids.items():
            if not isinstance(value, str) or not value:
                raise self.fail(f"must be a Stripe price id, got {value!r}", key=f"stripe_price_ids.{interval}",
                                plan=plan_id)
        return dict(ids)
