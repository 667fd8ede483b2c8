import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DeploymentControl } from '../../src/lifecycle/deployment-control.js';
import { defaultReleasePlan } from '../../src/lifecycle/pipeline/pipeline-parser.js';
import { openLifecycle } from '../../src/platform/controller-process.js';
import { startUiProcess, type UiProcess } from '../../src/platform/index.js';
import { openDashboardBrowser, type DashboardBrowser } from './browser.js';
import { ENDPOINT, MODEL, seededHome, uiSettings } from './ui-fixture.js';

const HOUR = 3_600_000;

/**
 * The seeded workspace after a release started (hs-codes@2 against @1, in its shadow step) and the
 * monitor recorded a drift alert that fired and resolved: what `lading ui` shows of them.
 */
async function homeWithReleaseAndAlerts(): Promise<string> {
  const { home } = await seededHome();
  const parts = await openLifecycle({ home, registryUrl: undefined, registrySchema: 'public' }, { actor: 'tester' });
  try {
    await new DeploymentControl(parts.workspace.deployments).promote(ENDPOINT, 'a', 'alice', 'end the hand canary');
    const started = await parts.runner.start({ endpoint: ENDPOINT, challenger: `${MODEL}@2`, pipeline: null, plan: defaultReleasePlan(), reason: 'retrained on new labels' });
    await parts.runner.tick(started); // deploys the shadow step
    const t0 = Date.now() - 2 * HOUR;
    const alert = { id: `drift-tokens|${ENDPOINT}|${t0}`, rule: 'drift-tokens', endpoint: ENDPOINT, variant: 'a', threshold: 0.2 };
    await parts.monitoring.recordAlertEvent({ ...alert, state: 'fired', at: t0, value: 0.31, message: 'token drift 0.31 > 0.2' });
    await parts.monitoring.recordAlertEvent({ ...alert, state: 'resolved', at: t0 + HOUR, value: 0.12, message: 'token drift back to 0.12' });
  } finally {
    await parts.close();
  }
  return home;
}

describe('lading ui in a real browser: experiments and monitoring over a workspace', { timeout: 60_000 }, () => {
  let ui: UiProcess;
  let b: DashboardBrowser;
  before(async () => {
    b = await openDashboardBrowser();
    ui = await startUiProcess(uiSettings(await homeWithReleaseAndAlerts()), { warn: () => undefined });
  });
  after(async () => {
    await b?.browser.close();
    await ui?.close();
  });

  it('Experiments lists the release and shows its step, evidence, statistic and decision', async () => {
    await b.open(ui.url, 'experiments/1');
    const release = b.page.locator('article[data-release="1"]');
    await release.locator('.decision').waitFor();
    const text = await release.innerText();
    assert.match(text, /Release 1 on hs: hs-codes@2 against hs-codes@1/);
    assert.match(text, /Step 1\/3 shadow 1000 texts/);
    assert.match(text, /Decision: wait/);
    assert.match(text, /Statistic: no estimate yet on 0 labels \(continue\): waiting for the first delayed labels/);
    assert.match(text, /Answers this step/);
    await b.shot('experiments-1280');
  });

  it('Monitoring charts the alert values against their threshold and lists the transitions', async () => {
    await b.open(ui.url, 'monitoring');
    await b.page.locator('.chart canvas').first().waitFor();
    const rows = b.page.locator('table.alerts tbody tr');
    assert.equal(await rows.count(), 2);
    assert.match(await rows.first().innerText(), /resolved[\s\S]*drift-tokens[\s\S]*0\.120[\s\S]*0\.200/);
    await b.shot('monitoring-alerts-1280');
    assert.deepEqual(b.errors, []);
  });
});
