/**
 * Test-only child process on the embedded bus file argv[2], so the suite can run real concurrent
 * processes and SIGKILL one mid-consume:
 *   consume DURABLE ACK_WAIT_MS HOLD_SEQ   acks every delivery, printing "acked SEQ"; at HOLD_SEQ prints
 *                                          "holding SEQ" and hangs without acking (to be killed)
 *   drain DURABLE COUNT                     acks deliveries until COUNT came, printing each "SEQ" line
 *   publish FROM TO                         publishes registered(FROM..TO), printing "published N duplicates D"
 */
import { SqliteBus } from '../../src/bus/embedded/sqlite-bus.js';
import { registered } from './bus-contract.js';

async function main(): Promise<void> {
  const [file, job, ...args] = process.argv.slice(2);
  const bus = new SqliteBus(file!, { pollMs: 10 });
  const say = (line: string) => process.stdout.write(`${line}\n`);
  if (job === 'consume') {
    const [durable, ackWait, hold] = args;
    const sub = await bus.subscribe(durable!, { ackWaitMs: Number(ackWait) });
    for await (const d of sub) {
      if (d.seq === Number(hold)) {
        say(`holding ${d.seq}`);
        await new Promise(() => setInterval(() => undefined, 1000));
      }
      await d.ack();
      say(`acked ${d.seq}`);
    }
  } else if (job === 'drain') {
    const [durable, count] = args;
    const sub = await bus.subscribe(durable!, { ackWaitMs: 30_000 });
    let n = 0;
    while (n < Number(count)) {
      // Never more than its share: what it pulls and does not ack would wait out the 30 s lease.
      for (const d of await sub.next(Math.min(4, Number(count) - n), 20_000)) {
        await d.ack();
        say(String(d.seq));
        n++;
      }
    }
  } else if (job === 'publish') {
    const [from, to] = args.map(Number);
    let duplicates = 0;
    for (let i = from!; i <= to!; i++) if ((await bus.publish(registered(i))).duplicate) duplicates++;
    say(`published ${to! - from! + 1} duplicates ${duplicates}`);
  } else {
    throw new Error(`unknown job ${String(job)}`);
  }
  await bus.close();
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
