import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { readRss, scratchPrefix, type ServerProcess } from '@kvbench/launcher';
import { Sfc32 } from '@kvbench/load';
import type { Footprint, FootprintResult, Scenario } from '@kvbench/schemas';
import { stopGraceMs } from './execute-run.js';
import type { StartOptions, Target } from './targets.js';

/** Requests written to a connection at once: pipelining keeps a million POSTs to seconds, not minutes. */
const BATCH = 256;
const STATUS_LINE = 'HTTP/1.1 ';

export interface FootprintContext {
  flags: Scenario['serverFlags'];
  fdLimit?: StartOptions['fdLimit'];
  cpus?: string;
  seed: number;
  signal: AbortSignal;
}

const keyOf = (fp: Footprint, i: number) => `${fp.prefix}${i}`;
/** A value that identifies its key, padded to `valueBytes` characters, so a sample can tell a wrong answer. */
const valueOf = (fp: Footprint, i: number) => String(i).padStart(fp.valueBytes, '0').slice(-fp.valueBytes);

/**
 * One server's footprint: fill, RSS before and after, SIGTERM, restart with --load timed until /healthz and a
 * sample of keys answer. A failure is recorded in the result with what was measured until then, never thrown.
 */
export async function measureFootprint(target: Target, fp: Footprint, ctx: FootprintContext): Promise<FootprintResult> {
  const result = emptyFootprint(target, fp);

  if (!target.restarts)
    return {
      ...result,
      error: `${target.name} cannot be restarted with --load by kvbench (a URL, or a start command with templates), so its reload cannot be timed`,
    };
  const dataDir = await mkdtemp(scratchPrefix(`${target.name}-footprint`));
  const options: StartOptions = { dataDir, flags: ctx.flags, ...(ctx.fdLimit ? { fdLimit: ctx.fdLimit } : {}), ...(ctx.cpus ? { cpus: ctx.cpus } : {}) };
  let proc: ServerProcess | null = null;
  try {
    const live = await target.start(options);
    proc = live.process!;
    result.rssStartBytes = readRss(proc.pid);
    const fillStart = performance.now();
    await fill(live.url, fp, ctx.signal);
    result.fillMs = performance.now() - fillStart;
    result.rssFilledBytes = readRss(proc.pid);
    if (result.rssStartBytes !== null && result.rssFilledBytes !== null) {
      result.rssPerMillionKeysBytes = Math.round(((result.rssFilledBytes - result.rssStartBytes) * 1e6) / fp.keys);
    }
    const stop = await proc.stop(stopGraceMs(result.rssFilledBytes));
    proc = null;
    if (!stop.clean)
      return {
        ...result,
        error: `the stop after the fill was not clean (exit ${stop.code ?? stop.signal}${stop.hung ? ', hung' : ''}), so nothing was reloaded`,
      };
    result.stopMs = stop.stopMs;

    const reloadStart = performance.now();
    const reloaded = await target.start({ ...options, load: true });
    proc = reloaded.process!;
    const sample = sampleIndices(fp, ctx.seed);
    result.sampled = sample.length;
    result.sampleMissing = await missingSampled(reloaded.url, fp, sample);
    result.reloadMs = performance.now() - reloadStart;
    if (result.sampleMissing) result.error = `${result.sampleMissing} of ${sample.length} sampled keys did not answer their value after --load`;
    return result;
  } catch (error) {
    return { ...result, error: (error as Error).message };
  } finally {
    if (proc?.running) await proc.stop(stopGraceMs(readRss(proc.pid)));
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** A footprint with nothing measured yet; `error`, when given, says why nothing will be. */
export function emptyFootprint(target: Pick<Target, 'name' | 'variant'>, fp: Pick<Footprint, 'keys' | 'valueBytes'>, error?: string): FootprintResult {
  return {
    server: target.name,
    ...(target.variant ? { variant: target.variant } : {}),
    keys: fp.keys,
    valueBytes: fp.valueBytes,
    ...(error ? { error } : {}),
    rssStartBytes: null,
    rssFilledBytes: null,
    rssPerMillionKeysBytes: null,
    fillMs: null,
    stopMs: null,
    reloadMs: null,
    sampled: 0,
    sampleMissing: 0,
  };
}

/** `sampleKeys` key indices drawn from the seed, without repeats where the keyspace allows. */
function sampleIndices(fp: Footprint, seed: number): number[] {
  const rng = new Sfc32(seed);
  const n = Math.min(fp.sampleKeys, fp.keys);
  const picked = new Set<number>();
  while (picked.size < n) picked.add(rng.below(fp.keys));
  return [...picked];
}

/** POSTs every key once, pipelined over `connections` sockets; throws on any answer but 201. */
async function fill(url: string, fp: Footprint, signal: AbortSignal): Promise<void> {
  let next = 0;
  const take = () => {
    const from = next;
    next = Math.min(fp.keys, next + BATCH);
    return [from, next] as const;
  };
  await Promise.all(
    Array.from({ length: Math.min(fp.connections, Math.ceil(fp.keys / BATCH)) }, () =>
      pipeline(url, signal, () => {
        const [from, to] = take();
        if (from === to) return null;
        let text = '';
        for (let i = from; i < to; i++) {
          const body = JSON.stringify({ key: keyOf(fp, i), value: valueOf(fp, i) });
          text += `POST /kv HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
        }
        return { text, count: to - from };
      }),
    ),
  );
}

/**
 * One keep-alive connection: writes a batch, counts its answers by their status lines (201 bodies are empty, error
 * bodies are JSON and never hold "HTTP/1.1 "), and writes the next batch until `nextBatch` has none.
 */
function pipeline(url: string, signal: AbortSignal, nextBatch: () => { text: string; count: number } | null): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    let pending = 0;
    let buffered = '';
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    const send = () => {
      if (signal.aborted) return fail(new Error('interrupted during the fill'));
      const batch = nextBatch();
      if (!batch) {
        socket.end();
        return resolve();
      }
      pending = batch.count;
      socket.write(batch.text);
    };
    socket.setEncoding('latin1');
    socket.on('connect', send);
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      let at = 0;
      for (;;) {
        const line = buffered.indexOf(STATUS_LINE, at);
        if (line === -1 || line + STATUS_LINE.length + 3 > buffered.length) break;
        const status = buffered.slice(line + STATUS_LINE.length, line + STATUS_LINE.length + 3);
        if (status !== '201') return fail(new Error(`a fill POST was answered ${status}, not 201: ${JSON.stringify(buffered.slice(line, line + 200))}`));
        at = line + STATUS_LINE.length + 3;
        pending--;
      }
      // Keep a tail that may hold the start of a status line split across chunks.
      buffered = buffered.slice(Math.max(at, buffered.length - STATUS_LINE.length - 2));
      if (pending === 0) send();
    });
    socket.on('error', (error) => fail(new Error(`the fill connection to ${url} failed: ${error.message}`)));
    socket.on('close', () => {
      if (pending > 0) reject(new Error(`the server closed a fill connection with ${pending} POSTs unanswered`));
    });
  });
}

/** GETs each sampled key (a few at a time) and counts those that do not answer 200 with their value. */
async function missingSampled(url: string, fp: Footprint, sample: readonly number[]): Promise<number> {
  let missing = 0;
  let next = 0;
  const worker = async () => {
    while (next < sample.length) {
      const i = sample[next++]!;
      const res = await fetch(`${url}/kv/${encodeURIComponent(keyOf(fp, i))}`);
      const body = res.status === 200 ? ((await res.json()) as { value?: unknown }) : (await res.arrayBuffer(), null);
      if (body?.value !== valueOf(fp, i)) missing++;
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return missing;
}
