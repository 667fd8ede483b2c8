import { after } from 'node:test';
import { createApp } from '../../../src/server/app.js';
import { singleDeployment } from '../../../src/serving/deployment.js';
import { FileModelSource } from '../../../src/serving/model-source.js';
import { ServingPlane } from '../../../src/serving/serving-plane.js';
import { trainFixtureModels } from '../../serving/fixtures.js';

/** The real app over a plane serving fixture model A as endpoint `hs`; closed after the file's tests. */
export async function servedApp() {
  const fx = await trainFixtureModels();
  const plane = new ServingPlane(new FileModelSource(), { threads: 1, maxDelayMs: 2 });
  await plane.deploy(singleDeployment('hs', fx.a));
  after(() => plane.close());
  return { fx, plane, app: createApp({ plane }) };
}
