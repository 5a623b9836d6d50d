"""Issue 17 §6: no page may run a script the app did not write. The policy has no ``'unsafe-inline'`` for
scripts; a map page's own inline scripts are allowed by their SHA-256 hashes, so markup that slips through
escaping (a ``<script>`` or an ``onerror`` attribute in a popup) is refused by the browser while the map
still works. Real server, real Chromium."""

from __future__ import annotations

import base64
import hashlib
import re

import requests
from playwright.sync_api import Route
from shapely.geometry import MultiPolygon, box

from analysis import run_checks

MAP_READY = "() => window.L && Object.values(window).some(v => v instanceof L.Map)"


def script_src(policy: str) -> str:
    return re.search(r"script-src ([^;]*)", policy).group(1)


def test_pages_allow_no_inline_script_but_their_own(client):
    for url in ("/", "/collections?f=html", "/login"):
        policy = client.get(url).headers["Content-Security-Policy"]
        assert script_src(policy) == "'self'", url
    page = client.get("/map")
    src = script_src(page.headers["Content-Security-Policy"])
    assert "unsafe-inline" not in src and src.count("'sha256-") == 2
    inline = re.findall(r"<script>(.*?)</script>", page.get_data(as_text=True), re.S)
    assert len(inline) == 2
    assert {f"'sha256-{base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()}'" for code in inline} \
        == set(src.split()[1:])


def test_a_map_runs_its_own_scripts_and_refuses_injected_ones(reg, live_server, page, watch):
    """The page as served, with an escaping slip simulated on its way to the browser: a script element and
    an ``onerror`` handler inserted into the body. Neither runs; the map's own scripts do."""
    reg.layer("protected_zones").create({"name": "古雷水源保护区", "zone_type": "drinking_water_source"},
                                        MultiPolygon([box(117.60, 23.74, 117.64, 23.78)]))
    traffic = watch(page)

    def inject(route: Route) -> None:
        served = route.fetch()
        body = served.text().replace(
            "<body>", '<body><script>window.pwned = 1</script><img src="/nothing.png" onerror="window.pwned = 2">', 1)
        route.fulfill(response=served, body=body)

    page.route(f"{live_server}/map/protected_zones", inject)
    page.goto(f"{live_server}/map/protected_zones", wait_until="networkidle")
    page.wait_for_function(MAP_READY)
    assert page.evaluate("() => window.pwned") is None
    refused = [e for e in traffic.errors if "Content Security Policy" in e]
    assert len(refused) == 2, traffic.errors  # the script element and the handler, nothing else


def test_a_map_page_and_a_report_run_without_a_policy_violation(reg, live_server, page, watch):
    reg.layer("protected_zones").create({"name": "古雷水源保护区", "zone_type": "drinking_water_source"},
                                        MultiPolygon([box(117.60, 23.74, 117.64, 23.78)]))
    run = run_checks(reg)
    traffic = watch(page)
    for path in ("/map", f"/map?run={run.id}", f"/runs/{run.id}/report"):
        page.goto(f"{live_server}{path}", wait_until="networkidle")
        frame = page.frames[-1]
        frame.wait_for_function(MAP_READY)
    assert not [e for e in traffic.errors if "Content Security Policy" in e], traffic.errors
    served = requests.get(f"{live_server}/runs/{run.id}/report", timeout=30)
    assert script_src(served.headers["Content-Security-Policy"]).count("'sha256-") == 2
