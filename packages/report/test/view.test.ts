import { describe, expect, it } from 'vitest';
import { buildViews, figure, headlineStep, headlineStepPhrase } from '../src/view.js';
import { blogResults, makeResults, mixesResults, partialResults } from './fixtures/make-results.js';

describe('buildViews', () => {
  it('groups results by scenario, keeping the ladder in scenario order', () => {
    const views = buildViews([blogResults(), partialResults()]);
    expect(views.map((v) => v.name)).toEqual(['blog', 'blog-quick']);
    expect(views[0]!.steps.map((s) => s.name)).toEqual(['1k', '10k', '100k', '1M']);
    expect(views[0]!.series.map((s) => s.key)).toEqual(['go', 'rust', 'ts']);
  });

  it('summarizes each (server, step) as the median of its repeats with min and max', () => {
    const results = blogResults();
    const view = buildViews([results])[0]!;
    const rps = results.runs.filter((r) => r.server === 'go' && r.step === '1M').map((r) => r.client!.rps);
    expect(rps).toHaveLength(2);
    expect(figure(view, 'go', '1M', 'rps')).toEqual({
      median: (rps[0]! + rps[1]!) / 2,
      min: Math.min(...rps),
      max: Math.max(...rps),
      n: 2,
    });
  });

  it('pools the repeats of two results files of the same scenario', () => {
    const view = buildViews([blogResults(), blogResults()])[0]!;
    expect(figure(view, 'go', '1M', 'rps')!.n).toBe(4);
  });

  it('marks a scenario partial and picks the largest step that has figures', () => {
    const view = buildViews([partialResults()])[0]!;
    expect(view.complete).toBe(false);
    expect(headlineStep(view)).toBe('100k');
    expect(figure(view, 'ts', '100k', 'rps')).toBeNull();
  });

  it('calls the headline step the largest only when it asks for more requests than every other', () => {
    const blog = buildViews([blogResults()])[0]!;
    expect(headlineStepPhrase(blog, headlineStep(blog)!)).toBe('the largest step');
    const partial = buildViews([partialResults()])[0]!;
    expect(headlineStepPhrase(partial, headlineStep(partial)!)).toBe('the largest step');
    // Two mixes of one size, as a ladder of read/write mixes has: the second is not "the largest".
    const mixes = mixesResults();
    const view = buildViews([mixes])[0]!;
    expect(headlineStep(view)).toBe('mix-70-30');
    expect(headlineStepPhrase(view, 'mix-70-30')).toBe('the last step');
    const one = buildViews([makeResults({ scenario: { name: 'one', steps: [{ name: 'only', requests: 1000 }] } })])[0]!;
    expect(headlineStepPhrase(one, 'only')).toBe('the only step');
  });

  it('gives each server one colour, the same across scenarios', () => {
    const [a, b] = buildViews([blogResults(), partialResults()]);
    expect(a!.series.map((s) => s.color)).toEqual(b!.series.map((s) => s.color));
    expect(new Set(a!.series.map((s) => s.color)).size).toBe(3);
  });
});
