/**
 * The preload: exposes `window.portwatch`, one method per channel of the contract, and nothing else
 * (never `ipcRenderer` itself). Bundled whole as one CommonJS file: a sandboxed preload can only
 * require 'electron'.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { IpcRendererEvent } from 'electron';
import { CHANNELS, unwrapEnvelope } from '../shared/api';
import type { Envelope, EventMethod, EventPayload, PortwatchApi, RequestMethod, RequestResult, Unsubscribe } from '../shared/api';

async function invoke<K extends RequestMethod>(method: K, ...args: Parameters<PortwatchApi[K]>): Promise<RequestResult<K>> {
  const envelope = (await ipcRenderer.invoke(CHANNELS[method], ...args)) as Envelope<RequestResult<K>>;
  return unwrapEnvelope(envelope);
}

function subscribe<K extends EventMethod>(method: K, listener: (payload: EventPayload<K>) => void): Unsubscribe {
  const channel = CHANNELS[method];
  const wrapped = (_event: IpcRendererEvent, payload: EventPayload<K>): void => listener(payload);
  ipcRenderer.on(channel, wrapped);
  // Tell main a listener is attached, so it starts (or resumes) sending this event to us.
  ipcRenderer.send('portwatch:ready', method);
  return () => {
    ipcRenderer.removeListener(channel, wrapped);
  };
}

const api = {
  getSnapshot: () => invoke('getSnapshot'),
  getHistory: (window) => invoke('getHistory', window),
  listProbes: () => invoke('listProbes'),
  saveProbe: (spec) => invoke('saveProbe', spec),
  deleteProbe: (id) => invoke('deleteProbe', id),
  runProbe: (id) => invoke('runProbe', id),
  getSettings: () => invoke('getSettings'),
  setSettings: (patch) => invoke('setSettings', patch),
  exportSnapshot: (request) => invoke('exportSnapshot', request),
  endProcess: (request) => invoke('endProcess', request),
  pause: () => invoke('pause'),
  resume: () => invoke('resume'),
  getCapabilities: () => invoke('getCapabilities'),
  getNatRules: () => invoke('getNatRules'),
  onSnapshotDelta: (listener) => subscribe('onSnapshotDelta', listener),
  onProbeResult: (listener) => subscribe('onProbeResult', listener),
  onStatus: (listener) => subscribe('onStatus', listener),
} satisfies PortwatchApi;

contextBridge.exposeInMainWorld('portwatch', api);
