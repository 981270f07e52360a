'use strict';
// Formatting numbers and tables for the console and for BENCHMARKS.md.

function fmtNs(ns) {
  if (ns >= 100000) return `${Math.round(ns / 1000).toLocaleString('en-US')} µs`;
  if (ns >= 10000) return `${(ns / 1000).toFixed(1)} µs`;
  if (ns >= 100) return String(Math.round(ns));
  return ns.toFixed(1);
}

function fmtNum(x) {
  if (x >= 100) return String(Math.round(x));
  if (x >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

/** A ratio with the range of its per-round ratios: `2.13 (1.95–2.40)`; `digits` forces decimals for the value. */
function fmtRatio(r, digits) {
  return `${digits ? r.value.toFixed(digits) : fmtNum(r.value)} (${fmtNum(r.min)}–${fmtNum(r.max)})`;
}

function fmtMs(ms) {
  return ms >= 100 ? `${Math.round(ms)} ms` : ms >= 10 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(2)} ms`;
}

/** Plain-text table with aligned columns. */
function textTable(columns, rows) {
  const w = columns.map((c, i) => Math.max([...c].length, ...rows.map((r) => [...String(r[i] ?? '')].length)));
  const line = (cells) => cells.map((c, i) => String(c ?? '').padEnd(w[i] + (String(c ?? '').length - [...String(c ?? '')].length))).join('  ').trimEnd();
  return [line(columns), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

function mdEscape(s) {
  return String(s ?? '').replace(/\|/g, '\\|');
}

/** Markdown table; columns whose cells are all numbers (or —) are right-aligned. */
function mdTable(columns, rows) {
  const numeric = columns.map((_, i) => i > 0 && rows.length > 0 && rows.every((r) => /^(—|[\d.,<>≥≤ ]+)/.test(String(r[i] ?? '—')) || String(r[i] ?? '') === ''));
  return [
    `| ${columns.map(mdEscape).join(' | ')} |`,
    `|${columns.map((_, i) => (numeric[i] ? '---:' : '---')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(mdEscape).join(' | ')} |`),
  ].join('\n');
}

module.exports = { fmtNs, fmtNum, fmtRatio, fmtMs, textTable, mdTable };
