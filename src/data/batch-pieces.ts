const IDLE = Symbol('idle');

/**
 * Regroups pieces of rows (as readers yield them, one per input chunk) into batches of `size` rows,
 * in order. A partial batch is also given out when the input has been quiet for `idleMs` while rows
 * wait, so a slow producer (a person typing, a pipe fed now and then) gets answers as it goes
 * instead of when 4096 rows have piled up; a file arrives faster than that and fills whole batches.
 */
export async function* batchPieces<T>(pieces: AsyncIterable<T[]>, size: number, idleMs: number): AsyncGenerator<T[]> {
  const iterator = pieces[Symbol.asyncIterator]();
  let batch: T[] = [];
  let pending: Promise<IteratorResult<T[]>> | undefined;
  try {
    for (;;) {
      pending ??= iterator.next();
      const next = batch.length > 0 ? await orIdle(pending, idleMs) : await pending;
      if (next === IDLE) {
        const full = batch;
        batch = [];
        yield full;
        continue;
      }
      pending = undefined;
      if (next.done) break;
      for (const row of next.value) {
        batch.push(row);
        if (batch.length === size) {
          const full = batch;
          batch = [];
          yield full;
        }
      }
    }
    if (batch.length > 0) yield batch;
  } finally {
    // Stopped early: close the source, after the read in flight (if any) settles.
    if (pending === undefined) await iterator.return?.();
    else void pending.then(() => iterator.return?.(), () => undefined);
  }
}

function orIdle<R>(pending: Promise<R>, idleMs: number): Promise<R | typeof IDLE> {
  let timer: NodeJS.Timeout | undefined;
  const idle = new Promise<typeof IDLE>((resolve) => { timer = setTimeout(resolve, idleMs, IDLE); });
  return Promise.race([pending, idle]).finally(() => clearTimeout(timer));
}
