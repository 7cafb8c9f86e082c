import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

let cached: string | undefined;

/**
 * chart.js's UMD bundle (it sets the global `Chart`), read from node_modules when a report is rendered and inlined,
 * so a report opens from disk with no network. Its source-map comment goes: a browser with devtools open would try
 * to fetch the map from beside the report.
 */
export function chartJsSource(): string {
  if (cached !== undefined) return cached;
  const require = createRequire(import.meta.url);
  // The package's exports map does not list dist/chart.umd.js; its main entry lives in the same folder.
  const file = path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.js');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read chart.js's bundle at ${file} (${(error as Error).message}); run pnpm install in the repository root`);
  }
  cached = text.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n').replace(/<\/script/gi, '<\\/script');
  return cached;
}
