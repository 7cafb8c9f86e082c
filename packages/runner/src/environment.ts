import { execFileSync } from 'node:child_process';
import { readNofile } from '@kvbench/launcher';
import os from 'node:os';
import type { Environment, FdLimit } from '@kvbench/schemas';

/** The running process's RLIMIT_NOFILE, read from /proc (Node has no getrlimit); -1 where it cannot be read. */
export function ownNofile(): { soft: number; hard: number } {
  return readNofile('self') ?? { soft: -1, hard: -1 };
}

function git(args: string[], cwd: string): string | null {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

export interface EnvironmentInput {
  repoRoot: string;
  fdLimit: FdLimit | undefined;
  pinning: Environment['pinning'];
  seed: number;
  loadGenerators: Record<string, string>;
  toolchains: Record<string, string>;
}

export function collectEnvironment(input: EnvironmentInput): Environment {
  const runnerNofile = ownNofile();
  const commit = git(['rev-parse', 'HEAD'], input.repoRoot);
  const status = commit ? git(['status', '--porcelain', '--untracked-files=no'], input.repoRoot) : null;
  return {
    hostname: os.hostname(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryBytes: os.totalmem(),
    os: `${os.type()} ${os.version()}`,
    kernel: os.release(),
    node: process.version,
    gitCommit: commit,
    gitDirty: status === null ? null : status.length > 0,
    runnerNofile,
    serverNofile: input.fdLimit ? { soft: input.fdLimit.soft, hard: input.fdLimit.hard ?? runnerNofile.hard } : null,
    pinning: input.pinning,
    seed: input.seed,
    loadGenerators: input.loadGenerators,
    toolchains: input.toolchains,
  };
}
