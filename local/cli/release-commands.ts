/** The API call each `odooctl releases ...` command makes, and how its answer is printed. */
import type { Release, ReleasePreview, TenantRelease } from '#shared/domain/release-types.ts';
import type { Tenant } from '#shared/domain/types.ts';
import type { ApiCall } from './api-client.ts';
import { formatCalendar, formatDecision, formatPreview, formatRelease, formatReleaseControl, formatReleaseList, formatReleaseStarted } from './format-release.ts';
import { releaseBodyFromFlags, type ReleaseCommand } from './release-args.ts';

const releasePath = (id: string) => `/v1/releases/${encodeURIComponent(id)}`;

export async function releaseCall(command: ReleaseCommand, io: { readJson(path: string): Promise<unknown>; newKey(): string }): Promise<ApiCall> {
  const key = (given?: string) => ({ 'idempotency-key': given ?? io.newKey() });
  switch (command.kind) {
    case 'releases create': {
      const body = command.file ? ((await io.readJson(command.file)) as Record<string, unknown>) : releaseBodyFromFlags(command.flags, command.dryRun);
      if (command.file && command.dryRun) body.dryRun = true;
      return { method: 'POST', path: '/v1/releases', body, headers: key(command.idempotencyKey) };
    }
    case 'releases list':
      return { method: 'GET', path: '/v1/releases', query: command.query };
    case 'releases get':
      return { method: 'GET', path: releasePath(command.releaseId), query: command.query };
    case 'releases watch':
      return { method: 'GET', path: releasePath(command.releaseId), query: { limit: '1' } };
    case 'releases approve':
    case 'releases reject':
    case 'releases pause':
    case 'releases resume':
    case 'releases abort':
      return { method: 'POST', path: `${releasePath(command.releaseId)}/${command.kind.split(' ')[1]}`, body: command.body, headers: key(command.idempotencyKey) };
    case 'releases decide':
      return {
        method: 'POST',
        path: `${releasePath(command.releaseId)}/tenants/${encodeURIComponent(command.tenantId)}/decision`,
        body: command.body,
        headers: key(command.idempotencyKey),
      };
    case 'tenants calendar set':
      return { method: 'PUT', path: `/v1/tenants/${encodeURIComponent(command.tenantId)}/release-calendar`, body: await io.readJson(command.file) };
  }
}

export function renderRelease(command: ReleaseCommand, body: unknown): string {
  switch (command.kind) {
    case 'releases create':
      return (body as { dryRun?: boolean }).dryRun ? formatPreview(body as ReleasePreview) : formatReleaseStarted(body as { release: Release });
    case 'releases list':
      return formatReleaseList(body as { items: Release[]; nextCursor?: string | null });
    case 'releases get':
    case 'releases watch':
      return formatRelease(body as { release: Release; tenants: TenantRelease[]; nextCursor?: string | null });
    case 'releases approve':
    case 'releases reject':
    case 'releases pause':
    case 'releases resume':
    case 'releases abort':
      return formatReleaseControl(body as { release: Release });
    case 'releases decide':
      return formatDecision(body as { tenant: TenantRelease });
    case 'tenants calendar set':
      return formatCalendar(body as Tenant);
  }
}
