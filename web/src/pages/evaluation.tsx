import { getJson } from '../api.js';
import { Notice } from '../components.js';
import type { CoveragePoint, ReliabilityBin, VersionEvaluation } from '../types.js';
import { useData } from '../use-data.js';
import { XyPlot } from '../xy-plot.js';
import { PerClassTable } from './per-class-table.js';
import { ProductionCard } from './production-figures.js';

const pct = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${(100 * x).toFixed(1)}%`);
/** HS names of the prefix lengths a 6-digit code has; other lengths keep their number. */
const LEVEL_NAMES: Record<number, string> = { 2: 'HS2 chapter', 4: 'HS4 heading', 6: 'HS6 subheading' };

/** A registered version's evaluation, from the validation rows and metrics the registry keeps with it. */
export function EvaluationPage({ model, version }: { model: string | undefined; version: string | undefined }) {
  if (model === undefined || version === undefined) return <section><h2>Evaluation</h2><p>Open a version from the Models or Lineage page (<code>#/evaluation/MODEL/VERSION</code>).</p></section>;
  return <EvaluationOf model={model} version={version} />;
}

function EvaluationOf({ model, version }: { model: string; version: string }) {
  const path = `/v1/ui/models/${encodeURIComponent(model)}/versions/${encodeURIComponent(version)}/evaluation`;
  const { data: e, error } = useData(() => getJson<VersionEvaluation>(path), path);
  return (
    <section>
      <h2>{model} version {version}: evaluation</h2>
      <p><a href={`#/lineage/${encodeURIComponent(model)}`}>Lineage of {model}</a></p>
      <Notice error={error} />
      {e && <Evaluation e={e} />}
    </section>
  );
}

function Evaluation({ e }: { e: VersionEvaluation }) {
  const m = e.metrics;
  return (
    <>
      <article class="card">
        <h3>On its validation rows <small>{e.kind} · {e.labels} labels · {e.validationRows} rows stored · dataset {e.datasetId ?? 'not recorded'}</small></h3>
        <ul class="figures" data-figures="headline">
          <li>Accuracy<strong>{pct(m['validAccuracy'])}</strong></li>
          <li>Macro-F1<strong>{pct(m['validMacroF1'])}</strong></li>
          <li>Weighted F1<strong>{pct(m['validWeightedF1'])}</strong></li>
          <li>Calibration error (ECE)<strong>{pct(m['validEce'] ?? e.calibration?.ece)}</strong></li>
          {e.hierarchy.map((h) => <li key={h.level} data-level={h.level}>{LEVEL_NAMES[h.level] ?? `first ${h.level} characters`}<strong>{pct(h.accuracy)}</strong></li>)}
          <li>Cost per million predictions<strong>{e.costPerMillion === null ? '—' : e.costPerMillion.toLocaleString()}</strong></li>
        </ul>
      </article>
      {e.calibration && e.coverageCurve && (
        <article class="card">
          <div class="plots">
            <Reliability bins={e.calibration.bins} />
            <Coverage points={e.coverageCurve} />
          </div>
        </article>
      )}
      {e.decisions && (
        <article class="card">
          <h3>Decide or route <small>per-class thresholds a server uses at a target precision</small></h3>
          <div class="scroll">
            <table class="decisions">
              <thead><tr><th>Target precision</th><th>Automated (expected)</th><th>Precision (expected)</th><th>Classes lowered / raised</th></tr></thead>
              <tbody>{e.decisions.map((d) => <tr key={d.target}><td>{pct(d.target)}</td><td>{pct(d.expectedCoverage)}</td><td>{pct(d.expectedPrecision)}</td><td>{d.lowered} / {d.raised}</td></tr>)}</tbody>
            </table>
          </div>
        </article>
      )}
      {e.perClass && <PerClassTable rows={e.perClass} />}
      {e.production && <ProductionCard p={e.production} />}
      {e.missing.length > 0 && (
        <article class="card">
          <h3>Not shown</h3>
          <ul class="missing">{e.missing.map((x) => <li key={x}>{x}</li>)}</ul>
        </article>
      )}
    </>
  );
}

/** Reliability diagram: per confidence bin, the share right (bar; the dot at the bin's mean confidence); a calibrated model's dots sit on the diagonal. */
function Reliability({ bins }: { bins: readonly ReliabilityBin[] }) {
  return (
    <XyPlot title="Reliability: accuracy per confidence bin" xLabel="top-1 confidence" yLabel="share right">
      {(sx, sy) => (
        <>
          <line class="diagonal" x1={sx(0)} y1={sy(0)} x2={sx(1)} y2={sy(1)} />
          {bins.filter((b) => b.accuracy !== null).map((b) => (
            <g key={b.lower}>
              <rect class="bar" x={sx(b.lower) + 0.5} width={sx(b.upper) - sx(b.lower) - 1} y={sy(b.accuracy!)} height={sy(0) - sy(b.accuracy!)}><title>{`${b.lower.toFixed(2)}–${b.upper.toFixed(2)}: ${b.count} rows, ${pct(b.accuracy)} right, mean confidence ${pct(b.confidence)}`}</title></rect>
              <circle class="point" cx={sx(b.confidence!)} cy={sy(b.accuracy!)} r={2.5} />
            </g>
          ))}
        </>
      )}
    </XyPlot>
  );
}

/** Accuracy against coverage: auto-classify only the most confident share, route the rest to a person. */
function Coverage({ points }: { points: readonly CoveragePoint[] }) {
  const seen = new Set<string>();
  const pts = points.filter((p) => p.accuracy !== null && p.rows > 0).map((p) => ({ x: p.coverage, y: p.accuracy! }))
    .sort((a, b) => a.x - b.x).filter((p) => { const k = `${p.x}`; if (seen.has(k)) return false; seen.add(k); return true; });
  const floor = Math.max(0, Math.floor(Math.min(1, ...pts.map((p) => p.y)) * 10) / 10 - 0.1);
  return (
    <XyPlot title="Accuracy against coverage" xLabel="share auto-classified (coverage)" yLabel="accuracy" y={[floor, 1]}>
      {(sx, sy) => (
        <>
          <polyline class="line" points={pts.map((p) => `${sx(p.x)},${sy(p.y)}`).join(' ')} />
          {pts.map((p) => <circle key={p.x} class="point" cx={sx(p.x)} cy={sy(p.y)} r={2.5}><title>{`${pct(p.x)} auto-classified at ${pct(p.y)} accuracy`}</title></circle>)}
        </>
      )}
    </XyPlot>
  );
}
