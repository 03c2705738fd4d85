import { describe, expect, it } from 'vitest';
import { parsePublicHosts } from '../../../src/cli/commands/serve';
import { runCliCaptured } from '../../support/cli';

describe('portwatch serve: arguments', () => {
  it('refuses --public-host without --allow-remote, before listening', async () => {
    const run = await runCliCaptured(['serve', '--public-host', 'box.lan']);
    expect(run).toMatchObject({ code: 2, out: '' });
    expect(run.err).toBe('portwatch serve: --public-host lets clients reach serve under another name; add --allow-remote to confirm (try: portwatch serve --help)\n');
  });

  it('refuses a malformed or wildcard --public-host', async () => {
    const bad = await runCliCaptured(['serve', '--allow-remote', '--public-host', 'bad name!']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^portwatch serve: --public-host bad name!: "bad name!" is not a host name or an IP address/);
    const wildcard = await runCliCaptured(['serve', '--allow-remote', '--public-host', '0.0.0.0']);
    expect(wildcard.code).toBe(2);
    expect(wildcard.err).toMatch(/a wildcard address is not a name clients use/);
  });

  it('refuses a non-loopback --host without --allow-remote, and a port that is not a plain number', async () => {
    expect((await runCliCaptured(['serve', '--host', '0.0.0.0'])).err).toMatch(/--host 0\.0\.0\.0 is not a loopback address; add --allow-remote/);
    for (const port of ['1e3', '-1', '70000', '']) {
      const run = await runCliCaptured(['serve', `--port=${port}`]);
      expect([port, run.code, run.err]).toEqual([port, 2, `portwatch serve: --port must be a number from 0 to 65535, not "${port}" (try: portwatch serve --help)\n`]);
    }
  });

  it('parses public hosts: names, addresses, optional ports, lower-cased', () => {
    expect(parsePublicHosts(['Box.LAN', 'portwatch.example.org:8443', '[fe80::1]:9000', '192.0.2.5'])).toEqual([
      { host: 'box.lan', port: null },
      { host: 'portwatch.example.org', port: 8443 },
      { host: 'fe80::1', port: 9000 },
      { host: '192.0.2.5', port: null },
    ]);
  });

  it('--help explains the fragment token, --public-host, the SSH tunnel and the TLS proxy', async () => {
    const run = await runCliCaptured(['serve', '--help']);
    expect(run.code).toBe(0);
    expect(run.out).toContain('http://127.0.0.1:PORT/#token=…');
    expect(run.out).toContain('--public-host NAME');
    expect(run.out).toContain('ssh -N -L PORT:127.0.0.1:PORT you@this-machine');
    expect(run.out).toContain('caddy reverse-proxy --from portwatch.example.org --to 127.0.0.1:8711');
    expect(run.out).toContain('no cookie grants access');
    expect(run.out).not.toMatch(/session cookie/i);
  });
});
