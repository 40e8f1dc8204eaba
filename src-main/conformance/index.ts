// Conformance: "the real kernel is the truth".
//
// kpath's model claims to do what Linux does; this folder checks the claim on the machine's own
// kernel. A lab runs twice: in the model (src-main/lab/session.ts) and on the real kernel, inside
// network namespaces this runner creates and deletes (kernel-run.ts). On the kernel side an
// observation ruleset (observe.ts) puts an nftables base chain at every hook and priority of the ip
// and bridge families, and one netlink socket subscribed to NFNLGRP_NFTRACE with
// NETLINK_LISTEN_ALL_NSID (nftrace-collector.py) receives every namespace's trace events in the
// order the kernel emitted them. Those events (trace.ts, trace-netlink.ts) become one line per
// (netns, family, hook) visit — the `--format path` form — (normalise.ts), next to the conntrack,
// FDB and neighbour tables; both sides are labelled the same way and diffed per probe (doc.ts).
//
// Plain Node (layer `main`): child processes, the file system, signals. Linux counterparts:
// nft_trace_notify (net/netfilter/nf_tables_trace.c), `nft monitor trace`, `ip netns`.

export { realKernelAvailable, verifyLab, kernelPath, type VerifyOptions, type VerifyResult } from './verify.ts';
export { runOnKernel, cleanupPrefix, type KernelRun, type KernelRunOptions } from './kernel-run.ts';
export { kernelDoc, modelDoc, renderDoc, diffDocs, modelPathLines, type PathDoc } from './doc.ts';
export { pathLines, buildVisits, canonicalLine, Labeller, defaultChainInfo } from './normalise.ts';
export { parseMonitorTrace } from './trace.ts';
export { decodeCollector, decodeHeaders } from './trace-netlink.ts';
export { conformanceMain } from './cli.ts';
