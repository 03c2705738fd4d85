/** `portwatch snapshot --relays SECONDS`: argument checks (the watching itself: tests/built/cli-forwarding.test.ts). */
import { describe, expect, it } from 'vitest';
import '../../../src/cli/commands';
import { parseRelaySeconds, parseSnapshotArgs } from '../../../src/cli/commands/snapshot';
import { UsageError } from '../../../src/cli/main';

describe('snapshot --relays', () => {
  it('takes a whole number of seconds from 1 to 60', () => {
    expect(parseRelaySeconds('1')).toBe(1);
    expect(parseRelaySeconds(' 60 ')).toBe(60);
    expect(parseSnapshotArgs(['--relays', '5']).relaySeconds).toBe(5);
    expect(parseSnapshotArgs([]).relaySeconds).toBeNull();
  });

  it.each(['0', '61', '1.5', 'ten', '', '-3'])('refuses %j with a usage error naming the range', (text) => {
    expect(() => parseRelaySeconds(text)).toThrow(UsageError);
    expect(() => parseRelaySeconds(text)).toThrow(`--relays needs a whole number of seconds from 1 to 60, not "${text}"`);
  });

  it('cannot be combined with --diff', () => {
    expect(() => parseSnapshotArgs(['--relays', '3', '--diff', '5'])).toThrow('--relays and --diff cannot be combined');
  });
});
