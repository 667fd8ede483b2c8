import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** The code version recorded in artifacts: package version (a build from git adds nothing that changes bytes). */
export function codeVersion(): string {
  if (cached !== undefined) return cached;
  const url = new URL('../../../package.json', import.meta.url);
  try {
    const pkg = JSON.parse(readFileSync(url, 'utf8')) as { name?: string; version?: string };
    cached = `${pkg.name ?? 'lading'}@${pkg.version ?? '0.0.0'}`;
  } catch {
    cached = 'lading@unknown';
  }
  return cached;
}
