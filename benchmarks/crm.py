"""What reading the stage from the CRM costs an answer.

    python -m benchmarks.crm [--answers 40]

The sample library, the real model, and a local fake HubSpot whose every reply takes 100 ms.
p50 of `recommend()` three ways, interleaved: without a CRM; with the prospect's deals read from
the CRM on every answer (the lookup overlaps the question's encoding); with them cached.
Targets: CRM ≤ no CRM + 110 ms; cached ≤ no CRM + 0.5 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from benchmarks.core import percentile
from bot.crm.hubspot import HubSpotCrm
from bot.crm.lookup import CrmStages
from bot.ingest import ingest
from bot.recommend import Question, recommend
from bot.services import Services
from bot.settings import Settings
from tests.crm_support import HUBSPOT_TOKEN, FakeHubSpot, Fault

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
CRM_DELAY_S = 0.100
QUESTIONS = [
    "Acme asked for our SOC 2 report",
    "Acme is comparing us with Forecastly, what do I send?",
    "Acme doesn't see the problem with spreadsheets yet",
    "Acme's CFO wants to see the numbers before signing",
    "need a logistics case study for Acme",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--answers", type=int, default=40, help="answers per configuration")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/crm.json"))
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="funnelbot-crm-bench-")) / "home"
    settings = Settings(
        home=home,
        embedding_backend=os.environ.get("FUNNELBOT_EMBEDDING_BACKEND", ""),
        crm="hubspot",
        hubspot_token=HUBSPOT_TOKEN,
        crm_timeout_ms=800,
        crm_cache_seconds=3600,
    )
    services = Services(settings)
    ingest(services, EXAMPLES / "content")
    services.warm_up()
    timings: dict[str, list[float]] = {"no_crm": [], "crm_100ms": [], "crm_cached": []}
    with FakeHubSpot() as fake:
        fake.add_deal(fake.add_company("Acme"), "Acme – 40 stores", "contractsent")
        lookup = CrmStages(settings, HubSpotCrm(HUBSPOT_TOKEN, api_url=fake.base_url, timeout_s=1))
        lookup.directory()
        lookup.mapping()  # companies and pipelines are read once, not per answer
        fake.fail(Fault(delay=CRM_DELAY_S))
        for n in range(args.answers + 3):  # the first rounds warm up, unrecorded
            question = Question(text=QUESTIONS[n % len(QUESTIONS)])
            for config in timings:
                services.crm = None if config == "no_crm" else lookup
                if config == "crm_100ms":
                    lookup.forget_deals()  # the prospect's deals come from the CRM this time
                started = time.perf_counter()
                answer = recommend(services, question)
                elapsed = (time.perf_counter() - started) * 1000
                if config != "no_crm" and answer.stage.source != "crm":
                    raise SystemExit(f"{config}: stage came from {answer.stage.source}")
                if n >= 3:
                    timings[config].append(elapsed)
    services.close()
    p50 = {config: percentile(values, 0.5) for config, values in timings.items()}
    result = {
        "answers": args.answers,
        "cpus": os.cpu_count(),
        "crm_delay_ms": CRM_DELAY_S * 1000,
        "p50_ms": {k: round(v, 2) for k, v in p50.items()},
        "p90_ms": {k: round(percentile(v, 0.9), 2) for k, v in timings.items()},
        "crm_over_no_crm_ms": round(p50["crm_100ms"] - p50["no_crm"], 2),
        "cached_over_no_crm_ms": round(p50["crm_cached"] - p50["no_crm"], 2),
        "targets_met": {
            "crm <= no_crm + 110 ms": p50["crm_100ms"] <= p50["no_crm"] + 110,
            "cached <= no_crm + 0.5 ms": p50["crm_cached"] <= p50["no_crm"] + 0.5,
        },
    }
    print(json.dumps(result, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
