import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { Notice } from './components.js';

/**
 * A page loaded on first visit (its own chunk): the pages most people open every day stay in the
 * first load, the heavier analysis pages (lineage, evaluation, review, pipelines) come when asked.
 */
export function LazyPage<P extends object>({ load, props }: { load: () => Promise<ComponentType<P>>; props: P }) {
  const [Page, setPage] = useState<ComponentType<P> | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    let live = true;
    load().then((p) => { if (live) setPage(() => p); }, (e: unknown) => { if (live) setError(`the page could not be loaded: ${(e as Error).message}`); });
    return () => { live = false; };
  }, [load]);
  return Page ? <Page {...props} /> : <Notice error={error} />;
}
