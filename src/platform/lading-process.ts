/** A running process lading started (serving, monitor; next the controller and stream worker): every one stops the same orderly way. */
export interface LadingProcess {
  /** Orderly stop; idempotent. Resolves once everything the process opened is closed. */
  close(): Promise<void>;
  /** Resolves when close() finished (whoever called it). */
  readonly closed: Promise<void>;
}

/** close() and closed for a process whose orderly stop is `stop`: run once whoever calls, closed resolves when it ends (thrown or not). */
export function orderlyClose(stop: () => Promise<void>): LadingProcess {
  let closing: Promise<void> | undefined;
  let markClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => { markClosed = resolve; });
  return {
    close: () => (closing ??= stop().finally(markClosed)),
    closed,
  };
}

/** The process closes when `signal` aborts (at once if it already has). */
export function closeOnAbort(signal: AbortSignal | undefined, process: Pick<LadingProcess, 'close'>): void {
  signal?.addEventListener('abort', () => { void process.close(); }, { once: true });
  if (signal?.aborted) void process.close();
}
