import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseOrThrow } from '@kvbench/schemas';
import { fmtFixed, fmtInt } from './format.js';

const num = z.number().finite().nonnegative();

export const BlogStepSchema = z.strictObject({
  requests: z.number().int().positive(),
  successful: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  successRatePercent: num,
  avgResponseTimeMs: num,
  /** As printed by the author's client. */
  duration: z.string(),
  durationMs: num,
  rps: num,
});
export type BlogStep = z.infer<typeof BlogStepSchema>;

export const BlogPublishedSchema = z.strictObject({
  source: z.strictObject({
    title: z.string(),
    author: z.string(),
    code: z.string(),
    section: z.string(),
    machine: z.string(),
    note: z.string(),
  }),
  servers: z.array(z.strictObject({ language: z.string(), label: z.string(), steps: z.array(BlogStepSchema) })),
});
export type BlogPublished = z.infer<typeof BlogPublishedSchema>;

export const BLOG_FILE = new URL('../data/blog-published.json', import.meta.url);

/** The label every rendering of the blog's figures carries: they come from another machine and another client. */
export const BLOG_LABEL = "blog, author's laptop — another machine";

let cached: BlogPublished | undefined;

/** The blog's published Go and Rust figures, shipped with this package (the seeds are not there at run time). */
export function blogPublished(): BlogPublished {
  cached ??= parseOrThrow(BlogPublishedSchema, JSON.parse(readFileSync(BLOG_FILE, 'utf8')), BLOG_FILE.pathname);
  return cached;
}

/**
 * The blog's RPS wherever we quote it: whole numbers once large, the post's two decimals when small (its Rust 99.91).
 * These are the author's figures, not our measurement, so our significant-digit rule must not round them.
 */
export const fmtBlogRps = (rps: number): string => (Math.abs(rps) >= 1000 ? fmtInt(rps) : fmtFixed(rps, 2));
