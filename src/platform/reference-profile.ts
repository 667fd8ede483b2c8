import type { Settings } from '../config/config.js';
import { encodeProfile } from '../monitoring/profile/profile-codec.js';
import { buildReferenceProfile } from '../monitoring/profile/reference-profile.js';
import type { TrainRunResult } from '../training/train-run.js';
import { withMonitoringStore } from './monitoring-store.js';

/**
 * The reference profile production is compared with (monitoring): built from the validation split
 * and stored by artifact sha256 in the monitoring store, so `lading serve` of this artifact, from a
 * file or the registry, is monitored against it.
 */
export async function saveReferenceProfile(settings: Pick<Settings, 'home' | 'registryUrl' | 'registrySchema'>, run: Pick<TrainRunResult, 'trainTexts' | 'validation'> & { readonly sha256: string; readonly meta: { readonly labels: readonly string[] } }, about: { model: string; version: string }): Promise<void> {
  const profile = buildReferenceProfile({
    trainTexts: run.trainTexts, validTexts: run.validation.texts, validY: run.validation.y, validProba: run.validation.proba, labels: run.meta.labels,
  });
  await withMonitoringStore(settings, (store) => store.saveProfile(run.sha256, encodeProfile(profile), about));
}
