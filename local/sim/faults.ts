/**
 * Injected faults: throttling or any named error on a share of calls, a region that does not
 * answer, or an image that crash-loops, fails or slows its migration, serves errors, draws too
 * little traffic to be judged, or whose users write data after its cut-over (so rolling its
 * database back would lose their work). Drill faults name a tenant and act on restores of its
 * database: the restore fails or is slow, or the restored database lacks its newest two hours, a
 * module, its partners, or the filestore objects of its attachments. Replication faults set the lag
 * of the Aurora global databases (`replication-lag`) or of the S3 filestore replication
 * (`filestore-lag`) into a region. Rates draw
 * from a seeded generator so a game day or a test replays the same way.
 */
import { z } from 'zod';
import { names, TENANT_ID_PATTERN } from '#shared/domain/names.ts';
import { AppError } from '#shared/lib/errors.ts';
import { SIM_SERVICES, type SimService } from './errors.ts';

export const IMAGE_EFFECTS = ['crash-loop', 'migration-fails', 'slow-migration', 'high-error-rate', 'low-traffic', 'user-writes'] as const;
export type ImageEffect = (typeof IMAGE_EFFECTS)[number];

/** Faults of a tenant's restores (drills): decided when the restore is requested. */
export const TENANT_EFFECTS = ['restore-fails', 'slow-restore', 'stale-restore', 'missing-attachments', 'missing-module', 'empty-tables'] as const;
export type TenantEffect = (typeof TENANT_EFFECTS)[number];

/** Replication lag, in `seconds`, of what replicates into a region (or every region): Aurora global databases, S3 filestores. */
export const LAG_EFFECTS = ['replication-lag', 'filestore-lag'] as const;

const faultRuleSchema = z
  .object({
    service: z.enum([...SIM_SERVICES, '*']),
    operation: z.string().min(1).max(100).optional(),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be a region name such as eu-west-1').optional(),
    error: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9.]{0,99}$/, 'must be an error name such as ThrottlingException')
      .optional(),
    rate: z.number().min(0).max(1).optional(),
    count: z.number().int().positive().optional(),
    effect: z.enum(['error', 'unreachable', ...LAG_EFFECTS, ...IMAGE_EFFECTS, ...TENANT_EFFECTS]).default('error'),
    image: z.string().min(1).max(300).optional(),
    tenant: z.string().regex(TENANT_ID_PATTERN, 'must be a tenant id').optional(),
    /** `replication-lag` and `filestore-lag` only: the lag, in seconds of the simulated clock (not scaled). */
    seconds: z.number().min(0).max(86_400).optional(),
  })
  .strict()
  .superRefine((rule, ctx) => {
    const imageEffect = (IMAGE_EFFECTS as readonly string[]).includes(rule.effect);
    if (imageEffect && !rule.image) ctx.addIssue({ code: 'custom', path: ['image'], message: `effect ${rule.effect} needs the image it applies to` });
    if (!imageEffect && rule.image) ctx.addIssue({ code: 'custom', path: ['image'], message: `image only applies to ${IMAGE_EFFECTS.join(', ')}` });
    const tenantEffect = (TENANT_EFFECTS as readonly string[]).includes(rule.effect);
    if (tenantEffect && !rule.tenant) ctx.addIssue({ code: 'custom', path: ['tenant'], message: `effect ${rule.effect} needs the tenant it applies to` });
    if (!tenantEffect && rule.tenant) ctx.addIssue({ code: 'custom', path: ['tenant'], message: `tenant only applies to ${TENANT_EFFECTS.join(', ')}` });
    const lagEffect = (LAG_EFFECTS as readonly string[]).includes(rule.effect);
    if (lagEffect && rule.seconds === undefined) ctx.addIssue({ code: 'custom', path: ['seconds'], message: `effect ${rule.effect} needs the lag in seconds` });
    if (!lagEffect && rule.seconds !== undefined) ctx.addIssue({ code: 'custom', path: ['seconds'], message: `seconds only applies to ${LAG_EFFECTS.join(', ')}` });
  });

export type FaultRule = z.infer<typeof faultRuleSchema>;
export interface ActiveFaultRule extends FaultRule {
  id: number;
  /** Times the rule has fired. */
  fired: number;
}

export type CallFault = { effect: 'error'; error?: string } | { effect: 'unreachable' };

/** mulberry32: small, fast, and the same sequence for the same seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An image rule matches the exact reference, or every tag of a repository named without a tag. */
export function imageMatches(ruleImage: string, image: string): boolean {
  if (ruleImage === image) return true;
  const lastSlash = ruleImage.lastIndexOf('/');
  const hasTag = ruleImage.slice(lastSlash + 1).includes(':') || ruleImage.includes('@');
  return !hasTag && (image.startsWith(`${ruleImage}:`) || image.startsWith(`${ruleImage}@`));
}

export class FaultInjector {
  private rules: ActiveFaultRule[] = [];
  private nextId = 1;
  private random: () => number;
  /** When each rule was set (epoch ms of `now`): a region unreachable since then stops replicating from then. */
  private readonly setAt = new WeakMap<ActiveFaultRule, number>();

  constructor(
    private readonly seed = 1,
    private readonly now: () => number = Date.now,
  ) {
    this.random = prng(seed);
  }

  /** Replaces every rule. Invalid rules are rejected as a whole, with the offending fields. */
  set(rules: unknown[]): ActiveFaultRule[] {
    const parsed = z.array(faultRuleSchema).safeParse(rules);
    if (!parsed.success) {
      const details = parsed.error.issues.map((i) => ({ path: ['rules', ...i.path].join('.'), message: i.message }));
      throw new AppError('ValidationError', 'invalid fault rules', details);
    }
    this.random = prng(this.seed);
    this.rules = parsed.data.map((r) => ({ ...r, id: this.nextId++, fired: 0 }));
    const now = this.now();
    for (const r of this.rules) this.setAt.set(r, now);
    return this.list();
  }

  clear(): void {
    this.rules = [];
  }

  list(): ActiveFaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  /** Decides whether this call fails, consuming a rule's count when it fires. */
  forCall(service: SimService, operation: string, region: string): CallFault | undefined {
    for (const rule of this.rules) {
      if (rule.effect !== 'error' && rule.effect !== 'unreachable') continue;
      if (rule.service !== '*' && rule.service !== service) continue;
      if (rule.operation && rule.operation !== operation) continue;
      if (rule.region && rule.region !== region) continue;
      if (!this.fires(rule)) continue;
      return rule.effect === 'unreachable' ? { effect: 'unreachable' } : { effect: 'error', error: rule.error };
    }
    return undefined;
  }

  /**
   * The image faults on an image. `consume` is for decisions taken once per object (a Job's fate);
   * Deployments ask without consuming, so clearing the rule heals them.
   */
  forImage(image: string | undefined, effect: ImageEffect, consume = false): boolean {
    if (!image) return false;
    for (const rule of this.rules) {
      if (rule.effect !== effect || !rule.image || !imageMatches(rule.image, image)) continue;
      if (!consume) return true;
      if (this.fires(rule)) return true;
    }
    return false;
  }

  /**
   * Whether a tenant fault acts on a restore of this database (the tenant's `odoo_<tenant>`).
   * Decided once per restore, so a rule with a `count` covers that many restores.
   */
  forTenantDatabase(databaseName: string, effect: TenantEffect): boolean {
    for (const rule of this.rules) {
      if (rule.effect !== effect || !rule.tenant || names.databaseName(rule.tenant) !== databaseName) continue;
      if (this.fires(rule)) return true;
    }
    return false;
  }

  /**
   * Since when (epoch ms) RDS of a region has been unreachable for good (an `unreachable` rule on
   * every call of `rds` or `*` there, without rate or count), or undefined. Asked without consuming.
   */
  unreachableSince(region: string): number | undefined {
    let since: number | undefined;
    for (const rule of this.rules) {
      if (rule.effect !== 'unreachable' || (rule.service !== '*' && rule.service !== 'rds') || rule.operation) continue;
      if ((rule.region && rule.region !== region) || (rule.rate !== undefined && rule.rate < 1) || rule.count !== undefined) continue;
      const at = this.setAt.get(rule) ?? this.now();
      since = since === undefined ? at : Math.min(since, at);
    }
    return since;
  }

  /** The replication lag (seconds) a `replication-lag` rule sets for what replicates into a region, or undefined. */
  replicationLag(region: string): number | undefined {
    for (const rule of this.rules) if (rule.effect === 'replication-lag' && (!rule.region || rule.region === region)) return rule.seconds;
    return undefined;
  }

  /** The S3 replication latency (seconds) a `filestore-lag` rule sets for buckets replicating into a region, or undefined. */
  filestoreLag(region: string): number | undefined {
    for (const rule of this.rules) if (rule.effect === 'filestore-lag' && (!rule.region || rule.region === region)) return rule.seconds;
    return undefined;
  }

  private fires(rule: ActiveFaultRule): boolean {
    if (rule.rate !== undefined && this.random() >= rule.rate) return false;
    rule.fired++;
    if (rule.count !== undefined && rule.fired >= rule.count) this.rules = this.rules.filter((r) => r !== rule);
    return true;
  }
}
