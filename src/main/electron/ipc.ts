/**
 * The contract over Electron IPC: one `ipcMain.handle` per request channel and a relay that sends
 * the service's events to the window, held in a ready-queue until the renderer has subscribed.
 * Every decision (sender check, validation, queueing) lives in ipc-logic.ts; this file only wires
 * Electron to it.
 */
import { ipcMain } from 'electron';
import type { BrowserWindow, IpcMainEvent, IpcMainInvokeEvent } from 'electron';
import { CHANNELS, EVENT_METHODS, REQUEST_METHODS } from '../../shared/api';
import type { EventMethod, EventPayload, Unsubscribe } from '../../shared/api';
import type { PortwatchService } from '../core/service';
import { READY_CHANNEL, ReadyQueue, checkSender, handleInvoke, isEventMethod } from './ipc-logic';
import type { SenderInfo } from './ipc-logic';

/** What {@link registerIpc} needs. */
export interface IpcOptions {
  service: PortwatchService;
  /** The main window; IPC from any other frame is refused. */
  window: BrowserWindow;
  /** The file:// URL of out/renderer/index.html. */
  rendererUrl: string;
}

/** The sender of an IPC event, as plain values. */
function senderInfo(event: IpcMainEvent | IpcMainInvokeEvent, window: BrowserWindow): SenderInfo {
  const frame = event.senderFrame;
  if (frame === null || window.isDestroyed()) return { hasFrame: false, isOurMainFrame: false, url: '' };
  return { hasFrame: true, isOurMainFrame: event.sender === window.webContents && frame === window.webContents.mainFrame, url: frame.url };
}

/**
 * Registers the request handlers and the event relay. Returns a function that removes them all
 * (handlers, listeners, service subscriptions).
 */
export function registerIpc({ service, window, rendererUrl }: IpcOptions): Unsubscribe {
  const contents = window.webContents;
  const queue = new ReadyQueue(<K extends EventMethod>(event: K, payload: EventPayload<K>) => {
    if (!contents.isDestroyed()) contents.send(CHANNELS[event], payload);
  });

  for (const method of REQUEST_METHODS) {
    ipcMain.handle(CHANNELS[method], (event, ...args: unknown[]) => {
      const sender = senderInfo(event, window);
      if (!checkSender(sender, rendererUrl).ok) console.warn(`portwatch: refused ${method} from ${sender.url || 'a gone frame'}`);
      return handleInvoke(service.handlers, sender, rendererUrl, method, args);
    });
  }

  const onReady = (event: IpcMainEvent, name: unknown): void => {
    const verdict = checkSender(senderInfo(event, window), rendererUrl);
    if (!verdict.ok) {
      console.warn(`portwatch: dropped ${READY_CHANNEL}: ${verdict.reason}`);
      return;
    }
    if (isEventMethod(name)) queue.markReady(name);
  };
  ipcMain.on(READY_CHANNEL, onReady);

  // A reload or crash loses the renderer's listeners: queue again until it re-subscribes.
  const onReset = (): void => queue.reset();
  contents.on('did-start-navigation', onNavigation);
  contents.on('render-process-gone', onReset);
  function onNavigation(details: { isMainFrame: boolean; isSameDocument: boolean }): void {
    if (details.isMainFrame && !details.isSameDocument) queue.reset();
  }

  const subscriptions = EVENT_METHODS.map((event) => relay(service, queue, event));

  return () => {
    for (const method of REQUEST_METHODS) ipcMain.removeHandler(CHANNELS[method]);
    ipcMain.removeListener(READY_CHANNEL, onReady);
    if (!contents.isDestroyed()) {
      contents.removeListener('did-start-navigation', onNavigation);
      contents.removeListener('render-process-gone', onReset);
    }
    for (const unsubscribe of subscriptions) unsubscribe();
  };
}

function relay<K extends EventMethod>(service: PortwatchService, queue: ReadyQueue, event: K): Unsubscribe {
  return service.subscribe(event, (payload) => queue.push(event, payload));
}
