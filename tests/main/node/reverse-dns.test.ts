import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createReverseDnsResolver, lookupAddress, systemReverseLookup } from '../../../src/main/node/reverse-dns';
import { onlyOn, POSIX } from '../../support/platform';

/** A lookup whose answers the test releases one by one. */
function controlledLookup(): { lookup: (a: string) => Promise<string | null>; calls: string[]; answer: (a: string, name: string | null) => void; fail: (a: string) => void } {
  const calls: string[] = [];
  const waiting = new Map<string, { resolve: (v: string | null) => void; reject: (e: Error) => void }>();
  return {
    calls,
    lookup: (address) =>
      new Promise((resolve, reject) => {
        calls.push(address);
        waiting.set(address, { resolve, reject });
      }),
    answer: (address, name) => waiting.get(address)?.resolve(name),
    fail: (address) => waiting.get(address)?.reject(new Error('SERVFAIL')),
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('createReverseDnsResolver', () => {
  it('never waits: unknown first, the name once the background lookup ends', async () => {
    const c = controlledLookup();
    const dns = createReverseDnsResolver({ lookup: c.lookup });
    expect(dns.peek('127.0.0.1')).toBeUndefined();
    expect(dns.peek('127.0.0.1')).toBeUndefined();
    expect(c.calls).toEqual(['127.0.0.1']);
    c.answer('127.0.0.1', 'localhost');
    await tick();
    expect(dns.peek('127.0.0.1')).toBe('localhost');
    expect(c.calls).toEqual(['127.0.0.1']);
  });

  it('caches "no name" and failures as null', async () => {
    const c = controlledLookup();
    const dns = createReverseDnsResolver({ lookup: c.lookup });
    dns.peek('127.0.0.2');
    dns.peek('127.0.0.3');
    c.answer('127.0.0.2', null);
    c.fail('127.0.0.3');
    await tick();
    expect(dns.peek('127.0.0.2')).toBeNull();
    expect(dns.peek('127.0.0.3')).toBeNull();
    expect(c.calls).toHaveLength(2);
  });

  it('bounds lookups in flight and queues the rest', async () => {
    const c = controlledLookup();
    const dns = createReverseDnsResolver({ lookup: c.lookup, maxInFlight: 2, maxQueued: 2 });
    for (const a of ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5']) dns.peek(a);
    expect(c.calls).toEqual(['127.0.0.1', '127.0.0.2']);
    expect(dns.inFlight()).toBe(2);
    expect(dns.queued()).toBe(2); // the fifth was dropped, to be asked again on a later peek
    c.answer('127.0.0.1', 'a');
    await tick();
    expect(c.calls).toEqual(['127.0.0.1', '127.0.0.2', '127.0.0.3']);
    expect(dns.inFlight()).toBe(2);
    expect(dns.peek('127.0.0.5')).toBeUndefined();
    expect(dns.queued()).toBe(2);
  });

  it('answers stale names while refreshing after the TTL, with separate positive and negative TTLs', async () => {
    let now = 1_000;
    const c = controlledLookup();
    const dns = createReverseDnsResolver({ lookup: c.lookup, ttlMs: 100, negativeTtlMs: 10, now: () => now });
    dns.peek('::1');
    dns.peek('127.0.0.9');
    c.answer('::1', 'ip6-localhost');
    c.answer('127.0.0.9', null);
    await tick();
    now += 50;
    expect(dns.peek('::1')).toBe('ip6-localhost');
    expect(dns.peek('127.0.0.9')).toBeNull();
    expect(c.calls).toEqual(['::1', '127.0.0.9', '127.0.0.9']); // negative expired after 10 ms
    now += 60;
    expect(dns.peek('::1')).toBe('ip6-localhost'); // stale, refresh started
    expect(c.calls.filter((a) => a === '::1')).toHaveLength(2);
  });

  it('times a hung lookup out as null but keeps its slot until it really ends', async () => {
    const c = controlledLookup();
    const dns = createReverseDnsResolver({ lookup: c.lookup, timeoutMs: 5, maxInFlight: 1 });
    dns.peek('127.0.0.1');
    dns.peek('127.0.0.2');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(dns.peek('127.0.0.1')).toBeNull();
    expect(dns.inFlight()).toBe(1);
    expect(c.calls).toEqual(['127.0.0.1']);
    c.answer('127.0.0.1', 'late');
    await tick();
    expect(c.calls).toEqual(['127.0.0.1', '127.0.0.2']);
  });

  it('evicts the oldest entries beyond maxEntries', async () => {
    const c = controlledLookup();
    const dns = createReverseDnsResolver({ lookup: c.lookup, maxEntries: 2, maxInFlight: 3 });
    for (const a of ['127.0.0.1', '127.0.0.2', '127.0.0.3']) dns.peek(a);
    for (const a of ['127.0.0.1', '127.0.0.2', '127.0.0.3']) c.answer(a, `h${a.slice(-1)}`);
    await tick();
    expect(dns.size()).toBe(2);
    expect(dns.peek('127.0.0.3')).toBe('h3');
    expect(dns.peek('127.0.0.1')).toBeUndefined();
  });
});

describe('lookupAddress', () => {
  it('asks v4-mapped addresses as IPv4 and drops zones', () => {
    expect(lookupAddress('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(lookupAddress('fe80::1%eth0')).toBe('fe80::1');
    expect(lookupAddress('::1')).toBe('::1');
  });
});

describe('systemReverseLookup', () => {
  const posixOnly = onlyOn(POSIX, 'names 127.0.0.1 from /etc/hosts');
  const hostsName = posixOnly ? undefined : /^127\.0\.0\.1\s+(\S+)/m.exec(readFileSync('/etc/hosts', 'utf8'))?.[1];
  it.skipIf(posixOnly || hostsName === undefined)('names 127.0.0.1 from /etc/hosts (no DNS traffic)', async () => {
    expect(await systemReverseLookup('127.0.0.1')).toBe(hostsName);
  });
});
