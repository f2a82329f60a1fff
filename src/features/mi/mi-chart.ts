/**
 * A bar chart as server-rendered SVG: no script, no library, a few kilobytes. It is an image with
 * a text title and description; the same numbers are always in a table beside it, and bars are
 * told apart by their position and labels, never by colour.
 */
export interface Bar {
  label: string;
  /** A short label for the axis (every few bars). */
  tick: string;
  value: number;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function barChartSvg(bars: readonly Bar[], opts: { id: string; title: string; description: string; unit: string }): string {
  const width = 720;
  const height = 260;
  const left = 48;
  const bottom = 40;
  const top = 16;
  const plotW = width - left - 8;
  const plotH = height - top - bottom;
  const max = Math.max(1, ...bars.map((b) => b.value));
  // A round top for the scale: 1, 2 or 5 times a power of ten.
  const step = niceStep(max / 4);
  const top5 = Math.ceil(max / step) * step;
  const bw = bars.length ? plotW / bars.length : plotW;
  const gap = Math.min(4, bw * 0.2);
  const tickEvery = Math.max(1, Math.ceil(bars.length / 12));
  const y = (v: number) => top + plotH - (v / top5) * plotH;
  const grid: string[] = [];
  for (let v = 0; v <= top5 + 1e-9; v += step) {
    grid.push(`<line x1="${left}" x2="${width - 8}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" class="app-chart__grid"/>`);
    grid.push(`<text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" class="app-chart__label">${v.toLocaleString('en-GB')}</text>`);
  }
  const rects = bars.map((b, i) => {
    const x = left + i * bw + gap / 2;
    const h = (b.value / top5) * plotH;
    const tick = i % tickEvery === 0 ? `<text x="${(x + (bw - gap) / 2).toFixed(1)}" y="${height - bottom + 16}" text-anchor="middle" class="app-chart__label">${esc(b.tick)}</text>` : '';
    return `<rect x="${x.toFixed(1)}" y="${(top + plotH - h).toFixed(1)}" width="${Math.max(1, bw - gap).toFixed(1)}" height="${h.toFixed(1)}" class="app-chart__bar"><title>${esc(b.label)}: ${b.value.toLocaleString('en-GB')} ${esc(opts.unit)}</title></rect>${tick}`;
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" class="app-chart" role="img" aria-labelledby="${opts.id}-title ${opts.id}-desc" focusable="false">` +
    `<title id="${opts.id}-title">${esc(opts.title)}</title><desc id="${opts.id}-desc">${esc(opts.description)}</desc>` +
    grid.join('') +
    rects.join('') +
    `<line x1="${left}" x2="${width - 8}" y1="${top + plotH}" y2="${top + plotH}" class="app-chart__axis"/>` +
    '</svg>'
  );
}

export function niceStep(raw: number): number {
  if (raw <= 1) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}
