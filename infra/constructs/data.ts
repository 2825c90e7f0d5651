/**
 * The control plane's state: the single DynamoDB table (keys from `shared/store/table-schema.ts`,
 * so the repository and the table cannot disagree) and the archive bucket.
 *
 * The table is one DynamoDB global table (`AWS::DynamoDB::GlobalTable`): the primary region's stack
 * owns it, with a replica in the DR region encrypted with that region's own key; the DR region's
 * stack does not create it but uses its local replica by name, so its functions read and write
 * tenant records with the primary region down.
 *
 * The archive bucket (`<prefix>-fleet-archive-<account>-<region>`) receives offboarding exports,
 * final database dumps and drill/failover evidence. The fleet configuration's `archiveBucket` names
 * the bucket offboarding writes to; point it at this bucket (the example configuration does).
 */
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { tableSchema } from '#shared/store/table-schema.ts';

export interface FleetDataProps {
  readonly key: kms.IKey;
  /** Prefix of resource names, the fleet configuration's `namePrefix`. */
  readonly namePrefix: string;
  /**
   * Regions holding a replica of the table, each with its replica key ARN (a KMS key is regional).
   * Only for the stack that owns the table. @default - no replica
   */
  readonly replicaRegions?: ReadonlyArray<{ readonly region: string; readonly keyArn: string }>;
  /**
   * `true` in a region whose replica the stack of another region creates: the table is not created
   * here but used by name, encrypted with this stack's `key`. @default false
   */
  readonly replicaOnly?: boolean;
}

/** The table's name, the same in every region of the global table. */
export const fleetTableName = (namePrefix: string) => `${namePrefix}-fleet`;

const stringKey = (name: string): dynamodb.Attribute => ({ name, type: dynamodb.AttributeType.STRING });

export class FleetData extends Construct {
  /** The table, or in a replica-only region the local replica. */
  readonly table: dynamodb.ITableV2;
  readonly archiveBucket: s3.Bucket;
  readonly accessLogsBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: FleetDataProps) {
    super(scope, id);
    const { account, region } = Stack.of(this);
    const replicas = props.replicaRegions ?? [];

    if (props.replicaOnly) {
      if (replicas.length > 0) throw new Error('a replica-only region cannot declare replicas: the owning region does');
      // Named, not a cross-region reference: nothing of the other region's stack is read here.
      this.table = dynamodb.TableV2.fromTableAttributes(this, 'Table', {
        tableArn: `arn:aws:dynamodb:${region}:${account}:table/${fleetTableName(props.namePrefix)}`,
        encryptionKey: props.key,
        globalIndexes: tableSchema.indexes.map((index) => index.indexName),
      });
    } else {
      this.table = new dynamodb.TableV2(this, 'Table', {
        tableName: fleetTableName(props.namePrefix),
        partitionKey: stringKey(tableSchema.partitionKey),
        sortKey: stringKey(tableSchema.sortKey),
        globalSecondaryIndexes: tableSchema.indexes.map((index) => ({
          indexName: index.indexName,
          partitionKey: stringKey(index.partitionKey),
          sortKey: stringKey(index.sortKey),
          projectionType: dynamodb.ProjectionType.ALL,
        })),
        timeToLiveAttribute: tableSchema.ttlAttribute,
        billing: dynamodb.Billing.onDemand(),
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: true,
        encryption: dynamodb.TableEncryptionV2.customerManagedKey(
          props.key,
          Object.fromEntries(replicas.map((r) => [r.region, r.keyArn])),
        ),
        replicas: replicas.map((r) => ({ region: r.region })),
        removalPolicy: RemovalPolicy.RETAIN,
      });
    }

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      // S3 server access logging delivers only to buckets encrypted with S3-managed keys.
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      lifecycleRules: [{ expiration: Duration.days(400), noncurrentVersionExpiration: Duration.days(30) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.accessLogsBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket is the server access log destination of the archive bucket; logging its own log deliveries would loop.',
    });

    this.archiveBucket = new s3.Bucket(this, 'Archive', {
      bucketName: `${props.namePrefix}-fleet-archive-${account}-${region}`,
      // S3-managed keys: the workflow functions that write exports hold S3 grants only, and the
      // archive must stay readable by auditors without access to the control plane's key.
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      // Evidence writers put retention on each object; exports are not locked by default.
      objectLockEnabled: true,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'archive/',
      lifecycleRules: [
        { abortIncompleteMultipartUploadAfter: Duration.days(7) },
        { transitions: [{ storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(90) }] },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
