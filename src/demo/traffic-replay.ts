/**
 * Production traffic for the demo and the lifecycle benchmark: labelled lines sent to a running
 * server as clients would (REST classify requests with a sticky key), and the true labels of a
 * share of them sent back later as a broker's corrections (`POST /v1/feedback`, joined by request
 * id), `lag` requests behind, as delayed labels arrive in real life.
 */
export interface ReplayOptions {
  readonly url: string;
  readonly endpoint: string;
  readonly lines: ReadonlyArray<{ readonly text: string; readonly label: string }>;
  /** Texts per request. */
  readonly batch: number;
  /** Share of texts whose true label is sent back, in [0, 1]. */
  readonly labelled: number;
  /** Labels of a request are sent once this many later requests were answered. */
  readonly lag: number;
  /**
   * Texts per second, held steady: a request is sent once the texts before it are due at this
   * rate (late requests go at once, so the average holds when a call is slow). Default: as fast as
   * the server answers, one request at a time.
   */
  readonly ratePerSecond?: number;
  /** Stops early when it returns true (checked between requests). */
  readonly stop?: () => boolean;
  /** After each answered request: how many texts so far. */
  readonly onProgress?: (texts: number) => void;
  /** Each answer with the lines it classified (e.g. to send their labels later by request id). */
  readonly onAnswer?: (answer: Answer, lines: ReadonlyArray<{ readonly text: string; readonly label: string }>) => void;
}

export interface ReplayResult {
  readonly requests: number;
  readonly texts: number;
  readonly labels: number;
  /** Texts each variant answered, by variant name. */
  readonly byVariant: Readonly<Record<string, number>>;
}

export interface Answer {
  readonly requestId: string;
  readonly variant: string;
}

export async function replayTraffic(o: ReplayOptions): Promise<ReplayResult> {
  const pending: Array<Array<{ requestId: string; position: number; label: string }>> = [];
  const byVariant: Record<string, number> = {};
  let requests = 0;
  let texts = 0;
  let labels = 0;
  const sendLabels = async (items: Array<{ requestId: string; position: number; label: string }>) => {
    if (items.length === 0) return;
    await post(`${o.url}/v1/feedback`, { endpoint: o.endpoint, items });
    labels += items.length;
  };
  let every = 0;
  const started = performance.now();
  for (let at = 0; at < o.lines.length && !(o.stop?.() ?? false); at += o.batch) {
    if (o.ratePerSecond !== undefined) {
      const wait = started + (texts / o.ratePerSecond) * 1000 - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    const chunk = o.lines.slice(at, at + o.batch);
    const answer = await post(`${o.url}/v1/models/${o.endpoint}:classify`, { texts: chunk.map((l) => l.text), key: `client-${requests % 97}` }) as Answer;
    requests++;
    texts += chunk.length;
    o.onAnswer?.(answer, chunk);
    const variant = answer.variant;
    byVariant[variant] = (byVariant[variant] ?? 0) + chunk.length;
    const items: Array<{ requestId: string; position: number; label: string }> = [];
    chunk.forEach((l, position) => {
      // An even spread: the k-th text is labelled when floor(k × share) steps up.
      if (Math.floor((every + 1) * o.labelled) > Math.floor(every * o.labelled)) items.push({ requestId: answer.requestId, position, label: l.label });
      every++;
    });
    pending.push(items);
    if (pending.length > o.lag) await sendLabels(pending.shift()!);
    o.onProgress?.(texts);
  }
  for (const items of pending) await sendLabels(items);
  return { requests, texts, labels, byVariant };
}

async function post(url: string, body: unknown): Promise<unknown> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = await r.json() as unknown;
  if (!r.ok) throw new Error(`POST ${url}: ${r.status} ${JSON.stringify(json).slice(0, 300)}`);
  return json;
}
