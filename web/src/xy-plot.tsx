import type { ComponentChildren } from 'preact';

/** The plot's inner size in SVG units; the SVG scales to its box (width 100%, capped by CSS). */
const W = 300;
const H = 200;
const PAD = { left: 34, right: 14, top: 8, bottom: 28 };

export interface XyPlotProps {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  /** Axis ranges; both default to [0, 1] (shares and probabilities). */
  readonly x?: readonly [number, number];
  readonly y?: readonly [number, number];
  readonly children: (sx: (v: number) => number, sy: (v: number) => number) => ComponentChildren;
}

/**
 * A small SVG plot for figures on [0, 1] (reliability diagrams, accuracy against coverage): a few
 * dozen points need no chart library, and an SVG stays sharp in screenshots and on phones.
 */
export function XyPlot({ title, xLabel, yLabel, x = [0, 1], y = [0, 1], children }: XyPlotProps) {
  const sx = (v: number) => PAD.left + ((v - x[0]) / (x[1] - x[0])) * (W - PAD.left - PAD.right);
  const sy = (v: number) => H - PAD.bottom - ((v - y[0]) / (y[1] - y[0])) * (H - PAD.top - PAD.bottom);
  const ticks = (r: readonly [number, number]) => [0, 0.25, 0.5, 0.75, 1].map((t) => r[0] + t * (r[1] - r[0]));
  return (
    <figure class="xy-plot">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title}>
        {ticks(y).map((t) => <g key={`y${t}`}><line x1={sx(x[0])} x2={sx(x[1])} y1={sy(t)} y2={sy(t)} class="grid" /><text x={PAD.left - 4} y={sy(t) + 3} text-anchor="end">{t.toFixed(2)}</text></g>)}
        {ticks(x).map((t) => <text key={`x${t}`} x={sx(t)} y={H - PAD.bottom + 12} text-anchor="middle">{t.toFixed(2)}</text>)}
        <text x={(PAD.left + W - PAD.right) / 2} y={H - 3} text-anchor="middle" class="axis-label">{xLabel}</text>
        <text x={10} y={(PAD.top + H - PAD.bottom) / 2} text-anchor="middle" class="axis-label" transform={`rotate(-90 10 ${(PAD.top + H - PAD.bottom) / 2})`}>{yLabel}</text>
        {children(sx, sy)}
      </svg>
    </figure>
  );
}
