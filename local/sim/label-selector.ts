/** Kubernetes equality-based label selectors: `a=b`, `a==b`, `a!=b`, `a` (exists), `!a` (absent). */
import { KubernetesApiError } from '#shared/cloud/eks-kubernetes.ts';

export type Requirement = { key: string; op: 'eq' | 'ne' | 'exists' | 'absent'; value?: string };

const KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

export function parseSelector(selector: string | undefined): Requirement[] {
  if (!selector?.trim()) return [];
  return selector.split(',').map((raw) => {
    const part = raw.trim();
    let m: RegExpExecArray | null;
    let req: Requirement | undefined;
    if ((m = /^([^=!]+)!=(.*)$/.exec(part))) req = { key: m[1]!.trim(), op: 'ne', value: m[2]!.trim() };
    else if ((m = /^([^=!]+)==?(.*)$/.exec(part))) req = { key: m[1]!.trim(), op: 'eq', value: m[2]!.trim() };
    else if ((m = /^!(.+)$/.exec(part))) req = { key: m[1]!.trim(), op: 'absent' };
    else req = { key: part, op: 'exists' };
    if (!KEY.test(req.key)) throw new KubernetesApiError(400, 'BadRequest', `unable to parse requirement: invalid label key "${req.key}"`);
    return req;
  });
}

export function matchesSelector(labels: Record<string, string>, requirements: Requirement[]): boolean {
  return requirements.every((r) => {
    const v = labels[r.key];
    switch (r.op) {
      case 'eq':
        return v === r.value;
      case 'ne':
        return v !== r.value;
      case 'exists':
        return v !== undefined;
      case 'absent':
        return v === undefined;
    }
  });
}
