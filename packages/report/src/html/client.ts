import { SIG_DIGITS } from '../format.js';

/**
 * The page's own script: reads the chart specs from the JSON data block and draws them with chart.js. Plain ES2017
 * so any browser that opens a file runs it; no network, no animation (a chart is drawn once, synchronously, and a
 * printed or screenshotted page shows it complete).
 */
export const CLIENT_SCRIPT = String.raw`
(function () {
  'use strict';
  var block = document.getElementById('kvbench-data');
  var data = JSON.parse(block.textContent || '{"charts":[]}');
  var root = document.documentElement;
  if (typeof Chart === 'undefined') {
    root.setAttribute('data-charts', 'unavailable');
    var boxes = document.querySelectorAll('.chart');
    for (var i = 0; i < boxes.length; i++) boxes[i].className += ' chart-missing';
    return;
  }
  var style = getComputedStyle(document.body);
  Chart.defaults.animation = false;
  Chart.defaults.font.family = style.fontFamily;
  Chart.defaults.font.size = 12;
  Chart.defaults.color = '#495057';
  Chart.defaults.borderColor = '#e9ecef';

  function group(n, decimals) {
    var parts = Math.abs(n).toFixed(decimals).split('.');
    parts[0] = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    return (n < 0 ? '-' : '') + parts.join('.');
  }
  // Tooltips print measured figures to the same significant digits as the tables (format.ts, SIG_DIGITS).
  var SIG = ${SIG_DIGITS};
  function sig(n) {
    if (!isFinite(n) || n === 0) return String(n);
    var r = Number(n.toPrecision(SIG));
    var exp = Number(r.toExponential().split('e')[1]);
    return group(r, Math.max(0, SIG - 1 - exp));
  }
  // One family of labels on an axis: 500, 1k, 2.5k, 10k, 1M — never "5,000" beside "10k". As few decimals as the
  // value needs (ticks are round numbers), at most two.
  function scaled(n, by, suffix) {
    var v = n / by;
    var d = 0;
    while (d < 2 && Math.abs(v - Number(v.toFixed(d))) > 1e-9 * Math.abs(v)) d++;
    return group(v, d) + suffix;
  }
  function compact(n) {
    var a = Math.abs(n);
    if (a >= 1e6) return scaled(n, 1e6, 'M');
    if (a >= 1e3) return scaled(n, 1e3, 'k');
    if (a >= 100 || a === 0 || Number.isInteger(n)) return group(n, 0);
    if (a >= 1) return group(n, 1);
    return String(Number(n.toPrecision(2)));
  }
  var FORMATS = {
    int: function (v) { return compact(v); },
    num: function (v) { return compact(v); },
    rps: function (v) { return compact(v); },
    ms: function (v) { return (v >= 1 ? compact(v) : String(Number(v.toPrecision(2)))) + ' ms'; },
    us: function (v) { return compact(v) + ' µs'; },
    mib: function (v) { return compact(v) + ' MiB'; },
    pct: function (v) { return group(v, v === 100 || v === 0 ? 0 : 1) + ' %'; },
    cores: function (v) { return group(v, 2); },
    seconds: function (v) { return compact(v) + ' s'; },
    elapsed: function (v) { return compact(v) + ' s'; },
    change: function (v) { return (v > 0 ? '+' : '') + group(v, 1) + ' %'; },
    nines: function (v) {
      var p = 100 * (1 - 1 / v);
      return String(Number(p.toPrecision(6))) + ' %';
    }
  };
  var DETAIL = {
    int: function (v) { return group(v, 0); },
    rps: function (v) { return sig(v); },
    ms: function (v) { return sig(v) + ' ms'; },
    us: function (v) { return sig(v) + ' µs'; },
    mib: function (v) { return sig(v) + ' MiB'; },
    cores: function (v) { return sig(v); },
    pct: function (v) { return group(v, 2) + ' %'; },
    seconds: function (v) { return sig(v) + ' s'; },
    elapsed: function (v) { return group(v, 2) + ' s'; }
  };
  function fmt(name, v, detail) {
    var f = (detail && DETAIL[name]) || FORMATS[name] || FORMATS.num;
    return v === null || v === undefined ? '—' : f(v);
  }
  function isRound(v, leads) {
    var exp = Math.floor(Math.log10(v) + 1e-9);
    var lead = Math.round(v / Math.pow(10, exp));
    return Math.abs(v - lead * Math.pow(10, exp)) < 1e-9 * v && leads.indexOf(lead) >= 0;
  }
  // A log axis starts and ends on values it labels, so the highest point always sits under a labelled value.
  function roundBelow(v, leads) {
    var exp = Math.floor(Math.log10(v) + 1e-9);
    for (var e = exp; e >= exp - 1; e--) {
      for (var i = leads.length - 1; i >= 0; i--) {
        var c = leads[i] * Math.pow(10, e);
        if (c <= v * (1 + 1e-9)) return c;
      }
    }
    return v;
  }
  function roundAbove(v, leads) {
    var exp = Math.floor(Math.log10(v) + 1e-9);
    for (var e = exp; e <= exp + 1; e++) {
      for (var i = 0; i < leads.length; i++) {
        var c = leads[i] * Math.pow(10, e);
        if (c >= v * (1 - 1e-9)) return c;
      }
    }
    return v;
  }
  // The positive values a set of datasets puts on one axis ('x' or 'y' of xy points, or plain category values).
  function extent(datasets, key) {
    var lo = Infinity;
    var hi = -Infinity;
    datasets.forEach(function (d) {
      d.data.forEach(function (p) {
        var v = typeof p === 'number' ? p : p && typeof p === 'object' ? p[key] : null;
        if (typeof v === 'number' && isFinite(v) && v > 0) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
      });
    });
    return lo <= hi ? { min: lo, max: hi } : null;
  }
  function axis(spec, stacked, range) {
    // The leading digits a log axis labels: 1-2-5 over up to three decades, powers of ten beyond (more labels would
    // crowd a 220-px axis).
    var leads = range && range.max / range.min > 1000 ? [1] : [1, 2, 5];
    var a = {
      type: spec.log ? 'logarithmic' : 'linear',
      stacked: !!stacked,
      title: { display: !!spec.title, text: spec.title, font: { weight: '600' } },
      grid: { color: '#eef0f2' },
      ticks: {
        maxRotation: 0,
        // A log axis picks its own labels below (round values only); Chart.js's skipping would drop ticks before
        // that choice and could leave two labels on a range that holds five.
        autoSkip: !spec.log,
        autoSkipPadding: 12,
        callback: function (value, index, ticks) {
          var v = Number(value);
          if (spec.format === 'nines') {
            var k = Math.log10(v);
            return Math.abs(k - Math.round(k)) < 1e-9 ? fmt('nines', v) : '';
          }
          // On a log axis label only round steps, unless the range is too narrow to hold two of them.
          if (spec.log) {
            if (!isRound(v, leads)) {
              var round = ticks.filter(function (t) { return isRound(t.value, leads); }).length;
              if (round >= 2) return '';
            }
          }
          return fmt(spec.format, v);
        }
      }
    };
    if (spec.log && range) {
      a.min = roundBelow(range.min, leads);
      a.max = roundAbove(range.max, leads);
    }
    if (spec.min !== undefined) a.min = spec.min;
    if (spec.max !== undefined) a.max = spec.max;
    if (!spec.log && spec.min === undefined) a.beginAtZero = spec.zero !== false;
    return a;
  }
  function config(spec) {
    var xy = !spec.labels;
    var datasets = spec.series.map(function (s) {
      var line = spec.type === 'line';
      return {
        label: s.label,
        data: s.data,
        borderColor: s.color,
        backgroundColor: s.fill || s.color,
        borderWidth: line ? (s.reference || s.points === false ? 1.5 : 2) : 0,
        borderDash: s.dashed ? [6, 4] : [],
        pointRadius: line ? (s.points === false ? 0 : s.reference ? 4 : 3) : 0,
        pointStyle: s.reference ? 'rectRot' : 'circle',
        pointBackgroundColor: s.reference ? '#ffffff' : s.color,
        spanGaps: true,
        clip: line ? 8 : undefined,
        stack: s.stack,
        borderRadius: line ? 0 : 2,
        maxBarThickness: 42
      };
    });
    var x = spec.labels
      ? { type: 'category', stacked: !!spec.stacked, grid: { display: false }, ticks: { maxRotation: 0 },
          title: { display: !!spec.x.title, text: spec.x.title, font: { weight: '600' } } }
      : axis(spec.x, false, extent(spec.series, 'x'));
    var y = axis(spec.y, spec.stacked, extent(spec.series, xy ? 'y' : null));
    var valueFormat = spec.y.format;
    return {
      type: spec.type,
      data: spec.labels ? { labels: spec.labels, datasets: datasets } : { datasets: datasets },
      options: {
        animation: false,
        responsive: true,
        layout: { padding: { top: 6, right: 6 } },
        maintainAspectRatio: false,
        indexAxis: spec.horizontal ? 'y' : 'x',
        parsing: xy ? { xAxisKey: 'x', yAxisKey: 'y' } : undefined,
        interaction: xy ? { mode: 'nearest', intersect: false } : { mode: 'index', intersect: false },
        scales: spec.horizontal ? { x: y, y: x } : { x: x, y: y },
        plugins: {
          legend: {
            display: spec.legend !== false,
            position: 'bottom',
            labels: { usePointStyle: true, boxWidth: 8, boxHeight: 8, padding: 14 }
          },
          tooltip: {
            callbacks: {
              title: xy ? function (items) {
                return items.length ? spec.x.title + ': ' + fmt(spec.x.format, items[0].parsed.x, true) : '';
              } : undefined,
              label: function (item) {
                var v = spec.horizontal ? item.parsed.x : item.parsed.y;
                return ' ' + item.dataset.label + ': ' + fmt(valueFormat, v, true);
              }
            }
          }
        }
      }
    };
  }
  var drawn = 0;
  data.charts.forEach(function (spec) {
    var canvas = document.getElementById(spec.id);
    if (!canvas) { console.error('kvbench: no canvas for chart ' + spec.id); return; }
    try {
      new Chart(canvas, config(spec));
      drawn++;
    } catch (error) {
      console.error('kvbench: chart ' + spec.id + ' failed: ' + error);
    }
  });
  root.setAttribute('data-charts', String(drawn));
})();
`;
