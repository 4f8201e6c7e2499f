// Draws a benchmark report (bench/results/*.json) as an SVG bar chart: each
// workload's median time for offline-sync, plain IndexedDB and Dexie 4, relative
// to Dexie (1.0), lower is better. Written by bench/run.mjs next to the report;
// docs/performance.md shows the one of the last full run. Also a command:
//   node bench/chart.mjs bench/results/latest.json docs/benchmark.svg
import fs from 'node:fs';

const IMPLS = [
  ['wasm', 'offline-sync', '#2f6fdf'],
  ['raw', 'plain IndexedDB', '#9aa5b1'],
  ['dexie', 'Dexie 4', '#e07b39'],
];

/** The rows to draw: [label, { wasm, raw, dexie } medians in ms]. */
function rows(summary) {
  const med = (m) => m && Object.fromEntries(IMPLS.map(([k]) => [k, m[k]?.median]));
  const out = [];
  for (const [n, s] of Object.entries(summary.pull ?? {})) out.push([`pull ${Number(n) / 1000}k`, med(s.ms)]);
  if (summary.push?.ms) out.push(['push', med(summary.push.ms)]);
  if (summary.queue?.p50) out.push(['queueMutation p50', med(summary.queue.p50)]);
  if (summary.queue?.p99) out.push(['queueMutation p99', med(summary.queue.p99)]);
  if (summary.startup?.ms) out.push(['start-up (cold)', med(summary.startup.ms)]);
  if (summary.live?.queryMs) out.push(['query one course', med(summary.live.queryMs)]);
  if (summary.live?.p50) out.push(['live query p50', med(summary.live.p50)]);
  if (summary.liveTabs?.p50) out.push(['live, two tabs p50', med(summary.liveTabs.p50)]);
  return out.filter(([, m]) => m && Number.isFinite(m.dexie) && m.dexie > 0);
}

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

/** The SVG text of `report` (what bench/run.mjs writes). */
export function chart(report) {
  const data = rows(report.summary ?? {});
  const cap = 3; // ratios above 3x Dexie are drawn at 3 and labelled
  const left = 150, barH = 9, gap = 3, groupH = IMPLS.length * (barH + gap) + 10, width = 640, plot = width - left - 70;
  const top = 44, height = top + data.length * groupH + 30;
  const x = (r) => left + (Math.min(r, cap) / cap) * plot;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${left}" y="16" font-size="13" font-weight="600">Time relative to Dexie 4 (lower is better)</text>`,
    `<text x="${left}" y="32" fill="#555">${esc(report.date ?? '')}${report.smoke ? ' (smoke run: not meaningful)' : ''}, median of rounds</text>`,
  ];
  for (const r of [0, 1, 2, 3]) {
    parts.push(`<line x1="${x(r)}" y1="${top - 4}" x2="${x(r)}" y2="${height - 24}" stroke="${r === 1 ? '#444' : '#ddd'}"/>`);
    parts.push(`<text x="${x(r)}" y="${height - 10}" text-anchor="middle" fill="#555">${r}x</text>`);
  }
  data.forEach(([label, m], i) => {
    const y0 = top + i * groupH;
    parts.push(`<text x="${left - 8}" y="${y0 + groupH / 2}" text-anchor="end" dominant-baseline="middle">${esc(label)}</text>`);
    IMPLS.forEach(([k, , color], j) => {
      const v = m[k];
      if (!Number.isFinite(v)) return;
      const ratio = v / m.dexie;
      const y = y0 + j * (barH + gap);
      parts.push(`<rect x="${left}" y="${y}" width="${x(ratio) - left}" height="${barH}" fill="${color}"><title>${esc(label)}: ${v.toFixed(2)} ms</title></rect>`);
      const text = `${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(2)}x`;
      parts.push(`<text x="${x(ratio) + 4}" y="${y + barH - 1}" fill="#333">${text}</text>`);
    });
  });
  // Legend, top right.
  IMPLS.forEach(([, name, color], j) => {
    const ly = 8 + j * 12;
    parts.push(`<rect x="${width - 130}" y="${ly}" width="10" height="9" fill="${color}"/><text x="${width - 116}" y="${ly + 8}">${esc(name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [input, output] = process.argv.slice(2);
  if (!input || !output) {
    console.error('usage: node bench/chart.mjs <report.json> <out.svg>');
    process.exit(2);
  }
  fs.writeFileSync(output, chart(JSON.parse(fs.readFileSync(input, 'utf8'))));
  console.log(`bench: chart written to ${output}`);
}
