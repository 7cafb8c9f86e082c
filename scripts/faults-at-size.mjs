#!/usr/bin/env node
// The fault loops of the conformance suite ("faults"), at a size no test can afford: kill -9 and SIGTERM under
// load on a store of KEYS keys, default flags (5 shards, 1 s flush interval).
//
//   node scripts/faults-at-size.mjs KEYS -- COMMAND...    e.g.  node scripts/faults-at-size.mjs 3000000 -- servers/go/bin/kvserver
//
// Writes the store straight to disk (scripts/lib/store-fixture.mjs), then:
// - 5 times: start COMMAND with --load, 4 writers POST fresh keys on keep-alive connections for a seeded 1.5–3.5 s,
//   kill -9; the next start (timed: the reload at size) must serve every sampled key of the original store and
//   serves the acknowledged writes it kept. Loss window = kill time − the earliest acknowledgement of a lost write.
// - 3 times: the same writers, then SIGTERM: exit 0, and every acknowledged write served after the next --load.
// Prints each iteration and a summary line, exits 1 if a SIGTERM lost a write or exited non-zero, or if a start
// refused the files. 127.0.0.1 only; by hand, not in tests (minutes a server at 3 million keys).
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sleep, startOn, storedKey, writeStore } from './lib/store-fixture.mjs';

const WRITERS = 4;
const KILLS = 5;
const TERMS = 3;
const SAMPLE = 1000;

const [keysArg, dashes, ...command] = process.argv.slice(2);
const keys = Number(keysArg);
if (!Number.isInteger(keys) || keys < 1 || dashes !== '--' || command.length === 0) {
  console.error('usage: node scripts/faults-at-size.mjs KEYS -- COMMAND...');
  process.exit(2);
}

/** A small seeded generator (mulberry32), so a rerun kills at the same moments. */
function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function request(agent, url, method, pathName, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${pathName}`, { method, agent, headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${pathName}: no answer in 10 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** WRITERS loops POSTing `${prefix}-w-n` until the server goes away; each acknowledged write with Date.now() at its 201. */
function writers(url, prefix) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: WRITERS });
  const acked = [];
  const done = Promise.all(
    Array.from({ length: WRITERS }, async (_, w) => {
      for (let n = 0; ; n++) {
        const key = `${prefix}-${w}-${n}`;
        try {
          if ((await request(agent, url, 'POST', '/kv', JSON.stringify({ key, value: n }))) !== 201) return;
          acked.push({ key, at: Date.now() });
        } catch {
          return; // refused or reset: the fault has happened
        }
      }
    }),
  ).finally(() => agent.destroy());
  return { acked, done };
}

/** The keys of `writes` that the server at `url` does not serve. */
async function missing(url, writes) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const lost = [];
  for (let i = 0; i < writes.length; i += 8) {
    const batch = writes.slice(i, i + 8);
    const statuses = await Promise.all(batch.map((w) => request(agent, url, 'GET', `/kv/${encodeURIComponent(w.key)}`)));
    statuses.forEach((s, j) => s !== 200 && lost.push(batch[j]));
  }
  agent.destroy();
  return lost;
}

const rng = seeded(15);
const sample = Array.from({ length: SAMPLE }, () => ({ key: storedKey(Math.floor(rng() * keys)) }));
const dir = await mkdtemp(path.join(tmpdir(), 'faults-at-size-'));
let failed = false;
try {
  await writeStore(dir, keys);
  let reloadStarted = Date.now();
  let server = await startOn(command, dir);
  const reloads = [Date.now() - reloadStarted];
  const windows = [];
  let ackedTotal = 0;

  for (let i = 0; i < KILLS; i++) {
    const writing = writers(server.url, `kill-${i}`);
    await sleep(1500 + rng() * 2000);
    const killedAt = Date.now();
    server.child.kill('SIGKILL');
    await Promise.all([server.exited, writing.done]);
    reloadStarted = Date.now();
    server = await startOn(command, dir); // a refused restart rejects here and ends the script
    reloads.push(Date.now() - reloadStarted);
    const lostOld = await missing(server.url, sample);
    const lost = await missing(server.url, writing.acked);
    const window = lost.length ? killedAt - Math.min(...lost.map((w) => w.at)) : 0;
    windows.push(window);
    ackedTotal += writing.acked.length;
    if (lostOld.length) failed = true;
    console.log(
      `kill -9 #${i + 1}: ${writing.acked.length} acknowledged, ${lost.length} lost, window ${window} ms; ` +
        `original store: ${SAMPLE - lostOld.length}/${SAMPLE} sampled keys served; reload ${reloads.at(-1)} ms`,
    );
  }

  const stops = [];
  for (let i = 0; i < TERMS; i++) {
    const writing = writers(server.url, `term-${i}`);
    await sleep(1000 + rng() * 1000);
    const signalledAt = Date.now();
    server.child.kill('SIGTERM');
    const [{ code, signal }] = await Promise.all([server.exited, writing.done]);
    stops.push(Date.now() - signalledAt);
    server = await startOn(command, dir);
    const lost = await missing(server.url, writing.acked);
    if (code !== 0 || lost.length) failed = true;
    console.log(`SIGTERM #${i + 1}: exit ${code ?? signal} after ${stops.at(-1)} ms, ${writing.acked.length} acknowledged, ${lost.length} lost`);
  }
  server.child.kill('SIGKILL');
  await server.exited;

  console.log(
    `${keys} keys: kill -9 ×${KILLS}, ${ackedTotal} acknowledged, max loss window ${Math.max(...windows)} ms; ` +
      `SIGTERM ×${TERMS}, stop ${Math.min(...stops)}–${Math.max(...stops)} ms; reload ${Math.min(...reloads)}–${Math.max(...reloads)} ms${failed ? '; FAILED' : ''}`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
