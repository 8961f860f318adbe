"""Synthetic, bank-sized govcat projects for benchmarks.

    python -m benchmarks.synth --models 10000 --monitoring-days 365 --seed 1 -o DIR

writes a ready project directory: `DIR/catalog/` (teams ≈ N/50, datasets ≈ N/5,
N model cards of ~3.4 KB with realistic variety, valid under `generator/schema.py`),
`DIR/catalog/monitoring/` (the parquet store: N × metrics × days rows, in the
store's own format) and `DIR/mkdocs.yml`, so that `govcat build` run inside DIR
works.

Deterministic: the same seed and end date give byte-identical cards (each card
has its own random generator seeded from the seed and its index, so cards can be
written by several processes). Monitoring values are computed by DuckDB from
integer hashes, not random draws, so they are deterministic too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent

# --- vocabulary --------------------------------------------------------------


@dataclass(frozen=True)
class Domain:
    """One kind of model a large organisation runs, with what such a card talks about."""

    key: str
    team: str
    names: tuple[str, ...]
    task: str
    frameworks: tuple[str, ...]
    tags: tuple[str, ...]
    regulations: tuple[str, ...]
    features: tuple[tuple[str, str], ...]
    sensitive: tuple[str, ...]
    label: tuple[str, str]
    metrics: tuple[str, ...]
    users: tuple[str, ...]
    datasets: tuple[str, ...]
    eu_ai_act: tuple[str, ...]
    summary: str


DOMAINS: tuple[Domain, ...] = (
    Domain(
        "credit",
        "credit-risk",
        ("Default Scorer", "Behavioural PD", "LGD Estimator", "Affordability Model", "EAD Model"),
        "binary-classification",
        ("lightgbm", "xgboost", "scikit-learn", "sas"),
        ("credit", "tabular", "gbm", "irb", "ifrs9"),
        ("GDPR", "ECOA", "SR-11-7", "CRR", "EBA-GL-2020-06"),
        (
            ("debt_to_income", "float"),
            ("months_on_book", "int"),
            ("utilisation_ratio", "float"),
            ("delinquencies_24m", "int"),
            ("bureau_score", "int"),
            ("income_verified", "bool"),
            ("loan_amount", "float"),
            ("employment_years", "float"),
        ),
        ("age", "marital_status"),
        ("default_12m", "90+ days past due within 12 months of origination."),
        ("auc", "ks", "psi", "gini"),
        ("credit analysts", "underwriters", "risk committee"),
        ("loan-applications", "bureau-snapshots", "account-performance"),
        ("high-risk",),
        "probability that a retail borrower defaults within twelve months",
    ),
    Domain(
        "fraud",
        "fraud-analytics",
        ("Card Fraud Detector", "Account Takeover Model", "Mule Account Classifier"),
        "binary-classification",
        ("xgboost", "pytorch", "lightgbm"),
        ("fraud", "realtime", "streaming", "tabular"),
        ("PSD2", "GDPR", "SR-11-7"),
        (
            ("amount_zscore", "float"),
            ("merchant_risk", "float"),
            ("device_age_days", "int"),
            ("velocity_1h", "int"),
            ("geo_distance_km", "float"),
            ("card_present", "bool"),
            ("mcc", "category"),
        ),
        ("nationality",),
        ("confirmed_fraud", "Transaction confirmed as fraudulent within 60 days."),
        ("precision", "recall", "psi", "latency_p95_ms"),
        ("fraud operations", "card authorisation service"),
        ("card-transactions", "fraud-labels", "device-signals"),
        ("limited", "not-applicable"),
        "likelihood that a card transaction is fraudulent, scored before authorisation",
    ),
    Domain(
        "churn",
        "customer-analytics",
        ("Churn Predictor", "Attrition Early Warning", "Next Best Offer"),
        "binary-classification",
        ("scikit-learn", "catboost", "lightgbm"),
        ("retention", "marketing", "tabular"),
        ("GDPR", "ePrivacy"),
        (
            ("tenure_months", "int"),
            ("products_held", "int"),
            ("balance_trend_3m", "float"),
            ("complaints_12m", "int"),
            ("digital_logins_30d", "int"),
            ("salary_credited", "bool"),
        ),
        ("age",),
        ("churn_90d", "Customer closes their main account within 90 days."),
        ("auc", "accuracy", "psi", "drift_share"),
        ("relationship managers", "marketing"),
        ("customer-profiles", "account-events", "campaign-responses"),
        ("minimal",),
        "probability that a retail customer leaves within ninety days",
    ),
    Domain(
        "forecast",
        "operations-forecasting",
        ("Demand Forecaster", "Cash Demand Forecast", "Call Volume Forecast"),
        "time-series-forecasting",
        ("prophet", "statsmodels", "lightgbm", "darts"),
        ("forecasting", "time-series", "operations"),
        ("SR-11-7",),
        (
            ("lag_7d", "float"),
            ("lag_28d", "float"),
            ("holiday_flag", "bool"),
            ("weekday", "category"),
            ("promo_active", "bool"),
            ("region", "category"),
        ),
        (),
        ("daily_volume", "Units or calls per branch and day."),
        ("mape", "bias", "drift_share"),
        ("operations planners", "branch network"),
        ("branch-volumes", "calendar-events"),
        ("not-applicable", "minimal"),
        "daily volumes per branch, fourteen days ahead",
    ),
    Domain(
        "imaging",
        "health-ai",
        ("Chest X-ray Triage", "Fracture Detector", "Retina Screening"),
        "image-classification",
        ("pytorch", "monai", "tensorflow"),
        ("imaging", "deep-learning", "health"),
        ("MDR", "GDPR", "EU-AI-Act"),
        (("pixel_array", "image"), ("view_position", "category"), ("scanner_model", "category")),
        ("sex", "age"),
        ("urgent_finding", "Radiologist-confirmed urgent finding."),
        ("auc", "recall", "accuracy", "drift_share"),
        ("radiologists", "triage nurses"),
        ("xray-studies", "radiology-reports"),
        ("high-risk",),
        "urgency of each chest X-ray, so that urgent findings are read first",
    ),
    Domain(
        "llm",
        "genai-platform",
        ("Support Assistant", "Document Summariser", "Complaint Classifier"),
        "text-generation",
        ("transformers", "vllm", "langchain"),
        ("llm", "genai", "nlp", "rag"),
        ("GDPR", "EU-AI-Act", "Consumer-Duty"),
        (("prompt", "text"), ("retrieved_passages", "text"), ("customer_segment", "category")),
        ("language",),
        ("resolution", "Conversation resolved without a human hand-over."),
        ("accuracy", "latency_p95_ms", "drift_share"),
        ("contact-centre agents", "customers"),
        ("support-transcripts", "knowledge-base"),
        ("limited",),
        "answers to customer questions, grounded in the knowledge base",
    ),
    Domain(
        "aml",
        "financial-crime",
        ("AML Alert Scorer", "Sanctions Name Matcher", "Trade Surveillance"),
        "anomaly-detection",
        ("isolation-forest", "xgboost", "graph-nn"),
        ("aml", "financial-crime", "graph"),
        ("AMLD6", "BSA", "SR-11-7", "GDPR"),
        (
            ("cash_deposits_30d", "float"),
            ("counterparty_risk", "float"),
            ("cross_border_share", "float"),
            ("structuring_score", "float"),
            ("network_degree", "int"),
        ),
        ("nationality",),
        ("sar_filed", "A suspicious activity report was filed."),
        ("precision", "recall", "psi"),
        ("AML investigators",),
        ("payments", "kyc-profiles", "sar-outcomes"),
        ("high-risk", "limited"),
        "priority of each transaction-monitoring alert",
    ),
    Domain(
        "pricing",
        "insurance-pricing",
        ("Motor Pricing GLM", "Home Claims Frequency", "Dynamic Pricing"),
        "regression",
        ("glum", "statsmodels", "lightgbm"),
        ("pricing", "insurance", "glm"),
        ("Solvency-II", "IDD", "GDPR"),
        (
            ("vehicle_group", "category"),
            ("driver_experience", "int"),
            ("postcode_risk", "float"),
            ("claims_5y", "int"),
            ("annual_mileage", "float"),
        ),
        ("age", "sex"),
        ("claim_frequency", "Claims per policy year."),
        ("gini", "rmse", "psi"),
        ("pricing actuaries",),
        ("policies", "claims"),
        ("high-risk", "not-applicable"),
        "expected claim frequency per policy year",
    ),
    Domain(
        "ocr",
        "document-ai",
        ("Document OCR", "Invoice Extractor", "ID Document Reader"),
        "information-extraction",
        ("tesseract", "pytorch", "onnx"),
        ("ocr", "documents", "vision"),
        ("GDPR", "eIDAS"),
        (("page_image", "image"), ("document_type", "category"), ("language", "category")),
        (),
        ("fields", "Extracted key-value fields of the document."),
        ("accuracy", "latency_p95_ms", "drift_share"),
        ("back-office operations",),
        ("scanned-documents", "annotated-documents"),
        ("minimal", "limited"),
        "structured fields read from scanned documents",
    ),
    Domain(
        "recsys",
        "personalisation",
        ("Product Recommender", "Content Ranker", "Offer Ranking"),
        "ranking",
        ("pytorch", "implicit", "tensorflow"),
        ("recommendations", "ranking", "personalisation"),
        ("GDPR", "DSA"),
        (
            ("user_embedding", "vector"),
            ("item_embedding", "vector"),
            ("recency_days", "int"),
            ("channel", "category"),
        ),
        (),
        ("clicked", "The customer opened the recommended offer."),
        ("ndcg", "recall", "drift_share", "latency_p95_ms"),
        ("digital channels",),
        ("clickstream", "product-catalogue"),
        ("minimal",),
        "products most relevant to each customer in the app",
    ),
)

MONITORED_METRICS = (
    "auc",
    "ks",
    "psi",
    "accuracy",
    "precision",
    "recall",
    "drift_share",
    "missing_share",
    "latency_p95_ms",
    "prediction_mean",
)
"""The metrics in the synthetic monitoring store (the first `--metrics` of them)."""

SEGMENTS = ("", "age<25", "age>=65", "region=EU", "region=US", "channel=online")
"""Monitoring segments: '' is the whole population; the rest are fairness slices."""

THRESHOLDS: dict[str, dict[str, Any]] = {
    "auc": {"min": 0.70, "warn_below": 0.74, "kind": "performance"},
    "ks": {"min": 0.25, "warn_below": 0.30, "kind": "performance"},
    "psi": {"max": 0.25, "warn_above": 0.10, "kind": "drift"},
    "accuracy": {"min": 0.80, "warn_below": 0.84, "kind": "performance"},
    "precision": {"min": 0.55, "warn_below": 0.60, "kind": "performance"},
    "recall": {"min": 0.60, "warn_below": 0.65, "kind": "performance"},
    "drift_share": {"max": 0.30, "warn_above": 0.20, "kind": "drift"},
    "missing_share": {"max": 0.05, "warn_above": 0.02, "kind": "data-quality"},
    "latency_p95_ms": {"max": 250.0, "warn_above": 180.0, "kind": "operational"},
    "prediction_mean": {"min": 0.02, "max": 0.20, "kind": "drift"},
}
"""Card thresholds per metric; the monitoring values are generated around them."""

FIRST_NAMES = [
    "amara",
    "ben",
    "chen",
    "dara",
    "elena",
    "farid",
    "grace",
    "hiro",
    "ines",
    "jonas",
    "kofi",
    "lena",
    "mateo",
    "nadia",
    "oscar",
    "priya",
    "quinn",
    "rosa",
    "samir",
    "tara",
    "umar",
    "vera",
    "wei",
    "xenia",
    "yusuf",
    "zoe",
    "aiko",
    "bruno",
    "carla",
    "dmitri",
]
SURNAMES = [
    "okafor",
    "lee",
    "nakamura",
    "petrova",
    "mensah",
    "garcia",
    "brennan",
    "silva",
    "novak",
    "haddad",
    "kowalski",
    "murphy",
    "schmidt",
    "rossi",
    "dubois",
    "jensen",
    "tanaka",
    "singh",
    "osei",
    "larsen",
    "moreau",
    "ivanova",
    "costa",
    "fischer",
    "lindqvist",
    "yilmaz",
    "ferreira",
    "kim",
    "walsh",
]
PLATFORMS = (
    ("kubernetes", "online"),
    ("sagemaker", "online"),
    ("databricks", "batch"),
    ("airflow", "batch"),
    ("flink", "streaming"),
)
REGIONS = ("eu-west-1", "eu-central-1", "us-east-1", "ap-southeast-1")
STAGES = (
    ("production", 45),
    ("staging", 10),
    ("validation", 10),
    ("development", 15),
    ("deprecated", 12),
    ("retired", 8),
)
TIERS = (("low", 30), ("medium", 35), ("high", 25), ("critical", 10))
CLASSIFICATIONS = (("public", 10), ("internal", 60), ("confidential", 22), ("restricted", 8))
CARD_DATE_LIMIT = dt.date(2026, 10, 31)
"""No date on a card is later than this (validation dates must not be in the future)."""
HEADER_MODEL = "# yaml-language-server: $schema=../../schema/models.json\n"
HEADER_DATASET = "# yaml-language-server: $schema=../../schema/datasets.json\n"
HEADER_TEAM = "# yaml-language-server: $schema=../../schema/teams.json\n"


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _dump(data: dict[str, Any]) -> str:
    return yaml.dump(
        data,
        Dumper=yaml.CSafeDumper,
        sort_keys=False,
        default_flow_style=None,
        width=110,
        allow_unicode=True,
    )


# --- the plan: who and what exists (cheap, built in the parent) --------------


@dataclass(frozen=True)
class Plan:
    """Ids of every team, person and dataset, so that each card can be written alone."""

    seed: int
    models: int
    teams: tuple[tuple[str, str, tuple[str, ...]], ...]
    """(team id, domain key or function, person ids)."""
    validator_teams: tuple[str, ...]
    validator_people: tuple[str, ...]
    datasets: dict[str, tuple[str, ...]]
    """domain key → dataset ids of that domain."""


def make_plan(models: int, seed: int) -> Plan:
    """Teams (≈ N/50 first-line plus validators, audit and data), people and datasets."""
    rng = random.Random(f"plan-{seed}")
    first_line = max(2, round(models / 50))
    teams: list[tuple[str, str, tuple[str, ...]]] = []
    person_number = 0

    def people(count: int) -> tuple[str, ...]:
        nonlocal person_number
        ids = []
        for _ in range(count):
            person_number += 1
            ids.append(f"{rng.choice(FIRST_NAMES)[0]}{rng.choice(SURNAMES)}{person_number}")
        return tuple(ids)

    for index in range(first_line):
        domain = DOMAINS[index % len(DOMAINS)]
        number = index // len(DOMAINS) + 1
        teams.append((f"{domain.team}-{number}", domain.key, people(rng.randint(3, 8))))
    validator_count = max(1, first_line // 15)
    validators = [(f"model-risk-{i + 1}", "second-line", people(4)) for i in range(validator_count)]
    teams.extend(validators)
    teams.append(("internal-audit", "third-line", people(3)))
    teams.append(("data-office", "data", people(4)))
    dataset_total = max(len(DOMAINS), round(models / 5))
    datasets: dict[str, list[str]] = {d.key: [] for d in DOMAINS}
    for index in range(dataset_total):
        domain = DOMAINS[index % len(DOMAINS)]
        base = domain.datasets[(index // len(DOMAINS)) % len(domain.datasets)]
        datasets[domain.key].append(f"{base}-{index // len(DOMAINS) + 1}")
    return Plan(
        seed=seed,
        models=models,
        teams=tuple(teams),
        validator_teams=tuple(team for team, _, _ in validators),
        validator_people=tuple(p for _, _, members in validators for p in members),
        datasets={key: tuple(ids) for key, ids in datasets.items()},
    )


def model_id(plan: Plan, index: int) -> str:
    """The id of the `index`-th synthetic model (stable for a seed)."""
    domain = DOMAINS[index % len(DOMAINS)]
    name = domain.names[index // len(DOMAINS) % len(domain.names)]
    slug = name.lower().replace("x-ray", "xray").replace(" ", "-")
    return f"{slug}-{index + 1:05d}"


# --- cards -------------------------------------------------------------------


def _date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def model_card(plan: Plan, index: int) -> dict[str, Any]:
    """One model card as data: realistic variety, valid under the schema."""
    rng = random.Random(f"model-{plan.seed}-{index}")
    domain = DOMAINS[index % len(DOMAINS)]
    owners = [t for t in plan.teams if t[1] == domain.key] or [plan.teams[0]]
    owner, _, members = owners[index // len(DOMAINS) % len(owners)]
    name = domain.names[index // len(DOMAINS) % len(domain.names)]
    card_id = model_id(plan, index)
    stage = _weighted(rng, STAGES)
    tier = _weighted(rng, TIERS)
    datasets = plan.datasets[domain.key]
    training = rng.sample(datasets, k=min(len(datasets), rng.randint(1, 2)))
    evaluation_set = rng.choice(datasets)
    validator_team = rng.choice(plan.validator_teams)

    card: dict[str, Any] = {
        "id": card_id,
        "name": f"{name} {index + 1}",
        "summary": f"{domain.summary[0].upper()}{domain.summary[1:]}, for "
        f"{rng.choice(REGIONS)} (variant {index + 1}).",
        "description": (
            f"A {domain.task.replace('-', ' ')} model built with {rng.choice(domain.frameworks)}. "
            f"It replaced a rules-based process in {2015 + rng.randint(0, 9)} and is retrained "
            f"{rng.choice(['monthly', 'quarterly', 'yearly', 'when drift is detected'])}."
        ),
        "owner": owner,
        "contacts": [
            {"role": "accountable", "person": members[0]},
            {"role": "responsible", "person": rng.choice(members)},
            {"role": "validator", "team": validator_team},
        ],
        "stage": stage,
        "risk": {
            "tier": tier,
            "eu_ai_act": rng.choice(domain.eu_ai_act),
            "rationale": f"{tier.capitalize()} tier: it informs "
            f"{rng.choice(['decisions about customers', 'operational capacity', 'alerts for staff'])}"
            f" with {rng.choice(['direct', 'indirect', 'advisory'])} effect.",
        },
        "regulations": rng.sample(
            list(domain.regulations), k=rng.randint(1, len(domain.regulations))
        ),
        "classification": _weighted(rng, CLASSIFICATIONS),
        "tags": rng.sample(list(domain.tags), k=rng.randint(2, len(domain.tags))),
        "task": domain.task,
        "framework": rng.choice(domain.frameworks),
        "intended_use": {
            "primary": f"Tell {domain.users[0]} the {domain.summary}.",
            "users": list(domain.users),
            "out_of_scope": ["fully automated decisions without review", "other legal entities"],
        },
    }
    features = []
    for feature_name, feature_type in rng.sample(
        list(domain.features), k=rng.randint(min(3, len(domain.features)), len(domain.features))
    ):
        feature: dict[str, Any] = {"name": feature_name, "type": feature_type}
        if rng.random() < 0.6:
            feature["source"] = f"dataset:{rng.choice(training)}"
        features.append(feature)
    for sensitive in domain.sensitive:
        features.append(
            {
                "name": sensitive,
                "type": "category",
                "sensitive": True,
            }
        )
    card["features"] = features
    card["labels"] = [{"name": domain.label[0], "description": domain.label[1]}]
    card["training_data"] = [
        {
            "dataset": dataset,
            "version": f"{2024 + rng.randint(0, 2)}-{rng.randint(1, 12):02d}",
            "rows": rng.randint(10, 5000) * 1000,
        }
        for dataset in training
    ]
    metric_values = {
        metric: round(rng.uniform(0.6, 0.9), 3) for metric in domain.metrics[: rng.randint(1, 3)]
    }
    evaluation: dict[str, Any] = {
        "dataset": evaluation_set,
        "date": _date(rng, dt.date(2025, 1, 1), dt.date(2026, 6, 30)),
        "metrics": metric_values,
    }
    if domain.sensitive:
        evaluation["slices"] = [
            {
                "segment": segment,
                "metrics": {
                    m: round(v - rng.uniform(0, 0.05), 3) for m, v in metric_values.items()
                },
            }
            for segment in ("age<25", "age>=65")[: rng.randint(1, 2)]
        ]
        card["fairness"] = {
            "attributes": list(domain.sensitive),
            "analysis": "Demographic parity and equal opportunity checked per segment; the "
            f"largest gap is {rng.uniform(0.5, 4):.1f} points, within the 5-point tolerance.",
            "date": _date(rng, dt.date(2025, 6, 1), dt.date(2026, 6, 30)),
        }
    card["evaluation"] = [evaluation]
    card["human_oversight"] = (
        f"{domain.users[0].capitalize()} review {rng.choice(['every', 'a sample of', 'flagged'])} "
        "decisions and can override the score; overrides are logged and reviewed monthly."
    )
    card["limitations"] = [
        f"Not validated for {rng.choice(['new-to-bank customers', 'business customers', 'non-EU markets', 'scanned faxes'])}.",
        "Performance degrades when input distributions shift; see the drift thresholds.",
    ]
    card["assumptions"] = [
        f"Population similar to the {2019 + rng.randint(0, 5)}-2026 training window."
    ]
    if domain.sensitive:
        card["ethical_considerations"] = (
            "Protected attributes are excluded from scoring and used only to measure disparity."
        )

    # versions: oldest first, the newest one's stage is the card's stage
    version_count = rng.randint(1, 5)
    start = _date(rng, dt.date(2019, 1, 1), dt.date(2024, 6, 30))
    dates = sorted(
        _date(rng, start, CARD_DATE_LIMIT - dt.timedelta(days=60)) for _ in range(version_count)
    )
    major = rng.randint(1, 4)
    versions = []
    for number, date in enumerate(dates):
        last = number == version_count - 1
        version: dict[str, Any] = {
            "version": f"{major}.{number}.{rng.randint(0, 3)}",
            "date": date,
            "stage": stage if last else "production",
            "changes": rng.choice(
                [
                    "Retrained on the latest quarter of data.",
                    "Added two features from the bureau refresh.",
                    "Recalibrated after a drift alert.",
                    "Initial release.",
                    "Moved to the new feature store.",
                ]
            ),
        }
        if stage not in ("development",) or not last:
            version["registry"] = f"models:/{card_id}/{number + 1}"
        versions.append(version)
    card["versions"] = versions

    if stage in ("production", "staging", "deprecated", "retired", "validation"):
        validations = []
        date = dates[0] + dt.timedelta(days=rng.randint(1, 30))
        for _ in range(rng.randint(1, 3)):
            if date > CARD_DATE_LIMIT:
                break
            outcome = _weighted(
                rng,
                (
                    ("approved", 60),
                    ("approved-with-conditions", 25),
                    ("rejected", 5),
                    ("in-progress", 10),
                ),
            )
            validation: dict[str, Any] = {
                "date": date,
                "by": validator_team,
                "outcome": outcome,
                "version": versions[-1]["version"],
                "next_review": date + dt.timedelta(days=rng.choice([180, 365, 730])),
                "report": f"https://wiki.bank.example/validation/{card_id}/{date.isoformat()}",
            }
            if outcome == "approved-with-conditions":
                validation["conditions"] = ["Monthly drift report to the validator."]
            validations.append(validation)
            date = date + dt.timedelta(days=rng.randint(120, 400))
        card["validations"] = validations

    if rng.random() < 0.95:
        metrics = rng.sample(MONITORED_METRICS, k=rng.randint(3, 6))
        card["monitoring"] = {
            "freshness_days": rng.choice([1, 2, 3, 7]),
            "metrics": {metric: dict(THRESHOLDS[metric]) for metric in metrics},
            "dashboard": f"https://grafana.bank.example/d/{card_id}",
        }
    platform, mode = rng.choice(PLATFORMS)
    card["deployment"] = {
        "platform": platform,
        "endpoint": f"{owner}/{card_id}",
        "regions": rng.sample(REGIONS, k=rng.randint(1, 2)),
        "mode": mode,
    }
    if stage in ("deprecated", "retired") and index > 0:
        card["retirement"] = {
            "date": _date(rng, dt.date(2026, 1, 1), dt.date(2027, 12, 31)),
            "replaced_by": model_id(plan, rng.randrange(index)),
            "reason": "Superseded by a model with better discrimination.",
        }
    if rng.random() < 0.05:
        card["waivers"] = [
            {
                "rule": "fairness-analysis",
                "reason": "Protected attributes unavailable until the data-sharing agreement lands.",
                "approved_by": rng.choice(plan.validator_people),
                "expires": _date(rng, dt.date(2026, 6, 1), dt.date(2027, 6, 30)),
            }
        ]
    card["links"] = {
        "repository": f"https://git.bank.example/{owner}/{card_id}",
    }
    return card


def dataset_card(plan: Plan, domain_key: str, position: int) -> dict[str, Any]:
    """One dataset card; lineage points only at earlier datasets (never a cycle)."""
    ids = plan.datasets[domain_key]
    dataset_id = ids[position]
    rng = random.Random(f"dataset-{plan.seed}-{dataset_id}")
    owner = next((t for t, kind, _ in plan.teams if kind == domain_key), "data-office")
    domain = next(d for d in DOMAINS if d.key == domain_key)
    card: dict[str, Any] = {
        "id": dataset_id,
        "name": dataset_id.replace("-", " ").title(),
        "summary": f"Training data behind the {domain.summary}, extracted nightly.",
        "owner": rng.choice([owner, "data-office"]),
        "classification": _weighted(rng, CLASSIFICATIONS),
        "source_system": rng.choice(["core-banking", "card-switch", "crm", "pacs", "data-lake"]),
        "personal_data": bool(domain.sensitive),
        "sensitive_columns": list(domain.sensitive),
        "rows": rng.randint(100, 50_000) * 1000,
        "time_range": f"{2015 + rng.randint(0, 6)}-01..2026-06",
        "retention": rng.choice(["7 years", "5 years", "10 years"]),
        "tags": list(domain.tags[:2]),
    }
    if position > 0 and rng.random() < 0.5:
        card["derived_from"] = rng.sample(list(ids[:position]), k=min(position, rng.randint(1, 2)))
    return card


def team_card(plan: Plan, team_id: str, kind: str, members: tuple[str, ...]) -> dict[str, Any]:
    """One team file with its people."""
    rng = random.Random(f"team-{plan.seed}-{team_id}")
    function = kind if kind in ("second-line", "third-line", "data") else "first-line"
    people = []
    for number, person in enumerate(members):
        first = next(n for n in FIRST_NAMES if n[0] == person[0])
        surname = person[1:].rstrip("0123456789")
        people.append(
            {
                "id": person,
                "name": f"{first.capitalize()} {surname.capitalize()}",
                "title": "Head of team"
                if number == 0
                else rng.choice(["Data Scientist", "ML Engineer", "Model Validator", "Analyst"]),
                "email": f"{first}.{surname}{person[len(surname) + 1 :]}@bank.example",
            }
        )
    return {
        "id": team_id,
        "name": team_id.replace("-", " ").title(),
        "description": f"The {team_id.replace('-', ' ')} team ({function}).",
        "function": function,
        "email": f"{team_id}@bank.example",
        "channel": f"#{team_id}",
        "code_owner": f"@bank/{team_id}",
        "people": people,
    }


def _write_models(args: tuple[Plan, int, int, str]) -> int:
    plan, start, stop, folder = args
    directory = Path(folder)
    written = 0
    for index in range(start, stop):
        card = model_card(plan, index)
        (directory / f"{card['id']}.yaml").write_text(HEADER_MODEL + _dump(card), encoding="utf-8")
        written += 1
    return written


def write_cards(plan: Plan, catalog: Path, *, workers: int | None = None) -> None:
    """Teams, datasets and models, models written by a pool of processes."""
    for folder in ("models", "datasets", "teams"):
        (catalog / folder).mkdir(parents=True, exist_ok=True)
    for team_id, kind, members in plan.teams:
        text = HEADER_TEAM + _dump(team_card(plan, team_id, kind, members))
        (catalog / "teams" / f"{team_id}.yaml").write_text(text, encoding="utf-8")
    for domain_key, ids in plan.datasets.items():
        for position, dataset_id in enumerate(ids):
            text = HEADER_DATASET + _dump(dataset_card(plan, domain_key, position))
            (catalog / "datasets" / f"{dataset_id}.yaml").write_text(text, encoding="utf-8")
    workers = workers or os.cpu_count() or 1
    chunk = 500
    jobs = [
        (plan, start, min(plan.models, start + chunk), str(catalog / "models"))
        for start in range(0, plan.models, chunk)
    ]
    if workers == 1 or plan.models <= chunk:
        for job in jobs:
            _write_models(job)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        list(pool.map(_write_models, jobs))


# --- monitoring --------------------------------------------------------------


def write_monitoring(
    plan: Plan,
    catalog: Path,
    *,
    days: int,
    end: dt.date,
    metrics: int = 10,
    segments: int = 1,
) -> int:
    """The monitoring store: one row per model × metric × segment × day. Returns the row count.

    Values wander around each metric's thresholds; about one model in 17 drifts into
    a breach over its last weeks, one in 11 into a warning, and one in 23 stops
    reporting ten days before `end` (stale).
    """
    from generator.monitoring import store  # the store's own format, writer settings, commits

    metric_names = MONITORED_METRICS[:metrics]
    segment_names = SEGMENTS[:segments]
    ids = [model_id(plan, index) for index in range(plan.models)]
    import duckdb

    # a plain connection: store.duckdb_connect() needs DuckDB's icu extension for its UTC
    # setting; naive timestamps here are UTC and parquet_bytes() casts them to UTC instants
    connection = duckdb.connect()
    connection.execute(
        "CREATE TEMP TABLE models AS SELECT * FROM (SELECT unnest($ids) AS model_id, "
        "generate_subscripts($ids, 1) - 1 AS model_index)",
        {"ids": ids},
    )
    connection.execute(
        "CREATE TEMP TABLE metrics AS SELECT unnest($names) AS metric, "
        "generate_subscripts($names, 1) - 1 AS metric_index",
        {"names": list(metric_names)},
    )
    connection.execute(
        "CREATE TEMP TABLE segments AS SELECT unnest($names) AS segment",
        {"names": list(segment_names)},
    )
    centre = {
        "auc": (0.80, -0.12),
        "ks": (0.40, -0.18),
        "psi": (0.05, 0.25),
        "accuracy": (0.90, -0.12),
        "precision": (0.70, -0.18),
        "recall": (0.75, -0.18),
        "drift_share": (0.08, 0.25),
        "missing_share": (0.008, 0.05),
        "latency_p95_ms": (120.0, 160.0),
        "prediction_mean": (0.08, 0.15),
    }
    cases = " ".join(
        f"WHEN '{name}' THEN {base} + {drift} * drift_factor + {abs(base) * 0.03} * noise"
        for name, (base, drift) in centre.items()
        if name in metric_names
    )
    query = f"""
        WITH grid AS (
            SELECT m.model_id, m.model_index, k.metric, k.metric_index, s.segment,
                   d.day,
                   ((m.model_index * 7919 + d.day * 104729 + k.metric_index * 31337) % 1000)
                       / 500.0 - 1.0 AS noise,
                   CASE
                       WHEN m.model_index % 17 = 0 THEN greatest(0, (d.day - ($days - 30)) / 30.0)
                       WHEN m.model_index % 11 = 0 THEN greatest(0, (d.day - ($days - 30)) / 60.0)
                       ELSE 0
                   END AS drift_factor
            FROM models m, metrics k, segments s, range($days) AS d(day)
            WHERE NOT (m.model_index % 23 = 0 AND d.day >= $days - 10)
        )
        SELECT model_id,
               '1.0.0' AS model_version,
               CAST($start AS TIMESTAMP) + to_days(CAST(day AS INTEGER))
                    + INTERVAL 6 HOUR AS ts,
               metric,
               segment,
               CAST(CASE metric {cases} END AS DOUBLE) AS value,
               'synthetic-export' AS source,
               day AS day_index
        FROM grid
    """
    start = end - dt.timedelta(days=days - 1)
    connection.execute(
        "CREATE TEMP TABLE months AS SELECT DISTINCT year(day) AS y, month(day) AS m FROM "
        "range(CAST($start AS DATE), CAST($end AS DATE) + INTERVAL 1 DAY, INTERVAL 1 DAY) "
        "AS t(day) ORDER BY 1, 2",
        {"start": start, "end": end},
    )
    months = connection.execute("SELECT y, m FROM months").fetchall()
    order = ", ".join(store.SORT_ORDER)
    target = store.Store(catalog / "monitoring")
    total = 0
    for year, month in months:
        month_start = max(start, dt.date(year, month, 1))
        next_month = dt.date(year + month // 12, month % 12 + 1, 1)
        first_day = (month_start - start).days
        last_day = min((next_month - start).days, days)
        table = connection.sql(
            f"SELECT * FROM ({query}) WHERE day_index >= $first AND day_index < $last "
            f"ORDER BY {order}",
            params={"days": days, "start": start, "first": first_day, "last": last_day},
        ).to_arrow_table()
        table = table.select(list(store.COLUMNS))
        partition = f"year={year:04d}/month={month:02d}"
        parts = {}
        for offset in range(0, table.num_rows, store.MAX_PART_ROWS):
            data = store.parquet_bytes(table.slice(offset, store.MAX_PART_ROWS))
            parts[store.part_name(partition, data)] = data
        with target.locked():
            target.commit(parts)
        total += table.num_rows
    connection.close()
    return total


# --- the project -------------------------------------------------------------

MINIMAL_MKDOCS = """\
site_name: Synthetic model catalog
theme:
  name: material
plugins:
  - search
"""


def write_project(
    target: Path,
    *,
    models: int,
    monitoring_days: int,
    seed: int = 1,
    end: dt.date | None = None,
    metrics: int = 10,
    segments: int = 1,
    workers: int | None = None,
) -> dict[str, Any]:
    """Write a complete synthetic project into `target` (replacing what was there)."""
    started = time.perf_counter()
    if target.exists():
        shutil.rmtree(target)
    catalog = target / "catalog"
    catalog.mkdir(parents=True)
    plan = make_plan(models, seed)
    write_cards(plan, catalog, workers=workers)
    (catalog / "settings.yaml").write_text(
        "title: Synthetic model catalog\norganisation: Example Bank (synthetic)\n"
        "repository_url: https://git.bank.example/ml/model-catalog\n",
        encoding="utf-8",
    )
    policy = REPO / "catalog" / "policy.yaml"
    if policy.is_file():
        shutil.copyfile(policy, catalog / "policy.yaml")
    mkdocs = REPO / "mkdocs.yml"
    if mkdocs.is_file():
        shutil.copyfile(mkdocs, target / "mkdocs.yml")
    else:
        (target / "mkdocs.yml").write_text(MINIMAL_MKDOCS, encoding="utf-8")
    rows = 0
    if monitoring_days > 0:
        rows = write_monitoring(
            plan,
            catalog,
            days=monitoring_days,
            end=end or (dt.date.today() - dt.timedelta(days=1)),
            metrics=metrics,
            segments=segments,
        )
    (target / ".complete").write_text("ok\n", encoding="utf-8")
    return {
        "models": models,
        "teams": len(plan.teams),
        "datasets": sum(len(ids) for ids in plan.datasets.values()),
        "monitoring_rows": rows,
        "seconds": round(time.perf_counter() - started, 1),
    }


def main(argv: list[str] | None = None) -> None:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.synth", description="Write a synthetic govcat project."
    )
    parser.add_argument("--models", type=int, required=True, help="number of model cards")
    parser.add_argument(
        "--monitoring-days", type=int, default=0, help="days of monitoring per model (0: none)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--metrics", type=int, default=10, help="metrics per model (max 10)")
    parser.add_argument(
        "--segments", type=int, default=1, help="segments per metric ('' plus fairness slices)"
    )
    parser.add_argument(
        "--end-date", type=dt.date.fromisoformat, help="last monitoring day (default: yesterday)"
    )
    parser.add_argument("--workers", type=int, help="processes writing cards (default: cores)")
    parser.add_argument("-o", "--output", type=Path, required=True, help="project directory")
    options = parser.parse_args(argv)
    summary = write_project(
        options.output,
        models=options.models,
        monitoring_days=options.monitoring_days,
        seed=options.seed,
        end=options.end_date,
        metrics=min(options.metrics, len(MONITORED_METRICS)),
        segments=min(options.segments, len(SEGMENTS)),
        workers=options.workers,
    )
    print(
        f"wrote {options.output}: {summary['models']:,} models, {summary['datasets']:,} datasets, "
        f"{summary['teams']:,} teams, {summary['monitoring_rows']:,} monitoring rows "
        f"in {summary['seconds']} s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
