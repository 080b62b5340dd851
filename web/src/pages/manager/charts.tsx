/**
 * Small hand-rolled SVG charts for the reports (no chart library: a few hundred bytes of code
 * beat tens of kilobytes). Each chart has a title and description for screen readers and the
 * same figures in a table next to it (Reports.tsx), so nothing is only visual.
 */
import { formatNumber } from "../../lib/format";

export interface Series {
  name: string;
  color: string;
  values: number[];
}

const W = 640;
const H = 260;
const PAD = { left: 44, right: 12, top: 12, bottom: 44 };

function niceMax(max: number): number {
  if (max <= 5) return 5;
  const pow = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * pow >= max) return m * pow;
  return 10 * pow;
}

function Axis({ max, labels, band }: { max: number; labels: string[]; band: number }) {
  const plotH = H - PAD.top - PAD.bottom;
  // niceMax gives 5, 10, 25, 50 … × 10^n: five equal steps land on whole numbers.
  const ticks = [0, 0.2, 0.4, 0.6, 0.8, 1].map((f) => f * max);
  return (
    <g class="axis" aria-hidden="true">
      {ticks.map((v) => {
        const y = PAD.top + plotH - (v / max) * plotH;
        return (
          <g key={v}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y} y2={y} stroke="#d0d0d0" />
            <text x={PAD.left - 6} y={y + 4} text-anchor="end" font-size="12" fill="#333">
              {formatNumber(Math.round(v))}
            </text>
          </g>
        );
      })}
      {labels.map((l, i) => (
        <text key={l + i} x={PAD.left + band * (i + 0.5)} y={H - PAD.bottom + 16} text-anchor="middle" font-size="12" fill="#333">
          {l.length > 9 ? `${l.slice(0, 8)}…` : l}
        </text>
      ))}
    </g>
  );
}

function Legend({ series }: { series: Series[] }) {
  return (
    <g aria-hidden="true">
      {series.map((s, i) => (
        <g key={s.name} transform={`translate(${PAD.left + i * 140}, ${H - 14})`}>
          <rect width="12" height="12" y="-10" fill={s.color} />
          <text x="16" font-size="12" fill="#333">
            {s.name}
          </text>
        </g>
      ))}
    </g>
  );
}

/** Grouped bars: one group per label, one bar per series. */
export function BarChart({ title, labels, series, testId }: { title: string; labels: string[]; series: Series[]; testId?: string }) {
  const max = niceMax(Math.max(1, ...series.flatMap((s) => s.values)));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const band = plotW / Math.max(1, labels.length);
  const barW = Math.max(2, (band * 0.8) / series.length);
  return (
    <svg class="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title} data-testid={testId}>
      <title>{title}</title>
      <Axis max={max} labels={labels} band={band} />
      {series.map((s, si) =>
        s.values.map((v, i) => {
          const h = (v / max) * plotH;
          return <rect key={`${si}-${i}`} class="bar" x={PAD.left + band * i + band * 0.1 + si * barW} y={PAD.top + plotH - h} width={barW - 1} height={h} fill={s.color} />;
        }),
      )}
      <Legend series={series} />
    </svg>
  );
}

/** Lines over ordered labels (hours of the day). */
export function LineChart({ title, labels, series, testId }: { title: string; labels: string[]; series: Series[]; testId?: string }) {
  const max = niceMax(Math.max(1, ...series.flatMap((s) => s.values)));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const band = plotW / Math.max(1, labels.length);
  const x = (i: number) => PAD.left + band * (i + 0.5);
  const y = (v: number) => PAD.top + plotH - (v / max) * plotH;
  return (
    <svg class="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title} data-testid={testId}>
      <title>{title}</title>
      <Axis max={max} labels={labels} band={band} />
      {series.map((s) => (
        <g key={s.name}>
          <polyline class="line" fill="none" stroke={s.color} stroke-width="3" points={s.values.map((v, i) => `${x(i)},${y(v)}`).join(" ")} />
          {s.values.map((v, i) => (
            <circle key={i} cx={x(i)} cy={y(v)} r="4" fill={s.color} />
          ))}
        </g>
      ))}
      <Legend series={series} />
    </svg>
  );
}
