import { availableParallelism, userInfo } from 'node:os';
import { z } from 'zod';

/**
 * Every setting lading has, typed. Read once (cli/context.ts calls config/load-settings.ts) from
 * flags, then LADING_* environment variables, then the project file lading.yaml, then the default;
 * everything below config/ receives this object and never reads the environment itself.
 */
export interface Settings {
  readonly home: string;
  readonly threads: number;
  readonly interactive: boolean;
  readonly registryUrl: string | undefined;
  readonly registrySchema: string;
  /** The event bus: NATS JetStream at this URL, or (absent) the embedded bus in the workspace. */
  readonly busUrl: string | undefined;
  /** The feature store's online store in Redis; absent: <home>/online.sqlite. */
  readonly onlineStoreUrl: string | undefined;
  /** The NATS server `lading stream` reads inputs from and writes results to. */
  readonly streamUrl: string;
  readonly port: number;
  readonly host: string;
  readonly workers: number;
  /** `lading serve` processes sharing the port (1 = one process, the default). */
  readonly processes: number;
  readonly maxDelayMs: number;
  readonly maxBodyKb: number;
  readonly token: string | undefined;
  /** YAML file of named tokens with roles and model scopes (config/tokens-file.ts); replaces the single token's all-or-nothing. */
  readonly tokensFile: string | undefined;
  /** Approvals must come from someone other than who registered the version. */
  readonly fourEyes: boolean;
  readonly protectPredictions: boolean;
  readonly pollMs: number;
  readonly actor: string;
  /** `lading serve` records every answer in the prediction log (monitoring store). */
  readonly log: boolean;
  readonly logFlushMs: number;
  readonly logQueueTexts: number;
  readonly logRetentionDays: number;
  readonly logRetentionRows: number;
  readonly logText: boolean;
  readonly logSample: number;
  /** `lading serve` routes a text to the review queue when its top score is below this (0 = route none). */
  readonly reviewBelow: number;
  /** Decide or route: answers carry `decision` auto/review at this precision (a deployment's targetPrecision wins); none by default. */
  readonly targetPrecision: number | undefined;
  /** The active taxonomy of endpoints whose deployment names none (`hs2022` or `hs2022@1`); none by default. */
  readonly servingTaxonomy: string | undefined;
  /** The correlation table answers go through during a transition (`hs2017->hs2022` or a table id); none by default. */
  readonly servingRemap: string | undefined;
  /** `lading serve` also runs the monitor loop (drift, accuracy, alerts) in its own process. */
  readonly monitor: boolean;
  /** How often the monitor evaluates the alert rules (`lading monitor run`, `serve --monitor`). */
  readonly monitorIntervalMs: number;
  /** Where fired and resolved alerts are POSTed as JSON, besides stdout and the alert history. */
  readonly alertWebhook: string | undefined;
  /** How often `lading controller` looks at its releases and pipelines (and renews its lease). */
  readonly controllerIntervalMs: number;
  /** lading.yaml's `monitoring:` section: `alerts` is a list of alert rules (monitoring/alerts/alert-rule-parser.ts checks them). */
  readonly monitoring: MonitoringSection;
  /** Open section of lading.yaml; the lifecycle issue defines its shape. */
  readonly pipelines: Readonly<Record<string, unknown>>;
  /** Open section of lading.yaml; the feature-store issue defines its shape. */
  readonly features: Readonly<Record<string, unknown>>;
}

export type SettingKey = keyof Settings;

/**
 * The shape of lading.yaml's `monitoring:` section as config/ can check it (config imports only
 * core): the rules themselves are checked where they are understood, with the line of each rule
 * found through ResolvedSettings.locate.
 */
export interface MonitoringSection {
  readonly alerts?: readonly unknown[] | undefined;
}

/** How a flag or environment variable's text becomes a value (the project file gives typed YAML). */
export type SettingKind = 'string' | 'int' | 'number' | 'boolean' | 'section';

/** What a default may depend on: where lading runs, and whether a person watches a terminal. */
export interface DefaultContext {
  readonly isTTY: boolean;
  readonly ci: boolean;
}

export interface SettingSpec<T> {
  readonly kind: SettingKind;
  readonly schema: z.ZodType<T>;
  /** Says what a valid value is, for error messages ("a whole number from 1 to 256"). */
  readonly expect: string;
  readonly env?: string;
  readonly flag?: string;
  /** The default, for people (README, help, `config show`). */
  readonly defaultText: string;
  readonly default: (c: DefaultContext) => T;
  readonly doc: string;
  /** A path: relative values are taken from the current directory, or from lading.yaml's folder. */
  readonly path?: true;
  /** Never printed in full. */
  readonly secret?: true;
}

const wholeNumber = (min: number, max: number) => z.number().int().min(min).max(max);
const cores = () => availableParallelism();

function loginName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

export const SETTINGS: { readonly [K in SettingKey]-?: SettingSpec<Settings[K]> } = {
  home: {
    kind: 'string', schema: z.string().min(1), expect: 'a folder path', env: 'LADING_HOME', flag: '--home', path: true,
    defaultText: './.lading', default: () => '.lading', doc: 'workspace folder: SQLite metadata and the artifact folder',
  },
  threads: {
    kind: 'int', schema: wholeNumber(1, 256), expect: 'a whole number from 1 to 256', env: 'LADING_THREADS', flag: '--threads',
    defaultText: 'all cores', default: cores, doc: 'worker threads for training and prediction',
  },
  interactive: {
    kind: 'boolean', schema: z.boolean(), expect: 'true or false', env: 'LADING_INTERACTIVE',
    defaultText: 'stderr is a terminal and CI is unset', default: (c) => c.isTTY && !c.ci, doc: 'live progress bars instead of plain progress lines',
  },
  registryUrl: {
    kind: 'string', schema: z.string().regex(/^postgres(ql)?:\/\//).optional(), expect: 'a postgres:// URL',
    env: 'LADING_REGISTRY_URL', flag: '--registry-url', secret: true,
    defaultText: 'none (SQLite under home)', default: () => undefined, doc: 'share datasets, models, deployments and artifacts in PostgreSQL',
  },
  registrySchema: {
    kind: 'string', schema: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), expect: 'a PostgreSQL schema name (letters, digits, _)',
    env: 'LADING_REGISTRY_SCHEMA', flag: '--registry-schema', defaultText: 'public', default: () => 'public', doc: 'PostgreSQL schema of the shared registry',
  },
  busUrl: {
    kind: 'string', schema: z.string().regex(/^nats:\/\/[^\s,]+(,nats:\/\/[^\s,]+)*$/).optional(), expect: 'a nats:// URL (several comma-separated)',
    env: 'LADING_BUS_URL', flag: '--bus-url', secret: true,
    defaultText: 'embedded (SQLite in the workspace)', default: () => undefined, doc: 'lifecycle events on NATS JetStream instead of the embedded bus under home',
  },
  onlineStoreUrl: {
    kind: 'string', schema: z.string().regex(/^rediss?:\/\/\S+$/).optional(), expect: 'a redis:// or rediss:// URL',
    env: 'LADING_ONLINE_STORE_URL', flag: '--online-store-url', secret: true,
    defaultText: 'embedded (SQLite in the workspace)', default: () => undefined, doc: 'the feature store\'s online store in Redis instead of <home>/online.sqlite',
  },
  streamUrl: {
    kind: 'string', schema: z.string().regex(/^nats:\/\/[^\s,]+(,nats:\/\/[^\s,]+)*$/), expect: 'a nats:// URL (several comma-separated)',
    env: 'LADING_STREAM_URL', flag: '--stream-url', secret: true,
    defaultText: 'nats://127.0.0.1:4222', default: () => 'nats://127.0.0.1:4222', doc: 'the NATS JetStream server `lading stream` reads inputs from and writes results to',
  },
  port: {
    kind: 'int', schema: wholeNumber(0, 65535), expect: 'a port number from 0 to 65535', env: 'LADING_PORT', flag: '--port',
    defaultText: '8080', default: () => 8080, doc: 'HTTP port of `lading serve` (0 = any free port)',
  },
  host: {
    kind: 'string', schema: z.string().min(1), expect: 'a host name or IP address', env: 'LADING_HOST', flag: '--host',
    defaultText: '127.0.0.1', default: () => '127.0.0.1', doc: 'address `lading serve` listens on',
  },
  workers: {
    kind: 'int', schema: wholeNumber(1, 256), expect: 'a whole number from 1 to 256', env: 'LADING_WORKERS', flag: '--workers',
    defaultText: 'all cores', default: cores, doc: 'serving threads',
  },
  processes: {
    kind: 'int', schema: wholeNumber(1, 256), expect: 'a whole number from 1 to 256', env: 'LADING_PROCESSES', flag: '--processes',
    defaultText: '1', default: () => 1, doc: '`lading serve` processes sharing the port, each scoring on its HTTP thread',
  },
  maxDelayMs: {
    kind: 'number', schema: z.number().min(0).max(1000), expect: 'milliseconds from 0 to 1000', env: 'LADING_MAX_DELAY_MS', flag: '--max-delay-ms',
    defaultText: '2', default: () => 2, doc: 'longest a request waits to be batched with others',
  },
  maxBodyKb: {
    kind: 'int', schema: wholeNumber(1, 1 << 20), expect: 'a whole number of kilobytes from 1 to 1048576', env: 'LADING_MAX_BODY_KB', flag: '--max-body-kb',
    defaultText: '1024', default: () => 1024, doc: 'largest HTTP request body',
  },
  token: {
    kind: 'string', schema: z.string().min(1).optional(), expect: 'a non-empty string', env: 'LADING_TOKEN', flag: '--token', secret: true,
    defaultText: 'none (admin routes off)', default: () => undefined, doc: 'bearer token for the admin routes',
  },
  tokensFile: {
    kind: 'string', schema: z.string().min(1).optional(), expect: 'a file path', env: 'LADING_TOKENS_FILE', flag: '--tokens-file', path: true,
    defaultText: 'none (the single token, if any, may do everything)', default: () => undefined,
    doc: 'named tokens with roles (read, predict, register, approve, deploy, review) and model scopes, each stored as its sha256',
  },
  fourEyes: {
    kind: 'boolean', schema: z.boolean(), expect: 'true or false', env: 'LADING_FOUR_EYES', flag: '--four-eyes',
    defaultText: 'false', default: () => false, doc: 'a version is approved only by someone other than who registered it',
  },
  protectPredictions: {
    kind: 'boolean', schema: z.boolean(), expect: 'true or false', env: 'LADING_PROTECT_PREDICTIONS', flag: '--protect-predictions',
    defaultText: 'false', default: () => false, doc: 'also demand the token on prediction routes',
  },
  pollMs: {
    kind: 'int', schema: wholeNumber(50, 3_600_000), expect: 'a whole number of milliseconds from 50 to 3600000', env: 'LADING_POLL_MS', flag: '--poll-ms',
    defaultText: '250', default: () => 250, doc: 'how often a server looks for deployment and alias changes (one small query; a change reaches every server within about this plus the model\'s load)',
  },
  actor: {
    kind: 'string', schema: z.string().trim().min(1), expect: 'a non-empty name', env: 'LADING_ACTOR', flag: '--actor',
    defaultText: 'the login name', default: loginName, doc: 'who acts, as recorded in the audit log',
  },
  log: {
    kind: 'boolean', schema: z.boolean(), expect: 'true or false', env: 'LADING_LOG', flag: '--log',
    defaultText: 'true', default: () => true,
    doc: 'record every answer of `lading serve` in the prediction log (`--no-log` turns it off)',
  },
  logFlushMs: {
    kind: 'int', schema: wholeNumber(10, 60_000), expect: 'a whole number of milliseconds from 10 to 60000', env: 'LADING_LOG_FLUSH_MS', flag: '--log-flush-ms',
    defaultText: '1000', default: () => 1000, doc: 'how often logged answers are written: the most a killed server loses',
  },
  logQueueTexts: {
    kind: 'int', schema: wholeNumber(100, 10_000_000), expect: 'a whole number from 100 to 10000000', env: 'LADING_LOG_QUEUE_TEXTS', flag: '--log-queue-texts',
    defaultText: '50000', default: () => 50_000, doc: 'texts waiting to be logged at most; beyond, answers are dropped from the log and counted',
  },
  logRetentionDays: {
    kind: 'number', schema: z.number().min(0).max(36_500), expect: 'days from 0 to 36500 (0 = no age limit)', env: 'LADING_LOG_RETENTION_DAYS', flag: '--log-retention-days',
    defaultText: '30', default: () => 30, doc: 'logged predictions older than this are deleted (hourly, and by `lading log prune`)',
  },
  logRetentionRows: {
    kind: 'int', schema: wholeNumber(0, 1e12), expect: 'a whole number from 0 (no limit) to 10^12', env: 'LADING_LOG_RETENTION_ROWS', flag: '--log-retention-rows',
    defaultText: '10000000', default: () => 10_000_000, doc: 'the oldest logged predictions beyond this many rows are deleted',
  },
  logText: {
    kind: 'boolean', schema: z.boolean(), expect: 'true or false', env: 'LADING_LOG_TEXT', flag: '--log-text',
    defaultText: 'true', default: () => true, doc: 'keep each logged text; false keeps only its sha256 (confidential descriptions)',
  },
  logSample: {
    kind: 'number', schema: z.number().gt(0).max(1), expect: 'a share above 0 and at most 1', env: 'LADING_LOG_SAMPLE', flag: '--log-sample',
    defaultText: '1', default: () => 1,
    doc: 'the share of requests the prediction log keeps (whole requests, picked by a hash of the request id, so a request and its shadow copy go together); below 1 for very large volumes: drift and accuracy read a sample',
  },
  reviewBelow: {
    kind: 'number', schema: z.number().min(0).max(1), expect: 'a score from 0 to 1 (0 = route none)', env: 'LADING_REVIEW_BELOW', flag: '--review-below',
    defaultText: '0 (route none)', default: () => 0,
    doc: '`lading serve` routes each text whose top score is below this to the review queue (`lading review`, GET /v1/review); needs the prediction log',
  },
  targetPrecision: {
    kind: 'number', schema: z.number().gt(0).lt(1).optional(), expect: 'a precision strictly between 0 and 1, e.g. 0.98',
    env: 'LADING_TARGET_PRECISION', flag: '--target-precision',
    defaultText: 'none (answers carry no decision)', default: () => undefined,
    doc: 'decide or route: each answer says "auto" when its model\'s per-class thresholds reach this precision, else "review" (a deployment\'s targetPrecision wins)',
  },
  servingTaxonomy: {
    kind: 'string', schema: z.string().min(1).max(256).optional(), expect: 'a stored taxonomy, NAME or NAME@VERSION',
    env: 'LADING_SERVING_TAXONOMY', flag: '--taxonomy',
    defaultText: 'none (labels answered as they are)', default: () => undefined,
    doc: '`lading serve` / `lading stream`: answers carry each code\'s official description and never a code this taxonomy lacks (the best valid one, else "review"); a deployment\'s taxonomy wins',
  },
  servingRemap: {
    kind: 'string', schema: z.string().min(1).max(256).optional(), expect: 'a stored correlation table, OLD->NEW or its id',
    env: 'LADING_SERVING_REMAP', flag: '--remap',
    defaultText: 'none', default: () => undefined,
    doc: '`lading serve` / `lading stream`: answers go through this correlation table (old codes to new; a split goes to review with its candidates) until a model trained on the new taxonomy serves; a deployment\'s remap wins',
  },
  monitor: {
    kind: 'boolean', schema: z.boolean(), expect: 'true or false', env: 'LADING_MONITOR', flag: '--monitor',
    defaultText: 'false', default: () => false,
    doc: '`lading serve` also evaluates the alert rules every monitorIntervalMs, off the request path (needs the prediction log)',
  },
  monitorIntervalMs: {
    kind: 'int', schema: wholeNumber(100, 86_400_000), expect: 'a whole number of milliseconds from 100 to 86400000', env: 'LADING_MONITOR_INTERVAL_MS', flag: '--monitor-interval-ms',
    // 30 s: one evaluation of a 5,000-prediction window (drift tests and the domain classifier) takes
    // well under a second, and the default error-rate and latency rules hold for 60 s, so they fire
    // within 60-90 s of the problem starting.
    defaultText: '30000', default: () => 30_000,
    doc: 'how often the monitor (`lading monitor run`, `serve --monitor`) evaluates the alert rules',
  },
  controllerIntervalMs: {
    kind: 'int', schema: wholeNumber(50, 3_600_000), expect: 'a whole number of milliseconds from 50 to 3600000', env: 'LADING_CONTROLLER_INTERVAL_MS', flag: '--controller-interval-ms',
    // 1 s: a tick reads the release's evidence from the log and feedback (milliseconds for a few
    // thousand rows) and renews the 5 s lease, so a standby takes over within about 6 s.
    defaultText: '1000', default: () => 1_000,
    doc: 'how often `lading controller` moves its releases on, runs due pipelines and renews its lease',
  },
  alertWebhook: {
    kind: 'string', schema: z.string().regex(/^https?:\/\/\S+$/).optional(), expect: 'an http:// or https:// URL',
    env: 'LADING_ALERT_WEBHOOK', flag: '--alert-webhook', secret: true,
    defaultText: 'none', default: () => undefined,
    doc: 'POST each fired and resolved alert as JSON to this URL (retried with backoff)',
  },
  monitoring: {
    kind: 'section', schema: z.object({ alerts: z.array(z.unknown()).optional() }).strict(), expect: 'a mapping with an `alerts:` list of rules',
    defaultText: '{} (the default rules)', default: () => ({}),
    doc: 'alert rules (lading.yaml only): `monitoring: {alerts: [...]}` adds, replaces or switches off (`enabled: false`) rules by name',
  },
  pipelines: {
    kind: 'section', schema: z.record(z.string(), z.unknown()), expect: 'a mapping', defaultText: '{}', default: () => ({}),
    doc: 'training pipelines (lading.yaml only; shape defined by the lifecycle)',
  },
  features: {
    kind: 'section', schema: z.record(z.string(), z.unknown()), expect: 'a mapping', defaultText: '{}', default: () => ({}),
    doc: 'feature views (lading.yaml only; shape defined by the feature store)',
  },
};

export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];
