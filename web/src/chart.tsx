import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const COLOURS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4d7c0f', '#be185d'];

export interface ChartSeries {
  readonly label: string;
  readonly values: ReadonlyArray<number | null>;
  readonly dash?: boolean;
  /** Points without lines: values known only at some instants (alert transitions), nothing in between. */
  readonly pointsOnly?: boolean;
}

/**
 * A uPlot time chart: x in seconds since the epoch, one line per series. Rebuilt when the series
 * change (a new variant); otherwise only its data is set, which uPlot redraws cheaply.
 */
export function TimeChart({ title, x, series, unit, minSpanSeconds = 60 }: { title: string; x: readonly number[]; series: readonly ChartSeries[]; unit: string; minSpanSeconds?: number }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const shape = series.map((s) => s.label).join('\n');
  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const width = () => Math.max(Math.min(el.clientWidth, 1100), 280);
    const p = new uPlot({
      title, width: width(), height: 220,
      series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: COLOURS[i % COLOURS.length], width: 2, ...(s.dash ? { dash: [6, 4] } : {}), ...(s.pointsOnly ? { paths: () => null, points: { show: true, size: 8 } } : {}), value: (_u: uPlot, v: number | null) => (v === null ? '—' : `${v.toFixed(2)} ${unit}`) }))],
      // A narrow plot (a phone) gets fewer time ticks: at uPlot's default 50 px the second label line
      // ("12/7/26 4:41am") ran into the next tick's ("4:42am") at 390 px.
      axes: [{ space: (_u: uPlot, _axis: number, _min: number, _max: number, dim: number) => (dim < 500 ? 90 : 55) }, { label: unit, size: 60 }],
      // From the data, at least `minSpanSeconds` wide: for a single point uPlot would widen the scale
      // by 86,400 / 1e-3 seconds (it assumes milliseconds there), nearly three years.
      scales: { x: { time: true, range: (u, min, max) => {
        const xs = u.data[0];
        const lo = xs[0] ?? min;
        const hi = xs[xs.length - 1] ?? max;
        return [Math.min(lo, hi - minSpanSeconds), hi + (lo === hi ? minSpanSeconds / 20 : 0)];
      } } },
    }, [x as number[], ...series.map((s) => s.values as (number | null)[])], el);
    plot.current = p;
    const resize = () => p.setSize({ width: width(), height: 220 });
    window.addEventListener('resize', resize);
    return () => { window.removeEventListener('resize', resize); p.destroy(); plot.current = undefined; };
  }, [shape, title, unit, minSpanSeconds]);
  useEffect(() => { plot.current?.setData([x as number[], ...series.map((s) => s.values as (number | null)[])]); }, [x, series]);
  return <div class="chart" ref={box} />;
}
