// report.html's script: draws each symbol's price chart from the page's JSON (the resample
// ladder, the trades' markers, the strategy's indicator lines) with the inlined Lightweight
// Charts, and sorts the tables. Runs from file:// with no network.
(function () {
  "use strict";
  const LC = window.LightweightCharts;
  const data = JSON.parse(document.getElementById("report-data").textContent);
  const PALETTE = ["#1f6feb", "#e36209", "#8250df", "#1a7f37", "#bf3989", "#9a6700", "#0a3069"];
  // Auto level: the finest level that shows at most this many bars of the visible time span.
  const MAX_VISIBLE_BARS = 700;
  const charts = [];

  // The bar (of sorted open times `times`) containing instant t: markers sit on it.
  function barAt(times, t) {
    let lo = 0;
    let hi = times.length - 1;
    if (t <= times[0]) return times[0];
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (times[mid] <= t) lo = mid;
      else hi = mid - 1;
    }
    return times[lo];
  }

  function markersFor(sym, level) {
    const out = sym.markers.map((m) => {
      const entry = m.what === "entry";
      const long = m.side === "long";
      // An entry points the way of the position; an exit points the way of its closing order.
      const up = entry ? long : !long;
      return {
        time: barAt(level.t, m.t),
        position: up ? "belowBar" : "aboveBar",
        shape: up ? "arrowUp" : "arrowDown",
        color: entry ? (long ? "#1a7f37" : "#cf222e") : "#57606a",
        text: m.text,
      };
    });
    out.sort((a, b) => a.time - b.time);
    return out;
  }

  function draw(sym, index) {
    const box = document.getElementById(`chart-${index}`);
    const chart = LC.createChart(box, {
      height: 440,
      layout: { background: { color: "#ffffff" }, textColor: "#24292f" },
      timeScale: { timeVisible: true, secondsVisible: false },
      rightPriceScale: { scaleMargins: { top: 0.08, bottom: 0.08 } },
    });
    const candles = chart.addSeries(LC.CandlestickSeries, {
      upColor: "#1a7f37",
      downColor: "#cf222e",
      borderVisible: false,
      wickUpColor: "#1a7f37",
      wickDownColor: "#cf222e",
    });
    const lines = sym.lines.map((name, i) =>
      chart.addSeries(LC.LineSeries, {
        color: PALETTE[i % PALETTE.length],
        lineWidth: 1,
        title: name,
        priceLineVisible: false,
        lastValueVisible: false,
        crosshairMarkerVisible: false,
      }),
    );
    const markers = LC.createSeriesMarkers(candles, []);
    const state = { chart, candles, lines, markers, level: -1, switching: false, sym };

    function show(k) {
      const level = sym.levels[k];
      candles.setData(
        level.t.map((t, i) => ({ time: t, open: level.o[i], high: level.h[i], low: level.l[i], close: level.c[i] })),
      );
      lines.forEach((series, j) => {
        const values = level.lines[j];
        series.setData(level.t.map((t, i) => (values[i] === null ? { time: t } : { time: t, value: values[i] })));
      });
      markers.setMarkers(markersFor(sym, level));
      state.level = k;
      box.dataset.level = level.label;
      document.getElementById(`level-${index}`).textContent = `${level.label} candles`;
    }

    // The finest level that draws the span [from, to] in at most MAX_VISIBLE_BARS bars.
    function levelFor(from, to) {
      for (let k = 0; k < sym.levels.length; k++) {
        if ((to - from) / sym.levels[k].step <= MAX_VISIBLE_BARS) return k;
      }
      return sym.levels.length - 1;
    }

    // The index of the bar containing instant t (its open time at or before t).
    function indexAt(times, t) {
      return times.indexOf(barAt(times, t));
    }

    chart.timeScale().subscribeVisibleTimeRangeChange((range) => {
      if (!range || state.switching) return;
      const k = levelFor(range.from, range.to);
      if (k === state.level) return;
      // New data keeps the old bar indices in view until told otherwise: keep the same time span
      // by the new level's indices, and ignore the range changes the swap itself makes.
      state.switching = true;
      // Swapped on the next frame, not inside the chart's own notification.
      requestAnimationFrame(() => {
        show(k);
        const times = sym.levels[k].t;
        const keep = { from: indexAt(times, range.from), to: indexAt(times, range.to) };
        chart.timeScale().setVisibleLogicalRange(keep);
        // The chart applies new data on its next frame, which moves the view again: set it after.
        requestAnimationFrame(() => {
          chart.timeScale().setVisibleLogicalRange(keep);
          state.switching = false;
        });
      });
    });

    // Open on the whole run, at the finest level that shows it.
    const top = sym.levels[sym.levels.length - 1];
    show(top.t.length ? levelFor(top.t[0], top.t[top.t.length - 1] + top.step) : sym.levels.length - 1);
    chart.timeScale().fitContent();
    charts.push(state);
  }

  // Tables: a click on a header sorts by that column (again: the other way). A cell's data-v is
  // its sort key (numbers as numbers), else its text.
  function sortable(table) {
    const heads = [...table.querySelectorAll("thead th")];
    heads.forEach((th, col) => {
      th.addEventListener("click", () => {
        const body = table.tBodies[0];
        const asc = th.dataset.dir !== "asc";
        heads.forEach((h) => delete h.dataset.dir);
        th.dataset.dir = asc ? "asc" : "desc";
        const key = (row) => {
          const cell = row.cells[col];
          const v = cell.dataset.v !== undefined ? cell.dataset.v : cell.textContent;
          const n = Number(v);
          return v !== "" && !Number.isNaN(n) ? n : v;
        };
        const rows = [...body.rows];
        rows.sort((a, b) => {
          const x = key(a);
          const y = key(b);
          const c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
          return asc ? c : -c;
        });
        rows.forEach((r) => body.appendChild(r));
      });
    });
  }

  data.symbols.forEach(draw);
  document.querySelectorAll("table.sortable").forEach(sortable);
  // For tests and the curious: the charts and their levels.
  window.reportCharts = charts;
})();
