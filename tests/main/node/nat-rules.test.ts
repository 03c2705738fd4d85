import { describe, expect, it } from 'vitest';
import { NAT_REFRESH_MS, classifyFailure, createNatRulesReader } from '../../../src/main/node/nat-rules';
import { createPortproxyReader, runCommand, type RunCommand } from '../../../src/main/node/portproxy';

/** A fake runner: answers per tool, counting calls. */
function fakeRun(answers: Record<string, string | Error>): RunCommand & { calls: string[] } {
  const calls: string[] = [];
  const run = Object.assign(async (file: string, args: readonly string[]): Promise<string> => {
    calls.push(`${file} ${args.join(' ')}`);
    const answer = answers[file];
    if (answer === undefined) throw Object.assign(new Error(`spawn ${file} ENOENT`), { code: 'ENOENT' });
    if (answer instanceof Error) throw answer;
    return answer;
  }, { calls });
  return run;
}

const denied = (tool: string, stderr: string): Error => Object.assign(new Error(`Command failed: ${tool}`), { code: 1, stderr });

describe('createNatRulesReader on Linux', () => {
  it('uses nft when it answers', async () => {
    const run = fakeRun({ nft: '{"nftables":[{"rule":{"family":"ip","table":"nat","chain":"output","expr":[{"redirect":{"port":8080}}]}}]}' });
    const result = await createNatRulesReader({ platform: 'linux', run }).read();
    expect(result).toMatchObject({ readable: true, source: 'nft', rules: [{ action: 'redirect', toPorts: '8080', chain: 'output' }] });
    expect(run.calls).toEqual(['nft -j list ruleset']);
  });

  it('falls back to iptables-save when nft is missing', async () => {
    const run = fakeRun({ 'iptables-save': '*nat\n-A PREROUTING -p tcp --dport 80 -j REDIRECT --to-ports 8080\nCOMMIT\n' });
    const result = await createNatRulesReader({ platform: 'linux', run }).read();
    expect(result).toMatchObject({ readable: true, source: 'iptables-save', rules: [{ matchPorts: '80', toPorts: '8080' }] });
    expect(run.calls).toEqual(['nft -j list ruleset', 'iptables-save -t nat']);
  });

  it('says permission was denied when every tool refuses an unprivileged user', async () => {
    const run = fakeRun({
      nft: denied('nft', 'Error: Operation not permitted\n'),
      'iptables-save': denied('iptables-save', 'iptables-save v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)\n'),
      iptables: denied('iptables', 'iptables v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)\n'),
    });
    expect(await createNatRulesReader({ platform: 'linux', run }).read()).toEqual({
      readable: false,
      reason: "Permission denied: reading the packet filter's NAT rules (nft, iptables-save, iptables) needs administrator rights, and Portwatch runs without them.",
    });
  });

  it('says no tool is installed', async () => {
    expect(await createNatRulesReader({ platform: 'linux', run: fakeRun({}) }).read()).toEqual({
      readable: false,
      reason: 'Neither nft nor iptables-save nor iptables is installed, so NAT rules cannot be read.',
    });
  });

  it('reuses a result for a while, then reads again', async () => {
    let now = 0;
    const run = fakeRun({});
    const reader = createNatRulesReader({ platform: 'linux', run, now: () => now });
    await reader.read();
    await reader.read();
    expect(run.calls).toHaveLength(3);
    now = NAT_REFRESH_MS;
    await reader.read();
    expect(run.calls).toHaveLength(6);
  });
});

describe('createNatRulesReader elsewhere', () => {
  it('shows Windows port proxy rules as dnat rules', async () => {
    const output = 'Listen on ipv4:             Connect to ipv4:\n\nAddress         Port        Address         Port\n--------------- ----------  --------------- ----------\n0.0.0.0         8080        172.20.1.5      80\n';
    const run = fakeRun({ netsh: output });
    expect(await createNatRulesReader({ platform: 'win32', run }).read()).toEqual({
      readable: true,
      source: 'netsh interface portproxy',
      rules: [
        {
          action: 'dnat',
          protocol: 'tcp',
          chain: 'portproxy v4tov4',
          inInterface: null,
          matchAddress: '0.0.0.0',
          matchPorts: '8080',
          toAddress: '172.20.1.5',
          toPorts: '80',
          text: 'netsh interface portproxy v4tov4 listenaddress=0.0.0.0 listenport=8080 connectaddress=172.20.1.5 connectport=80',
        },
      ],
    });
  });

  it('explains why macOS rules are not read', async () => {
    const result = await createNatRulesReader({ platform: 'darwin', run: fakeRun({}) }).read();
    expect(result).toEqual({ readable: false, reason: expect.stringContaining('pf') as string });
  });
});

describe('classifyFailure', () => {
  it('recognises a missing program from a real spawn', async () => {
    const error = await runCommand('portwatch-no-such-tool-11', [], 1000).catch((e: unknown) => e);
    expect(classifyFailure('x', error)).toEqual({ tool: 'x', outcome: 'missing', message: 'x is not installed' });
  });

  it('recognises a time-out from a real run', async () => {
    const error = await runCommand(process.execPath, ['-e', 'setTimeout(() => {}, 5000)'], 100).catch((e: unknown) => e);
    expect(classifyFailure('slow', error)).toMatchObject({ tool: 'slow', outcome: 'timeout' });
  });

  it('keeps the first line of stderr of any other failure', () => {
    expect(classifyFailure('nft', Object.assign(new Error('Command failed'), { code: 2, stderr: 'Error: syntax error\nmore\n' }))).toEqual({
      tool: 'nft',
      outcome: 'failed',
      message: 'Error: syntax error',
    });
  });
});

describe('createPortproxyReader', () => {
  it('reads netsh once per refresh period and reads a failing netsh as no rules', async () => {
    const run = fakeRun({ netsh: new Error('netsh exploded') });
    const reader = createPortproxyReader(run, () => 0);
    expect(await reader.rules()).toEqual([]);
    expect(await reader.rules()).toEqual([]);
    expect(run.calls).toEqual(['netsh interface portproxy show all']);
  });
});
