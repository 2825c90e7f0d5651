import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '#shared/lib/logger.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  return { lines, log: createLogger({ service: 'test' }, (line) => lines.push(JSON.parse(line))) };
}

afterEach(() => {
  process.env.LOG_LEVEL = 'silent';
});

describe('logger', () => {
  it('writes one JSON object per line with level, time, message and fields', () => {
    process.env.LOG_LEVEL = 'info';
    const { lines, log } = capture();

    log.child({ requestId: 'r-1' }).info('request', { statusCode: 202 });

    expect(lines).toEqual([{ level: 'info', time: expect.any(String), message: 'request', service: 'test', requestId: 'r-1', statusCode: 202 }]);
  });

  it('masks credentials at any depth', () => {
    process.env.LOG_LEVEL = 'debug';
    const { lines, log } = capture();

    log.debug('call', { headers: { Authorization: 'AWS4-HMAC-SHA256 ...', 'x-amz-security-token': 't' }, db: { masterPassword: 'p', host: 'db' }, list: [{ apiKey: 'k' }] });

    expect(lines[0]).toMatchObject({
      headers: { Authorization: '[REDACTED]', 'x-amz-security-token': '[REDACTED]' },
      db: { masterPassword: '[REDACTED]', host: 'db' },
      list: [{ apiKey: '[REDACTED]' }],
    });
  });

  it('writes errors with name, message and stack', () => {
    process.env.LOG_LEVEL = 'error';
    const { lines, log } = capture();

    log.error('failed', { error: new TypeError('boom') });

    expect(lines[0]!.error).toMatchObject({ name: 'TypeError', message: 'boom', stack: expect.stringContaining('TypeError') });
  });

  it('drops lines below LOG_LEVEL and writes nothing when silent', () => {
    const { lines, log } = capture();

    process.env.LOG_LEVEL = 'warn';
    log.info('hidden');
    log.warn('shown');
    process.env.LOG_LEVEL = 'silent';
    log.error('hidden too');

    expect(lines.map((l) => l.message)).toEqual(['shown']);
  });
});
