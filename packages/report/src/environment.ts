import type { Environment } from '@kvbench/schemas';
import { fmtInt } from './format.js';

/** "1,024 soft / 1,048,576 hard"; a negative limit is RLIM_INFINITY. */
export function nofileText(n: { soft: number; hard: number }): string {
  const v = (x: number) => (x < 0 ? 'unlimited' : fmtInt(x));
  return `${v(n.soft)} soft / ${v(n.hard)} hard`;
}

/** Where server and client ran, and who chose it: pinned apart they do not take CPU from each other. */
export function pinningText(p: Environment['pinning']): string {
  const who = { auto: 'chosen by the runner', manual: 'as configured', off: 'turned off' }[p.mode];
  if (!p.server && !p.load) return p.mode === 'off' ? 'off: client and server share every core' : `none (${who}): client and server share every core`;
  return `server on CPU ${p.server ?? 'any'} · load generator on CPU ${p.load ?? 'any'} (${who})`;
}
