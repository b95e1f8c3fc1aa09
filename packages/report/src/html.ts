// SPDX-License-Identifier: MIT
import { relative, sep } from 'node:path';
import type { Redactor } from '@osiris/registry';

/**
 * Text as HTML, after the redactor: every string a page shows passes through here, so a secret that
 * reached a run folder (a copied folder, an older Osiris) is masked before it is escaped.
 */
export function textOf(redactor: Redactor, value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  return redactor
    .text(text)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** A relative link from the page's folder to a file, each segment URL-encoded. */
export function hrefOf(fromDir: string, file: string): string {
  return relative(fromDir, file)
    .split(sep)
    .map((segment) => (segment === '..' ? segment : encodeURIComponent(segment)))
    .join('/');
}

export const formatCount = (n: unknown) => (typeof n === 'number' ? n.toLocaleString('en-US') : '–');

export function formatDuration(ms: unknown): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** 12,300 → `12.3k`: axis labels. */
export function shortNumber(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e7 ? 0 : 1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(n >= 1e4 ? 0 : 1)}k`;
  return Number.isInteger(n) ? String(n) : String(Number(n.toFixed(n < 10 ? 2 : 0)));
}

/** About `count` round tick values from 0 to `max` (1, 2 or 5 times a power of ten apart). */
export function ticks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0];
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const out: number[] = [];
  for (let v = 0; v <= max + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** A colour per series or phase, readable on white and for most colour-blind readers (Tableau 10). */
export const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#59a14f',
  '#e15759',
  '#76b7b2',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];

export const STYLE = `
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#fff;--soft:#f6f8fa;--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700}
*{box-sizing:border-box}body{margin:0 auto;max-width:1040px;padding:24px;font:14px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;padding-bottom:4px;border-bottom:1px solid var(--line)}
.muted{color:var(--muted)}code,pre{font:12px/1.45 ui-monospace,SFMono-Regular,Menlo,monospace}
pre{background:var(--soft);padding:10px;overflow:auto;max-height:480px;border-radius:6px;white-space:pre-wrap;word-break:break-word}
table{border-collapse:collapse;width:100%;margin:4px 0}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:var(--soft);font-weight:600}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;padding:0 8px;border-radius:10px;font-size:12px;font-weight:600;color:#fff;vertical-align:middle;background:var(--muted)}
.s-succeeded,.s-SUCCEEDED{background:var(--ok)}.s-failed,.s-FAILED,.s-ABANDONED,.s-abandoned{background:var(--bad)}.s-interrupted,.s-INTERRUPTED,.s-running,.s-RUNNING{background:var(--warn)}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:8px 0}dt{color:var(--muted)}dd{margin:0;word-break:break-all}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12px;margin:4px 0}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
.err{border-left:3px solid var(--bad);padding:4px 10px;margin:6px 0;background:#ffebe9}.warn{border-left:3px solid var(--warn);padding:4px 10px;margin:6px 0;background:#fff8c5}
svg text{font:11px system-ui,sans-serif;fill:var(--muted)}details{margin:6px 0}summary{cursor:pointer}
a{color:#0969da}footer{margin-top:32px;font-size:12px;color:var(--muted)}
`.trim();

/** The page around a body: no script, no network, styles inline. */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="osiris runs report">
<title>${title}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`;
}
