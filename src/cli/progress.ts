import type { Writable } from 'node:stream';

/**
 * Progress for long work: a redrawn bar with rate and ETA on a terminal, plain lines (at most one
 * every `lineEverySeconds`) elsewhere, nothing in --json mode (stdout stays machine-readable; progress
 * always goes to stderr).
 */
export interface ProgressReporter {
  update(phase: string, done: number, total: number, info?: Readonly<Record<string, number | string>>): void;
  finish(message?: string): void;
}

export function createProgress(stderr: Writable, mode: 'bar' | 'lines' | 'off', lineEverySeconds = 5): ProgressReporter {
  let phase = '';
  let phaseStart = 0;
  let lastDraw = 0;
  let drawn = false;
  const now = () => performance.now() / 1000;

  const text = (done: number, total: number, info?: Readonly<Record<string, number | string>>) => {
    const elapsed = Math.max(now() - phaseStart, 1e-9);
    const rate = done / elapsed;
    const eta = rate > 0 && total > done ? (total - done) / rate : 0;
    const extra = info ? Object.entries(info).map(([k, v]) => `${k}=${typeof v === 'number' ? (Number.isInteger(v) ? v : v.toFixed(4)) : v}`).join(' ') : '';
    return { rate, eta, extra, elapsed };
  };

  return {
    update(p, done, total, info) {
      if (mode === 'off') return;
      const t = now();
      if (p !== phase) { phase = p; phaseStart = t; lastDraw = 0; }
      const finished = done >= total;
      if (mode === 'bar') {
        if (!finished && t - lastDraw < 0.1) return;
        lastDraw = t;
        const { rate, eta, extra } = text(done, total, info);
        const width = 24;
        const filled = total > 0 ? Math.round((width * Math.min(done, total)) / total) : 0;
        stderr.write(`\r\x1b[2K${phase} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${fmtRate(rate)}/s eta ${fmtSecs(eta)} ${extra}`);
        drawn = true;
      } else {
        if (!finished && t - lastDraw < lineEverySeconds) return;
        lastDraw = t;
        const { rate, eta, extra } = text(done, total, info);
        stderr.write(`${phase}: ${done}/${total} (${total > 0 ? ((100 * done) / total).toFixed(0) : 100}%) ${fmtRate(rate)}/s eta ${fmtSecs(eta)} ${extra}\n`);
      }
    },
    finish(message) {
      if (mode === 'bar' && drawn) stderr.write('\r\x1b[2K');
      drawn = false;
      if (message && mode !== 'off') stderr.write(`${message}\n`);
    },
  };
}

function fmtRate(r: number): string {
  return r >= 1e6 ? `${(r / 1e6).toFixed(2)}M` : r >= 1e4 ? `${(r / 1e3).toFixed(1)}k` : r.toFixed(r >= 100 ? 0 : 1);
}

function fmtSecs(s: number): string {
  if (s < 60) return `${s.toFixed(0)}s`;
  return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
}
