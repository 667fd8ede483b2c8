import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** A stream worker's own meters, beside the serving plane's on the same registry (`/metrics`). */
export class StreamMeters {
  readonly inputs: Counter<'outcome'>;
  readonly redeliveries: Counter;
  readonly duplicates: Counter;
  readonly batchSize: Histogram;
  readonly publishToResult: Histogram;
  readonly pending: Gauge;

  constructor(readonly registry: Registry) {
    const registers = [registry];
    this.inputs = new Counter({ name: 'lading_stream_inputs_total', help: 'Inputs handled: classified (result stored, input acked), dead (dead-lettered), retried (nak: delivered again later)', labelNames: ['outcome'], registers });
    this.redeliveries = new Counter({ name: 'lading_stream_redeliveries_total', help: 'Inputs received for the second time or more (a worker died, or an ack or publish failed)', registers });
    this.duplicates = new Counter({ name: 'lading_stream_duplicate_results_total', help: 'Results the result stream dropped as already stored (same input id within its duplicate window)', registers });
    this.batchSize = new Histogram({ name: 'lading_stream_batch_inputs', help: 'Inputs per pulled micro-batch', buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024], registers });
    this.publishToResult = new Histogram({
      name: 'lading_stream_input_to_result_seconds', help: 'From the input stored in its stream to its result stored',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers,
    });
    this.pending = new Gauge({ name: 'lading_stream_consumer_pending', help: 'Consumer lag: inputs in the stream not yet delivered to a worker, plus delivered and not yet acked', registers });
  }
}
