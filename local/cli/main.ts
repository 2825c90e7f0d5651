/** `odooctl`: the control plane's command line (see `odooctl --help`). */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { runCli } from './run.ts';

process.exitCode = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
  fetch: globalThis.fetch,
  readFile: (path) => readFile(path, 'utf8'),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  newKey: () => `odooctl-${randomUUID()}`,
});
