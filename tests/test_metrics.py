"""Metrics in the Prometheus format, scraped from a live server process (issue 16):
the live figures, this process's counters, and never a chat id or anything sent."""

from __future__ import annotations

import redis as redis_lib
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import ROOT, LiveServers, eventually, free_port, other_db


def scrape(port: int) -> dict[tuple[str, tuple], float]:
    text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_a_live_server_serves_its_metrics_on_localhost(tmp_path, redis_url, live_db, peers):
    port, url = free_port(), other_db(redis_url, 11)
    redis_lib.Redis.from_url(url).flushdb()
    servers = LiveServers(url, live_db, tmp_path, env={"METRICS_PORT": str(port)})
    try:
        chatter = peers(servers.urls[0], "/chat")
        started = chatter.call("start", {})
        assert chatter.call("no_such_event", {})["code"] == "unknown_event"
        eventually(lambda: scrape(port).get(("helpline_workers_alive", ())) == 1,
                   what="the worker's pump seen alive")
        figures = scrape(port)
        assert figures[("helpline_chatters_waiting", ())] == 1
        assert figures[("helpline_first_in_line_wait_seconds", ())] >= 0
        assert figures[("helpline_therapists", (("state", "available"),))] == 0
        assert figures[("helpline_event_errors_total", (("code", "unknown_event"),))] == 1
        assert figures[("helpline_sockets_open", ())] >= 1
        assert figures[("helpline_timer_lag_seconds", ())] == 0
        assert figures[("helpline_redis_up", ())] == 1
        text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
        assert started["chat_id"] not in text and started["token"] not in text
    finally:
        servers.stop()
        redis_lib.Redis.from_url(url).flushdb()


def test_the_shipped_dashboard_and_alerts_use_only_metrics_the_servers_serve(app):
    import json
    import re

    from prometheus_client import REGISTRY

    from helpline.realtime import metrics  # noqa: F401  (registers the process's counters)
    from helpline.server.metrics_endpoint import SOCKETS  # noqa: F401
    from helpline.supervision.metrics import LiveCollector

    served = {f.name for f in REGISTRY.collect()} | {f.name for f in LiveCollector(app).collect()}
    monitoring = ROOT / "deploy" / "monitoring"
    dashboard = json.loads((monitoring / "grafana-dashboard.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    exprs += re.findall(r"expr: (.+)", (monitoring / "alerts.yml").read_text())
    used = {re.sub(r"_(total|bucket|sum|count)$", "", name)
            for expr in exprs for name in re.findall(r"helpline_[a-z_]+", expr)}
    assert used and used <= served, used - served
