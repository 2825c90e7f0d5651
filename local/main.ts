/** `npm start`: the local control plane on http://127.0.0.1:${PORT:-8787}. */
import { startLocalControlPlane } from './control-plane.ts';

// Schedules fire on the plane's clock (heartbeats every minute, drill runs, the sweeper); LOCAL_SCHEDULES=0 turns them off.
const plane = await startLocalControlPlane({ schedules: process.env.LOCAL_SCHEDULES !== '0' });
console.log(`odoo fleet control plane ready at ${plane.url} (time scale ${process.env.LOCAL_TIME_SCALE ?? 'default'}; try: npx odooctl tenants list)`);

let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (closing) process.exit(1);
    closing = true;
    plane.close().then(() => process.exit(0), () => process.exit(1));
  });
}
