/**
 * A hand-rolled SVG chart of a bench run (no dependency): horizontal bars in three panels —
 * throughput (tickets/s beside the no-op rate of the same run), booking latency (p50, p99) and
 * live fan-out (call → last watcher, p50 and p99) — with the targets drawn as dashed lines.
 */

interface Bar {
  label: string;
  value: number | null;
  color: string;
  note?: string;
}

interface Panel {
  title: string;
  unit: string;
  bars: Bar[];
  target?: { value: number; label: string };
}

const W = 860;
const LABEL_W = 250;
const BAR_H = 16;
const GAP = 6;

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function panel(p: Panel, y0: number): { svg: string; height: number } {
  const max = Math.max(1, ...p.bars.map((b) => b.value ?? 0), p.target?.value ?? 0) * 1.1;
  const plotW = W - LABEL_W - 90;
  const x = (v: number) => LABEL_W + (v / max) * plotW;
  let y = y0 + 26;
  const parts = [`<text x="10" y="${y0 + 16}" font-size="14" font-weight="bold">${esc(p.title)}</text>`];
  for (const b of p.bars) {
    const v = b.value ?? 0;
    parts.push(`<text x="${LABEL_W - 8}" y="${y + BAR_H - 4}" font-size="11" text-anchor="end">${esc(b.label)}</text>`);
    parts.push(`<rect x="${LABEL_W}" y="${y}" width="${Math.max(1, x(v) - LABEL_W).toFixed(1)}" height="${BAR_H}" fill="${b.color}"/>`);
    const text = b.value === null ? "–" : `${Math.round(v * 10) / 10} ${p.unit}${b.note ? ` ${b.note}` : ""}`;
    parts.push(`<text x="${(x(v) + 4).toFixed(1)}" y="${y + BAR_H - 4}" font-size="11">${esc(text)}</text>`);
    y += BAR_H + GAP;
  }
  if (p.target) {
    const tx = x(p.target.value).toFixed(1);
    parts.push(`<line x1="${tx}" y1="${y0 + 22}" x2="${tx}" y2="${y}" stroke="#c00" stroke-dasharray="4 3"/>`);
    parts.push(`<text x="${tx}" y="${y + 12}" font-size="10" fill="#c00" text-anchor="middle">${esc(p.target.label)}</text>`);
    y += 14;
  }
  return { svg: parts.join("\n"), height: y - y0 + 10 };
}

export function renderChart(run: any): string {
  const rushes = (run.rushes ?? []) as any[];
  const fans = (run.fanout ?? []) as any[];
  const name = (r: any) => `${r.scenario}, c${r.concurrency}`;
  const panels: Panel[] = [];
  if (rushes.length) {
    panels.push({
      title: "Rush: tickets issued per second (beside the no-op rate of the same run)",
      unit: "/s",
      bars: rushes.flatMap((r) => [
        { label: `${name(r)}: tickets`, value: r.ticketsPerSecond, color: "#2b6cb0", note: `(ratio ${r.ratio ?? "–"})` },
        { label: `${name(r)}: no-op`, value: r.noop.perSecond, color: "#a0aec0" },
      ]),
      target: { value: 1000, label: "target 1,000/s" },
    });
    panels.push({
      title: "Rush: booking latency (ms)",
      unit: "ms",
      bars: rushes.flatMap((r) => [
        { label: `${name(r)}: p50`, value: r.latencyMs.p50, color: "#38a169" },
        { label: `${name(r)}: p99`, value: r.latencyMs.p99, color: "#dd6b20" },
      ]),
      target: { value: 500, label: "p99 target 500 ms (c200)" },
    });
  }
  if (run.calls) {
    panels.push({
      title: "Calls: 10 clerks pressing call-next at once (ms)",
      unit: "ms",
      bars: [
        { label: "call-next p50", value: run.calls.latencyMs.p50, color: "#38a169" },
        { label: "call-next p99", value: run.calls.latencyMs.p99, color: "#dd6b20", note: `(double calls ${run.calls.doubleCalls})` },
      ],
    });
  }
  if (fans.length) {
    panels.push({
      title: "Live fan-out: call → last watcher (ms)",
      unit: "ms",
      bars: fans.flatMap((f) => [
        { label: `${f.watchers} watchers: p50`, value: f.lastMs.p50, color: "#38a169" },
        { label: `${f.watchers} watchers: p99`, value: f.lastMs.p99, color: "#dd6b20", note: `(missed ${f.missed})` },
      ]),
      target: { value: 300, label: "p99 target 300 ms (5,000)" },
    });
  }
  let y = 50;
  const body: string[] = [];
  for (const p of panels) {
    const { svg, height } = panel(p, y);
    body.push(svg);
    y += height;
  }
  const m = run.machine ?? {};
  const footer = `${run.at ?? ""} · ${m.cpus ?? "?"} × ${m.cpuModel ?? "?"} · ${m.memoryGiB ?? "?"} GiB · Node ${m.node ?? "?"} · ${run.runtime ?? ""}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y + 30}" viewBox="0 0 ${W} ${y + 30}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="24" font-size="16" font-weight="bold">sothutu — local benchmark (npm run bench)</text>`,
    ...body,
    `<text x="10" y="${y + 18}" font-size="10" fill="#555">${esc(footer)}</text>`,
    `</svg>`,
  ].join("\n");
}
