// Formatting of the printed report: numbers, cells and tables.

export const fmtMs = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
export const fmtMB = (x) => (x / 1048576).toFixed(1);
export const fmtKB = (x) => (x / 1024).toFixed(1);
export const ratio = (a, b) => (a != null && b ? a / b : null);
export const fmtRatio = (r) => (r == null ? '-' : `${r.toFixed(2)}x`);
// Only tasks of 50 ms or more are reported by the browser.
export const fmtTask = (x) => (x === 0 ? '<50' : fmtMs(x));

export function cell(st, f) {
  if (!st) return '-';
  if (st.n === 1) return f(st.median);
  return `${f(st.median)} (${f(st.min)}-${f(st.max)})`;
}

export function table(rows, header) {
  const all = [header, ...rows];
  const w = header.map((_, i) => Math.max(...all.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => (i < 2 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join(' | ');
  return [line(header), w.map((x) => '-'.repeat(x)).join('-|-'), ...rows.map(line)].join('\n');
}
