/**
 * The fleet configuration reaches every Lambda inside its bundle, not its environment (Lambda
 * allows 4 KB for all variables; the configuration grows with every cell): bundled with the
 * `define` FleetFunction gives esbuild, `fleetConfig()` answers the configuration in a process
 * whose environment has no `FLEET_CONFIG`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { fleetConfigDefine, REPO_ROOT } from '#infra/constructs/fleet-function.ts';
import { exampleFleetConfig } from '#infra/example-fleet.ts';
import { fleetConfigSchema } from '#shared/domain/fleet-config.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'fleet-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function bundleAndRun(define: Record<string, string> | undefined): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const entry = path.join(dir, 'entry.ts');
  writeFileSync(entry, `import { fleetConfig } from ${JSON.stringify(path.join(REPO_ROOT, 'shared/domain/fleet-config.ts'))};\nconsole.log(JSON.stringify(fleetConfig()));\n`);
  const outfile = path.join(dir, `out-${define ? 'with' : 'without'}.mjs`);
  await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile, logLevel: 'silent', ...(define ? { define } : {}) });
  const env = { ...process.env };
  delete env.FLEET_CONFIG;
  return spawnSync(process.execPath, [outfile], { encoding: 'utf8', env });
}

describe('the fleet configuration in a Lambda bundle', () => {
  it('is read from the bundle when the environment has none', async () => {
    const fleet = exampleFleetConfig();
    const run = await bundleAndRun(fleetConfigDefine(JSON.stringify(fleet)));
    expect(run.stderr).toBe('');
    expect(fleetConfigSchema.parse(JSON.parse(run.stdout))).toEqual(fleetConfigSchema.parse(fleet));
  });

  it('fails plainly in a bundle made without it and an environment without it', async () => {
    const run = await bundleAndRun(undefined);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('FLEET_CONFIG is not set (and no configuration was bundled)');
  });
});
