/**
 * The API in a nested stack of its own. A region's control plane holds more than the 500 resources
 * CloudFormation allows one stack: each route brings a function, its role, policy, log group, method,
 * resource and invoke permission. The API is what moves out, not the workflows, because nothing
 * else refers to its parts, and because the local control plane reads only the state machines and
 * schedules out of the parent template (the local API server serves `functions/api/routes.ts`
 * itself). References into this stack (table, key, machine ARNs) become its parameters.
 */
import { NestedStack, type NestedStackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { FleetApi, type FleetApiProps } from './api.ts';

export interface FleetApiStackProps extends NestedStackProps {
  readonly api: FleetApiProps;
}

export class FleetApiStack extends NestedStack {
  readonly routes: FleetApi;

  constructor(scope: Construct, id: string, props: FleetApiStackProps) {
    const { api, ...stackProps } = props;
    super(scope, id, { description: 'Odoo fleet control plane API: one function per route', ...stackProps });
    // Construct id `Api`: the logical ids inside read `Api<Route>...`, as they did in the parent.
    this.routes = new FleetApi(this, 'Api', api);
  }
}
