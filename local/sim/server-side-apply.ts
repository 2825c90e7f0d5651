/**
 * Server-side apply, as far as the workflows rely on it: each field manager owns the fields of its
 * last applied configuration, and the live object is those configurations merged in the order they
 * were applied (a forced apply takes the fields it names). A manager that applies only
 * `spec.replicas` changes only that; a manager that drops a field from its configuration drops it
 * from the object unless another manager holds it. Lists of named items (containers, env,
 * volumes) merge by name, as their Kubernetes merge keys do; other lists are replaced whole.
 */
import type { K8sObject } from '#shared/cloud/kubernetes-api.ts';

type Json = unknown;

const isObject = (v: Json): v is Record<string, Json> => !!v && typeof v === 'object' && !Array.isArray(v);
const isNamedList = (v: Json): v is Array<Record<string, Json> & { name: string }> =>
  Array.isArray(v) && v.length > 0 && v.every((x) => isObject(x) && typeof x.name === 'string');

export function mergeJson(base: Json, over: Json): Json {
  if (isObject(base) && isObject(over)) {
    const out: Record<string, Json> = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = k in base ? mergeJson(base[k], v) : structuredClone(v);
    return out;
  }
  if (isNamedList(base) && isNamedList(over)) {
    const out = base.map((item) => {
      const replacement = over.find((o) => o.name === item.name);
      return replacement ? mergeJson(item, replacement) : item;
    });
    for (const o of over) if (!base.some((b) => b.name === o.name)) out.push(structuredClone(o));
    return out;
  }
  return structuredClone(over);
}

export interface ManagedConfig {
  manager: string;
  config: K8sObject;
}

/** The live object from the managers' configurations, oldest first. */
export function liveObject(configs: ManagedConfig[]): K8sObject {
  return configs.reduce<Json>((acc, c) => mergeJson(acc, c.config), {}) as K8sObject;
}

/** JSON with object keys sorted, to compare values whatever order their keys were merged in. */
export function canonical(v: Json): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isObject(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}
