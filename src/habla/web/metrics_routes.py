"""GET /metrics: the dashboard's figures in Prometheus' text format (prometheus-client).

The figures come from the database and the bus, not from per-process counters, so any API process answers
for the whole deployment, workers included, and a scrape after a restart shows the same values. They are
gauges over the same windows as the dashboard (24 h for traffic and speed, 30 days for cost); Grafana can
chart them as they are. With HABLA_ADMIN__METRICS_TOKEN set, a scrape needs ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily

from habla.domain.figures import Figures
from habla.web.figures import compute

router = APIRouter()


class _FiguresCollector:
    """Yields one snapshot of figures (prometheus-client calls collect() when the registry is rendered)."""

    def __init__(self, figures: Figures) -> None:
        self._figures = figures

    def collect(self):
        f = self._figures
        yield _gauge("habla_learners", "Learners known to Habla", [((), f.learners_total)])
        yield _gauge(
            "habla_learners_active", "Learners who wrote today (UTC) / in the last 7 days", [
                (("today",), f.active_today), (("week",), f.active_week)
            ], ["window"],
        )
        yield _gauge("habla_messages_answered_24h", "Learner messages answered in the last 24 h", [((), sum(f.messages_per_hour))])
        yield _gauge("habla_replies_in_flight", "Replies stored but not yet handed to their channel", [((), f.in_flight)])
        yield _gauge("habla_dead_letters", "Messages parked in dead-letter streams", [((), f.dead_letters)])
        latency = []
        samples = []
        for stage, p in f.stages.items():
            samples.append(((stage,), p.count))
            for quantile, value in (("0.5", p.p50_ms), ("0.95", p.p95_ms)):
                if value is not None:
                    latency.append(((stage, quantile), value))
        yield _gauge("habla_stage_latency_ms", "Stage latency over the last 24 h", latency, ["stage", "quantile"])
        yield _gauge("habla_stage_samples_24h", "Timings behind habla_stage_latency_ms", samples, ["stage"])
        yield _gauge("habla_llm_calls_30d", "Model attempts per tier, last 30 days", [((t.tier,), t.calls) for t in f.tiers], ["tier"])
        yield _gauge(
            "habla_llm_failed_calls_30d", "Failed model attempts per tier, last 30 days", [((t.tier,), t.failed) for t in f.tiers], ["tier"]
        )
        tokens = [((t.tier, "in"), t.tokens_in) for t in f.tiers] + [((t.tier, "out"), t.tokens_out) for t in f.tiers]
        yield _gauge("habla_llm_tokens_30d", "Tokens per tier and direction, last 30 days", tokens, ["tier", "direction"])
        yield _gauge("habla_llm_cost_30d", "Cost per tier from the configured prices, last 30 days", [((t.tier,), t.cost) for t in f.tiers], ["tier"])
        if f.fast_share is not None:
            yield _gauge("habla_fast_tier_share_30d", "Share of model-written turns on the fast tier", [((), f.fast_share)])
        yield _gauge(
            "habla_messages_sent_per_learner_day", "Messages handed to a channel per learner and day, last 7 days",
            [((channel,), n) for channel, n in f.sent_per_learner_day.items()], ["channel"],
        )
        yield _gauge("habla_learners_by_plan", "Learners per plan", [((plan,), n) for plan, n in f.plans.items()], ["plan"])


def _gauge(name: str, documentation: str, values, labels: list[str] | None = None) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=labels or [])
    for label_values, value in values:
        family.add_metric(list(label_values), float(value))
    return family


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    services = request.app.state.services
    token = services.settings.admin.metrics_token
    expected = token.get_secret_value().strip() if token is not None else ""
    if expected:
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {expected}".encode()):
            return Response("unauthorized\n", status_code=401, media_type="text/plain")
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_FiguresCollector(await compute(services)))
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
