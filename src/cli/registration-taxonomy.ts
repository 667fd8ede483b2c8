import type { Writable } from 'node:stream';
import type { Settings } from '../config/config.js';
import { loadTaxonomyCodes } from '../platform/index.js';
import { labelsOutsideTaxonomy } from '../taxonomy/model-taxonomy.js';
import { taxonomyRefOf, type TaxonomyVersion } from '../taxonomy/taxonomy.js';
import { writeLine } from './output.js';

export const TAXONOMY_FLAG_HELP = `  --taxonomy NAME[@N]  with --register: the taxonomy the labels belong to, recorded as the tag
                       taxonomy=NAME@N; labels it does not have are listed (the version is still registered)`;

export interface RegistrationTaxonomy {
  readonly version: TaxonomyVersion;
  readonly codes: ReadonlySet<string>;
}

/** The taxonomy `--taxonomy` names, looked up before anything is trained or registered (a typo stores nothing). */
export async function registrationTaxonomy(settings: Pick<Settings, 'home' | 'registryUrl' | 'registrySchema'>, ref: string | undefined): Promise<RegistrationTaxonomy | undefined> {
  return ref === undefined ? undefined : loadTaxonomyCodes(settings, ref);
}

export interface TaxonomyCheck {
  readonly taxonomy: string;
  /** The model's labels the taxonomy does not have. */
  readonly labelsOutside: readonly string[];
}

export function checkLabels(taxonomy: RegistrationTaxonomy, labels: readonly string[]): TaxonomyCheck {
  return { taxonomy: taxonomyRefOf(taxonomy.version), labelsOutside: labelsOutsideTaxonomy(labels, taxonomy.codes) };
}

const SHOWN = 20;

export function renderTaxonomyCheck(out: Writable, check: TaxonomyCheck, classes: number): void {
  const outside = check.labelsOutside;
  if (outside.length === 0) { writeLine(out, `labels belong to taxonomy ${check.taxonomy} (all ${classes} are codes of it)`); return; }
  writeLine(out, `labels belong to taxonomy ${check.taxonomy}, but ${outside.length} of ${classes} are not codes of it: `
    + `${outside.slice(0, SHOWN).join(', ')}${outside.length > SHOWN ? ', ...' : ''}; map them with \`lading taxonomy map\``);
}
