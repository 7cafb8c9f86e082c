import { BLOG_LABEL, blogPublished, fmtBlogRps } from '../blog-published.js';
import { escapeHtml } from '../escape.js';
import { fmtDuration, fmtInt } from '../format.js';
import type { Ctx } from './context.js';
import { blogSeries, ladderPair } from './ladder.js';
import { numTd, table, th } from './table.js';

/** The blog's published figures in full, with where they come from: the reference every chart above labels. */
export function blogTable(): string {
  const blog = blogPublished();
  const rows = blog.servers.flatMap((server) =>
    server.steps.map((s) => [
      `<th scope="row">${escapeHtml(server.label)}</th>`,
      numTd(fmtInt(s.requests)),
      numTd(fmtInt(s.successful)),
      numTd(fmtInt(s.failed)),
      numTd(`${s.successRatePercent.toFixed(2)} %`),
      numTd(`${s.avgResponseTimeMs.toFixed(2)} ms`),
      numTd(fmtDuration(s.durationMs)),
      numTd(fmtBlogRps(s.rps)),
    ]),
  );
  return (
    `<details><summary>The blog's published figures (${escapeHtml(BLOG_LABEL)})</summary>` +
    `<p class="muted">From “${escapeHtml(blog.source.title)}” by ${escapeHtml(blog.source.author)} — ` +
    `${escapeHtml(blog.source.section)}. ${escapeHtml(blog.source.machine)}. ${escapeHtml(blog.source.note)}</p>` +
    table({
      head: [
        th('server', undefined, false),
        th('requests'),
        th('successful'),
        th('failed'),
        th('success rate'),
        th('avg response'),
        th('duration'),
        th('RPS', 'req/s'),
      ],
      rows,
    }) +
    `</details>`
  );
}

/** The blog's own view: RPS and success rate across the ladder, with its published figures beside ours. */
export function blogSection(ctx: Ctx): string {
  const hasBlog = blogSeries(ctx.view).length > 0;
  const blogNote = hasBlog
    ? `Dashed lines with hollow diamonds are the blog's published Go and Rust figures — ${escapeHtml(BLOG_LABEL)}, another client: shape is comparable, absolute numbers are not.`
    : "This scenario's steps do not match the blog's request counts (1k … 1M), so its published figures are not drawn.";
  return (
    `<section id="${ctx.anchor('blog')}"><h2>The blog's view</h2>` +
    `<p class="lede">N POSTs with at most ${fmtInt(ctx.view.scenario.load.connections)} in flight, per step of the ladder. ` +
    `RPS here is requests ÷ duration, the blog's own figure. ${blogNote}</p>` +
    // Log scale only with the blog's figures drawn: its Rust RPS spans three orders of magnitude.
    ladderPair(ctx, {
      title: 'Requests per second',
      metric: 'rps',
      log: hasBlog,
      blog: 'rps',
      ...(hasBlog ? { note: 'Log scale: the blog’s Rust figures span three orders of magnitude.' } : {}),
    }) +
    ladderPair(ctx, { title: 'Success rate', metric: 'successRate', blog: 'successRate', yMax: 100, noZero: true, note: 'Axis starts near the lowest rate, not at zero: a few failed requests in a thousand must stay visible.' }) +
    (hasBlog ? blogTable() : '') +
    `</section>`
  );
}
