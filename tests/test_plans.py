"""The plan catalogue: the seed's values, inheritance, prices, and one precise error per bad input."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from superlytics_usage.plans import DEFAULT_PATH, PlanCatalogError, is_unlimited, load_catalog

SEED_LIMITS = {  # the seed's PLAN_CONFIGS, column by column
    "free": dict(pageViews=10000, websites=1, teamWebsites=1, dataRetentionDays=30, teamMembers=1, apiCalls=1000,
                 dataExports=2, customEvents=10, customDomains=0, realTimeUsers=100, alertsCount=1),
    "starter": dict(pageViews=100000, websites=5, teamWebsites=5, dataRetentionDays=90, teamMembers=3,
                    apiCalls=10000, dataExports=10, customEvents=50, customDomains=1, realTimeUsers=500,
                    alertsCount=5),
    "professional": dict(pageViews=1000000, websites=20, teamWebsites=20, dataRetentionDays=365, teamMembers=10,
                         apiCalls=100000, dataExports=50, customEvents=200, customDomains=5, realTimeUsers=2000,
                         alertsCount=20),
    "enterprise": {key: -1 for key in ("pageViews", "websites", "teamWebsites", "dataRetentionDays", "teamMembers",
                                       "apiCalls", "dataExports", "customEvents", "customDomains", "realTimeUsers",
                                       "alertsCount")},
}
STARTER_WITHOUT = {"rawDataAccess", "customBranding", "whiteLabel", "anomalyDetection"}


def test_seed_limits_support_and_prices(catalog):
    for plan_id, limits in SEED_LIMITS.items():
        assert dict(catalog.get_plan(plan_id).limits) == limits
    assert [catalog.get_plan(p).support_level for p in SEED_LIMITS] == ["community", "email", "priority", "dedicated"]
    assert [catalog.plan_price(p, "monthly") for p in SEED_LIMITS] == [0, 15, 49, 199]
    assert catalog.plan_price("lifetime_starter", "lifetime") == 299
    assert catalog.plan_price("lifetime_professional", "lifetime") == 999


def test_seed_features(catalog):
    features = set(catalog.features)
    assert {f for f, on in catalog.get_plan("free").features.items() if on} == {"basicAnalytics", "dataExport"}
    assert {f for f, on in catalog.get_plan("starter").features.items() if on} == features - STARTER_WITHOUT
    for plan_id in ("professional", "enterprise"):
        assert all(catalog.get_plan(plan_id).features.values())
    assert len(features) == 17


def test_lifetime_plans_inherit_and_override_retention(catalog):
    starter, lifetime_starter = catalog.get_plan("starter"), catalog.get_plan("lifetime_starter")
    assert lifetime_starter.is_lifetime and lifetime_starter.inherits == "starter"
    assert {**starter.limits, "dataRetentionDays": 365} == dict(lifetime_starter.limits)
    assert lifetime_starter.features == starter.features
    assert lifetime_starter.tier == starter.tier
    assert catalog.get_plan("lifetime_professional").limits["dataRetentionDays"] == -1
    assert dict(catalog.get_plan("lifetime_professional").features) == dict(catalog.get_plan("professional").features)


def test_yearly_price_is_twelve_months_less_seventeen_percent(catalog):
    assert catalog.plan_price("starter", "yearly") == Decimal("15") * 12 * Decimal("0.83")
    assert catalog.plan_price("professional", "yearly") == Decimal("488.04")
    with pytest.raises(KeyError, match="no lifetime price"):
        catalog.plan_price("starter", "lifetime")
    with pytest.raises(ValueError, match="interval"):
        catalog.plan_price("starter", "weekly")


def test_price_id_lookup(catalog):
    assert catalog.plan_for_price("price_starter_yearly").id == "starter"
    assert catalog.plan_for_price("price_lifetime_professional").id == "lifetime_professional"
    assert catalog.plan_for_price("price_enterprise_monthly").id == "enterprise"
    assert catalog.plan_for_price("price_unknown") is None


def test_unlimited_and_immutability(catalog):
    assert is_unlimited(catalog.get_plan("enterprise").limits["pageViews"])
    assert not is_unlimited(catalog.get_plan("free").limits["customDomains"])  # 0 is a real limit
    with pytest.raises(FrozenInstanceError):
        catalog.get_plan("free").name = "Gratis"
    with pytest.raises(TypeError):
        catalog.get_plan("free").limits["pageViews"] = 1
    with pytest.raises(KeyError, match="unknown plan 'gold'"):
        catalog.get_plan("gold")


def test_metrics_and_settings(catalog):
    kinds = {key: metric.kind for key, metric in catalog.metrics.items()}
    assert kinds["pageViews"] == "counter" and kinds["websites"] == "gauge"
    assert kinds["customDomains"] == "unmetered" and kinds["realTimeUsers"] == "peak"
    assert catalog.settings.alert_thresholds == (Decimal("0.8"), Decimal("1.0"))
    assert catalog.settings.near_limit_threshold == Decimal("0.8")
    assert catalog.retention.downgrade_grace_days == 30


def _edit(tmp_path: Path, change) -> Path:
    raw = yaml.safe_load(DEFAULT_PATH.read_text())
    change(raw)
    path = tmp_path / "plans.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def _set(path: str, value):
    def change(raw):
        *parents, leaf = path.split(".")
        node = raw
        for part in parents:
            node = node[part]
        node[leaf] = value
    return change


def _delete(path: str):
    def change(raw):
        *parents, leaf = path.split(".")
        node = raw
        for part in parents:
            node = node[part]
        del node[leaf]
    return change


BAD_INPUTS = [
    ("unknown plan key", _set("plans.starter.colour", "blue"), "plan 'starter', key 'colour'"),
    ("limit below -1", _set("plans.starter.limits.pageViews", -5), "plan 'starter', key 'limits.pageViews'"),
    ("non-integer limit", _set("plans.free.limits.websites", 1.5), "plan 'free', key 'limits.websites'"),
    ("string limit", _set("plans.free.limits.apiCalls", "lots"), "plan 'free', key 'limits.apiCalls'"),
    ("boolean limit", _set("plans.free.limits.apiCalls", True), "plan 'free', key 'limits.apiCalls'"),
    ("missing limit", _delete("plans.professional.limits.alertsCount"),
     "plan 'professional', key 'limits.alertsCount'"),
    ("limit with no metric", _set("plans.free.limits.storageGb", 5), "plan 'free', key 'limits.storageGb'"),
    ("unknown base plan", _set("plans.lifetime_starter.inherits", "gold"), "plan 'lifetime_starter', key 'inherits'"),
    ("inheritance cycle", lambda raw: (_set("plans.starter.inherits", "lifetime_starter")(raw)),
     "key 'inherits'"),
    ("duplicate price id", _set("plans.professional.stripe_price_ids.monthly", "price_starter_monthly"),
     "plan 'professional', key 'stripe_price_ids.monthly'"),
    ("feature not boolean", _set("plans.starter.features.webhooks", "yes"), "plan 'starter', key 'features.webhooks'"),
    ("unknown feature", _set("plans.starter.features.teleport", True), "plan 'starter', key 'features.teleport'"),
    ("threshold above 2", _set("settings.alert_thresholds", [0.8, 2.5]), "key 'settings.alert_thresholds'"),
    ("threshold zero", _set("settings.near_limit_threshold", 0), "key 'settings.near_limit_threshold'"),
    ("missing free plan", _delete("plans.free"), "key 'plans.free'"),
    ("unknown plan type", _set("plans.starter.type", "usage"), "plan 'starter', key 'type'"),
    ("lifetime plan without price", _set("plans.lifetime_starter.prices", {}),
     "plan 'lifetime_starter', key 'prices.lifetime'"),
    ("negative price", _set("plans.starter.prices.monthly", -15), "plan 'starter', key 'prices.monthly'"),
    ("unknown metric kind", _set("metrics.pageViews.kind", "sum"), "key 'metrics.pageViews.kind'"),
    ("unknown top-level key", _set("discounts", {}), "key 'discounts'"),
    ("bad support level", _set("plans.free.support_level", "vip"), "plan 'free', key 'support_level'"),
]


@pytest.mark.parametrize(("case", "change", "where"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_catalogue_names_file_plan_and_key(tmp_path, case, change, where):
    path = _edit(tmp_path, change)
    with pytest.raises(PlanCatalogError) as error:
        load_catalog(path)
    message = str(error.value)
    assert message.startswith(f"{path}: ")
    assert where in message
    assert "\n" not in message


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "plans.yaml"
    path.write_text("plans:\n  free: {name: Free\n")
    with pytest.raises(PlanCatalogError, match=rf"^{path}: not valid YAML at line \d+"):
        load_catalog(path)


def test_missing_file(tmp_path):
    with pytest.raises(PlanCatalogError, match="cannot read the plan catalogue"):
        load_catalog(tmp_path / "nope.yaml")


def test_adding_a_plan_is_a_yaml_edit(tmp_path):
    path = _edit(tmp_path, _set("plans.agency", {
        "name": "Agency", "type": "subscription", "inherits": "professional", "prices": {"monthly": 99},
        "stripe_price_ids": {"monthly": "price_agency_monthly"}, "limits": {"websites": 100}}))
    agency = load_catalog(path).get_plan("agency")
    assert agency.limits["websites"] == 100 and agency.limits["pageViews"] == 1_000_000
    assert load_catalog(path).plan_for_price("price_agency_monthly").id == "agency"


@pytest.mark.parametrize(("changes", "accounts", "paid_to_free", "held"), [
    (2, 4, 0, False),      # a small shop's ordinary day: under the floor
    (11, 30, 0, True),     # over the floor and over 10%
    (11, 200, 0, False),   # over the floor, under 10% (20)
    (21, 200, 0, True),
    (6, 1000, 6, True),    # paying accounts to free in bulk
    (5, 1000, 5, False),
])
def test_reconciliation_circuit_breaker(catalog, changes, accounts, paid_to_free, held):
    assert catalog.settings.holds_reconciliation(changes, accounts, paid_to_free) is held
