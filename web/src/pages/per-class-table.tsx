import { useState } from 'preact/hooks';
import type { PredictedClassFigures } from '../types.js';

type Column = 'label' | 'answered' | 'precision' | 'meanConfidence';
const COLUMNS: ReadonlyArray<[Column, string]> = [['label', 'Label'], ['answered', 'Answered'], ['precision', 'Precision'], ['meanConfidence', 'Mean confidence']];
const pct = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(1)}%`);
/** An HS model has thousands of labels: the page shows this many rows, the filter finds the rest. */
const ROWS_SHOWN = 200;

/** Per label as the model answered it: sortable by any column (click again to reverse), filtered by a label substring. */
export function PerClassTable({ rows }: { rows: readonly PredictedClassFigures[] }) {
  const [sort, setSort] = useState<{ by: Column; up: boolean }>({ by: 'answered', up: false });
  const [filter, setFilter] = useState('');
  const kept = rows.filter((r) => r.label.toLowerCase().includes(filter.toLowerCase()));
  const value = (r: PredictedClassFigures) => r[sort.by] ?? -1;
  const sorted = [...kept].sort((a, b) => { const x = value(a); const y = value(b); return (x < y ? -1 : x > y ? 1 : 0) * (sort.up ? 1 : -1); });
  return (
    <article class="card">
      <h3>Per label <small>how often the model answered it on the validation rows and how often that was right</small></h3>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>Label contains <input name="label-filter" value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} /></label>
        <small>{kept.length} of {rows.length} labels{kept.length > ROWS_SHOWN ? `, first ${ROWS_SHOWN} shown` : ''}</small>
      </form>
      <div class="scroll">
        <table class="per-class">
          <thead><tr>{COLUMNS.map(([c, name]) => (
            <th key={c} aria-sort={sort.by === c ? (sort.up ? 'ascending' : 'descending') : undefined}>
              <button class="sort" data-column={c} onClick={() => setSort({ by: c, up: sort.by === c ? !sort.up : c === 'label' })}>{name}{sort.by === c ? (sort.up ? ' ▲' : ' ▼') : ''}</button>
            </th>
          ))}</tr></thead>
          <tbody>{sorted.slice(0, ROWS_SHOWN).map((r) => <tr key={r.label} data-label={r.label}><td><code>{r.label}</code></td><td>{r.answered}</td><td>{pct(r.precision)}</td><td>{pct(r.meanConfidence)}</td></tr>)}</tbody>
        </table>
      </div>
    </article>
  );
}
