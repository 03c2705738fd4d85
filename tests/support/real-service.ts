/**
 * The real service (settings store, probe runner on Node transports, request dispatch) around a
 * fake collector: for tests of settings, probes and validation that need no socket table.
 */
import { createPortwatchService } from '../../src/main/core/portwatch-service';
import { ProbeRunner } from '../../src/main/core/probe-runner';
import type { PortwatchService } from '../../src/main/core/service';
import type { PersistedState, SettingsStore } from '../../src/main/core/settings-store';
import { NodeProbeTransport } from '../../src/main/node/probe-transport';
import { systemClock } from '../../src/main/node/system-clock';
import { fakeCollector } from './fake-collector';

/** Starts the service on `store`; stop it with `service.stop()`. */
export function startServiceOn(store: SettingsStore): Promise<PortwatchService & { state(): PersistedState }> {
  return createPortwatchService({
    store,
    createCollector: () => fakeCollector(),
    probes: new ProbeRunner({ clock: systemClock, transport: new NodeProbeTransport() }),
    exporter: async () => ({ kind: 'cancelled' }),
    endProcess: async () => ({ ok: false, message: 'not here' }),
    natRules: async () => ({ readable: false, reason: 'not here' }),
    capabilities: { transport: 'websocket', nativeSaveDialog: false, tray: false, platform: process.platform, version: 'test' },
  });
}
