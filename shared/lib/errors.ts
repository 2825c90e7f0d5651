/**
 * Errors the control plane raises on purpose. `name` is the error code: Step Functions matches
 * Retry/Catch on it and the API maps it to an HTTP status, so both read the same vocabulary.
 */
export type ErrorCode =
  | 'ValidationError'
  | 'NotFound'
  | 'Conflict'
  | 'Forbidden'
  | 'PayloadTooLarge'
  | 'TooManyRequests'
  | 'UnsupportedMediaType'
  | 'LeaseHeld'
  | 'PlacementUnavailable'
  | 'ResourceFailed'
  | 'InternalError';

export interface ErrorDetail {
  /** Dotted path of the offending field, e.g. `profile.criticality`. */
  path: string;
  message: string;
}

const statusByCode: Record<ErrorCode, number> = {
  ValidationError: 400,
  NotFound: 404,
  Conflict: 409,
  LeaseHeld: 409,
  Forbidden: 403,
  PayloadTooLarge: 413,
  UnsupportedMediaType: 415,
  TooManyRequests: 429,
  PlacementUnavailable: 409,
  ResourceFailed: 500,
  InternalError: 500,
};

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetail[];
  constructor(code: ErrorCode, message: string, details: ErrorDetail[] = []) {
    super(message);
    this.name = code;
    this.code = code;
    this.details = details;
  }
  get status(): number {
    return statusByCode[this.code];
  }
}

export const validationError = (message: string, details: ErrorDetail[] = []) =>
  new AppError('ValidationError', message, details);
export const notFound = (message: string) => new AppError('NotFound', message);
export const conflict = (message: string, details: ErrorDetail[] = []) => new AppError('Conflict', message, details);
export const forbidden = (message: string) => new AppError('Forbidden', message);

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

/** A cloud resource reached a terminal bad state (e.g. RDS `failed`, node group `CREATE_FAILED`). Not retried. */
export const resourceFailed = (message: string) => new AppError('ResourceFailed', message);
