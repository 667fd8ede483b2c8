import { useState } from 'preact/hooks';
import { getJson, postJson } from '../api.js';
import { Notice, when } from '../components.js';
import type { DeploymentRecord, ReviewItem, ReviewPage as ReviewPageData, UiInfo } from '../types.js';
import { useData } from '../use-data.js';

const STATES = ['open', 'answered', 'all'] as const;
/** Most valuable first (the queue's own order); a person works through the top of it. */
const PAGE_SIZE = 100;

/**
 * One endpoint's review queue (GET /v1/review): the texts the model did not decide alone, most
 * valuable first. Reading needs no token; an answer (accept a suggestion or type the label) goes
 * through POST /v1/review/{id}, needs the token when one is set, and becomes feedback under the
 * name typed in "Acting as".
 */
export function ReviewPage({ endpoint, info }: { endpoint: string | undefined; info: UiInfo | undefined }) {
  if (info === undefined) return null;
  if (!info.review) {
    return <section><h2>Review queue</h2><p>This server has no review queue: <code>lading serve</code> with the prediction log on, or <code>lading ui</code>, serves it (<code>--review-below</code> or an endpoint's target precision routes texts to it).</p></section>;
  }
  return <Endpoints endpoint={endpoint} info={info} />;
}

/** The endpoints this server serves and (lading ui, which serves none) those deployed. */
function Endpoints({ endpoint, info }: { endpoint: string | undefined; info: UiInfo }) {
  const deployed = useData(() => (info.deployments ? getJson<{ deployments: DeploymentRecord[] }>('/v1/ui/deployments') : Promise.resolve({ deployments: [] })), 'deployments');
  const endpoints = [...new Set([...info.endpoints, ...(deployed.data?.deployments.filter((d) => d.spec !== null).map((d) => d.endpoint) ?? [])])];
  const chosen = endpoint ?? endpoints[0];
  return (
    <section>
      <h2>Review queue{chosen ? `: ${chosen}` : ''}</h2>
      <p class="model-links">Endpoint: {endpoints.map((e) => <a key={e} href={`#/review/${encodeURIComponent(e)}`} aria-current={e === chosen ? 'page' : undefined}>{e}</a>)}</p>
      {chosen === undefined ? (deployed.data || deployed.error ? <p>No endpoint is served or deployed.</p> : null) : <Queue endpoint={chosen} />}
    </section>
  );
}

function Queue({ endpoint }: { endpoint: string }) {
  const [state, setState] = useState<(typeof STATES)[number]>('open');
  const path = `/v1/review?endpoint=${encodeURIComponent(endpoint)}&state=${state}&limit=${PAGE_SIZE}`;
  const { data, error, reload } = useData(() => getJson<ReviewPageData>(path), path);
  return (
    <>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>Show <select name="state" value={state} onChange={(e) => setState((e.target as HTMLSelectElement).value as typeof state)}>{STATES.map((s) => <option key={s} value={s}>{s}</option>)}</select></label>
        <button type="button" onClick={reload}>Refresh</button>
        {data && <small>{data.items.length} item{data.items.length === 1 ? '' : 's'}{data.nextCursor ? ` shown, more behind them` : ''}</small>}
      </form>
      <Notice error={error} />
      {data?.items.length === 0 && <p>Nothing {state === 'all' ? '' : state} in the queue.</p>}
      {data?.items.map((item) => <Item key={item.id} item={item} onAnswered={reload} />)}
    </>
  );
}

function Item({ item, onAnswered }: { item: ReviewItem; onAnswered: () => void }) {
  const [label, setLabel] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const answer = async (body: Record<string, unknown>) => {
    setBusy(true);
    try {
      await postJson(`/v1/review/${item.id}`, body);
      setError(undefined);
      onAnswered();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <article class="card review-item" data-item={item.id} data-state={item.state}>
      <p class="review-text">{item.text}</p>
      <p><small>{item.occurrences} × · {item.model}@{item.version} ({item.variant}) · last {when(item.lastSeen)}</small></p>
      {item.answer ? (
        <p class="answer">Answered <strong>{item.answer.label}</strong>{item.answer.suggestion !== null ? ' (accepted suggestion)' : ''} by {item.answer.actor} at {when(item.answer.at)}{item.answer.note ? `: ${item.answer.note}` : ''}</p>
      ) : (
        <form class="review-answer" onSubmit={(e) => { e.preventDefault(); if (label.trim() !== '') void answer({ label: label.trim() }); }}>
          {item.suggestions.map((s, k) => (
            <button type="button" key={s.label} class="suggestion" data-suggestion={k} disabled={busy} title={s.description} onClick={() => void answer({ accept: k })}>
              {s.label} <small>{(100 * s.score).toFixed(0)}%</small>{s.description ? <small class="description"> {s.description}</small> : null}
            </button>
          ))}
          <input name="label" placeholder="or type the label" value={label} onInput={(e) => setLabel((e.target as HTMLInputElement).value)} />
          <button type="submit" class="primary" disabled={busy || label.trim() === ''}>Answer</button>
        </form>
      )}
      <Notice error={error} />
    </article>
  );
}
