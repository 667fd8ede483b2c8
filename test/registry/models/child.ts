/**
 * Test-only child process: opens the back-end named by argv[2] (JSON BackendSpec) and does one job,
 * so the contract suite can run real concurrent processes and kill one mid-registration.
 *   register NAME ARTIFACT_DIR COUNT FIRST_SEED START_AT  registers COUNT versions, prints their numbers as JSON
 *   alias NAME ALIAS START_AT V1,V2,...                    moves ALIAS to each version in turn
 *   open START_AT                                        opens (migrating a fresh back-end) and lists models
 *   register-pause NAME ARTIFACT_PATH                     stores the artifact, prints "stored <sha>", then hangs
 */
import { openFromSpec, type BackendSpec } from './backends.js';
import { writeSyntheticArtifact } from './fixtures.js';

const sleepUntil = async (t: number) => { while (Date.now() < t) await new Promise((r) => setTimeout(r, Math.min(5, t - Date.now()))); };

async function main(): Promise<void> {
  const [specJson, job, ...args] = process.argv.slice(2);
  const ws = await openFromSpec(JSON.parse(specJson!) as BackendSpec);
  try {
    if (job === 'register') {
      const [name, dir, count, firstSeed, startAt] = args;
      const paths = Array.from({ length: Number(count) }, (_, i) => writeSyntheticArtifact(dir!, Number(firstSeed) + i));
      await sleepUntil(Number(startAt));
      const versions: number[] = [];
      for (const artifactPath of paths) versions.push((await ws.registerModelVersion({ name: name!, artifactPath, actor: `child-${process.pid}` })).version);
      process.stdout.write(`${JSON.stringify(versions)}\n`);
    } else if (job === 'alias') {
      const [name, alias, startAt, versions] = args;
      await sleepUntil(Number(startAt));
      for (const v of versions!.split(',').map(Number)) await ws.setAlias({ name: name!, alias: alias!, version: v, actor: `child-${process.pid}` });
      process.stdout.write('done\n');
    } else if (job === 'open') {
      await sleepUntil(Number(args[0]));
      process.stdout.write(`${(await ws.listModels()).length}\n`);
    } else if (job === 'register-pause') {
      const [name, artifactPath] = args;
      await ws.registerModelVersion({
        name: name!, artifactPath: artifactPath!, actor: 'doomed',
        afterArtifactStored: async (sha) => {
          process.stdout.write(`stored ${sha}\n`);
          await new Promise(() => setInterval(() => undefined, 1000));
        },
      });
    } else {
      throw new Error(`unknown job ${String(job)}`);
    }
  } finally {
    ws.close();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exitCode = 1;
});
