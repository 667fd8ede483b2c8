/**
 * The model half of the Registry contract: registered models with immutable versions 1..N, aliases
 * that point at one version each, an approval status per version, an append-only audit log, and
 * lineage. SQLite (sqlite/model-registry.ts) and PostgreSQL (postgres/model-registry.ts)
 * implement it; test/registry/models/ is the one contract suite both pass.
 *
 * Alias rule (what "serves traffic" means): every alias serves traffic, and so may only point at an
 * APPROVED version, except the staging aliases `candidate`, `shadow` and `staging` and any alias
 * starting with `candidate-`, `shadow-`, `staging-` or `dev-` (see aliasServesTraffic). Those may
 * point at a pending version. No alias may ever point at a rejected or deleted version. `challenger`
 * serves traffic (A/B and canary answer real requests with it), so it needs approval too.
 *
 * Refs (resolveModel): `name` (= `name@champion`), `name@alias`, `name@3`, `name@latest` (the
 * highest version not deleted).
 */

export type ApprovalStatus = 'pending' | 'approved' | 'rejected';

export interface Approval {
  readonly status: ApprovalStatus;
  /** Who decided; null while pending. */
  readonly by: string | null;
  readonly at: string | null;
  readonly reason: string | null;
}

/** What a model expects and returns, in Open Inference Protocol terms. */
export interface InputSchema {
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  /** The dataset label column the model predicts, when known. */
  readonly labelColumn: string | null;
}

export interface TensorSpec {
  readonly name: string;
  readonly datatype: string;
  readonly shape: readonly number[];
}

export interface ModelVersionRecord {
  readonly model: string;
  readonly version: number;
  /** `sha256:<hex>`: artifacts are content-addressed, any store finds them by hash. */
  readonly artifactUri: string;
  /** sha256 of the whole artifact file: its identity. */
  readonly artifactSha256: string;
  readonly artifactBytes: number;
  readonly kind: string;
  readonly labels: readonly string[];
  readonly inputSchema: InputSchema;
  readonly metrics: Readonly<Record<string, number>>;
  readonly params: Readonly<Record<string, unknown>>;
  /** The dataset version it was trained on (`ds-...`), when the artifact records one. */
  readonly datasetId: string | null;
  /** The version (of the same model) this one was retrained from. */
  readonly parentVersion: number | null;
  readonly codeVersion: string;
  readonly registeredBy: string;
  readonly registeredAt: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly approval: Approval;
  /** Set when the version was deleted: it stays in lineage and the audit log but resolves no more. */
  readonly deletedAt: string | null;
}

export interface AliasRecord {
  readonly model: string;
  readonly alias: string;
  readonly version: number;
  readonly movedAt: string;
  readonly movedBy: string;
  /** Whether the alias may only point at approved versions (see aliasServesTraffic). */
  readonly servesTraffic: boolean;
}

export interface ModelSummary {
  readonly name: string;
  /** Highest version number ever given (deleted versions keep their number). */
  readonly latestVersion: number;
  /** Versions not deleted. */
  readonly versionCount: number;
  readonly createdAt: string;
  readonly aliases: readonly AliasRecord[];
}

export type AuditAction =
  | 'register'
  | 'alias-set'
  | 'alias-delete'
  | 'approve'
  | 'reject'
  | 'rollback'
  | 'delete-version';

export interface AuditEntry {
  /** Increasing within a model: the order things happened in. */
  readonly id: number;
  readonly at: string;
  readonly actor: string;
  readonly action: AuditAction;
  readonly model: string;
  readonly version: number | null;
  readonly alias: string | null;
  /** The state before and after (JSON values; null when there was none). */
  readonly before: unknown;
  readonly after: unknown;
  readonly reason: string | null;
}

export interface AuditQuery {
  readonly model?: string;
  readonly version?: number;
  readonly alias?: string;
  /** Only entries with id greater than this (paging, tailing). */
  readonly afterId?: number;
  /** Default 1000. */
  readonly limit?: number;
}

/** One stretch of time an alias pointed at a version. `until` null = it still does. */
export interface AliasPeriod {
  readonly alias: string;
  readonly from: string;
  readonly until: string | null;
  readonly movedBy: string;
}

/**
 * One stretch of time a deployment revision referred to a version (see deployment-lineage.ts for
 * what is matched). `until` null = the revision is still the endpoint's newest (and, for an alias
 * ref, the alias still points here).
 */
export interface DeploymentPeriod {
  readonly endpoint: string;
  readonly revision: number;
  readonly variant: string;
  readonly role: 'primary' | 'shadow';
  readonly weight: number;
  /** The model reference as the deployment wrote it: `name@3`, `name@champion`, `name`. */
  readonly ref: string;
  readonly from: string;
  readonly until: string | null;
}

export interface ModelLineage {
  readonly version: ModelVersionRecord;
  readonly datasetId: string | null;
  /** Parent, grandparent, ... (nearest first). */
  readonly parents: readonly ModelVersionRecord[];
  /** Versions registered with this one as parent. */
  readonly children: readonly number[];
  /** Every stretch of time an alias pointed at this version, from the audit log, oldest first. */
  readonly aliasHistory: readonly AliasPeriod[];
  /** Every stretch of time a deployment referred to this version, oldest first. */
  readonly deployments: readonly DeploymentPeriod[];
}

export interface RegisterModelVersionInput {
  readonly name: string;
  /** The artifact file (src/models/artifact.ts format). Give this or artifactBytes. */
  readonly artifactPath?: string;
  /** The artifact in memory, as a training pipeline produced it (no file needed). */
  readonly artifactBytes?: Uint8Array;
  readonly actor: string;
  readonly tags?: Readonly<Record<string, string>>;
  /** A version of the same model this one was retrained from. */
  readonly parentVersion?: number;
  readonly reason?: string;
  /**
   * Register even when a live version of this model already has exactly these bytes. Without it
   * that is a ConflictError (`artifact-already-registered`) naming the version, and nothing changes.
   */
  readonly force?: boolean;
  /** Overrides the default text-in, label-out schema. */
  readonly inputSchema?: InputSchema;
  /**
   * Test hook: runs after the artifact is stored and before the version row is written. Lets a
   * test kill the process at the worst moment; never set in production code.
   */
  readonly afterArtifactStored?: (sha256: string) => void | Promise<void>;
}

export interface AliasChange {
  readonly name: string;
  readonly alias: string;
  readonly actor: string;
  readonly reason?: string;
}

export interface SetAliasInput extends AliasChange {
  readonly version: number;
}

export interface VersionDecision {
  readonly name: string;
  readonly version: number;
  readonly actor: string;
  /** Required for reject and delete. */
  readonly reason?: string;
}

export interface AliasMove {
  readonly alias: AliasRecord;
  /** The version it pointed at before; null when the alias is new. */
  readonly previousVersion: number | null;
  /** The audit row written; null when the alias already pointed there (nothing changed). */
  readonly auditId: number | null;
}

export interface ModelRegistry {
  /**
   * Verifies the artifact (decodeArtifact), stores it, then writes version N+1 in one transaction
   * with its audit row. The version starts `pending`. Throws ArtifactError (malformed artifact),
   * NotFoundError (unknown parent), InputError (bad name/tags); nothing is written then.
   */
  registerModelVersion(input: RegisterModelVersionInput): Promise<ModelVersionRecord>;
  getModelVersion(name: string, version: number): Promise<ModelVersionRecord>;
  listModels(): Promise<ModelSummary[]>;
  /** Versions of one model, oldest first, deleted ones included (marked). */
  listModelVersions(name: string): Promise<ModelVersionRecord[]>;
  listAliases(name: string): Promise<AliasRecord[]>;
  /** `name`, `name@alias`, `name@3` or `name@latest`. NotFoundError when nothing matches. */
  resolveModel(ref: string): Promise<ModelVersionRecord>;
  /** The artifact bytes of a version, sha256-verified against the record. */
  readModelArtifact(record: ModelVersionRecord): Promise<Uint8Array>;
  /** Where the bytes live, for messages (a file path for the local folder store, a URL otherwise). */
  locateModelArtifact(record: ModelVersionRecord): string;
  setAlias(input: SetAliasInput): Promise<AliasMove>;
  deleteAlias(input: AliasChange): Promise<void>;
  approveVersion(input: VersionDecision): Promise<ModelVersionRecord>;
  rejectVersion(input: VersionDecision): Promise<ModelVersionRecord>;
  /** Moves the alias back to the version it pointed at before its current one (audit history). */
  rollbackAlias(input: AliasChange): Promise<AliasMove>;
  /** Marks a version deleted (refused while an alias points at it); its artifact becomes collectable. */
  deleteModelVersion(input: VersionDecision): Promise<ModelVersionRecord>;
  auditLog(query?: AuditQuery): Promise<AuditEntry[]>;
  lineage(name: string, version: number): Promise<ModelLineage>;
  /**
   * A value that changes whenever anything the registry lists changes, in this process or another:
   * every change writes an audit entry in its own transaction and entries are never deleted, so the
   * number of entries (with the highest id) moves with each commit, also one that committed a lower
   * id after a higher one (PostgreSQL). A reader caches what it derived from the registry under it.
   * With `model`, only that model's entries count: it moves with every change to the model (its
   * versions, approvals, aliases) and not with changes to other models.
   */
  changeMark(model?: string): Promise<string>;
  /** sha256 of every artifact a live (not deleted) model version refers to: what gc must keep. */
  referencedModelArtifacts(): Promise<Set<string>>;
}
