import { describe, expect, it } from 'vitest';
import { renderUpgradeJob } from '#shared/domain/k8s-jobs.ts';
import { restrictedViolations } from '#local/sim/pod-security.ts';

const input = { tenantId: 'acme', image: 'registry.example.com/odoo:17.0-20300201', releaseId: 'rel-01hzzzzzzzzzzzzzzzzzzabcdefgh', operationId: 'op-1', databaseName: 'odoo_acme', modules: ['sale', 'stock', 'sale'] };

describe('Function: renderUpgradeJob', () => {
  it('runs one `odoo -u <modules> --stop-after-init` with the new image, named after the release, never retried', () => {
    // act
    const job = renderUpgradeJob({ ...input, clusterIdentifier: 'odoo-cell-a', placement: { model: 'pooled', cell: 'cell-a' } });

    // assess
    const spec = job.spec as { backoffLimit: number; template: { spec: { containers: { image: string; command: string[] }[]; nodeSelector: Record<string, string> } } };
    expect(job.metadata).toMatchObject({
      name: 'odoo-upgrade-abcdefgh',
      namespace: 'tenant-acme',
      labels: { 'odoo.fleet/job': 'upgrade', 'odoo.fleet/tenant': 'acme' },
      annotations: { 'odoo.fleet/database': 'odoo_acme', 'odoo.fleet/modules': 'sale,stock', 'odoo.fleet/db-cluster': 'odoo-cell-a' },
    });
    expect(spec.backoffLimit).toBe(0);
    expect(spec.template.spec.containers[0]!.image).toBe(input.image);
    expect(spec.template.spec.containers[0]!.command.join(' ')).toContain('odoo -u sale,stock --stop-after-init -c /etc/odoo/odoo.conf -d odoo_acme --no-http --workers=0 --max-cron-threads=0');
    expect(spec.template.spec.nodeSelector).toEqual({ 'odoo.fleet/cell': 'cell-a' });
    expect(restrictedViolations(spec.template.spec as never)).toEqual([]);
  });

  it('refuses a module name that could reach the shell, and an empty module list', () => {
    expect(() => renderUpgradeJob({ ...input, modules: ['sale;rm -rf /'] })).toThrow(/invalid module name/);
    expect(() => renderUpgradeJob({ ...input, modules: [] })).toThrow(/at least one module/);
  });
});
