"""The console's first page and its push channel: `/` serves a page that loads nothing from the
network (its one script, the vendored chart library, comes from the bot itself), and /api/v1/stream pushes a `status` event for each snapshot the runtime publishes
(readers only: 401 without a token)."""

from __future__ import annotations

import hashlib
import json
import re
from decimal import Decimal
from importlib import resources
from pathlib import Path

import httpx

from bot_v2.ports.control import Flags, RuntimeSnapshot

from ._served import VIEWER, served

LIBRARY = "vendor/lightweight-charts/lightweight-charts.standalone.production.js"
PROVENANCE = "vendor/lightweight-charts/PROVENANCE.md"


def test_the_page_loads_nothing_from_the_network(tmp_path: Path) -> None:
    with served(tmp_path) as (url, _, _):
        page = httpx.get(f"{url}/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "/api/v1/stream" in page.text
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page.text)
    assert re.findall(r"""src=["']?([^"' >]+)""", page.text) == ["/assets/lightweight-charts.js"]


def test_the_chart_library_is_served_as_vendored(tmp_path: Path) -> None:
    vendored = resources.files("bot_v2.resources").joinpath(LIBRARY).read_bytes()
    provenance = resources.files("bot_v2.resources").joinpath(PROVENANCE).read_text()
    # Byte for byte the npm package's file: its sum is the one PROVENANCE.md records.
    assert f"`{hashlib.sha256(vendored).hexdigest()}`" in provenance
    with served(tmp_path) as (url, _, _):
        # Public code, no secret: served without a login, like the page.
        asset = httpx.get(f"{url}/assets/lightweight-charts.js")
    assert asset.status_code == 200 and asset.headers["content-type"].startswith("text/javascript")
    assert asset.content == vendored and b"LightweightCharts" in vendored


def test_each_published_snapshot_is_pushed(tmp_path: Path) -> None:
    with served(tmp_path) as (url, _, board):
        assert httpx.get(f"{url}/api/v1/stream").status_code == 401
        headers = {"Authorization": f"Bearer {VIEWER}"}
        seen: list[dict[str, object]] = []
        with httpx.stream("GET", f"{url}/api/v1/stream", headers=headers, timeout=60) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            for line in response.iter_lines():
                if not line.startswith("data: "):
                    continue
                seen.append(json.loads(line.removeprefix("data: ")))
                if len(seen) == 1:
                    board.publish(
                        RuntimeSnapshot(
                            state="running",
                            cycle=7,
                            equity=Decimal("10001.5"),
                            flags=Flags(paused="entries paused by the operator"),
                        )
                    )
                else:
                    break
    assert seen[0]["cycle"] == 0
    assert seen[1]["cycle"] == 7 and seen[1]["equity"] == "10001.5"
    assert seen[1]["flags"]["paused"] is True  # type: ignore[index]
