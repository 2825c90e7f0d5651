/**
 * Routes that exist only on the local control plane: the simulated cloud's inventory, the fault
 * injector, the simulated clock and the schedules (contract: `GET /_local/cloud`,
 * `POST|DELETE /_local/faults`, `GET|POST /_local/clock`; README: `GET /_local/schedules`,
 * `POST /_local/schedules/{name}/run`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError } from '#shared/lib/errors.ts';
import type { LocalStepFunctions, TaskFaultRule } from './runner.ts';
import { ScheduleNotFound, type LocalScheduler } from './scheduler.ts';

interface SimLike {
  inventory(): unknown;
  inventoryForTenant(tenantId: string): unknown;
  faults: { set(rules: unknown[]): unknown; clear(): void; list(): unknown };
}

const MAX_BODY = 64 * 1024;

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new AppError('PayloadTooLarge', `body larger than ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    throw new AppError('ValidationError', 'body is not valid JSON');
  }
}

interface ClockLike {
  now(): Date;
  advance(seconds: number): Date;
}

function methodNotAllowed(res: ServerResponse, req: IncomingMessage, url: URL, allowed: string): true {
  res.writeHead(405, { 'content-type': 'application/json', allow: allowed });
  res.end(JSON.stringify({ error: { code: 'MethodNotAllowed', message: `${req.method} is not allowed on ${url.pathname}; use ${allowed}`, details: [] } }));
  return true;
}

const SCHEDULE_RUN = /^\/_local\/schedules\/([^/]+)\/run\/?$/;

export async function handleLocalRoute(
  ctx: { sim: SimLike; runner: LocalStepFunctions; clock: ClockLike; scheduler?: LocalScheduler },
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<boolean> {
  try {
    if (ctx.scheduler && (url.pathname === '/_local/schedules' || url.pathname === '/_local/schedules/')) {
      if (req.method !== 'GET') return methodNotAllowed(res, req, url, 'GET');
      send(res, 200, { firing: ctx.scheduler.isFiring, now: ctx.clock.now().toISOString(), schedules: ctx.scheduler.list() });
      return true;
    }
    const run = ctx.scheduler ? SCHEDULE_RUN.exec(url.pathname) : null;
    if (run && ctx.scheduler) {
      if (req.method !== 'POST') return methodNotAllowed(res, req, url, 'POST');
      let name: string;
      try {
        name = decodeURIComponent(run[1]!);
      } catch {
        throw new AppError('NotFound', `No schedule named ${run[1]}`);
      }
      try {
        send(res, 200, { schedule: name, ...(await ctx.scheduler.run(name)) });
      } catch (err) {
        if (err instanceof ScheduleNotFound) throw new AppError('NotFound', `No schedule named ${name}; GET /_local/schedules lists them`);
        throw err;
      }
      return true;
    }
    if (url.pathname === '/_local/cloud' && req.method === 'GET') {
      const tenant = url.searchParams.get('tenant');
      send(res, 200, tenant ? { tenantId: tenant, resources: ctx.sim.inventoryForTenant(tenant) } : ctx.sim.inventory());
      return true;
    }
    if (url.pathname === '/_local/clock') {
      if (req.method === 'GET') {
        send(res, 200, { now: ctx.clock.now().toISOString() });
        return true;
      }
      if (req.method === 'POST') {
        const body = (await readJson(req)) as { advanceSeconds?: unknown } | null;
        const seconds = body?.advanceSeconds;
        if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
          throw new AppError('ValidationError', 'body must be {"advanceSeconds": <seconds, 0 or more>}', [
            { path: 'advanceSeconds', message: 'required non-negative number: the clock only moves forward' },
          ]);
        }
        const now = ctx.clock.advance(seconds).toISOString();
        // Whatever the move made due fires before the answer, so the caller sees it started.
        await ctx.scheduler?.tick();
        send(res, 200, { now });
        return true;
      }
    }
    if (url.pathname === '/_local/faults') {
      if (req.method === 'GET') {
        send(res, 200, { rules: ctx.sim.faults.list() });
        return true;
      }
      if (req.method === 'DELETE') {
        ctx.sim.faults.clear();
        ctx.runner.setTaskFaults([]);
        send(res, 200, { rules: [] });
        return true;
      }
      if (req.method === 'POST') {
        const body = (await readJson(req)) as { rules?: unknown[]; taskFaults?: TaskFaultRule[] };
        if (!body || !Array.isArray(body.rules)) throw new AppError('ValidationError', 'body must be {"rules": [...]}', [{ path: 'rules', message: 'required array' }]);
        // Rules for service "lambda" act on workflow tasks (a crash after the side effect, say).
        const lambdaRules = body.rules.filter((r) => (r as { service?: string }).service === 'lambda') as Array<{ operation?: string; effect?: string; error?: string; count?: number }>;
        const cloudRules = body.rules.filter((r) => (r as { service?: string }).service !== 'lambda');
        ctx.sim.faults.set(cloudRules);
        ctx.runner.setTaskFaults(
          lambdaRules.map((r) => {
            if (!r.operation) throw new AppError('ValidationError', 'a lambda fault needs "operation": the Task state name', [{ path: 'rules.operation', message: 'required for service lambda' }]);
            return { state: r.operation, effect: r.effect === 'crash-after' ? 'crash-after' : 'error', error: r.error, count: r.count };
          }),
        );
        send(res, 200, { rules: body.rules });
        return true;
      }
    }
    return false;
  } catch (err) {
    if (err instanceof AppError) {
      send(res, err.status, { error: { code: err.code, message: err.message, details: err.details } });
      return true;
    }
    throw err;
  }
}
