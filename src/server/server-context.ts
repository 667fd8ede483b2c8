import type { AccessGrant } from '../core/access.js';
import type { ModelRegistry } from '../registry/model-registry.js';
import type { DeploymentControl } from '../lifecycle/deployment-control.js';
import type { FeedbackTarget } from '../monitoring/feedback/accept-feedback.js';
import type { ReviewQueue } from '../review/review-queue.js';
import { DEFAULT_REQUEST_LIMITS, type RequestLimits } from '../serving/request-limits.js';
import type { ServingPlane } from '../serving/serving-plane.js';
import type { UiBackend } from './routes/ui-backend.js';

/** The part of the registry the read-only registry routes use. */
export type RegistryReader = Pick<ModelRegistry, 'listModels' | 'listModelVersions' | 'listAliases'>;

export interface AppDeps {
  readonly plane: ServingPlane;
  readonly limits?: RequestLimits;
  /** Largest request body in bytes (default 1 MiB). */
  readonly maxBodyBytes?: number;
  /** Bearer token for admin routes; when unset, admin routes are off (404). */
  readonly token?: string | undefined;
  /** Named tokens with roles and model scopes (the tokens file); with them, each action needs its role. */
  readonly grants?: readonly AccessGrant[] | undefined;
  /** Also demand the token on prediction and metadata routes. */
  readonly protectPredictions?: boolean;
  /** Deployment changes (admin routes); absent = read-only server. */
  readonly control?: DeploymentControl | undefined;
  /** Called after an admin change so the server applies it at once instead of at the next poll. */
  readonly afterChange?: () => Promise<unknown>;
  /** True while shutting down: new requests get 503, readiness goes false. */
  readonly isDraining?: () => boolean;
  /** Serves GET /v1/registry/... (read-only) when given. */
  readonly registry?: RegistryReader | undefined;
  /** Serves POST /v1/feedback when given (the process has a monitoring store). */
  readonly feedback?: FeedbackTarget | undefined;
  /** Serves /v1/review when given: the queue, and where its answers go as feedback. */
  readonly review?: ReviewTarget | undefined;
  /**
   * The Prometheus text of GET /metrics (default: this process's plane). `serve --processes`
   * gives the sum over every process sharing the port, so that one scrape sees them all.
   */
  readonly metricsText?: (() => Promise<string>) | undefined;
  /** The dashboard: its built files (served at /ui) and what its JSON API reads and changes (/v1/ui). */
  readonly ui?: UiBackend | undefined;
}

export interface ReviewTarget {
  readonly queue: ReviewQueue;
  readonly feedback: FeedbackTarget;
}

/** What every route module gets: the dependencies with their defaults filled in. */
export interface ServerContext {
  readonly plane: ServingPlane;
  readonly limits: RequestLimits;
  readonly maxBodyBytes: number;
  readonly token: string | undefined;
  readonly grants: readonly AccessGrant[] | undefined;
  readonly protectPredictions: boolean;
  readonly control: DeploymentControl | undefined;
  readonly afterChange: (() => Promise<unknown>) | undefined;
  readonly isDraining: () => boolean;
  readonly registry: RegistryReader | undefined;
  readonly feedback: FeedbackTarget | undefined;
  readonly review: ReviewTarget | undefined;
  readonly metricsText: () => Promise<string>;
  readonly ui: UiBackend | undefined;
}

const DEFAULT_MAX_BODY = 1 << 20;

export function serverContext(deps: AppDeps): ServerContext {
  return {
    plane: deps.plane,
    limits: deps.limits ?? DEFAULT_REQUEST_LIMITS,
    maxBodyBytes: deps.maxBodyBytes ?? DEFAULT_MAX_BODY,
    token: deps.token,
    grants: deps.grants,
    protectPredictions: deps.protectPredictions ?? false,
    control: deps.control,
    afterChange: deps.afterChange,
    isDraining: deps.isDraining ?? (() => false),
    registry: deps.registry,
    feedback: deps.feedback,
    review: deps.review,
    metricsText: deps.metricsText ?? (() => deps.plane.metrics.text()),
    ui: deps.ui,
  };
}
