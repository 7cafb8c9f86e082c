import { ResultsSchema, WarningCode } from '@kvbench/schemas';
import { beforeAll, describe, expect, it } from 'vitest';
import { BLOG_LABEL } from '../src/blog-published.js';
import { renderHtml } from '../src/html/report.js';
import { WARNING_EXPLANATIONS } from '../src/warnings.js';
import { HOSTILE_NAME, HOSTILE_STDERR, blogResults, capacityResults, hostileResults, partialResults } from './fixtures/make-results.js';
import { chartSpecs, chartTables, drawnValues, markupOnly } from './helpers/html.js';

describe('fixtures', () => {
  it('are valid results files, so the report is tested against the real schema', () => {
    for (const r of [blogResults(), partialResults(), hostileResults(), capacityResults()]) expect(ResultsSchema.safeParse(r).success).toBe(true);
  });
});

describe('renderHtml', () => {
  let html: string;
  beforeAll(() => {
    html = renderHtml([blogResults()]);
  });

  it.each([
    ['the blog ladder', () => html],
    ['a partial run with a crash', () => renderHtml([partialResults()])],
    ['two scenarios on one page', () => renderHtml([blogResults(), partialResults()])],
    ['hostile names', () => renderHtml([hostileResults()])],
    ['capacity, equal rate and the ladder (results v2)', () => renderHtml([capacityResults()])],
  ])('puts every number a chart draws into a table linked to that chart: %s', (_, page) => {
    const doc = page();
    const specs = chartSpecs(doc);
    const tables = chartTables(doc);
    expect(specs.length).toBeGreaterThan(10);
    for (const spec of specs) {
      expect(doc, spec.id).toContain(`<canvas id="${spec.id}"`);
      const linked = tables.filter((t) => t.charts.includes(spec.id));
      expect(linked.length, `table for ${spec.id}`).toBeGreaterThan(0);
      const values = new Set(linked.flatMap((t) => [...t.values]));
      expect(drawnValues(spec).length, `${spec.id} draws nothing`).toBeGreaterThan(0);
      for (const v of drawnValues(spec)) expect(values.has(v), `${spec.id} draws ${v}; no table cell holds it`).toBe(true);
    }
  });

  it.each([
    ['the blog ladder', () => html, 'Least server CPU per request'],
    ['capacity first (results v2)', () => renderHtml([capacityResults()]), 'Highest capacity at p99'],
  ])('opens with the verdict and the warnings, before any chart: %s', (_, page, lead) => {
    const doc = page();
    const glance = doc.indexOf('id="glance"');
    const firstCanvas = doc.indexOf('<canvas');
    expect(glance).toBeGreaterThan(0);
    expect(doc.indexOf(lead)).toBeGreaterThan(glance);
    expect(doc.indexOf('id="warnings"')).toBeLessThan(firstCanvas);
    expect(doc.indexOf('Ran out of file descriptors')).toBeLessThan(firstCanvas);
  });

  it("charts the machine's pace beside its other figures, with each run's value in the chart's table", () => {
    const results = blogResults();
    results.runs.forEach((run, i) => {
      const loopbackNs = 35_500 + (i % 3) * 1_000;
      run.machine = { busyCores: 1, otherCores: 0, softirqCores: 0.1, stealCores: 0, calibration: [], drift: null, loopbackNs };
    });
    const page = renderHtml([results]);
    const pace = chartSpecs(page).filter((spec) => spec.y.title === 'CPU per loopback round trip (µs)');
    expect(pace.length).toBeGreaterThan(0);
    // µs per round trip: each step's median of the runs' 35.5, 36.5 and 37.5.
    const drawn = pace.flatMap(drawnValues);
    expect(drawn.length).toBeGreaterThan(0);
    for (const v of drawn) expect(v >= 35.5 && v <= 37.5, `drawn ${v}`).toBe(true);
    expect(markupOnly(page)).toContain('Machine pace');
    // A file written before the figure existed draws no pace chart.
    expect(markupOnly(html)).not.toContain('Machine pace');
  });

  it("explains each warning the run raised in the report's own words, next to the run's message", () => {
    const results = blogResults();
    const codes = new Set(results.runs.flatMap((r) => r.warnings.map((w) => w.code)));
    expect(codes.size).toBeGreaterThanOrEqual(5);
    for (const code of codes) {
      expect(html).toContain(`<code class="muted">${code}</code>`);
      expect(html).toContain(WARNING_EXPLANATIONS[code].meaning.replace(/"/g, '&quot;').slice(0, 60));
    }
    expect(html).toContain('Open-file errors: ');
  });

  it("draws the blog's published Go and Rust figures as a labelled reference, from data shipped in the package", () => {
    const rps = chartSpecs(html).find((s) => s.series.some((x) => x.label === `Rust (${BLOG_LABEL})`))!;
    expect(rps).toBeDefined();
    const rust = rps.series.find((x) => x.label === `Rust (${BLOG_LABEL})`)!;
    const go = rps.series.find((x) => x.label === `Go (${BLOG_LABEL})`)!;
    expect(rust.data).toEqual([99.91, 987.72, 9959.47, 55451.73]);
    expect(go.data).toEqual([23115.93, 61909.65, 104149.68, 112527.73]);
    expect(rust.reference && rust.dashed).toBe(true);
    expect(html).toContain('Rust · blog');
    expect(html).toContain(BLOG_LABEL.replace(/'/g, '&#39;'));
    // The blog's success rates in the same format as ours: "100 %" in both rows, never "100.00 %" beside it.
    expect(html).toContain('>100 %<');
    expect(html).not.toContain('100.00 %');
  });

  it('loads nothing from the network: chart.js is inline and no attribute or style points to http(s)', () => {
    const markup = markupOnly(html);
    expect(markup).not.toMatch(/\b(?:src|href|action|poster|srcset|data)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    expect(markup).not.toMatch(/url\(\s*["']?\s*(?:https?:)?\/\//i);
    expect(markup).not.toMatch(/@import|<link\b|<iframe\b|<img\b/i);
    expect(html).not.toMatch(/<script[^>]*\bsrc=/i);
    expect(html).toContain('Chart.js v4');
    expect(html).not.toContain('sourceMappingURL');
    expect(html).toContain("default-src 'none'");
  });

  it('shows medians with the min–max spread of repeats in tables', () => {
    expect(html).toMatch(/<span class="spread" title="min–max over 2 repeats">/);
  });

  it('shows the timeline of the step and repeat asked for', () => {
    const chosen = renderHtml([blogResults()], { timeline: { step: '10k', repeat: 1 } });
    expect(chosen).toMatch(/while step <b>10k<\/b> ran \(repeat 1\)/);
    expect(html).toMatch(/while step <b>1M<\/b> ran \(repeat 0\)/);
  });

  it('gives every element a unique id, even with several scenarios on one page', () => {
    const both = renderHtml([blogResults(), partialResults()]);
    const ids = [...markupOnly(both).matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(both).toContain('id="s2-glance"');
  });
});

describe('renderHtml on partial results', () => {
  it('says at the top that the results are partial and why', () => {
    const html = renderHtml([partialResults()]);
    const banner = html.indexOf('Partial results.');
    expect(banner).toBeGreaterThan(0);
    expect(banner).toBeLessThan(html.indexOf('class="cards"'));
    expect(html).toContain('SIGINT (Ctrl-C)');
    expect(html).toContain('8 of 9 planned runs');
    expect(html).toContain(WARNING_EXPLANATIONS['server-crashed'].title);
  });
});

describe('renderHtml escaping', () => {
  const html = renderHtml([hostileResults()]);

  it('escapes server names, stderr lines and scenario text in the markup', () => {
    const markup = markupOnly(html);
    expect(markup).not.toContain(HOSTILE_NAME);
    expect(markup).not.toContain('<img');
    expect(markup).not.toContain('<!-- not');
    expect(markup).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(markup).toContain('&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(markup).toContain('&lt;b&gt;1.0&lt;/b&gt; &amp; &quot;quoted&quot;');
  });

  it('keeps chart data inside its script element and parses it back unchanged', () => {
    const block = /<script id="kvbench-data" type="application\/json">([\s\S]*?)<\/script>/.exec(html)![1]!;
    expect(block).not.toContain('<');
    expect(chartSpecs(html).flatMap((s) => s.series.map((x) => x.label))).toContain(HOSTILE_NAME);
    expect(html.match(/<script\b/g)).toHaveLength(3);
    expect(html.match(/<\/script>/g)).toHaveLength(3);
    expect(html).not.toContain(HOSTILE_STDERR);
  });
});

describe('every warning code', () => {
  it('renders with its explanation when a results file carries it', () => {
    const results = blogResults();
    results.warnings = WarningCode.options.map((code) => ({ code, message: `message for ${code}` }));
    const html = renderHtml([results]);
    for (const code of WarningCode.options) expect(html).toContain(`message for ${code}`);
  });
});

describe('renderHtml: the blog client connection model', () => {
  /** The ladder of the capacity fixture, run as the blog's client runs: dials in the latency, an idle pool kept. */
  function poolResults() {
    const results = capacityResults();
    for (const run of results.runs) {
      if (run.load.model !== 'closed' || !run.client) continue;
      run.load.connectionModel = 'pool';
      run.client.latencyFrom = 'start';
      const held = run.server === 'rust' ? 245 : 1000;
      run.client.connections = {
        dials: 1000,
        dialErrors: 0,
        dialTimeouts: 0,
        reuses: run.client.sent - 1000,
        waitingTimeouts: 1000 - held,
        answeringTimeouts: 0,
        closedByServer: 0,
        peakOpen: 1000,
        peakIdle: held,
        idleAtEnd: held,
      };
    }
    return results;
  }

  it('shows how the client used its connections, each timeout by where it struck, and says the dial is in the latency', () => {
    const page = markupOnly(renderHtml([poolResults()]));
    expect(page).toContain('How the client used its connections');
    expect(page).toMatch(/The blog client&#39;s model|The blog client's model/);
    expect(page).toMatch(/rust · timed out waiting<\/th><td class="num"[^>]*>755</);
    expect(page).toMatch(/rust · idle at end<\/th><td class="num"[^>]*>245</);
    expect(page).toContain('also counts its connect in its latency');
    expect(page).toContain('from the request&#39;s start, dial included');
  });

  it('keeps to the fixed-model wording when no step used the pool', () => {
    const page = markupOnly(renderHtml([capacityResults()]));
    expect(page).not.toContain('How the client used its connections');
    expect(page).toContain('not in request latency');
  });
});

describe("renderHtml: the blog's name only where the blog's figures are", () => {
  it("calls the closed steps of another scenario a ladder, not the blog's view", () => {
    const other = capacityResults();
    for (const run of other.runs) if (run.load.requests) run.load.requests += 1;
    for (const step of other.scenario.steps) if (step.requests) step.requests += 1;
    const page = markupOnly(renderHtml([other]));
    expect(page).toContain('<h2>The closed-model ladder</h2>');
    expect(page).not.toContain("<h2>The blog's view</h2>");
    expect(markupOnly(renderHtml([blogResults()]))).toContain("<h2>The blog's view</h2>");
  });
});
