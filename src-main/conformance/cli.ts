// The command-line face of the conformance runner (`kpath verify` is src-main/cli/verify.ts):
//   node bin/conformance.js [LAB…]                → conformanceMain (`npm run conformance`): every
//     built-in lab, a diff per disagreeing lab, `conformance: N/M labs agree`, exit 1 on any
//     disagreement not listed with a reason in test/conformance/known-differences.

import { UnsupportedCommand } from './commands.ts';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { realKernelAvailable, verifyLab } from './verify.ts';

type Out = (text: string) => void;

function option(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** `known-differences`: `<lab file name>: <reason>` per line, `#` comments. */
export function readKnownDifferences(file: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(file)) return out;
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    const m = /^(\S+?):\s*(.+)$/.exec(line);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

/** How many times a lab runs on the kernel before a disagreement counts. */
const RETRIES = 3;

export async function conformanceMain(argv: string[], out: Out = (t) => process.stdout.write(t)): Promise<number> {
  const root = new URL('../../', import.meta.url).pathname;
  const known = readKnownDifferences(option(argv, '--known') ?? join(root, 'test/conformance/known-differences'));
  let labs = argv.filter((a, i) => !a.startsWith('--') && argv[i - 1] !== '--known');
  const dir = join(root, 'resources/labs');
  if (labs.length === 0) {
    labs = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.lab')).sort().map((f) => join(dir, f)) : [];
  }
  // A built-in lab may be named by its file name alone (`npm run conformance -- macvlan.lab`).
  labs = labs.map((l) => (!existsSync(l) && existsSync(join(dir, l)) ? join(dir, l) : l));
  const avail = realKernelAvailable();
  if (!avail.ok) {
    out(`conformance skipped: ${avail.reason}\n`);
    return 0;
  }
  let agree = 0;
  let failed = 0;
  let skipped = 0;
  for (const lab of labs) {
    const name = basename(lab);
    try {
      let r = await verifyLab(lab);
      // Two programs racing on one CPU (a client and a forked server, both woken by the same
      // softirq work) do not always run in the same order on a real kernel; such a lab is run
      // again before its difference counts, and the retry is said.
      let tries = 1;
      while (!r.agree && tries < RETRIES) {
        tries++;
        r = await verifyLab(lab);
      }
      if (r.agree) {
        agree++;
        out(`ok    ${name}${tries > 1 ? ` (agreed on run ${tries}: the kernel's order varied between runs)` : ''}\n`);
      } else if (known.has(name)) {
        out(`known ${name}: ${known.get(name)}\n`);
      } else {
        failed++;
        out(`FAIL  ${name}\n${r.diff}\n`);
      }
    } catch (e) {
      if (e instanceof UnsupportedCommand) {
        // Labs that need a program with no kernel-level equivalent (QEMU's slirp, kpath's own
        // cgstat, systemd scopes), or one this machine lacks (dnsmasq, dhclient), are counted apart,
        // with the reason.
        skipped++;
        out(`skip  ${name}: ${e.message}\n`);
        continue;
      }
      failed++;
      out(`ERROR ${name}: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  }
  out(`conformance: ${agree}/${labs.length - skipped} labs agree${skipped ? ` (${skipped} model-only, skipped)` : ''}\n`);
  return failed > 0 ? 1 : 0;
}
