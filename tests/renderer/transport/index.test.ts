import { afterEach, describe, expect, it } from 'vitest';
import { pickTransport } from '../../../src/renderer/transport';
import { createFakeApi } from '../../support/fake-api';

describe('pickTransport', () => {
  afterEach(() => {
    delete window.portwatch;
  });

  it('uses the preload’s bridge when there is one', () => {
    const { api } = createFakeApi();
    window.portwatch = api;
    const transport = pickTransport();
    expect(transport?.api).toBe(api);
    // IPC cannot drop like a network link: always connected (see ipc-monitor.ts).
    expect(transport?.monitor.current()).toEqual({ kind: 'connected', transport: 'ipc' });
    expect(typeof transport?.monitor.onChange(() => undefined)).toBe('function');
  });

  it('returns null without one, so the app can say no service is connected', () => {
    expect(pickTransport()).toBeNull();
  });
});
