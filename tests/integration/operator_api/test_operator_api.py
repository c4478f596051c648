"""The operator API over a real loopback socket, read with httpx."""

from decimal import Decimal

import httpx
import pytest

from bot_v2.adapters.http.operator_api import OperatorApiServer
from bot_v2.domain.errors import BotError
from bot_v2.monitoring.reports import CycleReport
from bot_v2.monitoring.system_monitor import SystemMonitor


def report(cycle: int, reduce_only: str = "", stale: dict[str, str] | None = None) -> CycleReport:
    return CycleReport(
        cycle=cycle,
        clock_ms=1_704_067_200_000,
        duration_s=0.002,
        equity=Decimal("10123.45"),
        cash=Decimal("10000"),
        positions={"BTC/USDT:USDT": Decimal("0.5"), "ETH/USDT:USDT": Decimal(0)},
        open_orders=1,
        orders_total=4,
        fills_total=3,
        risk_rejections=2,
        errors=0,
        reduce_only_reason=reduce_only,
        stale_symbols={} if stale is None else stale,
    )


@pytest.fixture
def served() -> tuple[SystemMonitor, str]:
    monitor = SystemMonitor("dev", "perps-dev")
    server = OperatorApiServer(monitor, "127.0.0.1", 0)
    server.start()
    yield monitor, server.address
    server.stop()


def test_health_reports_the_last_cycle(served: tuple[SystemMonitor, str]) -> None:
    monitor, url = served
    monitor.on_cycle(report(7, reduce_only="daily loss limit"))
    response = httpx.get(f"{url}/health")
    assert response.status_code == 200
    doc = response.json()
    assert doc["cycle"] == 7 and doc["equity"] == "10123.45"
    assert doc["positions"] == {"BTC/USDT:USDT": "0.5"}
    assert doc["reduce_only"] is True and doc["reduce_only_reason"] == "daily loss limit"
    assert doc["stale_symbols"] == {} and doc["open_orders"] == 1


def test_stale_market_data_answers_503_until_fresh_again(served: tuple[SystemMonitor, str]) -> None:
    monitor, url = served
    monitor.on_cycle(report(7, stale={"ETH/USDT:USDT": "mark is 90s old"}))
    # A scrape alone tells it, without anyone asking /health first.
    assert "perps_healthy 0.0" in httpx.get(f"{url}/metrics").text
    response = httpx.get(f"{url}/health")
    assert response.status_code == 503
    doc = response.json()
    assert doc["status"] == "unhealthy"
    assert doc["unhealthy_reasons"] == ["stale market data (ETH/USDT:USDT: mark is 90s old)"]
    assert doc["stale_symbols"] == {"ETH/USDT:USDT": "mark is 90s old"}
    monitor.on_cycle(report(8))
    assert "perps_healthy 1.0" in httpx.get(f"{url}/metrics").text
    assert httpx.get(f"{url}/health").status_code == 200


def test_failed_cycles_in_a_row_answer_503_from_the_threshold() -> None:
    monitor = SystemMonitor("dev", "perps-dev", unhealthy_after_failed_cycles=2)
    server = OperatorApiServer(monitor, "127.0.0.1", 0)
    server.start()
    try:
        url = server.address
        monitor.on_cycle(report(1))
        monitor.on_cycle_failed("ExchangeUnavailable: timeout")
        assert httpx.get(f"{url}/health").status_code == 200
        monitor.on_cycle_failed("RateLimited: 429")
        response = httpx.get(f"{url}/health")
        assert response.status_code == 503
        assert response.json()["unhealthy_reasons"] == [
            "2 cycles in a row failed; last: RateLimited: 429"
        ]
        assert "perps_failed_cycles_in_a_row 2.0" in httpx.get(f"{url}/metrics").text
        monitor.on_cycle(report(2))
        assert httpx.get(f"{url}/health").status_code == 200
    finally:
        server.stop()


def test_metrics_are_prometheus_text(served: tuple[SystemMonitor, str]) -> None:
    monitor, url = served
    monitor.on_cycle(report(1))
    monitor.on_cycle(report(2))
    monitor.on_error("broker")
    response = httpx.get(f"{url}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert "perps_cycles_total 2.0" in text
    assert "perps_equity 10123.45" in text
    assert "perps_risk_rejections 2.0" in text
    assert 'perps_errors_total{kind="broker"} 1.0' in text
    assert "perps_cycle_duration_seconds_count 2.0" in text
    assert 'perps_position_size{symbol="BTC/USDT:USDT"} 0.5' in text


def test_failed_state_answers_503(served: tuple[SystemMonitor, str]) -> None:
    monitor, url = served
    monitor.set_state("failed")
    assert httpx.get(f"{url}/health").status_code == 503


def test_unknown_path_is_404(served: tuple[SystemMonitor, str]) -> None:
    _, url = served
    assert httpx.get(f"{url}/nope").status_code == 404


def test_port_in_use_is_a_clear_error(served: tuple[SystemMonitor, str]) -> None:
    monitor, url = served
    port = int(url.rsplit(":", 1)[1])
    with pytest.raises(BotError, match=r"config.monitoring.http_port: cannot listen on 127.0.0.1:"):
        OperatorApiServer(monitor, "127.0.0.1", port).start()
