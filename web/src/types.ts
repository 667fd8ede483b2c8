// The shapes the JSON API answers with (see src/registry and src/server/routes/ui-api.ts).

export interface Approval { status: 'pending' | 'approved' | 'rejected'; by: string | null; at: string | null; reason: string | null }
export interface AliasRecord { model: string; alias: string; version: number; movedAt: string; movedBy: string; servesTraffic: boolean }
export interface ModelVersion {
  model: string; version: number; kind: string; labels: string[]; metrics: Record<string, number>; datasetId: string | null;
  parentVersion: number | null; registeredBy: string; registeredAt: string; approval: Approval; deletedAt: string | null; artifactBytes: number;
}
export interface ModelWithVersions { name: string; latestVersion: number; versionCount: number; createdAt: string; aliases: AliasRecord[]; versions: ModelVersion[] }

export interface VariantSpec { name: string; model: string; weight?: number; role?: 'primary' | 'shadow' }
export interface DeploymentSpec { endpoint: string; mode: string; variants: VariantSpec[]; [k: string]: unknown }
export interface DeploymentRecord { endpoint: string; revision: number; seq: number; spec: DeploymentSpec | null; action: string; actor: string; reason: string | null; at: string }
export interface DeploymentHistory { endpoint: string; history: DeploymentRecord[]; rollback: { from: number; to: number } | { refused: string } }

export interface AuditEntry { id: number; at: string; actor: string; action: string; model: string; version: number | null; alias: string | null; before: unknown; after: unknown; reason: string | null }
export interface AlertEvent { id: string; state: 'fired' | 'resolved'; rule: string; endpoint: string; variant: string | null; at: number; value: number; threshold: number; message: string }
export interface UiInfo { registry: boolean; deployments: boolean; alerts: boolean; tokenRequired: boolean; endpoints: string[] }
