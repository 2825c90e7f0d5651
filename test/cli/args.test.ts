import { describe, expect, it } from 'vitest';
import { createBodyFromFlags, parseCli, UsageError } from '#local/cli/args.ts';

describe('parseCli', () => {
  it('reads noun, verb, arguments and options in any order, global options included', () => {
    const { globals, command } = parseCli(['--json', 'tenants', 'list', '--status', 'ACTIVE', '--endpoint', 'https://api.example.com/prod/', '--limit', '5']);

    expect(globals).toEqual({ endpoint: 'https://api.example.com/prod', actor: undefined, region: undefined, json: true });
    expect(command).toEqual({ kind: 'tenants list', query: { status: 'ACTIVE', limit: '5' } });
  });

  it('defaults the endpoint to the local control plane on $PORT', () => {
    expect(parseCli(['tenants', 'get', 'acme'], {}).globals.endpoint).toBe('http://127.0.0.1:8787');
    expect(parseCli(['tenants', 'get', 'acme'], { PORT: '9000' }).globals.endpoint).toBe('http://127.0.0.1:9000');
  });

  it('takes the tenant and operation ids as arguments', () => {
    expect(parseCli(['tenants', 'delete', 'acme', '--idempotency-key', 'k1', '--actor', 'bob']).command).toEqual({ kind: 'tenants delete', tenantId: 'acme', idempotencyKey: 'k1' });
    expect(parseCli(['operations', 'watch', 'op-1']).command).toEqual({ kind: 'operations watch', operationId: 'op-1' });
    expect(parseCli(['cloud', 'inventory', '--tenant', 'acme']).command).toEqual({ kind: 'cloud inventory', tenantId: 'acme' });
  });

  it('reads a create either from flags or from a file', () => {
    const fromFlags = parseCli(['tenants', 'create', '--id', 'acme', '--name', 'Acme', '--criticality', 'low', '--customization', 'light']).command;
    const fromFile = parseCli(['tenants', 'create', '--file', 'acme.json']).command;

    expect(fromFlags).toMatchObject({ kind: 'tenants create', flags: { id: 'acme', name: 'Acme', criticality: 'low', customization: 'light' } });
    expect(fromFile).toMatchObject({ kind: 'tenants create', file: 'acme.json', flags: {} });
  });

  it('answers help with no command or with --help', () => {
    expect(parseCli([]).command).toEqual({ kind: 'help' });
    expect(parseCli(['tenants', 'list', '-h']).command).toEqual({ kind: 'help' });
  });

  it.each([
    [['tenants', 'frob'], /Unknown command "tenants frob"/],
    [['tenants', 'get'], /takes tenantId/],
    [['tenants', 'get', 'a', 'b'], /takes tenantId/],
    [['tenants', 'get', 'acme', '--status', 'ACTIVE'], /takes no --status/],
    [['tenants', 'list', '--colour', 'red'], /Unknown option '--colour'/],
    [['tenants', 'create', '--id', 'acme'], /needs --name, --criticality, --customization/],
    [['tenants', 'create', '--file', 'a.json', '--id', 'acme'], /either --file or the tenant flags/],
    [['faults', 'set'], /needs --file/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCli(argv)).toThrow(UsageError);
    expect(() => parseCli(argv)).toThrow(message);
  });
});

describe('createBodyFromFlags', () => {
  it('builds the API body: lists split, regimes upper-cased, users a number, Odoo 17.0 by default', () => {
    const body = createBodyFromFlags({ id: 'acme', name: 'Acme', criticality: 'critical', customization: 'heavy', compliance: 'pci, sox', users: '300', tags: 'canary,eu' });

    expect(body).toEqual({
      tenantId: 'acme',
      displayName: 'Acme',
      profile: { criticality: 'critical', customization: 'heavy', compliance: ['PCI', 'SOX'], expectedUsers: 300 },
      odooVersion: '17.0',
      tags: ['canary', 'eu'],
    });
  });

  it('refuses a user count that is not a whole number', () => {
    expect(() => createBodyFromFlags({ id: 'a', name: 'A', criticality: 'low', customization: 'none', users: 'many' })).toThrow(/--users must be a whole number/);
  });
});
