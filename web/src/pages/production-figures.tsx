import type { ProductionFigures } from '../types.js';

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
/** Worst classes shown by recall: the ones a person should look at first. */
const WORST_SHOWN = 15;

/**
 * The version's answers that people later labelled (feedback): the most confused classes as a heat
 * map (row = true label, column = the answer; darker = more of the row's rows), the confusions in
 * words, and the classes with the lowest recall.
 */
export function ProductionCard({ p }: { p: ProductionFigures }) {
  const worst = [...p.perClass].sort((a, b) => a.recall - b.recall || b.support - a.support).slice(0, WORST_SHOWN);
  return (
    <article class="card" data-section="production">
      <h3>On labels from production <small>{p.rows} {p.rows === 1 ? 'answer' : 'answers'} of this version got a true label (feedback, review answers)</small></h3>
      <ul class="figures">
        <li>Accuracy<strong>{pct(p.accuracy)}</strong></li>
        <li>Macro-F1<strong>{pct(p.macroF1)}</strong></li>
        <li>Confusions<strong>{p.topConfusions.reduce((s, c) => s + c.count, 0)}</strong></li>
      </ul>
      {p.heatmap.labels.length > 0 ? <Heatmap labels={p.heatmap.labels} counts={p.heatmap.counts} /> : <p>No answer was wrong.</p>}
      <div class="scroll">
        <table class="worst-classes">
          <thead><tr><th>Label</th><th>Recall</th><th>Precision</th><th>F1</th><th>True rows</th><th>Answered</th></tr></thead>
          <tbody>{worst.map((c) => <tr key={c.label} data-label={c.label}><td><code>{c.label}</code></td><td>{pct(c.recall)}</td><td>{pct(c.precision)}</td><td>{pct(c.f1)}</td><td>{c.support}</td><td>{c.predicted}</td></tr>)}</tbody>
        </table>
      </div>
    </article>
  );
}

function Heatmap({ labels, counts }: { labels: readonly string[]; counts: ReadonlyArray<readonly number[]> }) {
  return (
    <div class="scroll">
      <table class="heatmap" aria-label="most confused classes: true label by row, answer by column">
        <thead><tr><th>true ↓ / answered →</th>{labels.map((l) => <th key={l}><code>{l}</code></th>)}</tr></thead>
        <tbody>
          {labels.map((t, i) => {
            const row = counts[i]!;
            const total = row.reduce((s, x) => s + x, 0) || 1;
            return (
              <tr key={t}>
                <th><code>{t}</code></th>
                {row.map((n, j) => (
                  <td key={labels[j]} data-cell={`${t}>${labels[j]}`} class={i === j ? 'diagonal' : n > 0 ? 'confused' : ''}
                    style={n > 0 ? { background: `rgba(${i === j ? '22, 163, 74' : '220, 38, 38'}, ${0.15 + 0.85 * (n / total)})` } : undefined}
                    title={`${n} of ${total} rows labelled ${t} were answered ${labels[j]}`}>{n > 0 ? n : ''}</td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
