import { stat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { exec, tail } from './exec.js';
import type { Build } from '@kvbench/schemas';
import { resolveProgram, type ServerDefinition } from './manifests.js';

export type BuildOutcome = Build;

export class BuildError extends Error {
  constructor(
    readonly server: string,
    message: string,
  ) {
    super(message);
    this.name = 'BuildError';
  }
}

/** Builds once through the manifest, timing it and sizing the artifact; a failing build carries its output's tail. */
export async function buildServer(def: ServerDefinition, timeoutMs = 20 * 60_000): Promise<BuildOutcome> {
  const { manifest } = def;
  if (!manifest.build) {
    return { command: [], durationMs: 0, artifactBytes: await artifactSize(def) };
  }
  const argv = [resolveProgram(def, manifest.build[0]!), ...manifest.build.slice(1)];
  // Whether an earlier build's output is there decides what the time means: from nothing, or over what it left.
  const kind = manifest.artifact ? ((await exists(path.resolve(def.dir, manifest.artifact))) ? 'incremental' : 'cold') : undefined;
  const result = await exec(argv, { cwd: def.dir, timeoutMs });
  if (result.code !== 0) {
    throw new BuildError(
      manifest.name,
      `building ${manifest.name} failed (${manifest.build.join(' ')} in ${def.dir}, ` + `exit ${result.code ?? result.signal}):\n${tail(result.output)}`,
    );
  }
  return { command: manifest.build, durationMs: result.durationMs, artifactBytes: await artifactSize(def), ...(kind ? { kind } : {}) };
}

/**
 * Builds each folder once, however many entries share it: a server's runtimes (ts, ts@bun, …) run one build, and
 * each gets its outcome, or its error.
 */
export class BuildOnce {
  private readonly builds = new Map<string, Promise<BuildOutcome>>();

  build(def: ServerDefinition, timeoutMs?: number): Promise<BuildOutcome> {
    const key = JSON.stringify([def.dir, def.manifest.build ?? null, def.manifest.artifact ?? null]);
    let build = this.builds.get(key);
    if (!build) this.builds.set(key, (build = buildServer(def, timeoutMs)));
    return build;
  }
}

const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );

async function artifactSize(def: ServerDefinition): Promise<number | null> {
  if (!def.manifest.artifact) return null;
  const target = path.resolve(def.dir, def.manifest.artifact);
  try {
    return await sizeOf(target);
  } catch {
    throw new BuildError(def.manifest.name, `the build of ${def.manifest.name} left no artifact at ${target}`);
  }
}

async function sizeOf(target: string): Promise<number> {
  const info = await stat(target);
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const entry of await readdir(target)) total += await sizeOf(path.join(target, entry));
  return total;
}

/** The toolchain's own version line (`go version`, `rustc --version`, `node --version`), or null if it has none. */
export async function toolchainVersion(def: ServerDefinition): Promise<string | null> {
  if (!def.manifest.version) return null;
  const [program, ...args] = def.manifest.version;
  try {
    const result = await exec([resolveProgram(def, program!), ...args], { cwd: def.dir, timeoutMs: 30_000 });
    return result.code === 0 ? (result.output.trim().split('\n')[0] ?? null) : null;
  } catch {
    return null;
  }
}
