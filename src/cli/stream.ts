import { InputError } from '../core/errors.js';
import { describeSource } from '../config/load-settings.js';
import { checkServingTaxonomy, STREAM_DEFAULTS, startStreamProcess } from '../platform/index.js';
import { intFlag, parseVerbArgs, requireFlag } from './args.js';
import { COMMON_HELP, COMMON_OPTIONS, type Verb } from './context.js';
import { writeJson, writeLine } from './output.js';

const OPTIONS = {
  ...COMMON_OPTIONS,
  model: { type: 'string' },
  name: { type: 'string' },
  deployment: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  consumer: { type: 'string' },
  'dead-letter': { type: 'string' },
  'id-field': { type: 'string' },
  'text-field': { type: 'string' },
  'key-field': { type: 'string' },
  'entities-field': { type: 'string' },
  'online-store-url': { type: 'string' },
  top: { type: 'string' },
  batch: { type: 'string' },
  concurrency: { type: 'string' },
  'max-deliver': { type: 'string' },
  'ack-wait-ms': { type: 'string' },
  'max-ack-pending': { type: 'string' },
  'results-per-batch': { type: 'boolean' },
  'ack-each-result': { type: 'boolean' },
  port: { type: 'string' },
  'stream-url': { type: 'string' },
  workers: { type: 'string' },
  'max-delay-ms': { type: 'string' },
  'poll-ms': { type: 'string' },
  log: { type: 'boolean' },
  'no-log': { type: 'boolean' },
  'log-flush-ms': { type: 'string' },
  'log-text': { type: 'boolean' },
  'log-sample': { type: 'string' },
  'no-log-text': { type: 'boolean' },
  taxonomy: { type: 'string' },
  remap: { type: 'string' },
} as const;

export const verb: Verb = {
  summary: 'classify a NATS JetStream stream: inputs in, one stored result per input out, nothing lost',
  help: `Usage: lading stream (--model REF [--name E] | --deployment E) --from STREAM[:SUBJECT] --to SUBJECT [options]

Pulls inputs from a durable JetStream pull consumer, classifies them in micro-batches through the
same endpoints and deployments as \`lading serve\` (A/B with sticky keys, canary, shadow; deployment
changes apply without a restart), publishes one result per input on --to with the input's id as
its Nats-Msg-Id, waits until the result stream has stored it, and only then acks the input. Runs
until Ctrl-C / SIGTERM, then finishes and acks the micro-batches in hand and exits 0. Start more
workers with the same --consumer to share the work.

Input: JSON {"id": ..., "text": "...", "key": "..."} (field names below; without an id, the
message's Nats-Msg-Id, else STREAM:SEQ), or a plain UTF-8 text body (its id as above).
Result: {"id","label","score","top":[{"label","score"}...],"endpoint","model","version","variant"}.

How a result is known stored before its input is acked: the micro-batch's results are published
as plain NATS messages (each with its input's id as Nats-Msg-Id), then one message on <to>.fence
that the same stream stores, published with JetStream's acknowledgement: a stream stores what one
connection sends in order, so that acknowledgement proves every result before it stored. After a
disconnect the batch's results are published again one by one, each acknowledged. A result stream
that does not store <to>.fence gets the one-by-one way throughout.

Delivery contract: every input gets a result; an input delivered twice (a worker killed between
storing its result and its ack) is classified twice, and the result stream drops the second result
as a duplicate when it comes within its duplicate window (10 minutes on a stream lading creates;
the stream's own setting otherwise): one result message per input id. With --results-per-batch a
reader keys on each result's id instead.

Options:
  --model REF            an artifact file, or NAME, NAME@ALIAS, NAME@VERSION (as lading serve)
  --name ENDPOINT        endpoint name for --model (default: the model's name)
  --deployment NAME      classify through the stored deployment NAME (changes apply live)
  --from STREAM[:SUBJECT]  the input stream, and only this subject of it
  --to SUBJECT           results go here; a subject no stream stores gets a stream of its own
                         (LADING_RESULTS_<subject>, file storage)
  --consumer NAME        the durable consumer (default lading-<stream>-<endpoint>); workers with the
                         same name share the inputs
  --dead-letter SUBJECT  inputs that cannot be classified, with the reason (default <to>.dead):
                         not UTF-8, not the JSON expected, no text, empty or over 10,000 characters
                         go there at once; a classification or publish failure is retried with a
                         growing delay and goes there at its --max-deliver-th delivery
  --id-field F, --text-field F, --key-field F   JSON field names (default id, text, key)
  --entities-field F     JSON field of the entity keys ({"importer": "I42"}) for models trained with
                         entity features (default entities)
  --online-store-url URL   where those features are looked up: Redis (redis://...); env
                         LADING_ONLINE_STORE_URL; default <home>/online.sqlite
  --top K                ranked classes per result (default ${STREAM_DEFAULTS.top})
  --batch N              inputs pulled at most per micro-batch (default ${STREAM_DEFAULTS.batch})
  --concurrency N        micro-batches in flight (default ${STREAM_DEFAULTS.concurrency})
  --max-deliver N        deliveries before a failing input is dead-lettered (default ${STREAM_DEFAULTS.maxDeliver})
  --ack-wait-ms MS       the consumer's AckWait (default ${STREAM_DEFAULTS.ackWaitMs})
  --max-ack-pending N    the consumer's MaxAckPending, across all its workers (default ${STREAM_DEFAULTS.maxAckPending})
  --results-per-batch    one result message per micro-batch ({"results": [...]}), for throughput
  --ack-each-result      wait for the stream's acknowledgement of every result before acking its
                         input, instead of one fence per micro-batch (see below); slower
  --port N               also serve /metrics (throughput, batch sizes, consumer lag, redeliveries,
                         dead letters, beside the serving metrics), the health routes and the
                         REST / OIP routes on this port; default none
  --stream-url URL       the NATS server (default nats://127.0.0.1:4222); env LADING_STREAM_URL
  --workers N, --max-delay-ms MS, --poll-ms MS   serving threads, batching delay, deployment polling (as lading serve)
  --taxonomy NAME[@V], --remap OLD->NEW|ID   answer in a stored taxonomy, through a correlation
                         table during a transition (as lading serve): results carry "description"
                         and "decision", and "review" with a split's candidates
  --no-log, --log-flush-ms MS, --no-log-text, --log-sample S     the prediction log (as lading serve); every result is
                         logged with the input's id as its request id, so feedback joins by it
${COMMON_HELP}`,

  async run(ctx) {
    const { values } = parseVerbArgs('stream', ctx.argv, OPTIONS, false);
    if (values.help) { writeLine(ctx.stdout, this.help); return 0; }
    if ((values.model === undefined) === (values.deployment === undefined)) {
      throw new InputError('missing-flag', 'lading stream: give --model REF or --deployment NAME (not both)', { verb: 'stream' }, 'Run `lading stream --help`.');
    }
    const from = requireFlag('stream', values.from, '--from');
    const to = requireFlag('stream', values.to, '--to');
    const { port: portFlag, ...settingFlags } = values;
    const resolved = ctx.resolveSettings({
      ...settingFlags,
      log: values['no-log'] ? false : values.log,
      'log-text': values['no-log-text'] ? false : values['log-text'],
    });
    const { settings } = resolved;
    await checkServingTaxonomy(settings, (key) => describeSource(resolved.sources[key]));
    const job = {
      from, to, consumer: values.consumer, deadLetter: values['dead-letter'],
      fields: { id: values['id-field'], text: values['text-field'], key: values['key-field'], entities: values['entities-field'] },
      top: intFlag('stream', values.top, '--top', STREAM_DEFAULTS.top, 1, 100),
      batch: intFlag('stream', values.batch, '--batch', STREAM_DEFAULTS.batch, 1, 10_000),
      concurrency: intFlag('stream', values.concurrency, '--concurrency', STREAM_DEFAULTS.concurrency, 1, 64),
      maxDeliver: intFlag('stream', values['max-deliver'], '--max-deliver', STREAM_DEFAULTS.maxDeliver, 1, 1000),
      ackWaitMs: intFlag('stream', values['ack-wait-ms'], '--ack-wait-ms', STREAM_DEFAULTS.ackWaitMs, 1000, 3_600_000),
      maxAckPending: intFlag('stream', values['max-ack-pending'], '--max-ack-pending', STREAM_DEFAULTS.maxAckPending, 1, 1_000_000),
      perBatch: values['results-per-batch'] === true,
      ackEachResult: values['ack-each-result'] === true,
      port: portFlag === undefined ? undefined : intFlag('stream', portFlag, '--port', 0, 0, 65535),
    };
    const target = values.deployment !== undefined ? { deployments: [values.deployment] } : { models: [{ ref: values.model!, endpoint: values.name }] };
    const running = await startStreamProcess(settings, target, {
      ...job, fields: Object.fromEntries(Object.entries(job.fields).filter(([, v]) => v !== undefined)),
    }, {
      signal: ctx.signal,
      onLogWarning: (line) => ctx.stderr.write(`${line}\n`),
      onSyncReport: (r) => {
        for (const f of r.failed) ctx.stderr.write(`deployment ${f.endpoint} not applied: ${f.error}\n`);
        for (const a of r.applied) ctx.stderr.write(`deployment ${a} applied\n`);
      },
    });
    const { places, prepared } = running;
    const summary = {
      endpoint: running.endpoint, from: { stream: places.stream, subject: places.subject ?? null }, consumer: places.consumer, to: places.to,
      deadLetter: places.deadLetter, resultStream: prepared.resultStream, createdStreams: prepared.created, duplicateWindowMs: prepared.duplicateWindowMs,
      resultsPerBatch: job.perBatch, proof: running.worker.proof, batch: job.batch, concurrency: job.concurrency, url: running.url ?? null,
    };
    if (values.json) writeJson(ctx.stdout, summary);
    else {
      writeLine(ctx.stdout, `classifying ${places.stream}${places.subject ? `:${places.subject}` : ''} through ${running.endpoint} (consumer ${places.consumer}) into ${places.to} (stream ${prepared.resultStream}${prepared.created.length > 0 ? ', created now' : ''}; duplicate window ${Math.round(prepared.duplicateWindowMs / 1000)} s)`);
      writeLine(ctx.stdout, `dead letters to ${places.deadLetter}; ${job.perBatch ? 'one result message per micro-batch' : `one result message per input, ${running.worker.proof === 'fence' ? 'proven stored by one fence per micro-batch' : 'each acknowledged'}`}${running.url ? `; metrics at ${running.url}/metrics` : ''}`);
    }
    const stopping = () => ctx.stderr.write('stopping: finishing the micro-batches in hand...\n');
    if (ctx.signal.aborted) stopping();
    else ctx.signal.addEventListener('abort', stopping, { once: true });
    try {
      await running.done;
    } finally {
      await running.closed;
    }
    const c = running.worker.counts;
    ctx.stderr.write(`stopped: ${c.classified} classified, ${c.dead} dead-lettered, ${c.retried} to retry\n`);
    return 0;
  },
};
