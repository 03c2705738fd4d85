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
    expect(pickTransport()).toBe(api);
  });

  it('returns null without one, so the app can say no service is connected', () => {
    expect(pickTransport()).toBeNull();
  });
});
