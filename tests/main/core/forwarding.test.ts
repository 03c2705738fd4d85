import { describe, expect, it } from 'vitest';
import {
  ForwardParseCache,
  annotateForwards,
  parseForwarderCommandLine,
  parsePortproxyOutput,
  programName,
  tokenize,
  type ForwardSpec,
} from '../../../src/main/core/forwarding';
import type { Connection } from '../../../src/shared/model';
import { makeConnection } from '../../support/connections';

/** The parse, reduced to the fields a table row compares. */
function brief(commandLine: string): string[] {
  return parseForwarderCommandLine(commandLine).map(
    (s: ForwardSpec) =>
      `${s.kind} ${s.protocol} ${s.bindAddress ?? '-'} ${s.listenPort ?? '?'} -> ${s.targetHost ?? 'SOCKS'}:${s.targetPort ?? '-'}${s.remoteHost !== null ? ` @${s.remoteHost}` : ''}`,
  );
}

describe('tokenize and programName', () => {
  it('splits on whitespace and groups double-quoted Windows paths', () => {
    expect(tokenize('"C:\\Program Files\\OpenSSH\\ssh.exe"  -L  8080:db:5432 host')).toEqual(['C:\\Program Files\\OpenSSH\\ssh.exe', '-L', '8080:db:5432', 'host']);
    expect(tokenize('')).toEqual([]);
    expect(tokenize('a "" b')).toEqual(['a', '', 'b']);
  });

  it('takes the base name, lower case, without .exe', () => {
    expect(programName('/usr/bin/ssh')).toBe('ssh');
    expect(programName('C:\\Windows\\System32\\OpenSSH\\SSH.EXE')).toBe('ssh');
    expect(programName('socat')).toBe('socat');
  });
});

describe('ssh command lines', () => {
  it.each([
    ['ssh -L 8080:db.internal:5432 bastion', ['ssh-local tcp - 8080 -> db.internal:5432']],
    ['/usr/bin/ssh -N -L 127.0.0.1:15432:10.0.0.7:5432 user@jump.example.com', ['ssh-local tcp 127.0.0.1 15432 -> 10.0.0.7:5432']],
    ['ssh -L8080:localhost:80 host', ['ssh-local tcp - 8080 -> localhost:80']],
    ['ssh -fNL 3307:127.0.0.1:3306 db-host', ['ssh-local tcp - 3307 -> 127.0.0.1:3306']],
    ['ssh -L [::1]:8443:[2001:db8::5]:443 host', ['ssh-local tcp ::1 8443 -> 2001:db8::5:443']],
    ['ssh -L *:9000:app:9000 -L 0.0.0.0:9001:app:9001 gw', ['ssh-local tcp * 9000 -> app:9000', 'ssh-local tcp 0.0.0.0 9001 -> app:9001']],
    ['ssh -L :9002:app:9002 gw', ['ssh-local tcp * 9002 -> app:9002']],
    ['ssh -L 8080/web/80 gw', ['ssh-local tcp - 8080 -> web:80']],
    ['ssh -L 5000:/var/run/app.sock gw', ['ssh-local tcp - 5000 -> /var/run/app.sock:-']],
    ['ssh -D 1080 -q -C -N proxy-host', ['ssh-dynamic tcp - 1080 -> SOCKS:-']],
    ['ssh -D 127.0.0.1:1080 proxy', ['ssh-dynamic tcp 127.0.0.1 1080 -> SOCKS:-']],
    ['ssh -ND1081 proxy', ['ssh-dynamic tcp - 1081 -> SOCKS:-']],
    ['ssh -R 8080:localhost:3000 me@server.example', ['ssh-remote tcp - 8080 -> localhost:3000 @server.example']],
    ['ssh -R 0.0.0.0:2222:127.0.0.1:22 -p 2200 ssh://tunnel@relay.example:2200', ['ssh-remote tcp 0.0.0.0 2222 -> 127.0.0.1:22 @relay.example']],
    ['ssh -R 1080 server', ['ssh-remote tcp - 1080 -> SOCKS:- @server']],
    ['ssh -R 0:localhost:80 serveo.net', ['ssh-remote tcp - ? -> localhost:80 @serveo.net']],
    // Options taking values must not be mistaken for the destination, and options after it count.
    ['ssh -o StrictHostKeyChecking=no -i /home/u/.ssh/id -p 22 -o ServerAliveInterval=30 host -L 7000:x:70', ['ssh-local tcp - 7000 -> x:70']],
    ['ssh -oExitOnForwardFailure=yes -L 7001:x:71 host', ['ssh-local tcp - 7001 -> x:71']],
    ['ssh -o LocalForward=7002 x:72 host', ['ssh-local tcp - 7002 -> x:72']],
    ['ssh -o "LocalForward 127.0.0.1:7003 x:73" host', ['ssh-local tcp 127.0.0.1 7003 -> x:73']],
    ['ssh -o DynamicForward=1082 host', ['ssh-dynamic tcp - 1082 -> SOCKS:-']],
    ['ssh -J jump1,jump2 -L 7004:x:74 target', ['ssh-local tcp - 7004 -> x:74']],
    ['autossh -M 0 -f -N -L 7005:x:75 host', ['ssh-local tcp - 7005 -> x:75']],
    ['"C:\\Windows\\System32\\OpenSSH\\ssh.exe" -L 7006:x:76 host', ['ssh-local tcp - 7006 -> x:76']],
  ])('%s', (commandLine, expected) => {
    expect(brief(commandLine)).toEqual(expected);
  });

  it('stops at the remote command: a -L after it belongs to the command', () => {
    expect(brief('ssh host ls -L 8080:x:80')).toEqual([]);
    expect(brief('ssh -- host -L 8080:x:80')).toEqual([]);
  });

  it('keeps the words of the forward as `via`', () => {
    expect(parseForwarderCommandLine('ssh -N -L 127.0.0.1:15432:db:5432 host')[0]?.via).toBe('ssh -L 127.0.0.1:15432:db:5432');
  });

  it.each([
    'ssh host',
    'ssh -L',
    'ssh -L 99999:x:80 host',
    'ssh -L 8080:x:http host',
    'ssh -L 0:x:80 host',
    'ssh -L [::1:8080:x:80 host',
    'ssh -L a:b:c:d:e host',
    'ssh -L 8080::80 host',
    'ssh -D 1080:2:3 host',
    'ssh -D -5 host',
    'ssh -o LocalForward host',
    'sshd: root@pts/0',
    'sshd -D',
  ])('gives nothing for %j', (commandLine) => {
    expect(parseForwarderCommandLine(commandLine)).toEqual([]);
  });
});

describe('socat command lines', () => {
  it.each([
    ['socat TCP-LISTEN:8080,fork,reuseaddr TCP:10.0.0.5:80', ['socat tcp - 8080 -> 10.0.0.5:80']],
    ['socat TCP-LISTEN:8080,bind=127.0.0.1,reuseaddr,fork TCP:127.0.0.1:9090', ['socat tcp 127.0.0.1 8080 -> 127.0.0.1:9090']],
    ['/usr/bin/socat -d -d TCP4-LISTEN:5432,fork TCP4:db:5432', ['socat tcp - 5432 -> db:5432']],
    ['socat -T 30 -b8192 tcp-l:2000,fork tcp-connect:backend:2001', ['socat tcp - 2000 -> backend:2001']],
    ['socat TCP6-LISTEN:8443,bind=[::1],fork TCP6:[2001:db8::1]:443', ['socat tcp ::1 8443 -> 2001:db8::1:443']],
    ['socat TCP:upstream:25 TCP-LISTEN:2525,fork', ['socat tcp - 2525 -> upstream:25']],
    ['socat UDP4-LISTEN:5353,fork UDP4:192.168.1.1:53', ['socat udp - 5353 -> 192.168.1.1:53']],
    ['socat TCP-LISTEN:2375,reuseaddr,fork UNIX-CONNECT:/var/run/docker.sock', ['socat tcp - 2375 -> /var/run/docker.sock:-']],
    ['socat TCP-LISTEN:3128,fork SOCKS4A:proxy.local:example.org:80,socksport=1080', ['socat tcp - 3128 -> example.org:80']],
    ['socat -lf /tmp/log TCP-LISTEN:9000,fork OPENSSL:secure.example:443,verify=0', ['socat tcp - 9000 -> secure.example:443']],
  ])('%s', (commandLine, expected) => {
    expect(brief(commandLine)).toEqual(expected);
  });

  it.each([
    'socat STDIO TCP:host:80',
    'socat - TCP-LISTEN:8080',
    'socat TCP-LISTEN:8080',
    'socat TCP-LISTEN:8080 TCP:host:80 extra',
    'socat TCP-LISTEN:notaport,fork TCP:host:80',
    'socat TCP-LISTEN:8080 TCP:host',
    'socat TCP-LISTEN:8080 TCP-LISTEN:8081',
    'socat TCP-LISTEN:8080 EXEC:/bin/cat',
    'socat',
  ])('gives nothing for %j', (commandLine) => {
    expect(parseForwarderCommandLine(commandLine)).toEqual([]);
  });
});

describe('docker-proxy command lines', () => {
  it.each([
    [
      '/usr/bin/docker-proxy -proto tcp -host-ip 0.0.0.0 -host-port 8080 -container-ip 172.17.0.2 -container-port 80',
      ['docker-proxy tcp 0.0.0.0 8080 -> 172.17.0.2:80'],
    ],
    ['/usr/libexec/docker/docker-proxy -proto udp -host-ip :: -host-port 53 -container-ip fd00::2 -container-port 53', ['docker-proxy udp :: 53 -> fd00::2:53']],
    ['docker-proxy -proto=tcp --host-ip=127.0.0.1 -host-port=5432 -container-ip=172.18.0.3 -container-port=5432 -use-listen-fd', ['docker-proxy tcp 127.0.0.1 5432 -> 172.18.0.3:5432']],
  ])('%s', (commandLine, expected) => {
    expect(brief(commandLine)).toEqual(expected);
  });

  it.each(['docker-proxy -proto sctp -host-port 1 -container-ip 1.2.3.4 -container-port 1', 'docker-proxy -host-port 8080', 'docker-proxy -proto tcp -host-port 8080 -container-ip'])(
    'gives nothing for %j',
    (commandLine) => {
      expect(parseForwarderCommandLine(commandLine)).toEqual([]);
    },
  );
});

describe('kubectl command lines', () => {
  it.each([
    ['kubectl port-forward pod/web-7d9c 8080:80', ['kubectl tcp localhost 8080 -> pod/web-7d9c:80']],
    ['kubectl -n prod port-forward svc/postgres 15432:5432', ['kubectl tcp localhost 15432 -> prod/svc/postgres:5432']],
    ['kubectl port-forward --namespace=db deploy/redis 6379', ['kubectl tcp localhost 6379 -> db/deploy/redis:6379']],
    [
      'kubectl port-forward --address 0.0.0.0,localhost svc/api 9000:8080 :9090',
      ['kubectl tcp 0.0.0.0 9000 -> svc/api:8080', 'kubectl tcp localhost 9000 -> svc/api:8080', 'kubectl tcp 0.0.0.0 ? -> svc/api:9090', 'kubectl tcp localhost ? -> svc/api:9090'],
    ],
    ['/snap/bin/kubectl --context staging port-forward --pod-running-timeout 2m svc/x 7000:70', ['kubectl tcp localhost 7000 -> svc/x:70']],
  ])('%s', (commandLine, expected) => {
    expect(brief(commandLine)).toEqual(expected);
  });

  it.each(['kubectl get pods', 'kubectl port-forward svc/x', 'kubectl port-forward svc/x abc:80', 'kubectl port-forward svc/x 1:2:3', 'kubectl'])('gives nothing for %j', (commandLine) => {
    expect(parseForwarderCommandLine(commandLine)).toEqual([]);
  });
});

describe('anything else', () => {
  it.each(['nginx: master process /usr/sbin/nginx', 'node server.js', '', ' ', '"', '-L 8080:x:80', `ssh ${'-L 1:x:2 '.repeat(8000)}h`])('gives nothing and never throws for case %#', (commandLine) => {
    expect(parseForwarderCommandLine(commandLine)).toEqual([]);
  });

  it('survives non-string input from an untyped caller', () => {
    expect(parseForwarderCommandLine(undefined as unknown as string)).toEqual([]);
    expect(parsePortproxyOutput(null as unknown as string)).toEqual([]);
  });
});

describe('parsePortproxyOutput', () => {
  const text = [
    '',
    'Listen on ipv4:             Connect to ipv4:',
    '',
    'Address         Port        Address         Port',
    '--------------- ----------  --------------- ----------',
    '0.0.0.0         8080        172.20.1.5      80',
    '*               2222        192.168.1.10    22',
    '',
    'Listen on ipv4:             Connect to ipv6:',
    '',
    'Address         Port        Address         Port',
    '--------------- ----------  --------------- ----------',
    '127.0.0.1       9000        ::1             9001',
    '',
  ].join('\r\n');

  it('reads every rule with its section mode', () => {
    expect(parsePortproxyOutput(text)).toEqual([
      { mode: 'v4tov4', listenAddress: '0.0.0.0', listenPort: 8080, connectAddress: '172.20.1.5', connectPort: 80 },
      { mode: 'v4tov4', listenAddress: '*', listenPort: 2222, connectAddress: '192.168.1.10', connectPort: 22 },
      { mode: 'v4tov6', listenAddress: '127.0.0.1', listenPort: 9000, connectAddress: '::1', connectPort: 9001 },
    ]);
  });

  it('reads localized output by the shape of its rows', () => {
    const german = 'Abhören an IPv4:            Verbinden mit IPv4:\n\nAdresse         Port        Adresse         Port\n--------------- ----------  --------------- ----------\n0.0.0.0         80          10.0.0.2        8080\n';
    expect(parsePortproxyOutput(german)).toEqual([{ mode: 'v4tov4', listenAddress: '0.0.0.0', listenPort: 80, connectAddress: '10.0.0.2', connectPort: 8080 }]);
  });

  it('gives nothing for empty output, errors and malformed rows', () => {
    expect(parsePortproxyOutput('')).toEqual([]);
    expect(parsePortproxyOutput('The following command was not found: interface portproxy show all.')).toEqual([]);
    expect(parsePortproxyOutput('0.0.0.0 99999 1.2.3.4 80\n0.0.0.0 80 1.2.3.4\n--- 1 --- 2')).toEqual([]);
  });
});

describe('ForwardParseCache', () => {
  it('parses each command line once and stays within its limit', () => {
    const cache = new ForwardParseCache(2);
    const first = cache.get('ssh -L 1:x:2 h');
    expect(cache.get('ssh -L 1:x:2 h')).toBe(first);
    cache.get('a');
    cache.get('b');
    expect(cache.size).toBe(2);
    expect(cache.get('ssh -L 1:x:2 h')).not.toBe(first); // evicted, parsed again
    expect(cache.get('ssh -L 1:x:2 h')).toEqual(first);
  });
});

describe('annotateForwards', () => {
  const socat = { pid: 500, name: 'socat', commandLine: 'socat TCP-LISTEN:8080,bind=127.0.0.1,fork TCP:127.0.0.1:9090' };
  const socatChild = { ...socat, pid: 501 };

  function table(): Connection[] {
    return [
      makeConnection({ localAddress: '127.0.0.1', localPort: 8080, state: 'LISTEN', owners: [socat] }),
      makeConnection({ localAddress: '127.0.0.1', localPort: 8080, remoteAddress: '127.0.0.1', remotePort: 50_000, state: 'ESTABLISHED', owners: [socatChild] }),
      makeConnection({ localAddress: '127.0.0.1', localPort: 50_001, remoteAddress: '127.0.0.1', remotePort: 9090, state: 'ESTABLISHED', owners: [socatChild] }),
      makeConnection({ localAddress: '127.0.0.1', localPort: 9090, state: 'LISTEN', owners: [{ pid: 600, name: 'backend' }] }),
      makeConnection({ localAddress: '127.0.0.1', localPort: 9090, remoteAddress: '127.0.0.1', remotePort: 50_001, state: 'ESTABLISHED', owners: [{ pid: 600, name: 'backend' }] }),
    ];
  }

  it('marks the listener, the connection it accepted and the forwarder’s connection to the target', () => {
    const rows = table();
    expect(annotateForwards(rows)).toBe(3);
    const expected = {
      kind: 'socat',
      listenAddress: '127.0.0.1',
      listenPort: 8080,
      targetHost: '127.0.0.1',
      targetPort: 9090,
      via: 'socat TCP-LISTEN:8080,bind=127.0.0.1,fork TCP:127.0.0.1:9090',
    };
    expect(rows.map((r) => r.forward ?? null)).toEqual([expected, expected, expected, null, null]);
  });

  it('leaves a table without forwarders untouched', () => {
    const rows = [makeConnection({ owners: [{ pid: 1, name: 'nginx', commandLine: 'nginx: master process' }] })];
    expect(annotateForwards(rows)).toBe(0);
    expect(rows[0]?.forward).toBeUndefined();
  });

  it('matches the listener on its port and bind address, and both families of an ssh -L', () => {
    const ssh = { pid: 700, name: 'ssh', commandLine: 'ssh -N -L 15432:db:5432 -L 127.0.0.1:16379:cache:6379 bastion' };
    const rows = [
      makeConnection({ localAddress: '127.0.0.1', localPort: 15432, owners: [ssh] }),
      makeConnection({ family: 6, localAddress: '::1', localPort: 15432, owners: [ssh] }),
      makeConnection({ localAddress: '127.0.0.1', localPort: 16379, owners: [ssh] }),
      makeConnection({ family: 6, localAddress: '::1', localPort: 16379, owners: [ssh] }),
      makeConnection({ localAddress: '10.0.0.2', localPort: 50_123, remoteAddress: '192.0.2.1', remotePort: 22, state: 'ESTABLISHED', owners: [ssh] }),
    ];
    annotateForwards(rows);
    expect(rows.map((r) => (r.forward ? `${r.forward.kind} ${r.forward.listenAddress}:${r.forward.listenPort} ${r.forward.targetHost}:${r.forward.targetPort}` : null))).toEqual([
      'ssh-local 127.0.0.1:15432 db:5432',
      'ssh-local ::1:15432 db:5432',
      'ssh-local 127.0.0.1:16379 cache:6379',
      null, // bound to 127.0.0.1 only: the ::1 listener is not this forward
      null, // the ssh session itself is not a -L forward
    ]);
  });

  it('describes ssh -R on the ssh process’s outbound connection, with the server as the listen side', () => {
    const ssh = { pid: 701, name: 'ssh', commandLine: 'ssh -N -R 9000:localhost:3000 tunnel@server.example' };
    const rows = [makeConnection({ localAddress: '10.0.0.2', localPort: 50_124, remoteAddress: '192.0.2.1', remotePort: 22, state: 'ESTABLISHED', owners: [ssh] })];
    annotateForwards(rows);
    expect(rows[0]?.forward).toEqual({ kind: 'ssh-remote', listenAddress: 'server.example', listenPort: 9000, targetHost: 'localhost', targetPort: 3000, via: 'ssh -R 9000:localhost:3000' });
  });

  it('marks listeners covered by a Windows port proxy rule, and the proxy’s connection to the target', () => {
    const svchost = { pid: 3000, name: 'svchost.exe' };
    const rows = [
      makeConnection({ localAddress: '0.0.0.0', localPort: 8080, owners: [svchost] }),
      makeConnection({ localAddress: '10.0.0.2', localPort: 8080, remoteAddress: '10.0.0.9', remotePort: 50_000, state: 'ESTABLISHED', owners: [svchost] }),
      makeConnection({ localAddress: '172.20.1.1', localPort: 50_001, remoteAddress: '172.20.1.5', remotePort: 80, state: 'ESTABLISHED', owners: [svchost] }),
      makeConnection({ localAddress: '10.0.0.2', localPort: 50_002, remoteAddress: '192.0.2.7', remotePort: 443, state: 'ESTABLISHED', owners: [svchost] }),
    ];
    annotateForwards(rows, { portproxy: [{ mode: 'v4tov4', listenAddress: '*', listenPort: 8080, connectAddress: '172.20.1.5', connectPort: 80 }] });
    const expected = {
      kind: 'portproxy',
      listenAddress: '0.0.0.0',
      listenPort: 8080,
      targetHost: '172.20.1.5',
      targetPort: 80,
      via: 'netsh portproxy v4tov4 *:8080 172.20.1.5:80',
    };
    expect(rows.map((r) => r.forward ?? null)).toEqual([expected, expected, expected, null]);
  });

  it('gives a kubectl run-time port to both families of that one port only', () => {
    const kubectl = { pid: 900, name: 'kubectl', commandLine: 'kubectl port-forward svc/api :8080' };
    const rows = [
      makeConnection({ localAddress: '127.0.0.1', localPort: 41_234, owners: [kubectl] }),
      makeConnection({ family: 6, localAddress: '::1', localPort: 41_234, owners: [kubectl] }),
      makeConnection({ localAddress: '127.0.0.1', localPort: 41_999, owners: [kubectl] }),
    ];
    annotateForwards(rows);
    expect(rows.map((r) => (r.forward ? `${r.forward.listenPort} -> ${r.forward.targetHost ?? ''}:${r.forward.targetPort ?? ''}` : null))).toEqual([
      '41234 -> svc/api:8080',
      '41234 -> svc/api:8080',
      null,
    ]);
  });

  it('keeps a forward a row already has', () => {
    const rows = table();
    const existing = { kind: 'nat' as const, listenAddress: '127.0.0.1', listenPort: 8080, targetHost: 'x', targetPort: 1, via: 'nat' };
    rows[0] = { ...(rows[0] as Connection), forward: existing };
    annotateForwards(rows);
    expect(rows[0]?.forward).toBe(existing);
  });

  it('uses the given cache across reads', () => {
    const cache = new ForwardParseCache();
    annotateForwards(table(), { cache });
    const parsed = cache.get(socat.commandLine);
    annotateForwards(table(), { cache });
    expect(cache.size).toBe(1); // socat's line; the backend shows none
    expect(cache.get(socat.commandLine)).toBe(parsed);
  });
});
