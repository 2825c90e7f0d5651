/**
 * AWS SDK v3 errors are told apart by `name` (the service's error code), never by class identity:
 * the simulated cloud and a second copy of an SDK package throw equal names from other classes.
 */
export function errorName(error: unknown): string | undefined {
  const name = (error as { name?: unknown } | null | undefined)?.name;
  return typeof name === 'string' ? name : undefined;
}

/** `Name: message`, at most 500 characters: how a record says which AWS error stopped it. */
export function describeAwsError(error: unknown): string {
  return `${errorName(error) ?? 'Error'}: ${(error as Error | undefined)?.message ?? String(error)}`.slice(0, 500);
}

export function hasName(error: unknown, ...names: string[]): boolean {
  const name = errorName(error);
  return name !== undefined && names.includes(name);
}

export function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | null | undefined)?.$metadata?.httpStatusCode;
}

/** S3 HEAD requests carry no body, so a missing bucket or key arrives as `NotFound` or a bare 404. */
export function isS3NotFound(error: unknown): boolean {
  return hasName(error, 'NotFound', 'NoSuchKey', 'NoSuchBucket') || httpStatus(error) === 404;
}
