import os from 'node:os';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ResultsSchema, type Results } from '@kvbench/schemas';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderComparisonHtml } from '../src/html/comparison.js';
import { renderIndexHtml } from '../src/html/index-page.js';
import { HISTORY } from './fixtures/history.js';
import { renderHtml } from '../src/html/report.js';
import { comparisonFixture } from './fixtures/comparison.js';
import { blogResults, capacityResults, hostileResults, partialResults } from './fixtures/make-results.js';

const CHROMIUM = '/usr/bin/chromium';
// A test never writes into the user's reports/: screenshots go to a temp folder unless KVBENCH_SCREENSHOTS names one.
const SCREENSHOTS = process.env.KVBENCH_SCREENSHOTS ?? path.join(os.tmpdir(), `kvbench-screenshots-${process.pid}`);
/**
 * The run the README's screenshot shows: a real `pnpm bench`, committed beside the figures the README quotes. The
 * screenshot goes to the temp folder too, unless KVBENCH_README_SCREENSHOT names the committed file:
 * `KVBENCH_README_SCREENSHOT=$PWD/docs/images/report-top.png pnpm --filter @kvbench/report exec vitest run test/browser.test.ts`.
 */
const README_RUN = fileURLToPath(new URL('../../../docs/results/blog-quick-20261202T173034Z.json', import.meta.url));
const README_SCREENSHOT = process.env.KVBENCH_README_SCREENSHOT ?? path.join(SCREENSHOTS, 'readme-report-top.png');
const readmeRun = async (): Promise<Results> => ResultsSchema.parse(JSON.parse(await readFile(README_RUN, 'utf8')));
const skip = !existsSync(CHROMIUM) && process.env.KVBENCH_SKIP_BROWSER === '1';
if (skip) {
  console.warn(
    `\n!!! SKIPPING the end-to-end browser test: ${CHROMIUM} is missing and KVBENCH_SKIP_BROWSER=1 is set.\n` +
      '!!! The HTML report has NOT been checked in a real browser. Install it with: apt-get install -y chromium\n',
  );
}

/** What a page did while it loaded: everything here must stay empty for a report that works offline. */
interface Observed {
  errors: string[];
  requests: string[];
  dialogs: string[];
}

describe.skipIf(skip)('reports in headless Chromium, opened from disk', () => {
  let context: BrowserContext;
  let dir: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium is not at ${CHROMIUM}: install it (apt-get update && apt-get install -y chromium) ` +
          'or set KVBENCH_SKIP_BROWSER=1 to skip this test on purpose.',
      );
    }
    dir = await mkdtemp(path.join(tmpdir(), 'kvbench-browser-'));
    context = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1280, height: 900 },
    });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function open(name: string, html: string): Promise<{ page: Page; seen: Observed; url: string }> {
    const file = path.join(dir, name);
    await writeFile(file, html);
    const url = pathToFileURL(file).href;
    const page = await context.newPage();
    const seen: Observed = { errors: [], requests: [], dialogs: [] };
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') seen.errors.push(`console.${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => seen.errors.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => seen.errors.push(`request failed: ${r.url()}`));
    page.on('request', (r) => {
      if (r.url() !== url) seen.requests.push(r.url());
    });
    page.on('dialog', async (d) => {
      seen.dialogs.push(d.message());
      await d.dismiss();
    });
    await page.goto(url, { waitUntil: 'load' });
    return { page, seen, url };
  }

  /** Per canvas: its size, how many pixels are painted at all, and how many carry a colour (series, not grid). */
  function canvasInk(page: Page) {
    return page.evaluate(() =>
      [...document.querySelectorAll('canvas')].map((canvas) => {
        const ctx = canvas.getContext('2d')!;
        const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
        let painted = 0;
        let coloured = 0;
        for (let i = 0; i < data.length; i += 4) {
          if (data[i + 3]! === 0) continue;
          painted++;
          const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
          if (Math.max(r, g, b) - Math.min(r, g, b) > 60) coloured++;
        }
        return { id: canvas.id, width: canvas.width, height: canvas.height, painted, coloured };
      }),
    );
  }

  async function expectEveryChartDrawn(page: Page, seen: Observed) {
    const canvases = await canvasInk(page);
    expect(canvases.length).toBeGreaterThan(0);
    expect(await page.evaluate(() => document.documentElement.getAttribute('data-charts'))).toBe(String(canvases.length));
    for (const c of canvases) {
      expect(c.width * c.height, `${c.id} has no size`).toBeGreaterThan(0);
      expect(c.painted, `${c.id} is blank`).toBeGreaterThan(c.width * c.height * 0.01);
      expect(c.coloured, `${c.id} drew no series`).toBeGreaterThan(20);
    }
    expect(seen.errors).toEqual([]);
    expect(seen.requests).toEqual([]);
  }

  it('draws every chart of the full report, with no error and no network request; saves a screenshot', async () => {
    const { page, seen } = await open('blog.html', renderHtml([blogResults()]));
    await expectEveryChartDrawn(page, seen);
    await mkdir(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'report-blog.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 1000 });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'report-blog-top.png') });
    await page.close();
  }, 60_000);

  /** What axesOf reads of a Chart.js chart: only public properties (Chart.getChart, scales, ticks, getPixelForValue). */
  interface ScaleView {
    type: string;
    axis: 'x' | 'y';
    min: number;
    max: number;
    ticks: { value: number; label: unknown }[];
    options: { title?: { text?: unknown } };
    getPixelForValue(value: number): number;
  }
  interface ChartView {
    scales: Record<string, ScaleView>;
    data: { datasets: { data: unknown[] }[] };
    config: { type: string };
    options: { indexAxis?: string };
  }

  /**
   * Every number axis of every chart as Chart.js laid it out (its public API: Chart.getChart, scale.ticks,
   * getPixelForValue): the labels a reader sees and where they sit, the axis type, the chart type.
   */
  function axesOf(page: Page) {
    return page.evaluate(() => {
      const measure = document.createElement('canvas').getContext('2d')!;
      measure.font = `12px ${getComputedStyle(document.body).fontFamily}`;
      const Chart = (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): ChartView | undefined } }).Chart;
      return [...document.querySelectorAll('canvas')].flatMap((canvas) => {
        const chart = Chart.getChart(canvas);
        if (!chart) return [];
        return Object.values(chart.scales)
          .filter((scale) => scale.type === 'linear' || scale.type === 'logarithmic')
          .map((scale) => {
            const labelled = scale.ticks.filter((t) => t.label !== '' && t.label !== undefined);
            const data = chart.data.datasets.flatMap((d) =>
              d.data.map((v) => (typeof v === 'number' ? v : v && typeof v === 'object' ? (v as Record<string, number>)[scale.axis] : null)),
            );
            return {
              chart: canvas.id,
              chartType: chart.config.type,
              valueAxis: (chart.options.indexAxis === 'y' ? 'x' : 'y') === scale.axis,
              axis: scale.axis,
              title: String(scale.options.title?.text ?? ''),
              type: scale.type,
              min: scale.min,
              max: scale.max,
              dataMax: Math.max(...data.filter((v): v is number => typeof v === 'number' && Number.isFinite(v))),
              labels: labelled.map((t) => ({
                text: String(t.label),
                pixel: scale.getPixelForValue(t.value),
                width: measure.measureText(String(t.label)).width,
                value: t.value,
              })),
            };
          });
      });
    });
  }

  it('labels every axis readably: no bars on a log axis, one number format, no crowding, the top of the data labelled', async () => {
    for (const [name, results] of [
      ['blog', blogResults()],
      ['capacity', capacityResults()],
      ['committed run', await readmeRun()],
    ] as const) {
      const { page } = await open(`axes-${name}.html`, renderHtml([results]));
      const axes = await axesOf(page);
      expect(axes.length).toBeGreaterThan(10);
      for (const a of axes) {
        const where = `${name} ${a.chart} ${a.axis} (${a.labels.map((l) => l.text).join(' | ')})`;
        // A bar's length on a log axis starts wherever the axis does: it is proportional to nothing.
        if (a.chartType === 'bar' && a.valueAxis) expect(a.type, `${where}: bars on a log axis`).not.toBe('logarithmic');
        expect(a.labels.length, `${where}: fewer than two labels`).toBeGreaterThanOrEqual(2);
        const texts = a.labels.map((l) => l.text);
        expect(texts.some((t) => /\d,\d{3}/.test(t)) && texts.some((t) => /\d(k|M)\b/.test(t)), `${where}: two number formats`).toBe(false);
        const sorted = [...a.labels].sort((p, q) => p.pixel - q.pixel);
        for (let i = 1; i < sorted.length; i++) {
          const gap = sorted[i]!.pixel - sorted[i - 1]!.pixel;
          const room = a.axis === 'y' ? 12 : (sorted[i]!.width + sorted[i - 1]!.width) / 2 + 4;
          expect(gap, `${where}: "${sorted[i - 1]!.text}" and "${sorted[i]!.text}" overlap`).toBeGreaterThanOrEqual(room);
        }
        // Seconds into the load start at the load: the first 1-2 s of an axis were once empty.
        if (a.title === 'seconds into the load') expect(a.min, where).toBe(0);
        if (a.valueAxis && Number.isFinite(a.dataMax)) {
          // The highest point of the data lies under the highest labelled value, at worst one 1-2-5 step above it:
          // a reader can tell how high it is (the success rate's 100 % sits on a labelled line, not above the last).
          const top = Math.max(...a.labels.map((l) => l.value));
          expect(a.dataMax, `${where}: data at ${a.dataMax} above the top label ${top}`).toBeLessThanOrEqual(top * (a.type === 'logarithmic' ? 2.5 : 1.25));
        }
      }
      await page.close();
    }
  }, 60_000);

  it("draws the README's committed run and saves the screenshot of its top", async () => {
    const { page, seen } = await open('readme.html', renderHtml([await readmeRun()]));
    await expectEveryChartDrawn(page, seen);
    await page.setViewportSize({ width: 1280, height: 900 });
    await mkdir(path.dirname(README_SCREENSHOT), { recursive: true });
    await page.screenshot({ path: README_SCREENSHOT });
    await page.close();
  }, 60_000);

  it('opens a section from the navigation with its title below the sticky bar, not under it', async () => {
    const { page } = await open('nav.html', renderHtml([capacityResults()]));
    const links = await page.$$eval('nav.toc a', (as) => as.map((a) => a.getAttribute('href')!).filter((h) => h.startsWith('#')));
    expect(links.length).toBeGreaterThan(3);
    for (const href of links.slice(1)) {
      await page.click(`nav.toc a[href="${href}"]`);
      const { navBottom, titleTop } = await page.evaluate((id) => {
        const section = document.getElementById(id.slice(1))!;
        const title = section.querySelector('h2') ?? section;
        return { navBottom: document.querySelector('nav.toc')!.getBoundingClientRect().bottom, titleTop: title.getBoundingClientRect().top };
      }, href);
      expect(titleTop, `${href}: its title is hidden under the navigation`).toBeGreaterThanOrEqual(navBottom);
    }
    await page.close();
  }, 60_000);

  it('draws a capacity run (probes p99 against rate, connect times); saves a screenshot of its lead', async () => {
    const { page, seen } = await open('capacity.html', renderHtml([capacityResults()]));
    await expectEveryChartDrawn(page, seen);
    await page.setViewportSize({ width: 1280, height: 1400 });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'report-capacity-top.png') });
    await page.locator('#capacity').screenshot({ path: path.join(SCREENSHOTS, 'report-capacity-probes.png') });
    await page.close();
  }, 60_000);

  it('draws a partial report and several scenarios on one page', async () => {
    const { page, seen } = await open('partial.html', renderHtml([blogResults(), partialResults()]));
    await expectEveryChartDrawn(page, seen);
    expect(await page.locator('.banner.partial').count()).toBe(2);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'report-partial-top.png') });
    await page.locator('#s2-glance').scrollIntoViewIfNeeded();
    await page.locator('#s2-scenario').screenshot({ path: path.join(SCREENSHOTS, 'report-partial-scenario.png') });
    await page.close();
  }, 60_000);

  it('runs no script from a hostile results file and shows its text as text', async () => {
    const { page, seen } = await open('hostile.html', renderHtml([hostileResults()]));
    await expectEveryChartDrawn(page, seen);
    expect(seen.dialogs).toEqual([]);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('script').count()).toBe(3);
    expect(await page.locator('pre', { hasText: '</script><img src=x onerror=alert(1)>' }).count()).toBeGreaterThan(0);
    expect(await page.locator('th', { hasText: '<script>alert(1)</script>' }).count()).toBeGreaterThan(0);
    await page.close();
  }, 60_000);

  it('draws the comparison and index pages', async () => {
    const cmp = await open('comparison.html', renderComparisonHtml(comparisonFixture()));
    await expectEveryChartDrawn(cmp.page, cmp.seen);
    await cmp.page.screenshot({ path: path.join(SCREENSHOTS, 'comparison.png'), fullPage: true });
    await cmp.page.close();
    const idx = await open(
      'index.html',
      renderIndexHtml(
        [
          { href: 'blog.html', results: blogResults() },
          { href: 'partial.html', results: partialResults() },
        ],
        { history: HISTORY },
      ),
    );
    await expectEveryChartDrawn(idx.page, idx.seen);
    await idx.page.screenshot({ path: path.join(SCREENSHOTS, 'index.png'), fullPage: true });
    await idx.page.close();
  }, 60_000);
});
