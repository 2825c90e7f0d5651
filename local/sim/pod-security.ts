/**
 * The Pod Security Standard "restricted" profile, as the admission controller checks a pod
 * template: the violations, worded like the API server's warning, or none.
 */
type Obj = Record<string, unknown>;

const ALLOWED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
const SECCOMP_OK = ['RuntimeDefault', 'Localhost'];

const asObj = (v: unknown): Obj => (v && typeof v === 'object' ? (v as Obj) : {});
const asList = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);

export function restrictedViolations(podSpec: Obj): string[] {
  const problems: string[] = [];
  const podCtx = asObj(podSpec.securityContext);
  if (podSpec.hostNetwork || podSpec.hostPID || podSpec.hostIPC) problems.push('host namespaces (hostNetwork=true, hostPID=true or hostIPC=true)');
  const badVolumes = asList(podSpec.volumes).filter((v) => !Object.keys(v).some((k) => k !== 'name' && ALLOWED_VOLUMES.includes(k)));
  if (badVolumes.length) problems.push(`restricted volume types (volumes ${badVolumes.map((v) => `"${String(v.name)}"`).join(', ')})`);

  const containers = [...asList(podSpec.initContainers), ...asList(podSpec.containers)];
  const named = (pred: (c: Obj, ctx: Obj) => boolean) =>
    containers
      .filter((c) => pred(c, asObj(c.securityContext)))
      .map((c) => `"${String(c.name)}"`)
      .join(', ');

  const privileged = named((_c, ctx) => ctx.privileged === true);
  if (privileged) problems.push(`privileged (containers ${privileged} must not set securityContext.privileged=true)`);
  const escalation = named((_c, ctx) => ctx.allowPrivilegeEscalation !== false);
  if (escalation) problems.push(`allowPrivilegeEscalation != false (containers ${escalation} must set securityContext.allowPrivilegeEscalation=false)`);
  const caps = named((_c, ctx) => {
    const c = asObj(ctx.capabilities);
    const drop = Array.isArray(c.drop) ? (c.drop as string[]) : [];
    const add = Array.isArray(c.add) ? (c.add as string[]) : [];
    return !drop.includes('ALL') || add.some((a) => a !== 'NET_BIND_SERVICE');
  });
  if (caps) problems.push(`unrestricted capabilities (containers ${caps} must set securityContext.capabilities.drop=["ALL"])`);
  const nonRoot = named((_c, ctx) => (ctx.runAsNonRoot ?? podCtx.runAsNonRoot) !== true);
  if (nonRoot) problems.push(`runAsNonRoot != true (pod or containers ${nonRoot} must set securityContext.runAsNonRoot=true)`);
  const root = named((_c, ctx) => (ctx.runAsUser ?? podCtx.runAsUser) === 0);
  if (root) problems.push(`runAsUser=0 (containers ${root} must not set runAsUser=0)`);
  const seccomp = named((_c, ctx) => !SECCOMP_OK.includes(String(asObj(ctx.seccompProfile ?? podCtx.seccompProfile).type)));
  if (seccomp) problems.push(`seccompProfile (pod or containers ${seccomp} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`);
  return problems;
}
