// Per-namespace sysctls with the values a fresh network namespace starts with. Only keys listed
// here (or per-device conf keys of existing devices) exist; `sysctl -w` on anything else fails the
// way the real tool does ("cannot stat /proc/sys/…: No such file or directory").

const IPV4_CONF_DEFAULTS: Record<string, string> = {
  forwarding: '0',
  rp_filter: '0',
  route_localnet: '0',
  arp_ignore: '0',
  arp_announce: '0',
  arp_accept: '0',
  accept_local: '0',
  proxy_arp: '0',
  send_redirects: '1',
  accept_redirects: '1',
};

const NS_DEFAULTS: Record<string, string> = {
  'net.ipv4.ip_forward': '0',
  'net.ipv4.ip_local_port_range': '32768\t60999',
  'net.ipv4.ping_group_range': '1\t0',
  'net.ipv4.icmp_echo_ignore_all': '0',
  'net.ipv4.icmp_echo_ignore_broadcasts': '1',
  'net.ipv4.icmp_ratelimit': '1000',
  'net.ipv4.icmp_ratemask': '6168',
  'net.ipv4.ip_early_demux': '1',
  'net.ipv4.tcp_syn_retries': '6',
  'net.ipv4.ip_default_ttl': '64',
  'net.ipv4.neigh.default.base_reachable_time_ms': '30000',
  'net.ipv4.neigh.default.retrans_time_ms': '1000',
  'net.ipv4.neigh.default.mcast_solicit': '3',
  'net.ipv4.neigh.default.ucast_solicit': '3',
  'net.ipv4.neigh.default.delay_first_probe_time': '5',
  'net.ipv4.neigh.default.gc_stale_time': '60',
};

/** Keys that br_netfilter adds to every namespace once loaded (`br_netfilter_sysctl_default`: 1). */
export const BRNF_DEFAULTS: Record<string, string> = {
  'net.bridge.bridge-nf-call-iptables': '1',
  'net.bridge.bridge-nf-call-ip6tables': '1',
  'net.bridge.bridge-nf-call-arptables': '1',
  'net.bridge.bridge-nf-filter-vlan-tagged': '0',
  'net.bridge.bridge-nf-filter-pppoe-tagged': '0',
  'net.bridge.bridge-nf-pass-vlan-input-dev': '0',
};

export class Sysctl {
  private values = new Map<string, string>();

  constructor() {
    for (const [k, v] of Object.entries(NS_DEFAULTS)) this.values.set(k, v);
    for (const scope of ['all', 'default']) {
      for (const [k, v] of Object.entries(IPV4_CONF_DEFAULTS)) this.values.set(`net.ipv4.conf.${scope}.${k}`, v);
    }
  }

  get(key: string): string | undefined {
    return this.values.get(key);
  }

  has(key: string): boolean {
    return this.values.has(key);
  }

  set(key: string, value: string): void {
    this.values.set(key, value);
  }

  delete(key: string): void {
    this.values.delete(key);
  }

  keys(): string[] {
    return [...this.values.keys()].sort();
  }

  /** Adds a device's conf keys, copying conf.default (`inetdev_init` → `devinet_sysctl_register`). */
  addDevice(dev: string): void {
    for (const k of Object.keys(IPV4_CONF_DEFAULTS)) {
      this.values.set(`net.ipv4.conf.${dev}.${k}`, this.values.get(`net.ipv4.conf.default.${k}`) ?? '0');
    }
  }

  renameDevice(from: string, to: string): void {
    for (const k of Object.keys(IPV4_CONF_DEFAULTS)) {
      const v = this.values.get(`net.ipv4.conf.${from}.${k}`);
      this.values.delete(`net.ipv4.conf.${from}.${k}`);
      if (v !== undefined) this.values.set(`net.ipv4.conf.${to}.${k}`, v);
    }
  }

  removeDevice(dev: string): void {
    for (const k of Object.keys(IPV4_CONF_DEFAULTS)) this.values.delete(`net.ipv4.conf.${dev}.${k}`);
  }

  devConf(dev: string, key: string): string {
    return this.values.get(`net.ipv4.conf.${dev}.${key}`) ?? this.values.get(`net.ipv4.conf.default.${key}`) ?? '0';
  }

  num(key: string, fallback = 0): number {
    const v = this.values.get(key);
    return v === undefined ? fallback : Number(v.split(/\s+/)[0]);
  }
}
