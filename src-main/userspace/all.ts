// Every emulated program, registered once. One line per tool; each writer adds their own.

import { registerTool } from './registry.ts';
import { ip } from './ip.ts';
import { bridge } from './bridge.ts';
import { sysctl } from './sysctl.ts';
import { modprobe } from './modprobe.ts';
import { ss } from './ss.ts';
import { pingTool } from './ping.ts';
import { socatTool } from './socat.ts';
import { ncTool } from './nc.ts';
import { dockerTool } from './docker.ts';
import { dockerdTool } from './dockerd.ts';
import { iptablesTool } from './iptables/cmd.ts';
import { iptablesSaveTool, iptablesRestoreTool } from './iptables/restore.ts';
import { conntrackTool } from './conntrack.ts';
import { dmesgTool } from './dmesg.ts';

registerTool(ip);
registerTool(bridge);
registerTool(sysctl);
registerTool(modprobe);
registerTool(ss);
registerTool(pingTool);
registerTool(socatTool);
registerTool(ncTool, 'netcat', 'nc.openbsd');
registerTool(iptablesTool, 'iptables-nft');
registerTool(iptablesSaveTool, 'iptables-nft-save');
registerTool(iptablesRestoreTool, 'iptables-nft-restore');
registerTool(conntrackTool);
registerTool(dmesgTool);
import { dhclientTool } from './dhclient.ts';
import { dnsmasqTool } from './dnsmasq.ts';
import { qemuTool } from './qemu.ts';
import { qemuMonitorTool } from './qemu-monitor.ts';
import { vboxManageTool } from './vboxmanage.ts';

registerTool(dhclientTool);
registerTool(dnsmasqTool);
registerTool(qemuTool, 'qemu-system-x86', 'kvm');
registerTool(qemuMonitorTool);
registerTool(vboxManageTool, 'vboxmanage');
registerTool(dockerTool);
registerTool(dockerdTool);
import { systemdRunTool } from './systemd-run.ts';
import { cgstatTool } from './cgstat.ts';
registerTool(systemdRunTool);
registerTool(cgstatTool);
