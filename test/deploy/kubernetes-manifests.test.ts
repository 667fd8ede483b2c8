import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { Service as KnativeService } from '@kubernetes-models/knative/serving.knative.dev/v1/Service';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { resolveSettings } from '../../src/config/load-settings.js';
import { SETTINGS, SETTING_KEYS } from '../../src/config/settings.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const KUBE = join(ROOT, 'deploy', 'kubernetes');
const BIN = join(ROOT, 'bin', 'lading.js');

type Manifest = { apiVersion: string; kind: string; metadata: { name: string; annotations?: Record<string, string> }; spec?: any; data?: Record<string, string>; stringData?: Record<string, string>; $patch?: string };

/** Each kind the manifests use, with the model that carries its OpenAPI schema (shipped in the npm packages: no cluster, no network). */
const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'apps/v1 Deployment': Deployment,
  'v1 Service': Service,
  'v1 ConfigMap': ConfigMap,
  'v1 Secret': Secret,
  'v1 PersistentVolumeClaim': PersistentVolumeClaim,
  'policy/v1 PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2 HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'keda.sh/v1alpha1 ScaledObject': ScaledObject,
  'monitoring.coreos.com/v1 ServiceMonitor': ServiceMonitor,
  'serving.knative.dev/v1 Service': KnativeService,
};

function readManifests(file: string): Manifest[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  return docs.map((d, i) => {
    assert.equal(d.errors.length, 0, `${file} document ${i + 1}: ${d.errors.map((e) => e.message).join('; ')}`);
    return d.toJS() as Manifest;
  });
}

interface Kustomization { resources?: string[]; patches?: { path: string }[] }

/** What `kubectl apply -k DIR` would apply: the resources (recursively), then the patches (merge by kind and name; `$patch: delete` removes). */
function build(dir: string): Manifest[] {
  const k = readManifests(join(dir, 'kustomization.yaml'))[0] as unknown as Kustomization;
  let out: Manifest[] = [];
  for (const r of k.resources ?? []) {
    const p = join(dir, r);
    assert.ok(existsSync(p), `${join(dir, 'kustomization.yaml')}: resource ${r} does not exist`);
    out.push(...(existsSync(join(p, 'kustomization.yaml')) ? build(p) : readManifests(p)));
  }
  for (const patch of k.patches ?? []) {
    for (const m of readManifests(join(dir, patch.path))) {
      const i = out.findIndex((o) => o.kind === m.kind && o.apiVersion === m.apiVersion && o.metadata.name === m.metadata.name);
      assert.ok(i >= 0, `${join(dir, patch.path)}: patches ${m.apiVersion} ${m.kind} ${m.metadata.name}, which the resources do not hold`);
      if (m.$patch === 'delete') out = out.filter((_, j) => j !== i);
      else out[i] = merge(out[i]!, m) as Manifest;
    }
  }
  return out;
}

function merge(base: unknown, patch: unknown): unknown {
  if (typeof base !== 'object' || base === null || Array.isArray(base) || typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(patch)) out[k] = merge(out[k], v);
  return out;
}

const OVERLAYS = ['base', ...readdirSync(join(KUBE, 'overlays')).map((o) => join('overlays', o))];

for (const overlay of OVERLAYS) {
  test(`deploy/kubernetes/${overlay}: every object is valid against its Kubernetes (or CRD) OpenAPI schema`, () => {
    const objects = build(join(KUBE, overlay));
    assert.ok(objects.length >= 8, `${overlay}: ${objects.length} objects`);
    for (const m of objects) {
      const Model = MODELS[`${m.apiVersion} ${m.kind}`];
      assert.ok(Model !== undefined, `${overlay}: no schema for ${m.apiVersion} ${m.kind} (${m.metadata.name})`);
      assert.doesNotThrow(() => new Model(m).validate(), `${overlay}: ${m.kind} ${m.metadata.name}`);
    }
  });
}

test('a wrong field is caught by the schemas (the validation is real)', () => {
  const server = readManifests(join(KUBE, 'base', 'server-deployment.yaml'))[0]!;
  const broken = merge(server, { spec: { template: { spec: { terminationGracePeriodSeconds: 'thirty' } } } });
  assert.throws(() => new Deployment(broken as any).validate(), /terminationGracePeriodSeconds/);
  const so = readManifests(join(KUBE, 'base', 'stream-scaledobject.yaml'))[0]!;
  assert.throws(() => new ScaledObject(merge(so, { spec: { minReplicaCount: 'none' } }) as any).validate(), /minReplicaCount/);
});

const ENV_NAMES = new Set<string>(['LADING_PROJECT', ...SETTING_KEYS.flatMap((k) => (SETTINGS[k].env === undefined ? [] : [SETTINGS[k].env!]))]);

function containers(m: Manifest): { name?: string; args?: string[]; env?: { name: string; value?: string }[]; lifecycle?: any; readinessProbe?: any; ports?: any[] }[] {
  if (m.kind === 'Deployment' || (m.kind === 'Service' && m.apiVersion.startsWith('serving.knative.dev'))) return m.spec.template.spec.containers;
  return [];
}

test('every role runs a real lading command: the verb exists and every flag its args use is one the verb documents', () => {
  const objects = [...new Map(OVERLAYS.flatMap((o) => build(join(KUBE, o))).map((m) => [`${m.apiVersion} ${m.kind} ${m.metadata.name}`, m])).values()];
  const roles = new Set<string>();
  for (const m of objects) {
    for (const c of containers(m)) {
      const args = c.args ?? [];
      const verb = args[0] === 'monitor' ? args.slice(0, 2) : args.slice(0, 1);
      roles.add(verb.join(' '));
      const help = spawnSync(process.execPath, [BIN, ...verb, '--help'], { encoding: 'utf8' });
      assert.equal(help.status, 0, `${m.metadata.name}: lading ${verb.join(' ')} --help: ${help.stderr}`);
      for (const flag of args.filter((a) => a.startsWith('--'))) assert.ok(help.stdout.includes(flag), `${m.metadata.name}: lading ${verb.join(' ')} has no ${flag}`);
      for (const e of c.env ?? []) assert.ok(ENV_NAMES.has(e.name), `${m.metadata.name}: ${e.name} is not a lading setting's variable`);
    }
  }
  assert.deepEqual([...roles].sort(), ['controller', 'monitor run', 'serve', 'stream']);
});

test('the Secret holds only settings lading reads from the environment, and they are the secret ones', () => {
  const [secret] = readManifests(join(KUBE, 'base', 'secret.yaml'));
  for (const key of Object.keys(secret!.stringData ?? {})) {
    const setting = SETTING_KEYS.find((k) => SETTINGS[k].env === key);
    assert.ok(setting !== undefined, `secret.yaml: ${key} is not a lading setting`);
    assert.equal((SETTINGS[setting] as { secret?: boolean }).secret, true, `secret.yaml: ${key} is not secret; put it in the ConfigMap`);
  }
});

test('the ConfigMap\'s project file is one lading accepts, with the Secret\'s variables beside it', () => {
  const [cm] = readManifests(join(KUBE, 'base', 'configmap.yaml'));
  const [secret] = readManifests(join(KUBE, 'base', 'secret.yaml'));
  const dir = mkdtempSync(join(tmpdir(), 'lading-kube-'));
  writeFileSync(join(dir, 'lading.yaml'), cm!.data!['lading.yaml']!);
  const resolved = resolveSettings({ flags: {}, env: { ...secret!.stringData }, isTTY: false, cwd: dir });
  assert.equal(resolved.settings.targetPrecision, 0.98);
  assert.equal(resolved.settings.registrySchema, 'lading');
  assert.match(String(resolved.settings.registryUrl), /^postgres:/);
});

test('servers shut down inside their grace period: preStop pause + drain (10 s) fits, readiness is the OIP ready route', () => {
  const [server] = readManifests(join(KUBE, 'base', 'server-deployment.yaml'));
  const pod = server!.spec.template.spec;
  const c = pod.containers[0];
  const pause = Number(c.lifecycle.preStop.exec.command[1]);
  assert.ok(pause >= 2 && pause + 10 + 5 <= pod.terminationGracePeriodSeconds, `preStop ${pause} s + drain 10 s + 5 s margin > ${pod.terminationGracePeriodSeconds} s`);
  assert.equal(c.readinessProbe.httpGet.path, '/v2/health/ready');
  assert.equal(c.livenessProbe.httpGet.path, '/v2/health/live');
  assert.ok(c.resources.requests.cpu && c.resources.limits.memory);
  const [hpa] = readManifests(join(KUBE, 'base', 'server-hpa.yaml'));
  assert.deepEqual(hpa!.spec.metrics.map((m: { type: string }) => m.type), ['Resource', 'Pods']);
  const [so] = readManifests(join(KUBE, 'base', 'stream-scaledobject.yaml'));
  assert.equal(so!.spec.minReplicaCount, 0);
  assert.equal(so!.spec.triggers[0].type, 'nats-jetstream');
  assert.deepEqual(Object.keys(so!.spec.triggers[0].metadata).filter((k) => ['stream', 'consumer', 'lagThreshold'].includes(k)).sort(), ['consumer', 'lagThreshold', 'stream']);
  const [stream] = readManifests(join(KUBE, 'base', 'stream-deployment.yaml'));
  const args: string[] = stream!.spec.template.spec.containers[0].args;
  assert.equal(args[args.indexOf('--consumer') + 1], so!.spec.triggers[0].metadata.consumer, 'the ScaledObject watches the workers\' consumer');
  assert.equal(args[args.indexOf('--from') + 1]!.split(':')[0], so!.spec.triggers[0].metadata.stream);
});
