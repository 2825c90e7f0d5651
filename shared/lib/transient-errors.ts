/**
 * Error names that mean "try again": AWS throttling and transient service faults as the SDK names
 * them, plus Lambda's own. Step Functions Retry policies and the simulated cloud's fault defaults
 * both read this list, so a fault injected locally is retried exactly as it would be in AWS.
 */
export const THROTTLING_ERRORS = [
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
  'PriorRequestNotComplete',
] as const;

export const TRANSIENT_ERRORS = [
  ...THROTTLING_ERRORS,
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'ServiceUnavailableError',
  'InternalFailure',
  'InternalServerError',
  'InternalServerException',
  'DatabaseResumingException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'NetworkingError',
  'ECONNRESET',
  'Conflict', // an optimistic-lock race on our own records: re-read and redo
] as const;

export const LAMBDA_TRANSIENT_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException',
  // A function that ran out of time; every task is an idempotent ensure, so running it again is safe.
  'Sandbox.Timedout',
] as const;

export function isTransient(error: unknown): boolean {
  const name = (error as { name?: string } | undefined)?.name;
  return typeof name === 'string' && (TRANSIENT_ERRORS as readonly string[]).includes(name);
}
