import { describe, expect, it } from 'vitest';
import { ResultsSchema } from '@kvbench/schemas';
import { renderHtml } from '../src/html/report.js';
import { renderMarkdown } from '../src/markdown.js';
import { renderTerminal } from '../src/terminal.js';
import { blogResults, footprintResults } from './fixtures/make-results.js';

describe('the Memory footprint table', () => {
  const results = ResultsSchema.parse(footprintResults());

  it('prints RSS per million keys and reload time per server in Markdown', () => {
    const md = renderMarkdown(results);
    expect(md).toContain('### Memory footprint');
    expect(md).toContain('| server | keys | value | RSS at start | RSS filled | RSS per million keys | fill | stop | reload | sample | error |');
    expect(md).toMatch(/\| rust \| 1,000,000 \| 8 B \| 4(\.0+)? MiB \| 148 MiB \| 144 MiB \| [^|]+ \| [^|]+ \| 2\.3\d* s \| 1000\/1000 \| {2}\|/);
    expect(md).toContain('997/1000 | 3 of 1000 sampled keys did not answer');
  });

  it('prints the same table on the terminal', () => {
    const text = renderTerminal(results, { color: false });
    expect(text).toContain('Memory footprint');
    expect(text).toMatch(/rust\s+1,000,000\s+8 B\s+4(\.0+)? MiB\s+148 MiB\s+144 MiB/);
  });

  it('has a section of its own in the HTML report, in the table of contents', () => {
    const html = renderHtml([results]);
    expect(html).toContain('<section id="footprint"><h2>Memory footprint</h2>');
    expect(html).toContain('href="#footprint"');
    expect(html).toContain('144 MiB');
    // No steps: no empty per-step sections around it.
    expect(html).not.toContain('id="failures"');
    expect(html).not.toContain('id="resources"');
    expect(html).toContain('No load steps: this scenario measures the memory footprint below.');
  });

  it('is absent from a results file without a footprint', () => {
    expect(renderMarkdown(blogResults())).not.toContain('Memory footprint');
    expect(renderHtml([blogResults()])).not.toContain('id="footprint"');
  });
});
