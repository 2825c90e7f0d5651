/**
 * The control plane's customer-managed KMS key: the table, every log group, the state machines and
 * the alarm topic are encrypted with it, so revoking it (or auditing its use in CloudTrail) covers
 * all tenant records the control plane holds.
 */
import { Aspects, Duration, RemovalPolicy, Stack, type IAspect } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, type IConstruct } from 'constructs';

/**
 * The key's alias, the same in every region: the primary region's stack names the DR region's key
 * by it (as the table replica's key) without a cross-region reference.
 */
export const CONTROL_PLANE_KEY_ALIAS = 'alias/odoo-fleet-control-plane';

export interface FleetEncryptionProps {
  /** @default CONTROL_PLANE_KEY_ALIAS */
  readonly alias?: string;
}

export class FleetEncryption extends Construct {
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: FleetEncryptionProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    this.key = new kms.Key(this, 'Key', {
      description: 'Odoo fleet control plane: tenant records, logs, workflow state, alarms',
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
      alias: props.alias ?? CONTROL_PLANE_KEY_ALIAS,
      // Losing the key loses the table's backups too; a deleted stack keeps it.
      removalPolicy: RemovalPolicy.RETAIN,
      pendingWindow: Duration.days(30),
    });

    // CloudWatch Logs encrypts log groups with the key only when the key policy lets it, and only for
    // this account's log groups in this region.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*` },
        },
      }),
    );

    // Every log group in the stack, including those other constructs create, is encrypted with the key.
    Aspects.of(stack).add(new EncryptLogGroups(this.key));
  }
}

/** Sets the key on each log group that has none. */
export class EncryptLogGroups implements IAspect {
  constructor(private readonly key: kms.IKey) {}

  visit(node: IConstruct): void {
    if (node instanceof logs.CfnLogGroup && node.kmsKeyId === undefined) {
      node.kmsKeyId = this.key.keyArn;
    }
  }
}
