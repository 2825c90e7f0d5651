/**
 * The wrapper every public API handler is built with (API Gateway REST, Lambda proxy integration;
 * the local API server builds the same event). A handler declares the zod schemas of its body,
 * query string and path, and receives them parsed, with the caller's identity; it answers an
 * `ApiReply`. Everything that can go wrong on the way in (size, media type, JSON, schema) is a 4xx
 * with the contract's error envelope; anything unexpected is a logged 500 that leaks nothing.
 */
import { randomUUID } from 'node:crypto';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { AppError, forbidden, validationError } from './errors.ts';
import { errorReply, headerValue, jsonResult, parseOrThrow, publicError, type ApiReply } from './http.ts';
import { logger, type Logger } from './logger.ts';

export const MAX_BODY_BYTES = 64 * 1024;
export const LOCAL_DEFAULT_ACTOR = 'local-operator';

const ACTOR_PATTERN = /^[\w.@:/+=,-]{1,128}$/;
const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export interface ApiRequest<B, Q, P> {
  body: B;
  query: Q;
  params: P;
  /** Who is calling: the IAM identity in AWS, `X-Actor` on the local control plane. */
  actor: string;
  idempotencyKey?: string;
  requestId: string;
  method: string;
  /** The request path with its parameters filled in, e.g. `/v1/tenants/acme`. */
  path: string;
  log: Logger;
}

export interface ApiSchemas<B, Q, P> {
  body?: z.core.$ZodType<B>;
  query?: z.core.$ZodType<Q>;
  params?: z.core.$ZodType<P>;
}

/** The proxy event with the body as the JSON middleware parsed it. */
export interface ApiEvent extends APIGatewayProxyEvent {
  parsedBody?: unknown;
}

interface ApiInternal extends Record<string, unknown> {
  startedAt: number;
  log: Logger;
  actor?: string;
}

type Middleware = MiddlewareObj<ApiEvent, APIGatewayProxyResult, Error, Context, ApiInternal>;

function requestIdOf(event: APIGatewayProxyEvent, context: Partial<Context> | undefined): string {
  const id = event.requestContext?.requestId ?? context?.awsRequestId ?? randomUUID();
  // Reused on the event so the log lines and the answer of one request name the same id.
  event.requestContext = { ...event.requestContext, requestId: id };
  return id;
}

const isLocal = () => process.env.FLEET_LOCAL === '1';

/**
 * The caller. In AWS only the IAM identity API Gateway verified counts (the API uses IAM
 * authorization); a header saying otherwise is ignored. Only the local control plane, which has
 * no IAM, takes the `X-Actor` header.
 */
export function callerOf(event: APIGatewayProxyEvent): string {
  if (isLocal()) {
    const claimed = headerValue(event, 'x-actor')?.trim();
    if (!claimed) return LOCAL_DEFAULT_ACTOR;
    if (!ACTOR_PATTERN.test(claimed)) {
      throw validationError('Invalid X-Actor header', [{ path: 'X-Actor', message: 'must be 1 to 128 characters: letters, digits and _.@:/+=,-' }]);
    }
    return claimed;
  }
  const arn = event.requestContext?.identity?.userArn;
  if (!arn) throw forbidden('The caller has no IAM identity; the API requires IAM authorization');
  return arn;
}

function idempotencyKeyOf(event: APIGatewayProxyEvent): string | undefined {
  const key = headerValue(event, 'idempotency-key');
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw validationError('Invalid Idempotency-Key header', [{ path: 'Idempotency-Key', message: 'must be 1 to 255 printable characters without spaces' }]);
  }
  return key;
}

const requestLog = (): Middleware => {
  const done = (request: Parameters<NonNullable<Middleware['after']>>[0]) => {
    const { log, startedAt, actor } = request.internal;
    const statusCode = request.response?.statusCode ?? 500;
    log.info('request', { method: request.event.httpMethod, path: request.event.path, statusCode, actor, durationMs: Date.now() - startedAt });
  };
  return {
    before: (request) => {
      const requestId = requestIdOf(request.event, request.context);
      request.internal.startedAt = Date.now();
      request.internal.log = logger.child({ requestId, route: request.event.requestContext?.resourcePath });
    },
    after: done,
    onError: done,
  };
};

const errorResponse = (): Middleware => ({
  onError: (request) => {
    const requestId = requestIdOf(request.event, request.context);
    const log = request.internal.log ?? logger;
    const error = publicError(request.error, requestId);
    if (error.status >= 500) log.error('request failed', { error: request.error });
    request.response = jsonResult(errorReply(error), { 'x-request-id': requestId });
  },
});

const callerIdentity = (): Middleware => ({
  before: (request) => {
    request.internal.actor = callerOf(request.event);
  },
});

function isJsonMediaType(contentType: string | undefined): boolean {
  const type = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || /^application\/[\w.+-]+\+json$/.test(type);
}

/** Size limit, media type and JSON parsing of the body, in that order, each with its own status. */
const jsonBody = (maxBytes: number): Middleware => ({
  before: (request) => {
    const { body, isBase64Encoded } = request.event;
    if (body === null || body === undefined || body === '') return;
    const raw = isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
    if (raw.length > maxBytes) throw new AppError('PayloadTooLarge', `The request body is larger than ${maxBytes} bytes`);
    if (!isJsonMediaType(headerValue(request.event, 'content-type'))) {
      throw new AppError('UnsupportedMediaType', 'The request body must be JSON (Content-Type: application/json)', [
        { path: 'Content-Type', message: 'must be application/json' },
      ]);
    }
    try {
      request.event.parsedBody = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      throw validationError(`The request body is not valid JSON: ${(err as Error).message}`, [{ path: 'body', message: 'is not valid JSON' }]);
    }
  },
});

export function apiHandler<B = undefined, Q = Record<string, never>, P = Record<string, never>>(
  schemas: ApiSchemas<B, Q, P>,
  fn: (request: ApiRequest<B, Q, P>) => Promise<ApiReply>,
) {
  const base = async (event: ApiEvent, context: Context): Promise<APIGatewayProxyResult> => {
    const requestId = requestIdOf(event, context);
    const actor = callerOf(event);
    if (!schemas.body && event.parsedBody !== undefined) {
      throw validationError('This call takes no request body', [{ path: 'body', message: 'must be empty' }]);
    }
    const request: ApiRequest<B, Q, P> = {
      body: schemas.body ? parseOrThrow(schemas.body, event.parsedBody, 'body') : (undefined as B),
      query: parseOrThrow(schemas.query ?? noParameters<Q>(), event.queryStringParameters ?? {}, 'query'),
      params: parseOrThrow(schemas.params ?? noParameters<P>(), event.pathParameters ?? {}, 'path'),
      actor,
      idempotencyKey: idempotencyKeyOf(event),
      requestId,
      method: event.httpMethod,
      path: event.path,
      log: logger.child({ requestId, actor }),
    };
    const reply = await fn(request);
    return jsonResult(reply, { 'x-request-id': requestId });
  };

  return middy<ApiEvent, APIGatewayProxyResult, Error, Context, ApiInternal>(base)
    .use(requestLog())
    .use(errorResponse())
    .use(callerIdentity())
    .use(jsonBody(MAX_BODY_BYTES));
}

const noParameters = <T>() => z.strictObject({}) as unknown as z.core.$ZodType<T>;
