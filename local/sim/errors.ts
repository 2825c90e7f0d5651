/**
 * Errors as the AWS SDK raises them. Where the SDK has an exception class for the name, the
 * simulator throws an instance of it, so `instanceof` and `error.name` behave as against AWS;
 * other names (query-protocol codes such as `InvalidParameterValue`) get a plain Error carrying the
 * same `name`, `$fault` and `$metadata` fields the SDK sets.
 */
import { randomUUID } from 'node:crypto';
import * as eks from '@aws-sdk/client-eks';
import * as events from '@aws-sdk/client-eventbridge';
import * as iam from '@aws-sdk/client-iam';
import * as rds from '@aws-sdk/client-rds';
import * as rdsData from '@aws-sdk/client-rds-data';
import * as route53 from '@aws-sdk/client-route-53';
import * as s3 from '@aws-sdk/client-s3';
import * as secrets from '@aws-sdk/client-secrets-manager';
import * as serviceQuotas from '@aws-sdk/client-service-quotas';
import { THROTTLING_ERRORS } from '#shared/lib/transient-errors.ts';

export const SIM_SERVICES = ['rds', 'rds-data', 'eks', 'iam', 'secretsmanager', 'route53', 's3', 'cloudwatch', 'kubernetes', 'probe', 'events', 'servicequotas'] as const;
export type SimService = (typeof SIM_SERVICES)[number];

type ExceptionClass = new (opts: { message: string; $metadata: Record<string, unknown> }) => Error;

const sdkModules: Partial<Record<SimService, Record<string, unknown>>> = {
  rds,
  'rds-data': rdsData,
  eks,
  iam,
  route53,
  s3,
  secretsmanager: secrets,
  events,
  servicequotas: serviceQuotas,
};

const serviceExceptionBase: Partial<Record<SimService, unknown>> = {
  rds: rds.RDSServiceException,
  'rds-data': rdsData.RDSDataServiceException,
  eks: eks.EKSServiceException,
  iam: iam.IAMServiceException,
  route53: route53.Route53ServiceException,
  s3: s3.S3ServiceException,
  secretsmanager: secrets.SecretsManagerServiceException,
  events: events.EventBridgeServiceException,
  servicequotas: serviceQuotas.ServiceQuotasServiceException,
};

function exceptionClass(service: SimService, name: string): ExceptionClass | undefined {
  const candidate = sdkModules[service]?.[name] as { prototype?: unknown } | undefined;
  const base = serviceExceptionBase[service] as { prototype: object } | undefined;
  if (typeof candidate !== 'function' || !base) return undefined;
  return candidate.prototype instanceof (base as unknown as new () => object) ? (candidate as unknown as ExceptionClass) : undefined;
}

const HTTP_STATUS: Record<string, number> = {
  ResourceNotFoundException: 404,
  NoSuchEntity: 404,
  NoSuchEntityException: 404,
  NoSuchHostedZone: 404,
  NoSuchBucket: 404,
  DBClusterNotFoundFault: 404,
  DBInstanceNotFoundFault: 404,
  DBClusterSnapshotNotFoundFault: 404,
  ResourceInUseException: 409,
  EntityAlreadyExistsException: 409,
  DeleteConflictException: 409,
  ThrottlingException: 429,
  Throttling: 400,
  SlowDown: 503,
  NotImplemented: 501,
};

/** Throttling names per service: what AWS answers when a caller goes too fast. */
export const THROTTLING_NAME: Record<SimService, string> = {
  rds: 'Throttling',
  'rds-data': 'ThrottlingException',
  eks: 'ThrottlingException',
  iam: 'ThrottlingException',
  secretsmanager: 'ThrottlingException',
  route53: 'ThrottlingException',
  s3: 'SlowDown',
  cloudwatch: 'ThrottlingException',
  kubernetes: 'ThrottlingException',
  probe: 'ThrottlingException',
  events: 'ThrottlingException',
  servicequotas: 'TooManyRequestsException',
};

export interface AwsErrorFields {
  name: string;
  $fault: 'client' | 'server';
  $metadata: { httpStatusCode?: number; requestId?: string; attempts?: number; totalRetryDelay?: number };
  $retryable?: { throttling: boolean };
}

export function awsError(service: SimService, name: string, message: string, extra: Record<string, unknown> = {}): Error & AwsErrorFields {
  const $metadata = { httpStatusCode: HTTP_STATUS[name] ?? 400, requestId: randomUUID(), attempts: 1, totalRetryDelay: 0 };
  const throttling = (THROTTLING_ERRORS as readonly string[]).includes(name);
  const Cls = exceptionClass(service, name);
  const err = (Cls ? new Cls({ message, $metadata }) : Object.assign(new Error(message), { name })) as Error & AwsErrorFields;
  if (!Cls) {
    err.$fault = name === 'NotImplemented' || name === 'SlowDown' ? 'server' : 'client';
    err.$metadata = $metadata;
  }
  if (throttling) err.$retryable = { throttling: true };
  Object.assign(err, extra);
  return err;
}

/** Per service: what AWS calls a malformed or missing parameter. */
const INVALID_NAME: Record<SimService, string> = {
  rds: 'InvalidParameterValue',
  'rds-data': 'BadRequestException',
  eks: 'InvalidParameterException',
  iam: 'ValidationError',
  secretsmanager: 'InvalidParameterException',
  route53: 'InvalidInput',
  s3: 'InvalidArgument',
  cloudwatch: 'InvalidParameterValue',
  kubernetes: 'KubernetesApiError',
  probe: 'InvalidParameterException',
  events: 'ValidationException',
  servicequotas: 'IllegalArgumentException',
};

const MISSING_NAME: Partial<Record<SimService, string>> = { rds: 'MissingParameter', cloudwatch: 'MissingParameter' };

export function invalidParameter(service: SimService, message: string): Error {
  return awsError(service, INVALID_NAME[service], message);
}

/** Fails like AWS when a required parameter is absent or empty. */
export function requireParams(service: SimService, input: object, params: string[]): void {
  const record = input as Record<string, unknown>;
  for (const p of params) {
    const v = record[p];
    if (v === undefined || v === null || v === '') {
      throw awsError(service, MISSING_NAME[service] ?? INVALID_NAME[service], `The request must contain the parameter ${p}`);
    }
  }
}

export function notImplemented(service: SimService, operation: string): Error {
  return awsError(service, 'NotImplemented', `The simulated cloud does not implement ${service}:${operation}`);
}
