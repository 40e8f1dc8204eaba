// `qemu-monitor VM COMMAND`: a kpath stand-in for typing COMMAND at the QEMU human monitor (HMP,
// `-monitor stdio` or `virsh qemu-monitor-command --hmp`) of the guest named VM. Supported:
//
//   qemu-monitor VM info usernet    slirp's connection table (hmp_info_usernet →
//                                   slirp_connection_info): one line per guest flow and hostfwd,
//                                   with the guest's view of the addresses, as QEMU prints it
//
// The host side of each flow — QEMU's own socket, its ephemeral port — is what `ss -tnp` on the host
// shows; `slirpTable()` in vm/hypervisor.ts has both sides as data.

import { fail, ok, type Tool } from './tool.ts';
import { slirpsOf } from './vm/hypervisor.ts';

export const qemuMonitorTool: Tool = {
  name: 'qemu-monitor',
  run(argv, ctx) {
    const [, vmName, ...cmd] = argv;
    if (!vmName || cmd.length === 0) return fail('usage: qemu-monitor VM info usernet\n', 2);
    const vm = ctx.world.machines.get(vmName);
    if (!vm || vm.kind !== 'vm') return fail(`qemu-monitor: no VM named ${vmName}\n`, 1);
    const text = cmd.join(' ');
    if (text === 'info usernet') return ok(slirpsOf(vm).map((s) => s.formatUsernet()).join(''));
    return fail(`unknown command: '${text}'\n`, 1);
  },
};
