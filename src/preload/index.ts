/**
 * The preload: exposes `window.portwatch`, one method per member of the contract, and nothing else
 * (never `ipcRenderer` itself). Each call is a frame of the RPC layer (src/shared/rpc) on the one
 * IPC channel; main validates every frame and argument. Bundled whole as one CommonJS file: a
 * sandboxed preload can only require 'electron'.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { PortwatchApi } from '../shared/api';
import { createPortwatchClient, IPC_CHANNEL } from '../shared/portwatch-rpc';
import { RpcLink } from '../shared/rpc/link';
import { preloadClock } from './clock';

const PEER = 'the Portwatch main process';
const client = createPortwatchClient({ clock: preloadClock, peer: PEER, timeoutMs: 60_000 });
// No heartbeat: main and this renderer live and die together (see ipc-logic.ts).
const link = new RpcLink(
  { send: (frame) => ipcRenderer.send(IPC_CHANNEL, frame), buffered: () => 0, close: () => undefined },
  { clock: preloadClock, heartbeat: null, peer: PEER },
);
// The payload only: the IpcRendererEvent (with its sender) never reaches the page.
ipcRenderer.on(IPC_CHANNEL, (_event, frame: unknown) => link.receive(frame));
client.attach(link);

const api: PortwatchApi = client.api;
contextBridge.exposeInMainWorld('portwatch', api);
