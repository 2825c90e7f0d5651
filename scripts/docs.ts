/**
 * Writes the generated documents (`npm run docs`). With `--check`, writes nothing and exits 1 when
 * a checked-in document differs from what the code generates.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderDocs } from './render-docs.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
const stale: string[] = [];

for (const [path, content] of Object.entries(renderDocs())) {
  const file = resolve(root, path);
  if (check) {
    if (readOrNull(file) !== content) stale.push(path);
    continue;
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
  console.log(`wrote ${path}`);
}

if (stale.length > 0) {
  console.error(`out of date: ${stale.join(', ')}; run \`npm run docs\``);
  process.exit(1);
}

function readOrNull(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}
