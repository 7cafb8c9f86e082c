import { describe, expect, it } from 'vitest';
import { renderHtml } from '../src/html/report.js';
import { renderMarkdown } from '../src/markdown.js';
import { renderTerminal } from '../src/terminal.js';
import { verdictOf } from '../src/verdict.js';
import { buildViews } from '../src/view.js';
import { PROFILES, blogResults, capacityResults, mixesResults } from './fixtures/make-results.js';
import { markupOnly } from './helpers/html.js';

/** Index of each needle in text, failing loudly on the first that is missing. */
function positions(text: string, needles: string[]): number[] {
  return needles.map((n) => {
    const i = text.indexOf(n);
    expect(i, `"${n}" missing`).toBeGreaterThan(-1);
    return i;
  });
}

const ascending = (xs: number[]) => xs.every((x, i) => i === 0 || xs[i - 1]! < x);

describe('the lead: capacity, then the equal rate, then the ladder', () => {
  const results = capacityResults();
  const html = markupOnly(renderHtml([results]));
  const md = renderMarkdown(results);
  const text = renderTerminal(results);

  it('puts capacity first, the equal-rate steps next and the blog ladder after them, in every renderer', () => {
    expect(
      ascending(
        positions(html, [
          'class="lead-capacity">Capacity at p99 ≤ 10 ms',
          'class="lead-equal">At 3,000 req/s offered',
          'class="lead-equal">At 9,000 req/s offered',
          'class="lead-ladder">The blog ladder',
          'id="capacity"',
          'id="blog"',
        ]),
      ),
    ).toBe(true);
    expect(
      ascending(positions(md, ['#### Capacity at p99 ≤ 10 ms', '#### At 3,000 req/s offered', '### The blog ladder at 100k', "### The blog's view"])),
    ).toBe(true);
    expect(ascending(positions(text, ['Capacity at p99 ≤ 10 ms', 'At 3,000 req/s offered', 'step 1k ', 'step 100k ', 'verdict']))).toBe(true);
  });

  it('says where the client was the bottleneck, or near its ceiling, before any ranking', () => {
    const verdict = verdictOf(buildViews([results])[0]!)!;
    expect(verdict.caveats[0]).toMatch(/^The load generator was the bottleneck for go, rust at 100k:/);
    expect(verdict.caveats[1]).toMatch(/^rust's capacity at capacity-p99-10ms is near what the client can offer .*at least 32,000 req\/s/);
    const firstRanking = verdict.sentences.findIndex((s) => s.startsWith('Highest capacity'));
    expect(firstRanking).toBe(verdict.caveats.length);
    expect(ascending(positions(html, ['class="caveats before"', 'Highest capacity at p99 ≤ 10 ms — leading metric']))).toBe(true);
    expect(ascending(positions(md, ['- The load generator was the bottleneck', "- rust's capacity", '- Highest capacity']))).toBe(true);
  });

  it('flags a capacity near the client ceiling as "at least", beside the ceiling', () => {
    const lead = html.slice(html.indexOf('class="lead-capacity"'));
    const rustRow = /<tr><th scope="row"><span class="dot"[^>]*><\/span>rust<\/th>(.*?)<\/tr>/.exec(lead)![1]!;
    expect(rustRow).toContain('≥ 32,000');
    expect(rustRow).toContain('<span class="flag at-least">at least: near the client&#39;s ceiling</span>');
    expect(rustRow).toContain('58,800');
    const goRow = /<tr><th scope="row"><span class="dot"[^>]*><\/span>go<\/th>(.*?)<\/tr>/.exec(lead)![1]!;
    expect(goRow).not.toContain('at-least');
    expect(goRow).toContain('31,000');
    expect(md).toContain("| rust | ≥ 32,000 | 58,800 | — | at least: near the client's ceiling |");
    expect(md).toContain('| go | 30,000 | 58,800 | 31,000 |  |');
    expect(text).toMatch(/^ {2}rust +≥ 32,000 +58,800 +— +at least: near the client's ceiling$/m);
  });

  it('states the resolved offered rate in the equal-rate heading, as the runs recorded it', () => {
    expect(html).toContain('At 9,000 req/s offered, 75 % of the slowest capacity (ts&#39;s 12,000 req/s)');
    expect(md).toContain("#### At 6,000 req/s offered, 50 % of the slowest capacity (ts's 12,000 req/s) · step equal-50");
    expect(text).toContain("At 3,000 req/s offered, 25 % of the slowest capacity (ts's 12,000 req/s) · step equal-25");
    // The heading reads each run's load.rate, not the fraction times a capacity: change one and it says so.
    const changed = capacityResults();
    for (const run of changed.runs) if (run.step === 'equal-50') run.load.rate = 6_123;
    expect(renderMarkdown(changed)).toContain('#### At 6,123 req/s offered, 50 % of the slowest capacity');
  });

  it('shows each equal-rate step with CPU per request, p99 from the scheduled send time and the service p99 from the write', () => {
    const table = html.slice(html.indexOf('class="lead-equal">At 9,000 req/s offered'), html.indexOf('class="lead-ladder"'));
    expect(table).toContain('p99<span class="unit">from the scheduled send time</span>');
    expect(table).toContain('service p99<span class="unit">from the write</span>');
    expect(md).toContain('| rust | 34.3 µs | 1.52 ms | 838 µs | 0.307 | 100 % | 0 |');
  });

  it('ranks by capacity first, then by CPU per request at the highest equal rate, keeping ties', () => {
    const verdict = verdictOf(buildViews([results])[0]!)!;
    expect(verdict.capacity[0]!.ranked.map((r) => r.series.label)).toEqual(['rust', 'go', 'ts']);
    expect(verdict.overall).toBe('Overall, capacity first, then server CPU per request at 9,000 req/s: rust, go, ts.');
    // Both beyond the client's ceiling: their capacities are floors and tie; CPU per request orders them.
    const both = capacityResults({ profiles: [{ ...PROFILES[0]!, capacityRps: 60_000 }, PROFILES[1]!, PROFILES[2]!] });
    const tied = verdictOf(buildViews([both])[0]!)!;
    expect(tied.capacity[0]!.ranked.map((r) => [r.series.label, r.rank])).toEqual([
      ['go', 1],
      ['rust', 1],
      ['ts', 3],
    ]);
    expect(tied.sentences).toContain(
      "go and rust all reached the client's ceiling: capacity cannot rank them against each other; CPU per request at an equal rate can.",
    );
    expect(tied.overall).toBe(
      'Overall, capacity first, then server CPU per request at 9,000 req/s: rust, go, ts (capacity cannot order go and rust: CPU per request does).',
    );
  });

  it('says when a server held the target at no rate, rather than showing an empty figure', () => {
    const none = capacityResults();
    for (const run of none.runs) {
      if (run.server !== 'ts' || !run.capacity) continue;
      run.capacity.rate = null;
      run.capacity.probes = run.capacity.probes.map((p) => ({ ...p, ok: false, reason: 'p99 31.0 ms over the target' }));
    }
    const verdict = verdictOf(buildViews([none])[0]!)!;
    expect(verdict.sentences).toContain('ts held p99 ≤ 10 ms at no rate probed (missed even at 1,000 req/s: p99 31.0 ms over the target).');
    expect(renderMarkdown(none)).toContain('| ts | none | 58,800 | 12,500 | missed even at 1,000 req/s: p99 31.0 ms over the target |');
  });

  it('lists every probe per server below the lead: rate, held or missed with the reason, p99', () => {
    const probes = html.slice(html.indexOf('id="capacity"'), html.indexOf('id="blog"'));
    expect(probes).toContain('<caption>go: 30,000 req/s</caption>');
    expect(probes).toContain('<caption>rust: ≥ 32,000 req/s</caption>');
    expect(probes).toMatch(
      /<td class="num">32,000<\/td><td class="num" data-v="17">17\.0 ms<\/td>.*?<td class="status-bad">missed: p99 17\.0 ms over the target<\/td>/,
    );
    expect(probes).toContain('missed: 1250 requests never sent (every connection busy)');
    expect([...probes.matchAll(/<table data-chart="[^"]+" class="probes">/g)]).toHaveLength(3);
  });

  it('shows connection set-up apart, in the ladder, and where each latency counts from', () => {
    const blog = html.slice(html.indexOf('id="blog"'), html.indexOf('id="latency"'));
    expect(blog).toContain('<h4>Connection set-up</h4>');
    expect(blog).toContain('go p99');
    expect(html).toContain('Measured from the write.');
    expect(html).toContain('Measured from the scheduled send time.');
    expect(text).toContain('step 100k (100,000 requests) · latency from the write');
  });
});

describe('a closed-only results file', () => {
  const results = blogResults();
  const html = markupOnly(renderHtml([results]));
  const md = renderMarkdown(results);
  const text = renderTerminal(results);

  it('renders without the lead sections, and without a connect figure its generator did not measure', () => {
    for (const out of [html, md, text]) {
      expect(out).not.toMatch(/Capacity at p99|req\/s offered|capacity search|The blog ladder|Capacity leads/i);
    }
    expect(html).not.toContain('href="#capacity"');
    expect(html).not.toContain('Connection set-up');
    expect(md).toContain('### Verdict at 1M');
    expect(md).not.toMatch(/^### Verdict$/m);
    expect(html.indexOf('Ranked at the largest step, <b>1M</b>')).toBeGreaterThan(html.indexOf('id="glance"'));
  });

  it('does not call the last of two equal steps the largest', () => {
    const mixes = mixesResults();
    const page = renderHtml([mixes]);
    expect(page).toContain('Ranked at the last step, <b>mix-70-30</b>');
    expect(page).not.toContain('largest step');
  });
});
