/**
 * Test-only child process: opens the back-end named by argv[2] (JSON BackendSpec), waits until
 * START_AT (ms since epoch) so two children really append at the same time, then appends COUNT
 * revisions to ENDPOINT and prints the revision numbers it got as JSON.
 *   ENDPOINT COUNT START_AT
 */
import { openFromSpec, type BackendSpec } from '../models/backends.js';

const sleepUntil = async (t: number) => { while (Date.now() < t) await new Promise((r) => setTimeout(r, Math.min(5, t - Date.now()))); };

async function main(): Promise<void> {
  const [specJson, endpoint, count, startAt] = process.argv.slice(2);
  const ws = await openFromSpec(JSON.parse(specJson!) as BackendSpec);
  try {
    await sleepUntil(Number(startAt));
    const revisions: number[] = [];
    for (let i = 0; i < Number(count); i++) {
      const spec = { endpoint: endpoint!, mode: 'single' as const, variants: [{ name: 'main', model: `m@${i + 1}`, weight: 1, role: 'primary' as const }] };
      revisions.push((await ws.deployments.append(endpoint!, spec, 'deploy', `child-${process.pid}`, `step ${i}`)).revision);
    }
    process.stdout.write(`${JSON.stringify(revisions)}\n`);
  } finally {
    ws.close();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exitCode = 1;
});
