import { describe, expect, it } from 'vitest';
import { BLOG_LABEL } from '../src/blog-published.js';
import { renderMarkdown } from '../src/markdown.js';
import { HOSTILE_NAME, blogResults, capacityResults, hostileResults, partialResults } from './fixtures/make-results.js';

describe('renderMarkdown', () => {
  const md = renderMarkdown(blogResults());

  it('matches the reviewed snapshot of the blog fixture', async () => {
    await expect(md).toMatchFileSnapshot('__snapshots__/blog.md');
  });

  it('matches the reviewed snapshot of a capacity run (results v2)', async () => {
    await expect(renderMarkdown(capacityResults())).toMatchFileSnapshot('__snapshots__/capacity.md');
  });

  it('gives the verdict first, then the warnings, then the tables they qualify', () => {
    expect(md.indexOf('### Verdict at 1M')).toBeGreaterThan(0);
    expect(md.indexOf('### Verdict at 1M')).toBeLessThan(md.indexOf('### Warnings'));
    expect(md.indexOf('### Warnings')).toBeLessThan(md.indexOf('#### Requests per second'));
  });

  it('right-aligns number columns and labels the blog rows as another machine', () => {
    expect(md).toContain('| server | 1k | 10k | 100k | 1M |\n| --- | ---: | ---: | ---: | ---: |');
    expect(md).toContain(`| Rust (${BLOG_LABEL}) | 99.91 | 987.72 | 9,959 | 55,452 |`);
  });

  it('flags partial results at the top as a GitHub alert', () => {
    const partial = renderMarkdown(partialResults());
    expect(partial.indexOf('> [!WARNING]')).toBeLessThan(partial.indexOf('### Warnings'));
    expect(partial).toContain('**Partial results**');
  });

  it('keeps hostile names from becoming HTML in a pull-request comment', () => {
    const hostile = renderMarkdown(hostileResults());
    expect(hostile).not.toContain(HOSTILE_NAME);
    expect(hostile).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});
