import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../../bin/lading.js', import.meta.url));

export interface ServeChild {
  readonly child: ChildProcess;
  readonly url: string;
  stderr(): string;
  readonly exited: Promise<number | null>;
}

/** `lading serve --home HOME --port 0 --json ...args` as a real process; resolves once it printed its URL. */
export async function startServeChild(home: string, args: readonly string[]): Promise<ServeChild> {
  const child = spawn(process.execPath, [bin, 'serve', '--home', home, '--port', '0', '--host', '127.0.0.1', '--json', '--workers', '1', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      try { resolve((JSON.parse(out) as { url: string }).url); } catch { /* not complete yet */ }
    });
    void exited.then((code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
  return { child, url, stderr: () => err, exited };
}

export interface Load {
  /** Stops the loops and waits for the requests in flight. */
  stop(): Promise<void>;
  readonly failures: string[];
  /** Model versions that answered. */
  readonly versions: Set<string>;
  answered(): number;
}

/** `loops` clients sending `texts` to an endpoint back to back, recording every answer that is not a 200. */
export function classifyUnderLoad(url: string, endpoint: string, texts: readonly string[], loops = 8): Load {
  let stopped = false;
  let ok = 0;
  const failures: string[] = [];
  const versions = new Set<string>();
  const loop = async () => {
    while (!stopped) {
      try {
        const r = await fetch(`${url}/v1/models/${endpoint}:classify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ texts }) });
        const body = (await r.json()) as { version?: string; error?: string };
        if (r.status !== 200) failures.push(`${r.status} ${body.error}`);
        else { ok++; versions.add(body.version!); }
      } catch (e) {
        failures.push(String(e));
      }
    }
  };
  const running = Array.from({ length: loops }, loop);
  return { stop: async () => { stopped = true; await Promise.all(running); }, failures, versions, answered: () => ok };
}
