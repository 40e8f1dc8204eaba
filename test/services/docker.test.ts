// The docker panel's service methods against the real model (lab-worker.ts): what dockerd knows of
// each container, what it did per docker command, and the kernel-level export saved like a session.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { API } from '../../src-shared/api.ts';
import type { KpathServices } from '../../src-main/services/services.ts';
import { writeTextAtomic } from '../../src-main/services/files.ts';
import { makeServices, REAL_WORKER } from './helpers.ts';

const DOCKER_LAB = `title Three containers
title.zh 三个容器
topic docker-bridge
machine host
on host:
  ip link set lo up
  docker run -d --name web -p 8080:80 --cap-drop NET_RAW nginx
  docker run -d --name side --network container:web --cap-add NET_ADMIN busybox sleep 1000
  docker run -d --name hostnet --network host --privileged busybox sleep 1000
probe host: docker exec web ip -br addr
`;

const live: KpathServices[] = [];
afterEach(async () => {
  for (const s of live.splice(0)) await s.dispose();
});
function real(opts: Parameters<typeof makeServices>[0] = {}) {
  const x = makeServices({ ...opts, labs: { docker: DOCKER_LAB }, worker: REAL_WORKER });
  live.push(x.services);
  return x;
}

describe('docker panel services', () => {
  it('lists every container with its namespaces, cgroup, capabilities, seccomp and overlay layers', async () => {
    const { services } = real();
    await services['session.new']({ labId: 'docker' });
    expect(await services['docker.state']()).toEqual([]); // no docker command ran yet
    await services['session.run']({ opId: 'a', what: 'setup' });
    const state = await services['docker.state']();
    API['docker.state'].result(state); // what crosses the wire passes the contract
    expect(state.map((m) => [m.machine, m.engine, m.userlandProxy])).toEqual([['host', 29, true]]);
    const [web, side, h] = state[0]!.containers;
    expect(web).toMatchObject({
      name: 'web',
      image: 'nginx',
      status: 'running',
      networkMode: 'bridge',
      networks: [{ name: 'bridge', ip: '172.17.0.2', prefixLen: 16, gateway: '172.17.0.1', ifname: 'eth0' }],
      ports: [{ proto: 'tcp', hostIp: '0.0.0.0', hostPort: 8080, port: 80 }],
      seccomp: 'builtin',
      apparmor: 'docker-default',
    });
    expect(web!.shortId).toBe(web!.id.slice(0, 12));
    expect(web!.networks[0]!.mac).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    expect(web!.cgroup).toBe(`/system.slice/docker-${web!.id}.scope`);
    expect(web!.namespaces.map((n) => `${n.type}:${n.mode}`)).toEqual(['net:own', 'pid:own', 'mnt:own', 'uts:own', 'ipc:own', 'cgroup:own', 'user:host']);
    expect(web!.namespaces[0]!.netns).toBe('web');
    expect(web!.capabilities.dropped).toEqual(['CAP_NET_RAW']);
    expect(web!.capabilities.added).toEqual([]);
    expect(web!.capabilities.effective).not.toContain('CAP_NET_RAW');
    expect(web!.layers.upper).toBe(`/var/lib/docker/overlay2/${web!.id}/diff`);
    expect(web!.layers.merged).toBe(`/var/lib/docker/overlay2/${web!.id}/merged`);
    expect(web!.layers.lower[0]).toBe(`/var/lib/docker/overlay2/${web!.id}-init/diff`);
    expect(web!.layers.lower).toHaveLength(2);

    expect(side!.namespaces[0]).toEqual({ type: 'net', mode: 'container', netns: 'web', sharedWith: 'web' });
    expect(side!.networkMode).toBe(`container:${web!.id}`);
    expect(side!.capabilities.added).toEqual(['CAP_NET_ADMIN']);
    expect(side!.networks).toEqual([]);

    expect(h!.namespaces[0]).toEqual({ type: 'net', mode: 'host', netns: 'host', sharedWith: '' });
    expect(h!.capabilities.privileged).toBe(true);
    expect(h!.capabilities.effective).toContain('CAP_SYS_ADMIN');
    expect(h!.seccomp).toBe('unconfined');
  });

  it('lists, per docker command, the kernel commands dockerd ran, including one typed in the console', async () => {
    const { services } = real();
    await services['session.new']({ labId: 'docker' });
    await services['session.run']({ opId: 'a', what: 'setup' });
    await services['session.exec']({ opId: 'b', target: 'host', command: 'docker run -d --name db -p 6379:6379 redis' });
    const actions = (await services['docker.state']())[0]!.actions;
    expect(actions.map((a) => a.command)).toEqual([
      'dockerd  # started by the first docker command',
      'docker run -d --name web -p 8080:80 --cap-drop NET_RAW nginx',
      'docker run -d --name side --network container:web --cap-add NET_ADMIN busybox sleep 1000',
      'docker run -d --name hostnet --network host --privileged busybox sleep 1000',
      'docker run -d --name db -p 6379:6379 redis',
    ]);
    const run = actions[1]!.kernel;
    expect(run[0]).toBe('ip netns add web');
    expect(run).toContain('iptables -t nat -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80');
    expect(actions[4]!.kernel.some((k) => k.startsWith('iptables ') && k.includes('--dport 6379'))).toBe(true);
    expect(actions[0]!.kernel).toContain('sysctl -w net.ipv4.ip_forward=1');
  });

  it('rebuilds the panel after a reopen (the model is replayed from the journal)', async () => {
    const { services, root } = real();
    await services['session.new']({ labId: 'docker' });
    await services['session.run']({ opId: 'a', what: 'setup' });
    const before = await services['docker.state']();
    await services['session.save']({});
    await services['session.close']({});
    await services['session.open']({ path: path.join(root, 'saved.kpath') });
    expect(await services['docker.state']()).toEqual(before);
  });

  it('answers a lab without docker with no machines', async () => {
    const { services } = real();
    await services['session.new']({ labId: 'veth' });
    await services['session.run']({ opId: 'a', what: 'setup' });
    expect(await services['docker.state']()).toEqual([]);
  });

  it('exports the kernel-level lab through the save dialog, as a lab file', async () => {
    const { services, host, root } = real();
    host.savePath = path.join(root, 'out', 'three');
    await services['session.new']({ labId: 'docker' });
    const r = await services['docker.exportKernelLab']({});
    expect(host.saveKinds).toEqual(['lab']);
    expect(r!.path).toBe(path.join(root, 'out', 'three.lab'));
    const text = fs.readFileSync(r!.path, 'utf8');
    expect(r!.lines).toBe(text.split('\n').length - 1);
    expect(text).toMatch(/^# Kernel-level expansion/);
    expect(text).toContain('  # docker run -d --name web -p 8080:80 --cap-drop NET_RAW nginx\n');
    expect(text).toContain('\n  ip netns add web\n');
    expect(text).toMatch(/^probe web: .*ip -br addr$/m);
    expect(text).not.toMatch(/^\s+docker /m);
    expect(fs.readdirSync(path.dirname(r!.path))).toEqual(['three.lab']); // no temporary file left
    // The session itself is not changed by an export.
    expect(services['session.current']()!.dirty).toBe(true);
    host.savePath = null;
    expect(await services['docker.exportKernelLab']({})).toBeNull(); // the user cancelled
  });

  it('in the web host, exports into its folder under the given name', async () => {
    const docs = path.join(makeServices().root, 'docs');
    const { services } = real({ documents: docs });
    await services['session.new']({ labId: 'docker' });
    const r = await services['docker.exportKernelLab']({ name: '../escape.lab' });
    expect(r!.path).toBe(path.join(docs, '-escape.lab'));
    expect(fs.existsSync(r!.path)).toBe(true);
  });

  it('refuses arguments the contract does not allow', () => {
    expect(() => API['docker.exportKernelLab'].arg({ name: '' })).toThrow();
    expect(() => API['docker.exportKernelLab'].arg({ name: 'x', path: '/etc/passwd' })).toThrow();
    expect(() => API['docker.state'].arg({ machine: 'host' })).toThrow();
  });
});

describe('writeTextAtomic', () => {
  const dir = () => fs.mkdtempSync(path.join(makeServices().root, 'w-'));

  it('replaces a readable text file and leaves nothing else behind', () => {
    const d = dir();
    const f = path.join(d, 'a.lab');
    fs.writeFileSync(f, 'old\n');
    writeTextAtomic(f, 'new\n');
    expect(fs.readFileSync(f, 'utf8')).toBe('new\n');
    expect(fs.readdirSync(d)).toEqual(['a.lab']);
  });

  it('never replaces what it cannot read, nor a saved session', () => {
    const d = dir();
    const folder = path.join(d, 'folder.lab');
    fs.mkdirSync(folder);
    expect(() => writeTextAtomic(folder, 'x')).toThrow(expect.objectContaining({ code: 'file-io' }));
    expect(fs.statSync(folder).isDirectory()).toBe(true);
    const session = path.join(d, 'work.lab');
    fs.writeFileSync(session, Buffer.concat([Buffer.from('SQLite format 3\u0000', 'latin1'), Buffer.alloc(100)]));
    expect(() => writeTextAtomic(session, 'x')).toThrow(/database/);
    expect(fs.statSync(session).size).toBe(116);
    expect(fs.readdirSync(d).sort()).toEqual(['folder.lab', 'work.lab']);
  });
});
