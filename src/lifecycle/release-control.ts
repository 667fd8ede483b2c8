import { ConflictError, InputError } from '../core/errors.js';
import { checkExpectedRevision, type DeploymentRecord } from '../registry/deployment-store.js';
import type { AliasChange, AliasMove, ModelRegistry, SetAliasInput } from '../registry/model-registry.js';
import { DEFAULT_ALIAS, parseModelRef } from '../registry/model-rules.js';
import type { DeploymentControl } from './deployment-control.js';

export interface ReleaseInput {
  readonly endpoint: string;
  /** The variant of the live deployment whose model is released; its ref must name a registered version. */
  readonly variant: string;
  /** The alias that moves to that version and that the endpoint then follows. Default `champion`. */
  readonly alias?: string;
  readonly actor: string;
  /** Recorded on both halves (the alias's audit row and the deployment revision). */
  readonly reason?: string;
  /** The deployment revision the decision was made on: if the endpoint moved on since, nothing changes. */
  readonly fromRevision?: number;
  /** The name the promoted variant serves under afterwards (the controller gives it the champion's). Default: its own. */
  readonly renameTo?: string;
}

export interface RollbackReleaseInput {
  readonly endpoint: string;
  /** The alias to walk back with the endpoint. Default `champion`; the model is the one the live spec follows. */
  readonly alias?: string;
  readonly actor: string;
  readonly reason?: string;
  readonly fromRevision?: number;
}

/** Both halves of a release, written with one actor and one reason. */
export interface Release {
  readonly model: string;
  readonly alias: AliasMove;
  readonly deployment: DeploymentRecord;
}

/**
 * The one place that changes what serves traffic: deployments (through DeploymentControl: deploy,
 * canary, promote, switch, rollback, remove) and model aliases, and both together as a release.
 *
 * Atomicity across the two stores. Aliases live in the model registry and deployments in the
 * deployment store: separate contracts, possibly separate databases, so there is no transaction
 * spanning both. A release is instead ordered and compensated:
 *  1. what can be checked without writing is checked first (the endpoint is live and at the
 *     revision the decision was made on, the variant exists and names a registered version, the
 *     deployment has something to restore): bad input changes nothing;
 *  2. the alias moves: one transaction, one audit row; it refuses (and changes nothing) when the
 *     alias may not point at that version;
 *  3. the deployment revision is appended, only on top of the revision read in step 1;
 *  4. if step 3 fails (another change landed, the database is gone), the alias is moved back by a
 *     second audited change (for a release, an alias rollback, so the alias history stays a clean
 *     stack, or a delete when the release created the alias) and the original error is thrown.
 *     If that fails too, a ConflictError `release-half-applied` names both states and what to do.
 * The alias moves first because the new spec follows the alias: done the other way round, the
 * endpoint would for a moment (or, after a crash, for good) serve the alias's old version at full
 * weight. A crash between 2 and 3 leaves the alias moved and the deployment unchanged (the audit
 * log shows the move); running the same release again completes it: the alias already points
 * there, so only the deployment revision is written.
 */
export class ReleaseControl {
  constructor(private readonly models: ModelRegistry, readonly deployments: DeploymentControl) {}

  moveAlias(input: SetAliasInput): Promise<AliasMove> {
    return this.models.setAlias(input);
  }

  rollbackAlias(input: AliasChange): Promise<AliasMove> {
    return this.models.rollbackAlias(input);
  }

  /**
   * Promotes a variant: its version becomes `alias` (default champion) and the endpoint serves only
   * `name@alias`. The automatic promotion of a canary or A/B winner.
   */
  async release(input: ReleaseInput): Promise<Release> {
    const alias = input.alias ?? DEFAULT_ALIAS;
    const { spec, revision } = await this.deployments.live(input.endpoint);
    const variant = this.deployments.variantOf(input.endpoint, spec, input.variant);
    const version = await this.models.resolveModel(registeredRef(input.endpoint, variant.name, variant.model));
    const aliasRef = `${version.model}@${alias}`;
    const reason = input.reason ?? `release ${version.model} version ${version.version} as ${alias} on ${input.endpoint}`;
    const fromRevision = input.fromRevision ?? revision;
    checkExpectedRevision(input.endpoint, revision, fromRevision);
    const move = await this.models.setAlias({ name: version.model, alias, version: version.version, actor: input.actor, reason });
    const deployment = await this.compensated(
      () => this.deployments.promote(input.endpoint, variant.name, input.actor, reason, { model: aliasRef, fromRevision, ...(input.renameTo ? { renameTo: input.renameTo } : {}) }),
      move, version.model, alias, input.actor, () => {
        const undo = { name: version.model, alias, actor: input.actor, reason: `undo: ${reason}` };
        return move.previousVersion === null ? this.models.deleteAlias(undo) : this.models.rollbackAlias(undo);
      },
    );
    return { model: version.model, alias: move, deployment };
  }

  /**
   * Undoes the alias half of a release that never got its deployment half: when `alias` of `model`
   * still points at `version` and the newest audit row of that alias is the move whose reason
   * carries `tag`, the alias is rolled back (audited as `actor`). Anything else (someone moved the
   * alias since, or the move never happened) is left alone. Returns whether it rolled back.
   */
  async undoAliasMove(input: { readonly model: string; readonly alias: string; readonly version: number; readonly tag: string; readonly actor: string; readonly reason: string }): Promise<boolean> {
    const current = (await this.models.listAliases(input.model)).find((a) => a.alias === input.alias);
    if (current?.version !== input.version) return false;
    const rows = await this.models.auditLog({ model: input.model, alias: input.alias });
    const last = rows.reduce<(typeof rows)[number] | undefined>((a, b) => (a === undefined || b.id > a.id ? b : a), undefined);
    if (!last?.reason?.includes(input.tag)) return false;
    await this.models.rollbackAlias({ name: input.model, alias: input.alias, actor: input.actor, reason: input.reason });
    return true;
  }

  /**
   * Walks the alias and the endpoint back together: the alias to the version before its current
   * one, the deployment to the revision before (consecutive rollbacks walk further back, both).
   */
  async rollbackRelease(input: RollbackReleaseInput): Promise<Release> {
    const alias = input.alias ?? DEFAULT_ALIAS;
    const { spec, revision } = await this.deployments.live(input.endpoint);
    const models = new Set(spec.variants.map((v) => followedModel(v.model, alias)).filter((m): m is string => m !== null));
    const [model, ...others] = models;
    if (model === undefined || others.length > 0) {
      throw new InputError('no-single-alias-model', `endpoint ${input.endpoint} ${model === undefined ? 'has no variant that follows' : 'has variants of several models that follow'} alias "${alias}" (${spec.variants.map((v) => v.model).join(', ')})`,
        { endpoint: input.endpoint, alias }, 'Roll the deployment and the alias back separately: `lading deploy rollback` and `lading models rollback`.');
    }
    const fromRevision = input.fromRevision ?? revision;
    checkExpectedRevision(input.endpoint, revision, fromRevision);
    // Checked before the alias moves, so a deployment with nothing to restore changes nothing.
    await this.deployments.planRollback(input.endpoint);
    const reason = input.reason ?? `roll back ${model}@${alias} and ${input.endpoint}`;
    const move = await this.models.rollbackAlias({ name: model, alias, actor: input.actor, reason });
    const deployment = await this.compensated(
      () => this.deployments.rollback(input.endpoint, input.actor, reason, { fromRevision }),
      move, model, alias, input.actor, () => this.models.setAlias({ name: model, alias, version: move.previousVersion!, actor: input.actor, reason: `undo: ${reason}` }),
    );
    return { model, alias: move, deployment };
  }

  /** Runs the deployment half; on failure undoes the alias half (if it changed anything) and rethrows. */
  private async compensated(write: () => Promise<DeploymentRecord>, move: AliasMove, model: string, alias: string, actor: string,
    undo: () => Promise<unknown>): Promise<DeploymentRecord> {
    try {
      return await write();
    } catch (e) {
      if (move.auditId === null) throw e;
      try {
        await undo();
      } catch (undoError) {
        const was = move.previousVersion === null ? 'absent' : `version ${move.previousVersion}`;
        throw new ConflictError('release-half-applied',
          `the alias ${model}@${alias} moved to version ${move.alias.version} (audit ${move.auditId}), but the deployment change failed (${message(e)}) and moving the alias back failed too (${message(undoError)})`,
          { model, alias, version: move.alias.version, auditId: move.auditId, actor },
          `Point the alias back by hand (it was ${was}): \`lading models alias ${model} ${alias} VERSION\`, then check \`lading deploy show\`.`, { cause: e });
      }
      throw e;
    }
  }
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The variant's ref, when it names a registry model (not a file); an InputError naming the variant otherwise. */
function registeredRef(endpoint: string, variant: string, ref: string): string {
  try {
    parseModelRef(ref);
    return ref;
  } catch {
    throw new InputError('variant-not-registered', `variant "${variant}" of ${endpoint} serves ${ref}, which is not a registered model (name, name@alias or name@N)`,
      { endpoint, variant, ref }, 'Register the model and deploy it by name before releasing it.');
  }
}

/** The model a ref follows through `alias` (`name@alias`, or a bare name for champion); null otherwise. */
function followedModel(ref: string, alias: string): string | null {
  try {
    const r = parseModelRef(ref);
    return r.kind === 'alias' && r.alias === alias ? r.name : null;
  } catch {
    return null;
  }
}
