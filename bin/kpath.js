#!/usr/bin/env node
// The kpath CLI. Sources are TypeScript; tsx compiles them on the fly so `npx kpath` works
// straight after `npm ci`, with no build step.
import { register } from 'tsx/esm/api';

register();
// `kpath … | head`: a reader that stops early closes the pipe; stop quietly as other Unix tools do.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});
const { main } = await import('../src-main/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
