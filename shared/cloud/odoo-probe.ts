/**
 * How the control plane checks that a tenant's Odoo answers: `/web/health`, a JSON-RPC login, and
 * the synthetic business checks a release's verdict reads (log in, read a sale order, read stock).
 */
import type { CheckResult } from '#shared/domain/release-verdict.ts';

/** `fail`: Odoo answered wrongly or not at all; `error`: the check could not be carried out. */
export interface SyntheticCheck {
  result: CheckResult;
  detail?: string;
}

export interface SyntheticChecks {
  login: SyntheticCheck;
  readSaleOrder: SyntheticCheck;
  stockAvailability: SyntheticCheck;
}

export interface OdooProbe {
  health(hostname: string): Promise<{ ok: boolean; status: number; detail?: string }>;
  login(hostname: string, database: string, login: string, password: string): Promise<{ ok: boolean; uid?: number; detail?: string }>;
  /** As the given user: log in, `search_read` one `sale.order`, `search_read` one `stock.quant`. Never throws. */
  syntheticChecks(hostname: string, database: string, credentials: { login: string; password: string }): Promise<SyntheticChecks>;
}

/** The verdict's names for the synthetic checks (release-verdict.ts `requiredChecks`). */
export function namedChecks(checks: SyntheticChecks): { name: string; result: CheckResult; detail?: string }[] {
  return [
    { name: 'login', ...checks.login },
    { name: 'read-sale-order', ...checks.readSaleOrder },
    { name: 'stock-availability', ...checks.stockAvailability },
  ];
}
