/** How the control plane checks that a tenant's Odoo answers: `/web/health` and a JSON-RPC login. */
export interface OdooProbe {
  health(hostname: string): Promise<{ ok: boolean; status: number; detail?: string }>;
  login(hostname: string, database: string, login: string, password: string): Promise<{ ok: boolean; uid?: number; detail?: string }>;
}
