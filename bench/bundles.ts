/**
 * Lambda bundle figures: each handler bundled the way FleetFunction bundles it (esbuild, ESM,
 * minified), its size, and its cold-load time in a fresh Node process, side by side with a minimal
 * middy handler bundled the same way.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

export interface BundleFigure {
  entry: string;
  bytes: number;
  coldLoadMs: number;
}

const OUT = path.resolve('.bench');

async function bundle(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    logLevel: 'silent',
    banner: { js: "import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);" },
    mainFields: ['module', 'main'],
  });
}

/** Median of `runs` fresh-process imports of the bundle, in milliseconds. */
function coldLoad(file: string, runs: number): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); console.log(performance.now() - t);`;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', FLEET_CONFIG: process.env.FLEET_CONFIG ?? '{}' },
    });
    const ms = Number(r.stdout.trim().split('\n').pop());
    if (Number.isFinite(ms)) times.push(ms);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? NaN;
}

export async function measureBundles(entries: string[], runs = 5): Promise<{ baseline: BundleFigure; bundles: BundleFigure[] }> {
  mkdirSync(OUT, { recursive: true });
  const baselineEntry = path.join(OUT, 'minimal-handler.ts');
  writeFileSync(baselineEntry, "import middy from '@middy/core';\nexport const handler = middy(async () => ({ statusCode: 200, body: 'ok' }));\n");
  const measure = async (entry: string, name: string): Promise<BundleFigure> => {
    const outfile = path.join(OUT, `${name}.mjs`);
    await bundle(entry, outfile);
    return { entry, bytes: statSync(outfile).size, coldLoadMs: coldLoad(outfile, runs) };
  };
  const baseline = await measure(baselineEntry, 'minimal-handler');
  const bundles: BundleFigure[] = [];
  for (const entry of entries) bundles.push(await measure(entry, entry.replace(/[^a-z0-9]+/gi, '-')));
  return { baseline, bundles };
}
