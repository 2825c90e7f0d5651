/**
 * The local API server: the same handler modules API Gateway invokes, behind node:http on the
 * loopback interface. It matches `apiRoutes` (the list the CDK app deploys), builds the REST proxy
 * event API Gateway would build, and writes back what the handler answers. There is no IAM here,
 * so the caller's identity is left empty and the handlers take `X-Actor` instead (FLEET_LOCAL=1).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { apiRoutes, type ApiRoute } from '#functions/api/routes.ts';
import { logger } from '#shared/lib/logger.ts';

/** API Gateway refuses bodies over 10 MB; the handlers refuse far less. This only bounds what the server buffers. */
export const MAX_REQUEST_BYTES = 1024 * 1024;
/** After a 413, this much more of the refused body is read and thrown away before the connection is cut. */
const MAX_DISCARD_BYTES = 8 * 1024 * 1024;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);
const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export type ExtraRoutes = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

export interface ApiServerOptions {
  port: number;
  host?: string;
  /** Local-only routes (`/_local/...`); answers true when it handled the request. */
  extraRoutes?: ExtraRoutes;
  /** Wraps each request's handling: on virtual time, time stands still while a request is served. */
  hold?: <T>(work: Promise<T>) => Promise<T>;
}

export interface ApiServer {
  url: string;
  close(): Promise<void>;
}

type LambdaHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

interface CompiledRoute {
  route: ApiRoute;
  pattern: RegExp;
  params: string[];
}

function compile(route: ApiRoute): CompiledRoute {
  const params: string[] = [];
  const source = route.path
    .split('/')
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment)?.[1];
      if (!param) return segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
      params.push(param);
      return '([^/]+)';
    })
    .join('/');
  return { route, pattern: new RegExp(`^${source}/?$`), params };
}

const compiled = apiRoutes.map(compile);

export function matchRoute(method: string, pathname: string): { route: ApiRoute; pathParameters: Record<string, string> } | { allowed: string[] } | undefined {
  const candidates = compiled.map((c) => ({ c, m: c.pattern.exec(pathname) })).filter((x) => x.m);
  if (candidates.length === 0) return undefined;
  const hit = candidates.find((x) => x.c.route.method === method);
  if (!hit) return { allowed: candidates.map((x) => x.c.route.method).sort() };
  try {
    const pathParameters = Object.fromEntries(hit.c.params.map((name, i) => [name, decodeURIComponent(hit.m![i + 1]!)]));
    return { route: hit.c.route, pathParameters };
  } catch {
    return undefined; // A malformed escape names no resource.
  }
}

const handlers = new Map<string, Promise<LambdaHandler>>();

/** Imports a route's handler module once, from its entry path relative to the repository root. */
function handlerOf(route: ApiRoute): Promise<LambdaHandler> {
  let loaded = handlers.get(route.entry);
  if (!loaded) {
    loaded = import(pathToFileURL(join(REPO_ROOT, route.entry)).href).then((mod: { handler?: LambdaHandler }) => {
      if (typeof mod.handler !== 'function') throw new Error(`${route.entry} exports no handler`);
      return mod.handler;
    });
    loaded.catch(() => handlers.delete(route.entry));
    handlers.set(route.entry, loaded);
  }
  return loaded;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

const errorBody = (code: string, message: string) => ({ error: { code, message, details: [] } });

class BodyTooLarge extends Error {}

/** Reads the body, refusing it (before buffering more) as soon as it passes the limit. */
async function readBody(req: IncomingMessage): Promise<string | null> {
  if (Number(req.headers['content-length'] ?? 0) > MAX_REQUEST_BYTES) throw new BodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return size === 0 ? null : Buffer.concat(chunks).toString('utf8');
}

function refuseBody(req: IncomingMessage, res: ServerResponse): void {
  sendJson(res, 413, errorBody('PayloadTooLarge', `The request body is larger than ${MAX_REQUEST_BYTES} bytes`), { connection: 'close' });
  // Reading the rest lets the client see the answer; a client that keeps sending is cut off.
  let discarded = 0;
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > MAX_DISCARD_BYTES) req.socket.destroy();
  });
  req.resume();
}

function headersOf(req: IncomingMessage) {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    const value = req.rawHeaders[i + 1]!;
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
    (multiValueHeaders[name] ??= []).push(value);
  }
  return { headers, multiValueHeaders };
}

function queryOf(url: URL) {
  if ([...url.searchParams.keys()].length === 0) return { queryStringParameters: null, multiValueQueryStringParameters: null };
  const multi: Record<string, string[]> = {};
  for (const [k, v] of url.searchParams) (multi[k] ??= []).push(v);
  // Like API Gateway: the single-value map holds the last value of a repeated parameter.
  const single = Object.fromEntries(Object.entries(multi).map(([k, vs]) => [k, vs[vs.length - 1]!]));
  return { queryStringParameters: single, multiValueQueryStringParameters: multi };
}

export function proxyEvent(req: IncomingMessage, url: URL, route: ApiRoute, pathParameters: Record<string, string>, body: string | null): APIGatewayProxyEvent {
  const requestId = randomUUID();
  const now = new Date();
  return {
    resource: route.path,
    path: url.pathname,
    httpMethod: route.method,
    ...headersOf(req),
    ...queryOf(url),
    pathParameters: Object.keys(pathParameters).length ? pathParameters : null,
    stageVariables: null,
    body,
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      stage: 'local',
      protocol: `HTTP/${req.httpVersion}`,
      requestId,
      requestTime: now.toUTCString(),
      requestTimeEpoch: now.getTime(),
      httpMethod: route.method,
      path: url.pathname,
      resourceId: route.id,
      resourcePath: route.path,
      authorizer: null,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        user: null,
        userAgent: req.headers['user-agent'] ?? null,
        userArn: null,
      },
    },
  };
}

function lambdaContext(route: ApiRoute, requestId: string): Context {
  return {
    awsRequestId: requestId,
    functionName: route.id,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${route.id}`,
    memoryLimitInMB: '512',
    logGroupName: `/aws/lambda/${route.id}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: false,
  } as Context;
}

function writeResult(res: ServerResponse, result: APIGatewayProxyResult): void {
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(result.headers ?? {})) headers[k] = String(v);
  for (const [k, vs] of Object.entries(result.multiValueHeaders ?? {})) headers[k] = vs.map(String);
  res.writeHead(result.statusCode, headers);
  res.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
}

async function serve(req: IncomingMessage, res: ServerResponse, extraRoutes: ExtraRoutes | undefined): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const method = req.method ?? 'GET';
  if (url.pathname === '/health') {
    if (method !== 'GET') return sendJson(res, 405, errorBody('MethodNotAllowed', 'Use GET /health'), { allow: 'GET' });
    return sendJson(res, 200, { status: 'ok' });
  }

  const match = matchRoute(method, url.pathname);
  if (match && 'route' in match) {
    let body: string | null;
    try {
      body = await readBody(req);
    } catch (err) {
      if (err instanceof BodyTooLarge) return refuseBody(req, res);
      throw err;
    }
    const event = proxyEvent(req, url, match.route, match.pathParameters, body);
    const handler = await handlerOf(match.route);
    return writeResult(res, await handler(event, lambdaContext(match.route, event.requestContext.requestId)));
  }
  if (extraRoutes && (await extraRoutes(req, res, url))) return;
  if (match) {
    return sendJson(res, 405, errorBody('MethodNotAllowed', `${method} is not allowed on ${url.pathname}; use ${match.allowed.join(', ')}`), {
      allow: match.allowed.join(', '),
    });
  }
  sendJson(res, 404, errorBody('NotFound', `No route for ${method} ${url.pathname}`));
}

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const host = opts.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host)) throw new Error(`The local API server listens on the loopback interface only, not ${host}`);
  const hold = opts.hold ?? (<T>(work: Promise<T>) => work);
  const server = createServer((req, res) => {
    hold(serve(req, res, opts.extraRoutes)).catch((err: unknown) => {
      logger.error('local API request failed', { method: req.method, url: req.url, error: err });
      if (!res.headersSent) sendJson(res, 500, errorBody('InternalError', 'Internal error; the details are in the server log'));
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host === '::1' ? '[::1]' : host;
  return {
    url: `http://${shownHost}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
