/**
 * A serving process whose prediction log can be switched off and on while it runs, for bench:monitor's
 * fair on/off figure. It is `lading serve --model MODEL --name hs4` (the same settings resolution and
 * `startServingProcess`), plus one thing: lines on stdin detach and attach the log's observers.
 *
 * Why: two fresh `lading serve` processes on this VM differ by 20-25% in CPU per request whatever
 * the log does (per-thread /proc CPU, 2026-12-07: 91, 122, 117, 103 µs a request, log on, off, on,
 * off), so the ratio of two processes measures which process was lucky. Switched in one process,
 * both states share the JIT's history, the heap and the threads' CPU placement.
 *
 * Off here means what `--no-log` means for the request path: no observer is subscribed, so no text
 * is ranked for the log, queued or written. The writer threads stay up, idle, and the store stays open.
 *
 * stdin:  `off` | `on` | `count` (rows in the store, after a flush) | `observers`
 * stdout: `ready PORT`, then one line answering each command.
 * Run: node dist/bench/serve-log-switch.js MODEL PORT HOME
 */
import { createInterface } from 'node:readline';
import { availableParallelism } from 'node:os';
import { resolveSettings } from '../src/config/load-settings.js';
import { LOGGED_TOP_K } from '../src/monitoring/log/logged-prediction.js';
import { startServingProcess } from '../src/platform/index.js';
import type { PredictionObserver } from '../src/serving/prediction-observers.js';

async function main(): Promise<void> {
  const [model, port, home] = process.argv.slice(2);
  if (model === undefined || port === undefined || home === undefined) throw new Error('usage: serve-log-switch.js MODEL PORT HOME');
  const { settings } = resolveSettings({
    flags: { home, port, workers: String(availableParallelism()) }, env: process.env, isTTY: false, cwd: process.cwd(),
  });
  const stopping = new AbortController();
  process.once('SIGTERM', () => stopping.abort());
  const served = await startServingProcess(settings, { models: [{ ref: model, endpoint: 'hs4' }] }, { signal: stopping.signal });
  const log = served.log;
  if (log === undefined) throw new Error('the prediction log is off in these settings (LADING_LOG=false?)');
  // What the log subscribes (the log itself and the review queue that rides on it), to detach and attach again.
  const attached: Array<[string, PredictionObserver]> = [['prediction-log', log.writer.observer]];
  if (served.review?.observer) attached.push(['review-queue', served.review.observer.observer]);
  const plane = served.plane;
  const answer = (line: string) => process.stdout.write(`${line}\n`);
  answer(`ready ${served.port}`);
  for await (const line of createInterface({ input: process.stdin })) {
    const command = line.trim();
    if (command === 'off') {
      await plane.observersFlushed();
      for (const [name] of attached) plane.unobserve(name);
      answer(`off ${plane.observers.join(',')}`);
    } else if (command === 'on') {
      for (const [name, observer] of attached) if (!plane.observers.includes(name)) plane.observe(name, observer, { reads: 'top', top: LOGGED_TOP_K });
      answer(`on ${plane.observers.join(',')}`);
    } else if (command === 'count') {
      await log.flush();
      answer(`count ${await log.store.countPredictions({ endpoint: 'hs4' })}`);
    } else if (command === 'observers') {
      answer(`observers ${plane.observers.join(',')}`);
    } else {
      answer(`error unknown command ${JSON.stringify(command)}`);
    }
  }
  stopping.abort();
  await served.closed;
}

main().catch((e: unknown) => { console.error(e); process.exitCode = 1; });
