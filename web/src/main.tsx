import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { getJson, session } from './api.js';
import { AuditPage } from './pages/audit.js';
import { DeploymentsPage } from './pages/deployments.js';
import { ExperimentsPage } from './pages/experiments.js';
import { LivePage } from './pages/live.js';
import { ModelsPage } from './pages/models.js';
import { MonitoringPage } from './pages/monitoring.js';
import { LazyPage } from './lazy-page.js';
import './style.css';
import type { UiInfo } from './types.js';
import { useData } from './use-data.js';

const PAGES = [['models', 'Models'], ['deployments', 'Deployments'], ['live', 'Live serving'], ['monitoring', 'Monitoring'], ['experiments', 'Experiments'], ['lineage', 'Lineage'], ['review', 'Review'], ['pipelines', 'Pipelines'], ['audit', 'Audit log']] as const;

// Loaded on first visit (their own chunks); module-level so LazyPage loads each once.
const loadLineage = () => import('./pages/lineage.js').then((m) => m.LineagePage);
const loadEvaluation = () => import('./pages/evaluation.js').then((m) => m.EvaluationPage);
const loadReview = () => import('./pages/review.js').then((m) => m.ReviewPage);
const loadPipelines = () => import('./pages/pipelines.js').then((m) => m.PipelinesPage);

/** Hash routes (#/models, #/deployments/ENDPOINT): the server serves one index.html for every page. */
function useRoute(): string[] {
  const read = () => location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  const [route, setRoute] = useState(read());
  useEffect(() => {
    const on = () => setRoute(read());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

function Credentials({ info }: { info: UiInfo | undefined }) {
  const [token, setToken] = useState(session.token);
  const [actor, setActor] = useState(session.actor);
  return (
    <form class="credentials" onSubmit={(e) => e.preventDefault()}>
      <label>Acting as <input name="actor" placeholder="dashboard" value={actor} onInput={(e) => { const v = (e.target as HTMLInputElement).value; setActor(v); session.actor = v; }} /></label>
      {info?.tokenRequired && (
        <label>Token <input name="token" type="password" autocomplete="off" value={token} onInput={(e) => { const v = (e.target as HTMLInputElement).value; setToken(v); session.token = v; }} /></label>
      )}
    </form>
  );
}

function App() {
  const [page = 'models', arg, arg2] = useRoute();
  const info = useData(() => getJson<UiInfo>('/v1/ui/info'), 'info');
  return (
    <>
      <header>
        <h1>lading</h1>
        <nav>{PAGES.map(([id, label]) => <a key={id} href={`#/${id}`} aria-current={page === id || (page === 'evaluation' && id === 'lineage') ? 'page' : undefined}>{label}</a>)}</nav>
        <Credentials info={info.data} />
      </header>
      <main>
        {page === 'models' && <ModelsPage />}
        {page === 'deployments' && <DeploymentsPage endpoint={arg} />}
        {page === 'live' && <LivePage />}
        {page === 'monitoring' && <MonitoringPage info={info.data} />}
        {page === 'experiments' && <ExperimentsPage id={arg} available={info.data?.experiments} />}
        {page === 'lineage' && <LazyPage load={loadLineage} props={{ model: arg }} />}
        {page === 'evaluation' && <LazyPage load={loadEvaluation} props={{ model: arg, version: arg2 }} />}
        {page === 'review' && <LazyPage load={loadReview} props={{ endpoint: arg, info: info.data }} />}
        {page === 'pipelines' && <LazyPage load={loadPipelines} props={{ info: info.data }} />}
        {page === 'audit' && <AuditPage />}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
