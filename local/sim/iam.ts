/**
 * IAM (global): roles with inline policies. Policy documents must be JSON, and IAM hands them back
 * URL-encoded, as AWS does.
 */
import type {
  CreateRoleCommandInput,
  CreateRoleCommandOutput,
  DeleteRoleCommandInput,
  DeleteRoleCommandOutput,
  DeleteRolePolicyCommandInput,
  DeleteRolePolicyCommandOutput,
  GetRoleCommandInput,
  GetRoleCommandOutput,
  GetRolePolicyCommandInput,
  GetRolePolicyCommandOutput,
  ListRolePoliciesCommandInput,
  ListRolePoliciesCommandOutput,
  PutRolePolicyCommandInput,
  PutRolePolicyCommandOutput,
  Role,
} from '@aws-sdk/client-iam';
import { awsError, requireParams } from './errors.ts';
import { randomId, tagsFromList, tagsToList, type Out, type ServiceSim, type SimContext, type Tags } from './types.ts';

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const POLICY_NAME = /^[\w+=,.@-]{1,128}$/;
const PATH = /^\/([\x21-\x7e]{0,510}\/)?$/;

export interface SimRole {
  name: string;
  id: string;
  arn: string;
  path: string;
  assumeRolePolicy: string;
  description?: string;
  permissionsBoundary?: string;
  maxSessionDuration: number;
  tags: Tags;
  policies: Map<string, string>;
  createdAt: Date;
}

function parsePolicy(document: string | undefined, what: string): void {
  try {
    const parsed = JSON.parse(document ?? '') as unknown;
    if (!parsed || typeof parsed !== 'object' || !('Statement' in parsed)) throw new Error('no Statement');
  } catch {
    throw awsError('iam', 'MalformedPolicyDocumentException', `${what} is not a valid JSON policy document.`);
  }
}

export class IamSim implements ServiceSim {
  readonly roles = new Map<string, SimRole>();

  constructor(private readonly ctx: SimContext) {}

  readonly operations = {
    GetRole: (i: GetRoleCommandInput) => this.getRole(i),
    CreateRole: (i: CreateRoleCommandInput) => this.createRole(i),
    PutRolePolicy: (i: PutRolePolicyCommandInput) => this.putRolePolicy(i),
    GetRolePolicy: (i: GetRolePolicyCommandInput) => this.getRolePolicy(i),
    ListRolePolicies: (i: ListRolePoliciesCommandInput) => this.listRolePolicies(i),
    DeleteRolePolicy: (i: DeleteRolePolicyCommandInput) => this.deleteRolePolicy(i),
    DeleteRole: (i: DeleteRoleCommandInput) => this.deleteRole(i),
  };

  private mustRole(name: string | undefined): SimRole {
    requireParams('iam', { RoleName: name }, ['RoleName']);
    // Role names are case-insensitive in IAM.
    const role = this.roles.get(name!.toLowerCase());
    if (!role) throw awsError('iam', 'NoSuchEntityException', `The role with name ${name} cannot be found.`);
    return role;
  }

  private toRole(r: SimRole): Role {
    return {
      RoleName: r.name,
      RoleId: r.id,
      Arn: r.arn,
      Path: r.path,
      CreateDate: r.createdAt,
      AssumeRolePolicyDocument: encodeURIComponent(r.assumeRolePolicy),
      Description: r.description,
      MaxSessionDuration: r.maxSessionDuration,
      PermissionsBoundary: r.permissionsBoundary ? { PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: r.permissionsBoundary } : undefined,
      Tags: tagsToList(r.tags),
    };
  }

  private getRole(i: GetRoleCommandInput): Out<GetRoleCommandOutput> {
    return { Role: this.toRole(this.mustRole(i.RoleName)) };
  }

  private createRole(i: CreateRoleCommandInput): Out<CreateRoleCommandOutput> {
    requireParams('iam', i, ['RoleName', 'AssumeRolePolicyDocument']);
    if (!ROLE_NAME.test(i.RoleName!)) throw awsError('iam', 'ValidationError', `1 validation error detected: Value '${i.RoleName}' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+`);
    const path = i.Path ?? '/';
    if (!PATH.test(path)) throw awsError('iam', 'ValidationError', `The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.`);
    parsePolicy(i.AssumeRolePolicyDocument, 'AssumeRolePolicyDocument');
    if (i.PermissionsBoundary && !/^arn:aws:iam::(\d{12}|aws):policy\/.+$/.test(i.PermissionsBoundary)) throw awsError('iam', 'InvalidInputException', `ARN ${i.PermissionsBoundary} is not valid.`);
    const key = i.RoleName!.toLowerCase();
    if (this.roles.has(key)) throw awsError('iam', 'EntityAlreadyExistsException', `Role with name ${i.RoleName} already exists.`);
    const role: SimRole = {
      name: i.RoleName!,
      id: `AROA${randomId(17, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`,
      arn: `arn:aws:iam::${this.ctx.accountId}:role${path}${i.RoleName}`,
      path,
      assumeRolePolicy: i.AssumeRolePolicyDocument!,
      description: i.Description,
      permissionsBoundary: i.PermissionsBoundary,
      maxSessionDuration: i.MaxSessionDuration ?? 3600,
      tags: tagsFromList(i.Tags),
      policies: new Map(),
      createdAt: this.ctx.clock.now(),
    };
    this.roles.set(key, role);
    return { Role: this.toRole(role) };
  }

  private putRolePolicy(i: PutRolePolicyCommandInput): Out<PutRolePolicyCommandOutput> {
    requireParams('iam', i, ['RoleName', 'PolicyName', 'PolicyDocument']);
    if (!POLICY_NAME.test(i.PolicyName!)) throw awsError('iam', 'ValidationError', `Value '${i.PolicyName}' at 'policyName' failed to satisfy constraint.`);
    const role = this.mustRole(i.RoleName);
    parsePolicy(i.PolicyDocument, 'PolicyDocument');
    role.policies.set(i.PolicyName!, i.PolicyDocument!);
    return {};
  }

  private getRolePolicy(i: GetRolePolicyCommandInput): Out<GetRolePolicyCommandOutput> {
    const role = this.mustRole(i.RoleName);
    const doc = role.policies.get(i.PolicyName ?? '');
    if (doc === undefined) throw awsError('iam', 'NoSuchEntityException', `The role policy with name ${i.PolicyName} cannot be found.`);
    return { RoleName: role.name, PolicyName: i.PolicyName, PolicyDocument: encodeURIComponent(doc) };
  }

  private listRolePolicies(i: ListRolePoliciesCommandInput): Out<ListRolePoliciesCommandOutput> {
    const role = this.mustRole(i.RoleName);
    return { PolicyNames: [...role.policies.keys()].sort(), IsTruncated: false };
  }

  private deleteRolePolicy(i: DeleteRolePolicyCommandInput): Out<DeleteRolePolicyCommandOutput> {
    const role = this.mustRole(i.RoleName);
    if (!role.policies.delete(i.PolicyName ?? '')) throw awsError('iam', 'NoSuchEntityException', `The role policy with name ${i.PolicyName} cannot be found.`);
    return {};
  }

  private deleteRole(i: DeleteRoleCommandInput): Out<DeleteRoleCommandOutput> {
    const role = this.mustRole(i.RoleName);
    if (role.policies.size > 0) throw awsError('iam', 'DeleteConflictException', 'Cannot delete entity, must delete policies first.');
    this.roles.delete(role.name.toLowerCase());
    return {};
  }
}
