#!/usr/bin/env node
// The kpath CLI. Sources are TypeScript; tsx compiles them on the fly so `npx kpath` works
// straight after `npm ci`, with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src-main/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
