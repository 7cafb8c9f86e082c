import cliProgress from 'cli-progress';
import type { LoadProgress } from '@kvbench/load';
import type { PlanItem, RunReporter } from '@kvbench/runner';
// The report's formats, not our own: a figure must read the same in the live line and in the report after it.
import { buildTimeText, fmtBytes, fmtDuration, fmtLatency, fmtPct, fmtRps, fmtUs } from '@kvbench/report';
import type { Run, ServerInfo } from '@kvbench/schemas';

/**
 * The run as it happens, on stderr (stdout stays for the table and the paths a script may read): a progress bar
 * with live RPS on a terminal, one line per run otherwise (CI logs).
 */
export function terminalReporter(stream: NodeJS.WriteStream = process.stderr, heartbeatMs = BUILD_HEARTBEAT_MS): RunReporter {
  const tty = Boolean(stream.isTTY);
  let bar: cliProgress.SingleBar | null = null;
  const building = buildHeartbeat(stream, tty, heartbeatMs);
  const line = (text: string) => {
    building.clear();
    stream.write(`${text}\n`);
  };
  // Each warning code is told in full the first time it fires; later ones are only counted, and the block after
  // the run lists them all (the CI scenario used to print one 200-character warning 16 times).
  const told = new Map<string, number>();

  return {
    planned(plan) {
      // A footprint-only scenario plans no load runs; its measurement is told as it happens.
      if (plan.length === 0) return void line('kvbench: no load steps planned');
      const servers = [...new Set(plan.map((p) => p.target))].join(', ');
      const steps = [...new Set(plan.map((p) => p.step.name))].join(', ');
      line(`kvbench: ${plan.length} runs — servers ${servers}; steps ${steps}`);
    },
    preparing(target) {
      line(`building ${target} …`);
      building.start(target);
    },
    prepared(info: ServerInfo) {
      building.stop();
      const name = info.variant ? `${info.name}@${info.variant}` : info.name;
      if (info.error) {
        // The first line says what failed; the next few are the tool's own words (why), the rest is in the results.
        const [first, ...detail] = info.error.split('\n').filter((l) => l.trim() !== '');
        line(`  ${name}: FAILED — ${first}`);
        for (const more of detail.slice(0, FAILURE_LINES)) line(`      ${more.trim()}`);
        if (detail.length > FAILURE_LINES) line(`      … ${detail.length - FAILURE_LINES} more lines in the results file`);
      } else {
        const runtime = info.runtime ? `, runtime ${info.runtime.name} ${fmtBytes(info.runtime.bytes)}` : '';
        if (info.build)
          line(
            `  ${name}: built in ${buildTimeText(info.build)}${info.build.artifactBytes !== null ? `, artifact ${fmtBytes(info.build.artifactBytes)}` : ''}${runtime} (${info.version ?? 'version unknown'})`,
          );
        else line(`  ${name}: ready${runtime} (${info.version ?? info.source})`);
      }
    },
    verifying(target) {
      line(`verifying ${target} …`);
    },
    verified(info: ServerInfo) {
      const name = info.variant ? `${info.name}@${info.variant}` : info.name;
      const v = info.verification;
      if (!v) return;
      const passed = v.checks.filter((c) => c.ok).length;
      const skipped = v.skipped.length ? `; skipped ${v.skipped.map((s) => s.split(':')[0]).join(', ')}` : '';
      if (v.ok) line(`  ${name}: ${passed} checks passed in ${fmtDuration(v.durationMs)}${skipped}`);
      else for (const c of v.checks.filter((c) => !c.ok)) line(`  ${name}: FAILED ${c.name} — ${c.error ?? ''} (not measured)`);
    },
    runStarted(item: PlanItem, index, total) {
      const label = `[${index + 1}/${total}] ${item.target} ${item.step.name} #${item.repeat}`;
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
      bar?.update(done, { rps: fmtRps(p.intervalRps), p99: p.intervalP99Us === null ? '-' : fmtLatency(p.intervalP99Us) });
    },
    runFinished(run: Run) {
      bar?.stop();
      bar = null;
      const c = run.client;
      const summary = c
        ? `${fmtRps(c.rps)} req/s, ${fmtPct(c.successRate)} ok, p99 ${fmtLatency(c.latency.p99Us)}` +
          (run.serverProcess?.cpu ? `, ${fmtUs(run.serverProcess.cpu.usPerRequest)} CPU/req` : '')
        : (run.error?.split('\n')[0] ?? '');
      line(`  ${run.server}${run.variant ? `@${run.variant}` : ''} ${run.step} #${run.repeat}: ${run.status}${summary ? ` — ${summary}` : ''}`);
      for (const w of run.warnings.filter((w) => w.code !== 'short-step')) {
        const seen = told.get(w.code) ?? 0;
        told.set(w.code, seen + 1);
        if (seen === 0) line(`    ! ${w.code}: ${w.message}`);
      }
    },
    footprintStarted(target) {
      line(`footprint ${target}: fill, SIGTERM, reload with --load …`);
    },
    footprintFinished(f) {
      const name = f.variant ? `${f.server}@${f.variant}` : f.server;
      const figures = [
        f.rssPerMillionKeysBytes !== null ? `${fmtBytes(f.rssPerMillionKeysBytes)} RSS per million keys` : null,
        f.fillMs !== null ? `fill ${fmtDuration(f.fillMs)}` : null,
        f.reloadMs !== null ? `reload ${fmtDuration(f.reloadMs)}` : null,
      ].filter(Boolean);
      line(`  ${name}: ${figures.join(', ') || 'no figures'}${f.error ? ` — FAILED: ${f.error.split('\n')[0]}` : ''}`);
    },
    finished() {
      building.stop();
      const again = [...told].filter(([, n]) => n > 1).map(([code, n]) => `${code} ×${n}`);
      if (again.length) line(`warnings fired again, told once above, all in the block below: ${again.join(', ')}`);
    },
  };
}

/** A cold Rust build is silent for over a minute: a line every 15 s in a log, a ticking clock on a terminal. */
const BUILD_HEARTBEAT_MS = 15_000;
/** How many lines of a failed build's or start's own output the terminal shows under its FAILED line. */
const FAILURE_LINES = 4;

function buildHeartbeat(stream: NodeJS.WriteStream, tty: boolean, everyMs: number) {
  let timer: NodeJS.Timeout | null = null;
  let ticking = false;
  const clear = () => {
    if (!ticking) return;
    stream.write('\r\x1b[2K');
    ticking = false;
  };
  const stop = () => {
    if (timer) clearInterval(timer);
    timer = null;
    clear();
  };
  return {
    clear,
    stop,
    start(target: string) {
      stop();
      const since = Date.now();
      const elapsed = () => `${Math.round((Date.now() - since) / 1000)} s`;
      timer = setInterval(
        () => {
          if (tty) {
            stream.write(`\r\x1b[2K  ${target}: building, ${elapsed()}`);
            ticking = true;
          } else stream.write(`  ${target}: still building, ${elapsed()}\n`);
        },
        tty ? 1000 : everyMs,
      );
      timer.unref();
    },
  };
}
