import { getJson } from '../api.js';
import { Badge, Notice, when } from '../components.js';
import type { PipelineOverview, PipelineRun, PipelineRunStep, UiInfo } from '../types.js';
import { useData } from '../use-data.js';

const seconds = (from: number, to: number | null) => (to === null ? 'running' : `${((to - from) / 1000).toFixed(1)} s`);
/** The gates step's verdict ("passed", "failed: accuracy ..."); null when the run never reached the gates. */
const gatesOf = (run: PipelineRun): PipelineRunStep | undefined => run.steps.find((s) => s.name === 'gates');

/** Every pipeline the store knows (lading.yaml `pipelines:`), its newest runs, their timed steps and the gates' verdict. Read-only. */
export function PipelinesPage({ info }: { info: UiInfo | undefined }) {
  if (info === undefined) return null;
  if (!info.pipelines) return <section><h2>Pipelines</h2><p>Pipeline runs are read by <code>lading ui</code> (this server does not open the pipeline store).</p></section>;
  return <Pipelines />;
}

function Pipelines() {
  const { data, error } = useData(() => getJson<{ pipelines: PipelineOverview[] }>('/v1/ui/pipelines?runs=20'), 'pipelines');
  return (
    <section>
      <h2>Pipelines</h2>
      <Notice error={error} />
      {data?.pipelines.length === 0 && <p>No pipeline has run yet (<code>lading pipeline run NAME</code>, or the controller's triggers).</p>}
      {data?.pipelines.map((p) => (
        <article class="card" key={p.state.pipeline} data-pipeline={p.state.pipeline}>
          <h3>{p.state.pipeline} {p.state.paused ? <Badge text="paused" /> : null}
            <small>{p.state.paused ? `paused by ${p.state.pausedBy ?? '?'}${p.state.pauseReason ? `: ${p.state.pauseReason}` : ''} · ` : ''}{p.runs.length} newest runs</small>
          </h3>
          <div class="scroll">
            <table class="runs">
              <thead><tr><th>Started</th><th>Trigger</th><th>Status</th><th>Took</th><th>Dataset</th><th>Candidate</th><th>Gates</th><th>Steps</th></tr></thead>
              <tbody>{p.runs.map((r) => <Run key={r.id} run={r} />)}</tbody>
            </table>
          </div>
        </article>
      ))}
    </section>
  );
}

function Run({ run: r }: { run: PipelineRun }) {
  const gates = gatesOf(r);
  const [model, version] = r.candidate?.split('@') ?? [];
  return (
    <tr data-run={r.id}>
      <td>{when(r.startedAt)} <small>by {r.actor}</small></td>
      <td>{r.trigger}</td>
      <td><Badge text={r.status} />{r.error && <small class="run-error"> {r.error}</small>}</td>
      <td>{seconds(r.startedAt, r.finishedAt)}</td>
      <td><code>{r.dataset ?? '—'}</code>{r.holdout && <small> held out <code>{r.holdout}</code></small>}</td>
      <td>{model && version ? <a href={`#/evaluation/${encodeURIComponent(model)}/${encodeURIComponent(version)}`}>{r.candidate}</a> : '—'}</td>
      <td class="gates">{gates ? <span class={gates.detail?.startsWith('passed') ? 'gate-passed' : 'gate-failed'}>{gates.detail ?? 'running'}</span> : <small>not reached</small>}</td>
      <td>
        <details>
          <summary>{r.steps.length} steps</summary>
          <ol class="steps">{r.steps.map((s) => <li key={`${s.name}-${s.startedAt}`}><strong>{s.name}</strong> {seconds(s.startedAt, s.finishedAt)}{s.detail ? `: ${s.detail}` : ''}</li>)}</ol>
        </details>
      </td>
    </tr>
  );
}
