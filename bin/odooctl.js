#!/usr/bin/env node
// The CLI is TypeScript like the rest of the control plane; tsx compiles it on the fly.
import { register } from 'tsx/esm/api';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
await import('../local/cli/main.ts');
