"""stream_down and stream_recovered from a real stream: the Binance client (create_stream) against
the loopback websocket venue, which starts refusing connections so the stream hands over to its
REST fallback; the StreamWatch sees it through the stream's own stats and the alerts reach a
loopback Slack receiver. One alert per outage, one when the stream is back."""

from __future__ import annotations

import asyncio

from bot_v2.monitoring.alerts.stream_watch import StreamWatch
from bot_v2.orchestration.streams import create_stream
from tests.alertloopback import Receiver
from tests.integration.alerts._build import dispatcher_for
from tests.integration.streams.support import WS, FakeRestMarketData, eventually, fast_backoff
from wsloopback import BinanceLoopback

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
WIRE = {BTC: "BTCUSDT", ETH: "ETHUSDT"}


def test_a_stream_on_its_rest_fallback_alerts_once_and_once_more_when_back() -> None:
    async def scenario(receiver: Receiver) -> list[str]:
        async with BinanceLoopback(["BTCUSDT", "ETHUSDT"]) as venue:
            service = create_stream(
                "binanceusdm", [BTC, ETH], url=venue.url, heartbeat_s=0.2,
                backoff=fast_backoff(), ws_options=WS, rotate_after_s=None,
                fallback=FakeRestMarketData(venue, WIRE), fallback_after_s=0.05,
                fallback_poll_s=0.02,
            )  # fmt: skip
            dispatcher = dispatcher_for(receiver)
            watch = StreamWatch([("binanceusdm", service.stats)], dispatcher, 0.2, poll_s=0.01)
            await service.start()
            watch.start()
            try:
                assert await service.wait_healthy(5)
                venue.refusing = True
                venue.drop_mid_message()
                assert await eventually(lambda: service.stats().fallback_active)
                assert await eventually(lambda: "stream_down" in kinds(receiver), 30)
                venue.refusing = False
                assert await eventually(lambda: not service.stats().fallback_active, 30)
                assert await eventually(lambda: "stream_recovered" in kinds(receiver), 30)
            finally:
                watch.close()
                await service.stop()
                dispatcher.close(5)
            return kinds(receiver)

    with Receiver("slack").running() as receiver:
        got = asyncio.run(scenario(receiver))
        texts = [r.body["text"] for r in receiver.delivered()]
    assert got == ["stream_down", "stream_recovered"]
    assert "stream binanceusdm on its REST fallback for over 0.2s" in texts[0]
    assert "stream binanceusdm healthy again" in texts[1]


def kinds(receiver: Receiver) -> list[str]:
    """Slack gets text only: the kind is read back from the title."""
    found = []
    for r in receiver.delivered():
        text = r.body["text"]
        if "healthy again" in text:
            found.append("stream_recovered")
        elif "for over" in text:
            found.append("stream_down")
    return found
