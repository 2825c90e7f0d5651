/**
 * The HTTP side of the public contract: JSON responses, the error envelope
 * `{error: {code, message, details}}`, and validation failures reported field by field.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { en } from 'zod/locales';
import * as z from 'zod/mini';
import { AppError, validationError, type ErrorDetail } from './errors.ts';
import { THROTTLING_ERRORS } from './transient-errors.ts';

/** What a route answers before serialization; also what an idempotency record replays. */
export interface ApiReply {
  statusCode: number;
  body: unknown;
}

export const ok = (body: unknown): ApiReply => ({ statusCode: 200, body });
export const accepted = (body: unknown): ApiReply => ({ statusCode: 202, body });

export interface ErrorEnvelope {
  error: { code: string; message: string; details: ErrorDetail[] };
}

// zod/mini ships no messages of its own; English ones make a field's detail readable.
z.config(en());

const BASE_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

export function jsonResult(reply: ApiReply, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return { statusCode: reply.statusCode, headers: { ...BASE_HEADERS, ...headers }, body: JSON.stringify(reply.body ?? {}) };
}

export function errorReply(error: AppError): ApiReply {
  const envelope: ErrorEnvelope = { error: { code: error.code, message: error.message, details: error.details } };
  return { statusCode: error.status, body: envelope };
}

const isThrottling = (error: unknown) => (THROTTLING_ERRORS as readonly string[]).includes((error as { name?: string } | undefined)?.name ?? '');

/**
 * The error the caller sees. Our own errors say what went wrong; throttling of our backends asks
 * the caller to retry; anything else is an internal error whose detail stays in the logs, named
 * by the request id so an operator can find it.
 */
export function publicError(error: unknown, requestId: string): AppError {
  if (error instanceof AppError) return error;
  if (isThrottling(error)) return new AppError('TooManyRequests', 'The control plane is busy; retry shortly');
  return new AppError('InternalError', `Internal error (request ${requestId}); the details are in the control plane's logs`);
}

/** Case-insensitive header lookup: API Gateway keeps the client's spelling. */
export function headerValue(event: Pick<APIGatewayProxyEvent, 'headers'>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}

/** Zod issues as `{path, message}` pairs; an unknown field is named in the path. */
export function zodDetails(error: z.core.$ZodError, root: string): ErrorDetail[] {
  return error.issues.flatMap((issue) => {
    const base = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...base, key].join('.'), message: 'is not a known field' }));
    }
    return [{ path: base.length ? base.join('.') : root, message: issue.message }];
  });
}

/** Parses `value` with `schema`, or throws a ValidationError listing every offending field. */
export function parseOrThrow<T>(schema: z.core.$ZodType<T>, value: unknown, where: 'body' | 'query' | 'path' | 'header'): T {
  const result = z.safeParse(schema, value);
  if (result.success) return result.data;
  const what = { body: 'request body', query: 'query string', path: 'path', header: 'headers' }[where];
  throw validationError(`Invalid ${what}`, zodDetails(result.error, where));
}
