#!/usr/bin/env node
// `npm run conformance`: every built-in lab (or the labs named) on this machine's real kernel and in
// the model; prints `conformance: N/M labs agree`. Needs root and network namespaces; skips otherwise.
import { register } from 'tsx/esm/api';

register();
const { conformanceMain } = await import('../src-main/conformance/cli.ts');
process.exitCode = await conformanceMain(process.argv.slice(2));
