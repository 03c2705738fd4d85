/** Wraps a `PortwatchApi` (the fake) as a `PortwatchService`, to test transports without the OS. */
import type { ApiHandlers, EventMethod, EventPayload, PortwatchApi, Unsubscribe } from '../../src/shared/api';
import type { PortwatchService } from '../../src/main/core/service';

/** A service whose handlers and events are the given API's. */
export function serviceFromApi(api: PortwatchApi): PortwatchService {
  const handlers: ApiHandlers = {
    getSnapshot: () => api.getSnapshot(),
    getHistory: (window) => api.getHistory(window),
    listProbes: () => api.listProbes(),
    saveProbe: (spec) => api.saveProbe(spec),
    deleteProbe: (id) => api.deleteProbe(id),
    runProbe: (id) => api.runProbe(id),
    getSettings: () => api.getSettings(),
    setSettings: (patch) => api.setSettings(patch),
    exportSnapshot: (request) => api.exportSnapshot(request),
    endProcess: (request) => api.endProcess(request),
    pause: () => api.pause(),
    resume: () => api.resume(),
    getCapabilities: async () => ({ ...(await api.getCapabilities()), transport: 'websocket' }),
    getNatRules: () => api.getNatRules(),
  };
  return {
    handlers,
    subscribe: <K extends EventMethod>(event: K, listener: (payload: EventPayload<K>) => void): Unsubscribe =>
      (api[event] as (l: (payload: EventPayload<K>) => void) => Unsubscribe)(listener),
    onNotice: () => () => undefined,
    stop: async () => undefined,
  };
}
