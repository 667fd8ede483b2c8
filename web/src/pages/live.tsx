import { useEffect, useRef, useState } from 'preact/hooks';
import { getText } from '../api.js';
import { TimeChart } from '../chart.js';
import { Notice } from '../components.js';
import { liveFigures, type Scrape, type VariantFigures } from '../live-figures.js';
import { parsePrometheus } from '../prometheus.js';

const EVERY_MS = 2000;
const KEEP = 150; // five minutes at one point every two seconds

interface History { readonly x: number[]; readonly rows: VariantFigures[][] }

/** Requests/s and p50/p99 latency per variant from the server's /metrics, every two seconds. */
export function LivePage() {
  const [history, setHistory] = useState<History>({ x: [], rows: [] });
  const [error, setError] = useState<string | undefined>(undefined);
  const last = useRef<Scrape | undefined>(undefined);
  useEffect(() => {
    let live = true;
    const scrape = async () => {
      try {
        const now: Scrape = { at: Date.now(), samples: parsePrometheus(await getText('/metrics')) };
        const before = last.current;
        last.current = now;
        setError(undefined);
        if (before && live) {
          const figures = liveFigures(before, now);
          setHistory((h) => ({ x: [...h.x, now.at / 1000].slice(-KEEP), rows: [...h.rows, figures].slice(-KEEP) }));
        }
      } catch (e) {
        if (live) setError((e as Error).message);
      }
    };
    void scrape();
    const timer = setInterval(scrape, EVERY_MS);
    return () => { live = false; clearInterval(timer); };
  }, []);
  const keys = [...new Set(history.rows.flatMap((r) => r.map((f) => f.key)))].sort();
  const column = (k: string, pick: (f: VariantFigures) => number | null) => history.rows.map((r) => { const f = r.find((x) => x.key === k); return f ? pick(f) : null; });
  const latest = history.rows.at(-1) ?? [];
  return (
    <section>
      <h2>Live serving</h2>
      <Notice error={error} />
      {history.rows.length === 0 && !error && <p>Reading /metrics…</p>}
      {history.rows.length > 0 && keys.length === 0 && <p>This server serves no model (<code>lading ui</code>); open the dashboard of a <code>lading serve</code> process to see its traffic.</p>}
      {keys.length > 0 && (
        <>
          <div class="scroll">
            <table class="live">
              <thead><tr><th>Endpoint / variant (model)</th><th>Requests/s</th><th>p50 ms</th><th>p99 ms</th><th>Errors/s (endpoint)</th></tr></thead>
              <tbody>
                {latest.map((f) => (
                  <tr key={f.key}><td>{f.key}</td><td>{f.rps.toFixed(1)}</td><td>{f.p50Ms?.toFixed(2) ?? '—'}</td><td>{f.p99Ms?.toFixed(2) ?? '—'}</td><td>{f.errorsPerSecond.toFixed(2)}</td></tr>
                ))}
              </tbody>
            </table>
          </div>
          <TimeChart title="Requests per second" unit="req/s" x={history.x} series={keys.map((k) => ({ label: k, values: column(k, (f) => f.rps) }))} />
          <TimeChart title="Latency p50 (dashed) and p99" unit="ms" x={history.x}
            series={keys.flatMap((k) => [{ label: `${k} p99`, values: column(k, (f) => f.p99Ms) }, { label: `${k} p50`, values: column(k, (f) => f.p50Ms), dash: true }])} />
        </>
      )}
    </section>
  );
}
