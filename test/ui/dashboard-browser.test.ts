import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { classify, postFeedback, servingSettings, type ServedModel } from '../monitoring/serving-fixture.js';
import { startServingProcess, startUiProcess } from '../../src/platform/index.js';
import { openDashboardBrowser, type DashboardBrowser } from './browser.js';
import { ENDPOINT, MODEL, registryState, seededHome, TOKEN, uiSettings } from './ui-fixture.js';

describe('the dashboard in a real browser, served by lading serve with a token', { timeout: 90_000 }, () => {
  let home: string;
  let served: Pick<ServedModel, 'url' | 'close'>;
  let b: DashboardBrowser;
  let page: Page;
  let traffic: NodeJS.Timeout | undefined;
  let sample: ReadonlyArray<{ text: string; label: string }> = [];

  before(async () => {
    b = await openDashboardBrowser();
    page = b.page;
    let lines: ReadonlyArray<{ text: string; label: string }>;
    ({ home, lines } = await seededHome());
    sample = lines.slice(0, 400);
    served = await startServingProcess(servingSettings({ home, token: TOKEN }), { deployments: [ENDPOINT] });
  });
  after(async () => {
    clearInterval(traffic);
    await b?.browser.close();
    await served?.close();
  });

  const open = (hash: string) => b.open(served.url, hash);
  const shot = (name: string) => b.shot(name);

  it('Models shows every version with kind, approval and aliases', async () => {
    await open('models');
    const rows = page.locator(`article[data-model="${MODEL}"] tbody tr`);
    await rows.first().waitFor();
    assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-version'))), ['3', '2', '1']);
    const v1 = page.locator('tr[data-version="1"]');
    assert.match(await v1.innerText(), /fasttext[\s\S]*approved[\s\S]*champion/);
    assert.match(await page.locator('tr[data-version="3"]').innerText(), /pending/);
    await shot('models-1280');
  });

  it('refuses an approval without the token, shows why, and the registry is unchanged', async () => {
    const before = await registryState(home);
    await page.locator('tr[data-version="3"] button', { hasText: 'Approve' }).click();
    await page.locator('dialog.confirm button.primary').click();
    await page.locator('dialog.confirm .notice').waitFor();
    assert.match(await page.locator('dialog.confirm .notice').innerText(), /bearer token/);
    await page.locator('dialog.confirm button', { hasText: 'Cancel' }).click();
    assert.deepEqual(await registryState(home), before);
  });

  it('approves with the token: the row turns approved and the audit log records who', async () => {
    await page.fill('header input[name="actor"]', 'erin');
    await page.fill('header input[name="token"]', TOKEN);
    await page.locator('tr[data-version="3"] button', { hasText: 'Approve' }).click();
    await page.fill('dialog.confirm input[name="reason"]', 'checked in the browser');
    await page.locator('dialog.confirm button.primary').click();
    await page.locator('tr[data-version="3"] .badge-approved').waitFor();
    const { versions, audit } = await registryState(home);
    assert.equal(versions[2]!.approval.status, 'approved');
    const last = audit.at(-1)!;
    assert.deepEqual([last.action, last.version, last.actor, last.reason], ['approve', 3, 'erin', 'checked in the browser']);
  });

  it('Live serving shows requests/s and latency per variant from /metrics, with charts', async () => {
    // One text a request; half of the answers get their true label back, as brokers' corrections would.
    let n = 0;
    traffic = setInterval(() => {
      const line = sample[n++ % sample.length]!;
      const labelled = n % 2 === 0;
      void classify(served.url, [line.text]).then((r) => (labelled && r.id ? postFeedback(served.url, { items: [{ requestId: r.id, label: line.label }] }) : undefined)).catch(() => undefined);
    }, 20);
    await open('live');
    const row = page.locator('table.live tbody tr').filter({ hasText: `${ENDPOINT}/a` });
    await row.waitFor({ timeout: 15_000 });
    // Wait for a scrape interval that saw traffic.
    await page.waitForFunction("[...document.querySelectorAll('table.live tbody tr')].some((tr) => Number(tr.children[1]?.textContent) > 0)", undefined, { timeout: 15_000 });
    // Both canary variants (90/10) have their own row; the metrics are the server's own.
    await page.locator('table.live tbody tr').filter({ hasText: `${ENDPOINT}/b (${MODEL}@2)` }).waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('.chart canvas').count(), 2);
    await page.waitForTimeout(2500); // a second point on the charts for the screenshot
    await shot('live-1280');
  });

  it('Deployments shows the split and revisions; a confirmed rollback writes a new revision', async () => {
    await open(`deployments/${ENDPOINT}`);
    const history = page.locator(`article[data-endpoint="${ENDPOINT}"] tbody tr`);
    await history.first().waitFor();
    assert.deepEqual(await history.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-revision'))), ['2', '1']);
    assert.match(await page.locator('table.deployments').innerText(), /a 90% \(hs-codes@1\) · b 10% \(hs-codes@2\)/);
    await shot('deployments-1280');
    await page.locator('button', { hasText: 'Roll back to revision 1' }).click();
    assert.match(await page.locator('dialog.confirm').innerText(), /From revision 2[\s\S]*a 100% \(hs-codes@1\)/);
    await page.locator('dialog.confirm button.primary').click();
    await page.locator(`article[data-endpoint="${ENDPOINT}"] tr[data-revision="3"]`).waitFor();
    const { deployment } = await registryState(home);
    assert.deepEqual(deployment.map((d) => [d.revision, d.action, d.actor]), [[1, 'deploy', 'alice'], [2, 'deploy', 'bob'], [3, 'rollback', 'erin']]);
  });

  it('Monitoring under lading serve shows the alert history and sends drift over time to lading ui', async () => {
    await open('monitoring');
    await page.locator('main h3', { hasText: 'Alerts' }).waitFor();
    assert.match(await page.locator('main').innerText(), /Drift and accuracy over time are read by lading ui/);
  });

  it('lading ui beside the running server shows drift against thresholds and estimated against real accuracy over the logged windows', async () => {
    const ui = await startUiProcess(uiSettings(home), { warn: () => undefined });
    try {
      await b.open(ui.url, 'monitoring');
      const champion = page.locator(`article[data-variant="a (${MODEL}@1)"]`);
      await champion.locator('table.drift-tests tbody tr').first().waitFor({ timeout: 15_000 });
      assert.equal(await champion.locator('.chart canvas').count(), 2);
      const text = await champion.innerText();
      assert.match(text, /Drift score ÷ threshold/);
      assert.match(text, /Accuracy: estimated \(CBPE\) and real \(labels\)/);
      // The newest window may still be computed (pending) when the older ones are shown.
      assert.match(text, /Latest (computed )?window: \d+ answers, \d+ labelled/);
      await shot('monitoring-1280');
    } finally {
      // Off its page first: while a window is pending the page asks again every 2 s, and a request to the closed port is a console error.
      await page.goto('about:blank');
      await ui.close();
    }
  });

  it('Audit log renders; the filter narrows to one action', async () => {
    await open('audit');
    await page.locator('table.audit tbody tr').first().waitFor();
    await page.selectOption('select[name="action"]', 'approve');
    await page.waitForFunction("[...document.querySelectorAll('table.audit tbody tr')].every((tr) => tr.textContent.includes('approve'))");
    assert.equal(await page.locator('table.audit tbody tr').count(), 3);
    await shot('audit-1280');
  });

  it('every page fits a phone (390x844) without errors', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const p of ['models', 'deployments/hs', 'live', 'monitoring', 'experiments', 'audit']) {
      await open(p);
      await page.locator('main h2').waitFor();
      // Live reads /metrics after it renders: its table, not "Reading /metrics...", goes in the screenshot.
      if (p === 'live') await page.locator('table.live tbody tr').first().waitFor({ timeout: 10_000 });
      await page.waitForTimeout(300);
      const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
      assert.ok(overflow <= 0, `page ${p} is ${overflow}px wider than the phone`);
      await shot(`${p.replace('/', '-')}-390`);
    }
    assert.deepEqual(b.errors, []);
  });
});
