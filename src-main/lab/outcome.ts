// What a probe's output means, in the words of the reachability tables: reached, refused (RST or
// port unreachable), unreachable (an ICMP error or no route), or timeout (silence: a drop somewhere).

import type { CommandResult, ProbeResult } from './types.ts';

export function classifyProbe(_command: string, r: CommandResult): { outcome: ProbeResult['outcome']; summary: string } {
  // Connectivity errors are what the programs print on stderr, or ping's "From H icmp_seq=N …"
  // lines; the stdout of configuration tools (iptables -L, ss) must not be mistaken for them.
  const all = `${r.stdout.split('\n').filter((l) => /^From \S+ icmp_seq=/.test(l)).join('\n')}\n${r.stderr}`;
  const out = `${r.stdout}\n${r.stderr}`;
  const lines = out.split('\n').filter((l) => l.trim() !== '');
  const pick = (re: RegExp) => lines.find((l) => re.test(l));
  if (/Address already in use|Cannot assign requested address|Permission denied|Operation not permitted/i.test(all)) {
    return { outcome: 'error', summary: pick(/Address already in use|Cannot assign|Permission denied|Operation not permitted/i) ?? 'error' };
  }
  if (/Connection refused|Port Unreachable/i.test(all)) return { outcome: 'refused', summary: pick(/Connection refused|Port Unreachable/i) ?? 'refused' };
  if (/Unreachable|No route to host|Network is unreachable|Time to live exceeded|Packet filtered/i.test(all)) {
    return { outcome: 'unreachable', summary: pick(/Unreachable|No route|Time to live|Packet filtered/i) ?? 'unreachable' };
  }
  if (r.exitCode === 0) {
    const stats = pick(/packets transmitted/);
    return { outcome: 'reached', summary: stats ?? pick(/succeeded|bytes from/) ?? 'exit 0' };
  }
  if (r.exitCode === 1 || r.exitCode === 124 || /timed out/i.test(all)) {
    const stats = pick(/packets transmitted|timed out/);
    return { outcome: 'timeout', summary: stats ?? 'no answer' };
  }
  return { outcome: 'error', summary: lines[lines.length - 1] ?? `exit ${r.exitCode}` };
}
