/**
 * In-process wake-ups: a publish through any SqliteBus on a file wakes the subscriptions of this
 * process waiting on that file at once, instead of at their next poll. (Other processes poll.)
 */
const waiters = new Map<string, Set<() => void>>();

export function wakeWaiters(file: string): void {
  const set = waiters.get(file);
  if (set === undefined) return;
  waiters.delete(file);
  for (const wake of set) wake();
}

/** Resolves after `ms`, or earlier when an event is published to `file` here or `stop` is raised. */
export function waitForEvents(file: string, ms: number, stop: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    let set = waiters.get(file);
    if (set === undefined) waiters.set(file, (set = new Set()));
    const done = (): void => {
      clearTimeout(timer);
      waiters.get(file)?.delete(done);
      stop.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    set.add(done);
    stop.addEventListener('abort', done, { once: true });
  });
}
