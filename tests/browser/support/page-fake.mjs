// An in-page fake of the Portwatch service, installed as `window.portwatch` before the app loads
// (Playwright's `page.addInitScript(installPageFake, options)`), so the built renderer runs exactly
// as it does with the preload. It must be self-contained: Playwright sends its source text only.
// `window.__portwatchFake` lets a test or the benchmark script deltas and gaps.

/**
 * @param {{ rows?: number, seed?: number, tickMs?: number, probes?: boolean, now?: number }} options
 */
export function installPageFake(options) {
  const ROWS = options.rows ?? 300;
  const TICK_MS = options.tickMs ?? 0;
  let seedState = options.seed ?? 7;
  const random = () => {
    // A small LCG: the same table on every run, so screenshots and assertions are stable.
    seedState = (seedState * 1103515245 + 12345) % 2147483648;
    return seedState / 2147483648;
  };
  const pick = (list) => list[Math.floor(random() * list.length)];
  const start = options.now ?? Date.now();

  const PROCESSES = [
    'firefox', 'chromium', 'node', 'postgres', 'nginx', 'sshd', 'code', 'slack', 'dockerd', 'redis-server',
    'systemd-resolved', 'python3', 'java', 'spotify', 'thunderbird', 'cupsd', 'avahi-daemon', 'containerd',
  ].map((name, i) => ({ name, pid: 1000 + i * 37, user: i % 5 === 0 ? 'root' : 'alice' }));
  const SERVICES = {
    22: ['ssh', 'The Secure Shell (SSH) Protocol'], 53: ['domain', 'Domain Name Server'], 80: ['http', 'World Wide Web HTTP'],
    443: ['https', 'http protocol over TLS/SSL'], 5432: ['postgresql', 'PostgreSQL Database'], 6379: ['redis', 'An advanced key-value cache and store'],
    631: ['ipp', 'IPP (Internet Printing Protocol)'], 5353: ['mdns', 'Multicast DNS'], 8080: ['http-alt', 'HTTP Alternate'], 3000: ['hbci', 'HBCI'],
  };
  const REMOTE_HOSTS = ['lb-1.example.net', 'cdn.example.org', 'api.example.com', null, null, 'mail.example.com', null];
  const LISTEN_PORTS = [22, 53, 80, 443, 631, 3000, 5353, 5432, 6379, 8080];
  // Each listening port belongs to one program, as on a real machine.
  const PORT_OWNERS = {
    22: 'sshd', 53: 'systemd-resolved', 80: 'nginx', 443: 'nginx', 631: 'cupsd', 3000: 'node', 5353: 'avahi-daemon',
    5432: 'postgres', 6379: 'redis-server', 8080: 'java',
  };
  const ownerOfPort = (port) => PROCESSES.find((p) => p.name === PORT_OWNERS[port]);

  const service = (port, side) => {
    const s = SERVICES[port];
    if (!s) return null;
    return { name: s[0], description: s[1], port, portClass: port < 1024 ? 'well-known' : 'registered', side };
  };
  const keyOf = (r) => `${r.protocol}${r.family} ${r.localAddress} ${r.localPort} ${r.remoteAddress ?? '*'} ${r.remotePort ?? '*'}`;
  let serial = 0;

  const makeRow = (at) => {
    serial += 1;
    let owner = pick(PROCESSES);
    const kind = random();
    const family = random() < 0.2 ? 6 : 4;
    let row;
    if (kind < 0.01) {
      const port = pick(LISTEN_PORTS);
      const localAddress = random() < 0.5 ? (family === 6 ? '::1' : '127.0.0.1') : family === 6 ? '::' : '0.0.0.0';
      owner = ownerOfPort(port) ?? owner;
      row = {
        protocol: 'tcp', family, localAddress, localPort: port, remoteAddress: null, remotePort: null, state: 'LISTEN', inode: serial,
        service: service(port, 'local'), exposure: localAddress.startsWith('127') || localAddress === '::1' ? 'loopback' : 'all-interfaces',
      };
    } else if (kind < 0.12) {
      const port = random() < 0.05 ? pick([53, 5353]) : 30000 + Math.floor(random() * 30000);
      owner = ownerOfPort(port) ?? owner;
      row = {
        protocol: 'udp', family, localAddress: family === 6 ? '::' : '0.0.0.0', localPort: port, remoteAddress: null, remotePort: null,
        state: 'UNCONN', inode: serial, service: service(port, 'local'), exposure: 'all-interfaces',
      };
    } else {
      const inbound = random() < 0.3;
      const remotePort = inbound ? 30000 + Math.floor(random() * 30000) : pick([443, 443, 443, 80, 22, 5432, 6379]);
      const localPort = inbound ? pick(LISTEN_PORTS) : 32768 + (serial % 28000);
      if (inbound) owner = ownerOfPort(localPort) ?? owner;
      const octet = () => 1 + Math.floor(random() * 253);
      const remoteAddress = family === 6 ? `2001:db8::${(serial % 65000).toString(16)}` : `10.${octet()}.${octet()}.${octet()}`;
      const host = pick(REMOTE_HOSTS);
      row = {
        protocol: 'tcp', family, localAddress: family === 6 ? '2001:db8::1' : '192.168.1.20', localPort, remoteAddress, remotePort,
        state: pick(['ESTABLISHED', 'ESTABLISHED', 'ESTABLISHED', 'ESTABLISHED', 'TIME_WAIT', 'CLOSE_WAIT', 'SYN_SENT', 'FIN_WAIT2']),
        service: inbound ? service(localPort, 'local') : service(remotePort, 'remote'), remoteHost: host, exposure: null,
      };
    }
    const visible = row.state !== 'TIME_WAIT';
    return {
      ...row,
      key: '',
      owners: visible ? [{ pid: owner.pid, name: owner.name, user: owner.user, startedAt: start - 86_400_000 }] : [],
      ownerVisibility: visible ? 'visible' : 'none',
      firstSeen: at - Math.floor(random() * 3_600_000),
      lastSeen: at,
      change: null,
    };
  };

  const rows = new Map();
  const addRow = (row) => {
    row.key = keyOf(row);
    while (rows.has(row.key)) row.key = `${keyOf(row)}#${(serial += 1)}`;
    rows.set(row.key, row);
    return row;
  };
  // A few fixed forwards (an ssh -L listener on both families and a connection through it, a
  // socat relay), so the Forward column and the Ports view's branches have something to show.
  const sshOwner = { pid: 4321, name: 'ssh', user: 'alice', commandLine: 'ssh -N -L 15432:db.internal:5432 bastion', startedAt: start - 3_600_000 };
  const sshForward = { kind: 'ssh-local', listenAddress: '127.0.0.1', listenPort: 15432, targetHost: 'db.internal', targetPort: 5432, via: 'ssh -L 15432:db.internal:5432' };
  const socatOwner = { pid: 4400, name: 'socat', user: 'alice', commandLine: 'socat TCP-LISTEN:8081,fork TCP:127.0.0.1:8080', startedAt: start - 600_000 };
  const socatForward = { kind: 'socat', listenAddress: '0.0.0.0', listenPort: 8081, targetHost: '127.0.0.1', targetPort: 8080, via: 'socat TCP-LISTEN:8081,fork TCP:127.0.0.1:8080' };
  const fixed = (row, owner, forward) => ({
    ...row, key: '', ...(row.remoteAddress ? {} : { inode: (serial += 1) }), owners: [owner], ownerVisibility: 'visible', forward,
    firstSeen: start - 1_800_000, lastSeen: start, change: null, service: null,
  });
  const FORWARDED = [
    fixed({ protocol: 'tcp', family: 4, localAddress: '127.0.0.1', localPort: 15432, remoteAddress: null, remotePort: null, state: 'LISTEN', exposure: 'loopback' }, sshOwner, sshForward),
    fixed({ protocol: 'tcp', family: 6, localAddress: '::1', localPort: 15432, remoteAddress: null, remotePort: null, state: 'LISTEN', exposure: 'loopback' }, sshOwner, { ...sshForward, listenAddress: '::1' }),
    fixed({ protocol: 'tcp', family: 4, localAddress: '127.0.0.1', localPort: 15432, remoteAddress: '127.0.0.1', remotePort: 51234, state: 'ESTABLISHED', exposure: null }, sshOwner, sshForward),
    fixed({ protocol: 'tcp', family: 4, localAddress: '0.0.0.0', localPort: 8081, remoteAddress: null, remotePort: null, state: 'LISTEN', exposure: 'all-interfaces' }, socatOwner, socatForward),
  ].slice(0, ROWS);
  for (let i = 0; i < ROWS - FORWARDED.length; i += 1) addRow(makeRow(start));
  for (const row of FORWARDED) addRow(row);
  let natRules = {
    readable: true,
    source: 'nft',
    rules: [
      { action: 'redirect', protocol: 'tcp', chain: 'prerouting', inInterface: 'eth0', matchAddress: null, matchPorts: '80', toAddress: null, toPorts: '8080', text: 'ip nat prerouting: iifname eth0 tcp dport 80 redirect to :8080' },
      { action: 'dnat', protocol: 'tcp', chain: 'DOCKER', inInterface: '! docker0', matchAddress: null, matchPorts: '8443', toAddress: '172.17.0.2', toPorts: '443', text: '-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8443 -j DNAT --to-destination 172.17.0.2:443' },
    ],
  };

  const aggregatesOf = () => {
    const byPort = new Map();
    const byProcess = new Map();
    const byRemote = new Map();
    const byState = {};
    for (const r of rows.values()) {
      if (r.change === 'closed') continue;
      byState[r.state] = (byState[r.state] ?? 0) + 1;
      const pk = `${r.protocol}/${r.localPort}`;
      if (r.state === 'LISTEN' || r.state === 'UNCONN' || (r.service && r.service.side === 'local')) {
        const p = byPort.get(pk) ?? { protocol: r.protocol, port: r.localPort, service: service(r.localPort, 'local'), exposure: null, listeners: 0, connections: 0, processes: [] };
        if (r.state === 'LISTEN' || r.state === 'UNCONN') {
          p.listeners += 1;
          p.exposure = p.exposure === 'all-interfaces' ? p.exposure : r.exposure;
        } else p.connections += 1;
        for (const o of r.owners) if (!p.processes.includes(o.name)) p.processes.push(o.name);
        byPort.set(pk, p);
      }
      const o = r.owners[0];
      const ok = o ? `${o.pid}` : 'none';
      const proc = byProcess.get(ok) ?? { pid: o ? o.pid : null, name: o ? o.name : 'no visible process', total: 0, listening: 0, established: 0, udp: 0 };
      proc.total += 1;
      if (r.state === 'LISTEN') proc.listening += 1;
      if (r.state === 'ESTABLISHED') proc.established += 1;
      if (r.protocol === 'udp') proc.udp += 1;
      byProcess.set(ok, proc);
      if (r.remoteAddress) {
        const h = byRemote.get(r.remoteAddress) ?? { address: r.remoteAddress, host: r.remoteHost ?? null, connections: 0 };
        h.connections += 1;
        byRemote.set(r.remoteAddress, h);
      }
    }
    return { byPort: [...byPort.values()], byProcess: [...byProcess.values()], byRemoteHost: [...byRemote.values()], byState };
  };
  const countersOf = () => {
    let total = 0, established = 0, listening = 0, udp = 0;
    for (const r of rows.values()) {
      if (r.change === 'closed') continue;
      total += 1;
      if (r.state === 'ESTABLISHED') established += 1;
      if (r.state === 'LISTEN') listening += 1;
      if (r.protocol === 'udp') udp += 1;
    }
    return { total, established, listening, udp, newLastMinute: 0, closedLastMinute: 0 };
  };

  let seq = 1;
  let now = start;
  let dropNext = false;
  let snapshotsServed = 0;
  let status = {
    ok: true, error: null, errorKind: null, durationMs: 12, polledAt: now, intervalMs: 1000, paused: false, source: 'page-fake', notices: [],
  };
  let aggregates = aggregatesOf();
  let counters = countersOf();
  const deltaListeners = new Set();
  const statusListeners = new Set();
  const probeListeners = new Set();

  /** Marks `fraction` of the rows: half closed (then removed next tick), the rest changed, and as many new. */
  const makeChurnDelta = (fraction) => {
    now += 1000;
    const added = [];
    const changed = [];
    const removedKeys = [];
    const cleared = [];
    for (const r of rows.values()) {
      if (r.change === 'closed') removedKeys.push(r.key);
      else if (r.change) cleared.push({ ...r, change: null });
    }
    for (const key of removedKeys) rows.delete(key);
    // Last tick's new/changed marks clear now (whole new rows: the page holds the old objects).
    for (const r of cleared) {
      rows.set(r.key, r);
      changed.push(r);
    }
    const clearedKeys = new Set(cleared.map((r) => r.key));
    const live = [...rows.values()];
    const n = Math.max(1, Math.round(live.length * fraction));
    for (let i = 0; i < n; i += 1) {
      const r = live[Math.floor(random() * live.length)];
      if (!r || r.change !== null || clearedKeys.has(r.key)) continue;
      const next = { ...r, lastSeen: now };
      if (i % 2 === 0) next.change = 'closed';
      else {
        next.change = 'changed';
        next.state = r.state === 'ESTABLISHED' ? 'CLOSE_WAIT' : r.state === 'LISTEN' ? 'LISTEN' : 'ESTABLISHED';
      }
      rows.set(next.key, next);
      changed.push(next);
    }
    for (let i = 0; i < n / 2; i += 1) {
      const r = addRow(makeRow(now));
      r.firstSeen = now;
      r.change = 'new';
      added.push(r);
    }
    seq += 1;
    aggregates = aggregatesOf();
    counters = countersOf();
    status = { ...status, polledAt: now, durationMs: 8 + Math.round(random() * 10) };
    return { seq, capturedAt: now, added, changed, removedKeys, aggregates, counters, status };
  };

  const emit = (delta) => {
    if (dropNext) {
      dropNext = false;
      return;
    }
    for (const listener of deltaListeners) listener(delta);
  };

  const settings = {
    pollIntervalMs: 1000, closedRetentionMs: 10000, theme: 'system', closeToTray: true, reverseDns: false, socketSource: 'auto',
    notifications: { probeDown: true, probeUp: true, newListener: true, newlyExposed: true },
  };
  const probes = new Map();
  if (options.probes !== false) {
    const base = { intervalMs: 30000, timeoutMs: 5000, enabled: true, downAfter: 3, upAfter: 1 };
    const specs = [
      { ...base, id: 'web', label: 'Local web server', kind: 'http', url: 'http://127.0.0.1:8080/', expectStatusMin: 200, expectStatusMax: 399, bodyContains: null, acceptInvalidCert: false },
      { ...base, id: 'db', label: 'Postgres', kind: 'tcp', host: '127.0.0.1', port: 5432 },
    ];
    for (const spec of specs) {
      const history = [];
      for (let i = 60; i > 0; i -= 1) {
        const ok = !(spec.id === 'db' && i > 20 && i < 26);
        history.push({ at: now - i * 30000, ok, outcome: ok ? 'open' : 'refused', latencyMs: ok ? 0.4 + random() * 3 : null });
      }
      const last = history[history.length - 1];
      probes.set(spec.id, {
        spec, health: 'up', history,
        lastResult: { probeId: spec.id, kind: spec.kind, at: last.at, outcome: 'open', ok: true, latencyMs: last.latencyMs, message: 'connected', health: 'up', transition: null },
      });
    }
  }

  const historyOf = (window) => {
    const to = now;
    const from = to - window.durationMs;
    const step = Math.max(1000, Math.ceil(window.durationMs / (window.maxPoints ?? 600)));
    const samples = [];
    let i = 0;
    for (let at = from + step; at <= to; at += step, i += 1) {
      // A stretch of failed polls in the middle: the timeline must show it as a gap.
      const failed = i > 20 && i < 26;
      const wave = Math.sin(i / 9);
      samples.push({
        at, ok: !failed, error: failed ? 'ss exited with status 1' : null,
        byState: failed ? {} : { ESTABLISHED: Math.round(120 + 30 * wave), LISTEN: 14, TIME_WAIT: Math.round(40 + 20 * Math.cos(i / 5)), UNCONN: 22 },
        topPorts: {}, topProcesses: {},
        interfaces: failed ? [] : [
          { name: 'eth0', rxBytesPerSec: i === 0 ? null : Math.round(250000 + 200000 * wave), txBytesPerSec: i === 0 ? null : Math.round(40000 + 20000 * wave) },
          { name: 'lo', rxBytesPerSec: 8000, txBytesPerSec: 8000 },
        ],
      });
    }
    return { from, to, samples };
  };

  const later = (value) => new Promise((resolve) => setTimeout(() => resolve(value), 0));
  const setStatus = (patch) => {
    status = { ...status, ...patch };
    for (const listener of statusListeners) listener(status);
    return status;
  };

  const api = {
    getSnapshot: () => {
      snapshotsServed += 1;
      return later({ seq, capturedAt: now, hostname: 'devbox', status, rows: [...rows.values()], aggregates, counters });
    },
    getHistory: (window) => later(historyOf(window)),
    listProbes: () => later([...probes.values()]),
    saveProbe: (spec) => {
      const state = probes.get(spec.id) ?? { spec, health: 'unknown', lastResult: null, history: [] };
      state.spec = spec;
      probes.set(spec.id, state);
      return later(state);
    },
    deleteProbe: (id) => (probes.delete(id) ? later(undefined) : Promise.reject(new Error(`no probe with id "${id}"`))),
    runProbe: (id) => {
      const probe = probes.get(id);
      if (!probe) return Promise.reject(new Error(`no probe with id "${id}"`));
      const result = { probeId: id, kind: probe.spec.kind, at: Date.now(), outcome: 'open', ok: true, latencyMs: 1.2, message: 'connected in 1.2 ms', health: 'up', transition: null };
      probe.lastResult = result;
      probe.health = 'up';
      probe.history.push({ at: result.at, ok: true, outcome: 'open', latencyMs: 1.2 });
      setTimeout(() => probeListeners.forEach((l) => l(result)), 0);
      return later(result);
    },
    getSettings: () => later({ ...settings, notifications: { ...settings.notifications } }),
    setSettings: (patch) => {
      Object.assign(settings, patch);
      return later({ ...settings, notifications: { ...settings.notifications } });
    },
    exportSnapshot: (request) => later({ kind: 'download', url: `data:text/csv,${encodeURIComponent((request.columns ?? []).join(','))}` }),
    endProcess: (request) => later({ ok: false, message: `Process ${request.pid} belongs to another user; Portwatch only ends your own processes.` }),
    pause: () => later(setStatus({ paused: true })),
    resume: () => later(setStatus({ paused: false })),
    getCapabilities: () => later({ transport: 'fake', nativeSaveDialog: false, tray: true, platform: 'linux', version: '0.1.0' }),
    getNatRules: () => later(natRules),
    onSnapshotDelta: (listener) => {
      deltaListeners.add(listener);
      return () => deltaListeners.delete(listener);
    },
    onProbeResult: (listener) => {
      probeListeners.add(listener);
      return () => probeListeners.delete(listener);
    },
    onStatus: (listener) => {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
  };

  window.portwatch = api;
  window.__portwatchFake = {
    setNatRules: (result) => {
      natRules = result;
    },
    makeChurnDelta,
    emit,
    tick: (fraction) => emit(makeChurnDelta(fraction ?? 0.01)),
    dropNextDelta: () => {
      dropNext = true;
    },
    rowCount: () => rows.size,
    snapshotsServed: () => snapshotsServed,
    setStatus,
  };
  if (TICK_MS > 0) setInterval(() => !status.paused && emit(makeChurnDelta(0.01)), TICK_MS);
}
