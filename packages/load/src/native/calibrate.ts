import { fileURLToPath } from 'node:url';
import { exec, tail } from '@kvbench/launcher';
import { eachCpu, pinned } from '../target.js';
import { KVLOAD } from './driver.js';
import { type NativeMessage, parseLine } from './messages.js';

type Message<T extends NativeMessage['type']> = Extract<NativeMessage, { type: T }>;

/** Runs one of kvload's one-shot modes on the given CPUs and returns its one message of that type, or says what failed. */
async function kvloadMessage<T extends 'calibration' | 'pingpong'>(args: string[], cpus: string | null, type: T, what: string): Promise<Message<T>> {
  const argv = pinned([KVLOAD, ...args], cpus ?? undefined);
  const result = await exec(argv, { cwd: fileURLToPath(new URL('.', import.meta.url)), timeoutMs: CALIBRATE_TIMEOUT_MS });
  const line = result.output.split('\n').find((l) => l.includes(`"${type}"`));
  const message = result.code === 0 && line ? parseLine(line) : null;
  if (typeof message !== 'object' || message?.type !== type) {
    throw new Error(`\`${argv.join(' ')}\` gave no ${what} (exit ${result.code}): ${tail(result.output, 3)}`);
  }
  return message as Message<T>;
}

/** One CPU's speed: the median CPU time of kvload's fixed calibration work there (see native/src/calibrate.rs). */
export interface CpuSpeed {
  cpu: string | null;
  ns: number;
}

/** Far above the ~30 ms the work takes; only a wedged machine reaches it. */
const CALIBRATE_TIMEOUT_MS = 10_000;

/**
 * Times kvload's calibration work on each CPU of a taskset list, one after the other, so that the runner can
 * compare the machine's speed before and after a run (each CPU once, however often the list names it); without a
 * list, once, wherever the kernel puts it.
 */
export async function calibrateCpus(cpus: string | null): Promise<CpuSpeed[]> {
  const speeds: CpuSpeed[] = [];
  for (const cpu of cpus ? [...new Set(eachCpu(cpus))] : [null]) speeds.push({ cpu, ns: await calibrateOne(cpu) });
  return speeds;
}

/**
 * Round trips in one loopback ping-pong: about 0.1 s on this project's VM. One such figure moves ±10 % from one
 * second to the next there; its median over a file's runs is what says how fast the machine ran that file.
 */
const PINGPONG_ROUND_TRIPS = 2_000;

/**
 * The CPU ns per round trip of a fixed loopback TCP ping-pong (kvload --pingpong: two threads, one on the first and
 * one on the last CPU of the list), echo and sender together: the system calls, TCP and cross-CPU wake-ups that much
 * of a server's CPU per request goes through, timed apart from any server's code. Across three runs of the ci scenario
 * the servers' CPU per request moves with the machine, and this shows how far the machine moved.
 */
export async function loopbackNsPerRoundTrip(cpus: string | null): Promise<number> {
  const message = await kvloadMessage(['--pingpong', String(PINGPONG_ROUND_TRIPS)], cpus, 'pingpong', 'ping-pong');
  return (message.echoCpuNs + message.senderCpuNs) / message.roundTrips;
}

async function calibrateOne(cpu: string | null): Promise<number> {
  const message = await kvloadMessage(['--calibrate'], cpu, 'calibration', 'calibration');
  const sorted = [...message.nsPerRound].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
