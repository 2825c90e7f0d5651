import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { apiHandler } from '#shared/lib/api-handler.ts';
import { AppError } from '#shared/lib/errors.ts';
import { ok } from '#shared/lib/http.ts';
import { ALICE, invoke } from './harness.ts';

const whoAmI = apiHandler({}, async ({ actor, idempotencyKey }) => ok({ actor, idempotencyKey: idempotencyKey ?? null }));
const echo = apiHandler({ body: z.object({ name: z.string() }).strict() }, async ({ body }) => ok(body));
const failing = (error: unknown) =>
  apiHandler({}, async () => {
    throw error;
  });

afterEach(() => {
  delete process.env.FLEET_LOCAL;
  process.env.LOG_LEVEL = 'silent';
  vi.restoreAllMocks();
});

describe('apiHandler: who is calling', () => {
  it('takes the IAM identity and ignores X-Actor outside the local control plane', async () => {
    const res = await invoke(whoAmI, { method: 'GET', path: '/', headers: { 'X-Actor': 'mallory' } });

    expect(res.body.actor).toBe(ALICE);
  });

  it('answers 403 when API Gateway passed no IAM identity', async () => {
    const res = await invoke(whoAmI, { method: 'GET', path: '/', userArn: null, headers: { 'X-Actor': 'mallory' } });

    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('Forbidden');
  });

  it('takes X-Actor, or local-operator without it, on the local control plane', async () => {
    process.env.FLEET_LOCAL = '1';

    const named = await invoke(whoAmI, { method: 'GET', path: '/', userArn: null, headers: { 'x-actor': 'sre-bob' } });
    const unnamed = await invoke(whoAmI, { method: 'GET', path: '/', userArn: null });
    const invalid = await invoke(whoAmI, { method: 'GET', path: '/', userArn: null, headers: { 'X-Actor': 'bob smith' } });

    expect(named.body.actor).toBe('sre-bob');
    expect(unnamed.body.actor).toBe('local-operator');
    expect(invalid.status).toBe(400);
  });

  it('reads Idempotency-Key whatever its spelling, and refuses one with spaces', async () => {
    const good = await invoke(whoAmI, { method: 'GET', path: '/', headers: { 'idempotency-key': 'abc-1' } });
    const bad = await invoke(whoAmI, { method: 'GET', path: '/', headers: { 'Idempotency-Key': 'a b' } });

    expect(good.body.idempotencyKey).toBe('abc-1');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('Idempotency-Key');
  });
});

describe('apiHandler: the way in', () => {
  it('answers 400 naming the body when a body is required but missing', async () => {
    const res = await invoke(echo, { method: 'POST', path: '/' });

    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('body');
  });

  it('answers 400 to a body sent to a call that takes none', async () => {
    const res = await invoke(whoAmI, { method: 'POST', path: '/', body: { a: 1 } });

    expect(res.status).toBe(400);
  });

  it('accepts a JSON media type with parameters and passes the parsed body on', async () => {
    const res = await invoke(echo, { method: 'POST', path: '/', body: '{"name":"x"}', headers: { 'content-type': 'application/json; charset=utf-8' } });

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ name: 'x' });
    expect(res.headers['x-request-id']).toBeTruthy();
  });
});

describe('apiHandler: errors', () => {
  it('maps our own errors to their status with code, message and details', async () => {
    const res = await invoke(failing(new AppError('Conflict', 'taken', [{ path: 'tenantId', message: 'is taken' }])), { method: 'GET', path: '/' });

    expect(res.status).toBe(409);
    expect(res.body).toEqual({ error: { code: 'Conflict', message: 'taken', details: [{ path: 'tenantId', message: 'is taken' }] } });
  });

  it('answers 500 with a generic message to an unexpected error, and logs the error itself', async () => {
    process.env.LOG_LEVEL = 'error';
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });

    const res = await invoke(failing(new Error('connect ECONNREFUSED 10.0.3.7:5432 password=hunter2')), { method: 'GET', path: '/' });

    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe('InternalError');
    expect(JSON.stringify(res.body)).not.toMatch(/ECONNREFUSED|10\.0\.3\.7|hunter2/);
    const logged = lines.map((l) => JSON.parse(l)).find((l) => l.message === 'request failed');
    expect(logged.error.message).toMatch(/ECONNREFUSED/);
    expect(logged.requestId).toBe(res.headers['x-request-id']);
  });

  it('asks the caller to retry when our backends throttle', async () => {
    const res = await invoke(failing(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })), { method: 'GET', path: '/' });

    expect(res.status).toBe(429);
    expect(res.body.error.code).toBe('TooManyRequests');
  });
});
