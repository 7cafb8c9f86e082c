import { sleep } from './http.js';

/**
 * Polls until `done` holds or `ms` pass, and says whether it held: for waits on a sweep or a flush, which run on
 * the server's timers. The deadline is generous and is never a speed requirement.
 */
export async function eventually(ms: number, done: () => Promise<boolean>): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (await done()) return true;
    if (Date.now() > until) return false;
    await sleep(50);
  }
}
