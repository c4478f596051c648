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

  // Exits by kind: the strategy's own grey, the protective orders' stops orange, take-profits
  // blue, the bot's time exits teal, liquidations purple.
  const EXIT_COLORS = {
    signal: "#57606a", stop_loss: "#bc4c00", trailing: "#bc4c00", break_even: "#bc4c00",
    take_profit: "#0969da", time: "#1b7c83", end_of_day: "#1b7c83", liquidation: "#8250df",
  };
  // Marker texts are drawn only when this few markers are in view (else they pile up).
  const MAX_LABELLED = 60;

  function markersFor(sym, level, labelled) {
    const out = sym.markers.map((m) => {
      const entry = m.what === "entry";
      const long = m.side === "long";
      // An entry points the way of the position; an exit points the way of its closing order.
      const up = entry ? long : !long;
      return {
        time: barAt(level.t, m.t),
        position: up ? "belowBar" : "aboveBar",
        shape: up ? "arrowUp" : "arrowDown",
        color: entry ? (long ? "#1a7f37" : "#cf222e") : EXIT_COLORS[m.text] || "#57606a",
        text: labelled ? m.text : "",
        id: m.text,
      };
    });
    out.sort((a, b) => a.time - b.time);
    return out;
  }

  // How many of the markers fall in [from, to] (marker times are sorted).
  function inView(times, from, to) {
    let n = 0;
    for (const t of times) if (t >= from && t <= to) n++;
    return n;
  }

  function draw(sym, index) {
    const box = document.getElementById(`chart-${index}`);
    // A size given up front: fitContent below needs the width now, not after the first layout.
    const chart = LC.createChart(box, {
      width: box.clientWidth,
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
    // Lines on another scale (a z-score) go in a pane below the candles (sym.panes[i] = 1).
    const panes = sym.panes || sym.lines.map(() => 0);
    const lines = sym.lines.map((name, i) =>
      chart.addSeries(
        LC.LineSeries,
        {
          color: PALETTE[i % PALETTE.length],
          lineWidth: 1,
          title: name,
          priceLineVisible: false,
          lastValueVisible: false,
          crosshairMarkerVisible: false,
        },
        panes[i],
      ),
    );
    if (chart.panes().length > 1) chart.panes()[1].setHeight(130);
    const markers = LC.createSeriesMarkers(candles, []);
    const state = { chart, candles, lines, markers, level: -1, switching: false, sym, labelled: false };
    const markerTimes = sym.markers.map((m) => m.t).sort((a, b) => a - b);

    function show(k) {
      const level = sym.levels[k];
      candles.setData(
        level.t.map((t, i) => ({ time: t, open: level.o[i], high: level.h[i], low: level.l[i], close: level.c[i] })),
      );
      lines.forEach((series, j) => {
        const values = level.lines[j];
        series.setData(level.t.map((t, i) => (values[i] === null ? { time: t } : { time: t, value: values[i] })));
      });
      markers.setMarkers(markersFor(sym, level, state.labelled));
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
      const labelled = inView(markerTimes, range.from, range.to) <= MAX_LABELLED;
      const k = levelFor(range.from, range.to);
      if (labelled !== state.labelled) {
        state.labelled = labelled;
        if (k === state.level) markers.setMarkers(markersFor(sym, sym.levels[k], labelled));
      }
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
    // Fit once the chart has applied the data (its first frame would otherwise show the last bars).
    chart.timeScale().fitContent();
    requestAnimationFrame(() => requestAnimationFrame(() => chart.timeScale().fitContent()));
    window.addEventListener("resize", () => chart.resize(box.clientWidth, 440));
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
