/**
 * What a release ships, checked before anything else happens: a pinned image reference (a tag
 * other than `latest`, or a digest) so every tenant gets the very image the rehearsal ran, and
 * module names Odoo accepts. Also which tenant stands for each distinct module set in rehearsal.
 */
import type { ErrorDetail } from '#shared/lib/errors.ts';
import { moduleSetKey, ringOf, type PlanTenant } from './release-plan.ts';
import type { Criticality } from './types.ts';

const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REGISTRY = '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9-]+)*(?::[0-9]+)?/)?';
const IMAGE = new RegExp(`^${REGISTRY}(${COMPONENT}(?:/${COMPONENT})*)(?::([\\w][\\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$`);
export const MODULE_NAME = /^[a-z0-9_]+$/;

/** Why an image reference is not pinned, or null when it is. */
export function imageProblem(image: string): string | null {
  const m = IMAGE.exec(image);
  if (!m) return `${JSON.stringify(image)} is not an image reference (repository:tag or repository@sha256:digest)`;
  const [, , tag, digest] = m;
  if (digest) return null;
  if (!tag) return `${image} names no tag or digest: pin the release to a tag or a sha256 digest`;
  if (tag === 'latest') return `${image} uses the moving tag latest: pin the release to a versioned tag or a sha256 digest`;
  return null;
}

export function artifactProblems(artifact: { image: string; modules: readonly string[] }): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const image = imageProblem(artifact.image);
  if (image) problems.push({ path: 'image', message: image });
  artifact.modules.forEach((m, i) => {
    if (!MODULE_NAME.test(m)) problems.push({ path: `modules[${i}]`, message: `${JSON.stringify(m)} is not an Odoo module name (lower-case letters, digits, underscores)` });
  });
  return problems;
}

/** The modules a tenant has once the release is applied: its own plus the release's. */
export function releasedModuleSetKey(tenantModules: readonly string[], releaseModules: readonly string[]): string {
  return moduleSetKey([...tenantModules, ...releaseModules]);
}

export interface Representative {
  moduleSetKey: string;
  tenantId: string;
}

const CRITICALITY_ORDER: Record<Criticality, number> = { low: 0, standard: 1, critical: 2 };

/**
 * One tenant per distinct module set: preferably ACTIVE, then in ring 0 (canary or internal
 * tenants, whose copies may be looked at freely), then the lowest criticality, then by id, so the
 * choice is the same on every replay. Sets are in key order.
 */
export function pickRepresentatives(tenants: readonly (PlanTenant & { release: { modules: string[] } })[], releaseModules: readonly string[]): Representative[] {
  const rank = (t: PlanTenant) => [t.status === 'ACTIVE' ? 0 : 1, ringOf(t) === 0 ? 0 : 1, CRITICALITY_ORDER[t.profile.criticality]] as const;
  const best = new Map<string, PlanTenant>();
  for (const t of tenants) {
    const key = releasedModuleSetKey(t.release.modules, releaseModules);
    const current = best.get(key);
    if (!current || before(rank(t), t.tenantId, rank(current), current.tenantId)) best.set(key, t);
  }
  return [...best.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, t]) => ({ moduleSetKey: key, tenantId: t.tenantId }));
}

function before(a: readonly number[], aId: string, b: readonly number[], bId: string): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return aId < bId;
}
