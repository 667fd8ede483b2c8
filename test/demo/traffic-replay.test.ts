import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { replayTraffic } from '../../src/demo/traffic-replay.js';

const body = async (req: IncomingMessage): Promise<unknown> => {
  let s = '';
  for await (const piece of req) s += String(piece);
  return JSON.parse(s) as unknown;
};

describe('traffic replay', () => {
  it('holds ratePerSecond, reports every answer, and sends the labels by request id', async () => {
    const feedback: Array<{ requestId: string; position: number; label: string }> = [];
    let n = 0;
    const server = createServer((req, res) => {
      void body(req).then((b) => {
        if (req.url?.endsWith('/v1/feedback')) feedback.push(...(b as { items: typeof feedback }).items);
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(req.url?.endsWith(':classify') ? { requestId: `r${n++}`, variant: 'main' } : { accepted: 1 }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const lines = Array.from({ length: 30 }, (_, i) => ({ text: `line ${i}`, label: `L${i % 3}` }));
      const answered: string[] = [];
      const t0 = performance.now();
      const r = await replayTraffic({ url, endpoint: 'e', lines, batch: 2, labelled: 1, lag: 2, ratePerSecond: 100, onAnswer: (a, chunk) => answered.push(`${a.requestId}:${chunk.length}`) });
      const ms = performance.now() - t0;
      // The 15th request (texts 28-29) is due at 280 ms.
      assert.ok(ms >= 275, `30 texts at 100/s took only ${ms.toFixed(0)} ms`);
      assert.equal(r.texts, 30);
      assert.equal(answered.length, 15);
      assert.equal(answered[14], 'r14:2');
      assert.equal(feedback.length, 30);
      assert.deepEqual(feedback.find((f) => f.requestId === 'r3' && f.position === 1), { requestId: 'r3', position: 1, label: lines[7]!.label });
    } finally {
      server.close();
    }
  });
});
