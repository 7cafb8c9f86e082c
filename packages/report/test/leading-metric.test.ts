import { describe, expect, it } from 'vitest';
import { renderIndexHtml } from '../src/html/index-page.js';
import { renderHtml } from '../src/html/report.js';
import { SAME_LOAD_RULE, leadingMetricLede, machineText } from '../src/leading-metric.js';
import { renderMarkdown } from '../src/markdown.js';
import { renderTerminal } from '../src/terminal.js';
import { buildViews } from '../src/view.js';
import { makeResults } from './fixtures/make-results.js';

/** Each place the reports talk about the machine or about CPU per request, rendered for one results file. */
function outputs(cores: number) {
  const results = makeResults({ cores });
  return {
    html: renderHtml([results]),
    markdown: renderMarkdown(results),
    terminal: renderTerminal(results),
    index: renderIndexHtml([{ href: 'blog.html', results }], {
      // The index speaks of CPU per request only where it draws its history.
      history: [
        {
          resultsId: results.id,
          scenario: results.scenario.name,
          startedAt: results.startedAt,
          gitCommit: results.environment.gitCommit,
          gitDirty: false,
          machine: 'm',
          disturbed: false,
          points: [{ server: 'go', step: '1k', metric: 'cpuPerRequest', value: { median: 20, min: 19, max: 21, n: 3 } }],
        },
      ],
    }),
  };
}

describe('what the reports say about the machine and the leading metric', () => {
  const four = outputs(4);

  it.each(Object.entries(four))('names the core count the results recorded, never a fixed one: %s', (_, text) => {
    expect(text).not.toMatch(/2-core|two cores|2 cores/i);
  });

  it('says "this 4-core machine" in the verdict lede and the CPU section of a 4-core run', () => {
    expect(four.markdown).toContain('Server CPU per request leads: on this 4-core machine');
    expect(four.html).toContain('(medians over repeats). Server CPU per request leads: on this 4-core machine');
    expect(four.html).toContain('Server CPU µs per request is the leading comparison: on this 4-core machine');
    expect(four.terminal).toContain('AMD EPYC 7B13, 4 cores');
    expect(outputs(2).markdown).toContain('on this 2-core machine');
  });

  it('names every machine when pooled results come from several', () => {
    const view = buildViews([makeResults({ cores: 2 }), makeResults({ cores: 8, id: 'blog-b', seed: 5 })])[0]!;
    expect(machineText(view)).toBe('2- and 8-core machines');
    expect(leadingMetricLede(view)).toContain('on 2- and 8-core machines the load generator');
  });

  it.each(Object.entries(four).filter(([k]) => k !== 'terminal'))(
    'never claims CPU per request is independent of the pace, and says when it ranks: %s',
    (_, text) => {
      expect(text).not.toMatch(/does not depend|independent of|how fast it was asked|how fast the load generator could ask|stays comparable/i);
      expect(text.replace(/&#39;/g, "'")).toContain(SAME_LOAD_RULE);
    },
  );
});
