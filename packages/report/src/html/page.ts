import { escapeHtml, jsonForScript } from '../escape.js';
import type { ChartSpec } from './chart.js';
import { chartJsSource } from './chartjs.js';
import { CLIENT_SCRIPT } from './client.js';

const FONT = `system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", "Liberation Sans", Arial, sans-serif`;
const MONO = `ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace`;

export const CSS = `
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:#f3f4f6;color:#1f2328;font:14px/1.5 ${FONT}}
a{color:#1864ab;text-decoration:none}a:hover{text-decoration:underline}
code,pre,.mono{font-family:${MONO};font-size:12.5px}
.top{background:#1f2630;color:#f1f3f5}
.top .inner{max-width:1280px;margin:0 auto;padding:22px 28px 18px}
.top .kicker{font-size:12px;letter-spacing:.08em;text-transform:uppercase;color:#adb5bd;margin:0 0 4px}
.top h1{margin:0;font-size:26px;font-weight:650;letter-spacing:-.01em}
.top .desc{margin:6px 0 0;color:#ced4da;max-width:980px}
.top .meta{display:flex;flex-wrap:wrap;gap:6px 18px;margin:12px 0 0;padding:0;list-style:none;color:#adb5bd;font-size:12.5px}
.top .meta b{color:#e9ecef;font-weight:600}
nav.toc{position:sticky;top:0;z-index:5;background:#fff;border-bottom:1px solid #e3e6ea}
nav.toc .inner{max-width:1280px;margin:0 auto;padding:0 28px;display:flex;flex-wrap:wrap;gap:0 4px}
nav.toc a{display:inline-block;padding:9px 10px;color:#495057;font-size:13px;border-bottom:2px solid transparent}
nav.toc a:hover{color:#1f2328;border-bottom-color:#adb5bd;text-decoration:none}
main{max-width:1280px;margin:0 auto;padding:8px 28px 56px}
article.scenario+article.scenario{margin-top:40px;border-top:3px solid #dee2e6;padding-top:12px}
section{background:#fff;border:1px solid #e3e6ea;border-radius:10px;padding:18px 22px 20px;margin:18px 0;scroll-margin-top:72px}
section>h2{margin:0 0 4px;font-size:18px;font-weight:650}
section>.lede{margin:0 0 14px;color:#5c636a;max-width:920px}
h3{font-size:15px;margin:18px 0 8px}
figure.pair{margin:18px 0 0;padding:14px 0 0;border-top:1px solid #f1f3f5}
figure.pair:first-of-type{border-top:0;padding-top:0}
figure.pair figcaption h4{margin:0;font-size:14px;font-weight:650}
figure.pair figcaption .note{margin:2px 0 8px;color:#6c757d;font-size:12.5px;max-width:920px}
.pair-body{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:24px;align-items:start}
.pair.table .pair-body{grid-template-columns:minmax(0,2fr) minmax(0,3fr)}
.pair.wide .pair-body{grid-template-columns:minmax(0,1fr)}
.grid2{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:8px 24px}
.grid2>figure.pair{border-top:1px solid #f1f3f5;padding-top:14px}
.grid2>figure.pair .pair-body{grid-template-columns:minmax(0,1fr)}
@media (max-width:1000px){.pair-body,.grid2{grid-template-columns:minmax(0,1fr)}}
.chart{position:relative;min-width:0}
.chart.chart-missing canvas{display:none}
.chart.chart-missing::after{content:"Charts could not be drawn (is JavaScript off?) — every number is in the table beside.";color:#868e96;font-size:13px}
.table-wrap{overflow-x:auto;min-width:0}
table{border-collapse:collapse;width:100%;font-size:12.5px;font-variant-numeric:tabular-nums}
caption{caption-side:top;text-align:left;color:#6c757d;font-size:12px;padding:0 0 4px}
th,td{padding:5px 9px;border-bottom:1px solid #eef0f2;text-align:left;vertical-align:top}
thead th{background:#f8f9fa;color:#495057;font-weight:600;border-bottom:1px solid #dee2e6;white-space:nowrap}
tbody th{font-weight:600;white-space:nowrap}
tbody th.ref{font-weight:500;white-space:normal;color:#495057}
tbody tr:hover{background:#fafbfc}
.num{text-align:right;white-space:nowrap}
td.na{color:#adb5bd}
.unit{display:block;font-weight:400;color:#868e96;font-size:11px}
.spread{display:block;color:#868e96;font-size:11px}
.dot{display:inline-block;width:10px;height:10px;border-radius:50%;background:var(--c);margin:0 7px 0 0;vertical-align:-1px}
.dot.ref{background:#fff;border:2px dashed var(--c);border-radius:2px;transform:rotate(45deg);width:9px;height:9px}
.who{font-weight:700}
.cards{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:14px;margin:6px 0 12px}
@media (max-width:900px){.cards{grid-template-columns:minmax(0,1fr)}}
.card{border:1px solid #e3e6ea;border-radius:9px;padding:12px 16px 14px;background:#fcfcfd}
.card.lead{border-left:4px solid var(--c,#1f2630);background:#fff}
.card .label{font-size:11.5px;text-transform:uppercase;letter-spacing:.06em;color:#6c757d;margin:0}
.card .big{font-size:28px;font-weight:700;margin:4px 0 0;line-height:1.15;font-variant-numeric:tabular-nums}
.card .big .who{font-size:20px;margin-right:8px}
.card .big .tie{font-size:14px;font-weight:600;color:#6c757d;margin-left:8px}
.card .rest{margin:6px 0 0;color:#495057;font-size:12.5px}
.card .rest span{white-space:nowrap}
.card .rest.caveat{color:#9c5b00;font-size:12px}
ul.caveats{margin:4px 0 10px;padding-left:20px;color:#343a40}
ul.caveats li{margin:2px 0}
ul.caveats.before{background:#fff9db;border:1px solid #ffe066;border-radius:8px;padding:8px 12px 8px 28px;color:#5c3c00}
.flag{display:block;font-size:11px;font-weight:600;white-space:normal}
.flag.at-least{color:#9c5b00}
h3 .step-tag{font-size:12px;font-weight:400;margin-left:6px}
h3.lead-capacity,h3.lead-equal,h3.lead-ladder{margin-top:22px}
.probe-grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(380px,1fr));gap:12px 24px;align-items:start}
table.probes td.status-bad,table.probes td.status-ok{white-space:normal;font-size:12px;min-width:11em}
.banner{border-radius:9px;padding:12px 16px;margin:14px 0;border:1px solid}
.banner.partial{background:#fff4e6;border-color:#ffc078;color:#7c2d12}
.banner.ok{background:#ebfbee;border-color:#b2f2bb;color:#1b4332}
.banner b{font-weight:700}
.sev{display:inline-block;white-space:nowrap;font-size:11px;font-weight:700;letter-spacing:.04em;text-transform:uppercase;border-radius:4px;padding:1px 6px;margin-right:6px}
.sev-error{background:#ffe3e3;color:#c92a2a}
.sev-warning{background:#fff3bf;color:#9c5b00}
.sev-caution{background:#e7f5ff;color:#1864ab}
table.warnings td,table.warnings th{padding:8px 10px}
table.warnings .where{color:#495057;font-size:12px}
table.warnings .msg{color:#343a40;font-size:12px}
table.warnings .msg .at{color:#868e96;white-space:nowrap}
table.warnings .msg li{margin:0 0 3px}
table.warnings ul{margin:0;padding-left:16px}
details{margin:8px 0}
details>summary{cursor:pointer;color:#1864ab;font-size:13px}
details[open]>summary{margin-bottom:6px}
pre{background:#f8f9fa;border:1px solid #e9ecef;border-radius:6px;padding:10px 12px;overflow:auto;max-height:460px;margin:6px 0;white-space:pre-wrap;word-break:break-word}
dl.env{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:4px 18px;margin:0}
dl.env dt{color:#6c757d}
dl.env dd{margin:0}
.muted{color:#6c757d}
.status-ok{color:#2b8a3e}.status-bad{color:#c92a2a;font-weight:600}
footer{max-width:1280px;margin:0 auto;padding:0 28px 40px;color:#868e96;font-size:12px}
@media print{nav.toc{display:none}section{break-inside:avoid;border-color:#ccc}body{background:#fff}}
`;

/**
 * The document around a report: inline CSS, the chart specs as an inert JSON block, chart.js and our script inline.
 * The CSP forbids every fetch, so a report can never phone home, even if a future change tried.
 */
export function renderPage(opts: {
  title: string;
  header: string;
  nav?: string;
  body: string;
  charts: ChartSpec[];
  footer?: string;
  extraCss?: string;
}): string {
  const csp = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light">',
    '<meta name="generator" content="kvbench">',
    `<title>${escapeHtml(opts.title)}</title>`,
    `<style>${CSS}${opts.extraCss ?? ''}</style>`,
    '</head>',
    '<body>',
    opts.header,
    opts.nav ?? '',
    `<main>${opts.body}</main>`,
    `<footer>${opts.footer ?? 'Generated by kvbench. Self-contained: this file needs no network.'}</footer>`,
    `<script id="kvbench-data" type="application/json">${jsonForScript({ charts: opts.charts })}</script>`,
    `<script>${chartJsSource()}</script>`,
    `<script>${CLIENT_SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
