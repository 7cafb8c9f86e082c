import cliProgress from 'cli-progress';
import type { LoadProgress } from '@kvbench/load';
import type { PlanItem, RunReporter } from '@kvbench/runner';
import type { Run, ServerInfo } from '@kvbench/schemas';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const bytes = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(1)} kB`);

/**
 * The run as it happens, on stderr (stdout stays for the table and the paths a script may read): a progress bar
 * with live RPS on a terminal, one line per run otherwise (CI logs).
 */
export function terminalReporter(stream: NodeJS.WriteStream = process.stderr): RunReporter {
  const tty = Boolean(stream.isTTY);
  let bar: cliProgress.SingleBar | null = null;
  const line = (text: string) => stream.write(`${text}\n`);

  return {
    planned(plan) {
      const servers = [...new Set(plan.map((p) => p.target))].join(', ');
      const steps = [...new Set(plan.map((p) => p.step.name))].join(', ');
      line(`kvbench: ${plan.length} runs — servers ${servers}; steps ${steps}`);
    },
    preparing(target) {
      line(`building ${target} …`);
    },
    prepared(info: ServerInfo) {
      const name = info.variant ? `${info.name}@${info.variant}` : info.name;
      if (info.error) line(`  ${name}: FAILED — ${info.error.split('\n')[0]}`);
      else if (info.build) line(`  ${name}: built in ${(info.build.durationMs / 1000).toFixed(1)} s${info.build.artifactBytes !== null ? `, artifact ${bytes(info.build.artifactBytes)}` : ''} (${info.version ?? 'version unknown'})`);
      else line(`  ${name}: ready (${info.version ?? info.source})`);
    },
    runStarted(item: PlanItem, index, total) {
      const label = `[${index + 1}/${total}] ${item.target} ${item.step.name} #${item.repeat + 1}`;
      if (!tty) {
        line(`${label} …`);
        return;
      }
      bar = new cliProgress.SingleBar(
        {
          stream,
          format: `${label.padEnd(28)} {bar} {percentage}% | {value}/{total} | {rps} req/s | p99 {p99}`,
          hideCursor: true,
          clearOnComplete: true,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(item.step.requests ?? Math.round((item.step.durationSec ?? 1) * 1000), 0, { rps: '-', p99: '-' });
    },
    progress(item: PlanItem, p: LoadProgress) {
      const done = item.step.requests !== undefined ? p.completed : Math.round(p.elapsedMs);
      bar?.update(done, { rps: fmt(p.intervalRps), p99: p.intervalP99Us === null ? '-' : `${(p.intervalP99Us / 1000).toFixed(2)} ms` });
    },
    runFinished(run: Run) {
      bar?.stop();
      bar = null;
      const c = run.client;
      const summary = c
        ? `${fmt(c.rps)} req/s, ${(c.successRate * 100).toFixed(2)} % ok, p99 ${(c.latency.p99Us / 1000).toFixed(2)} ms` +
          (run.serverProcess?.cpu ? `, ${run.serverProcess.cpu.usPerRequest.toFixed(1)} µs CPU/req` : '')
        : run.error?.split('\n')[0] ?? '';
      line(`  ${run.server}${run.variant ? `@${run.variant}` : ''} ${run.step} #${run.repeat + 1}: ${run.status}${summary ? ` — ${summary}` : ''}`);
      for (const w of run.warnings.filter((w) => w.code !== 'short-step')) line(`    ! ${w.code}: ${w.message}`);
    },
  };
}
