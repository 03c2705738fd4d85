/**
 * The contract over Electron IPC: the RPC layer's frames on one channel both ways, for the main
 * window. Every decision (the sender check, the session per renderer document) lives in
 * ipc-logic.ts; this file only wires Electron to it.
 */
import { ipcMain } from 'electron';
import type { BrowserWindow, IpcMainEvent } from 'electron';
import type { Unsubscribe } from '../../shared/api';
import { IPC_CHANNEL } from '../../shared/portwatch-rpc';
import type { PortwatchService } from '../core/service';
import { systemClock } from '../node/system-clock';
import { IpcBridge } from './ipc-logic';
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
function senderInfo(event: IpcMainEvent, window: BrowserWindow): SenderInfo {
  const frame = event.senderFrame;
  if (frame === null || window.isDestroyed()) return { hasFrame: false, isOurMainFrame: false, url: '' };
  return { hasFrame: true, isOurMainFrame: event.sender === window.webContents && frame === window.webContents.mainFrame, url: frame.url };
}

/** Registers the IPC link. Returns a function that removes it (listeners, the session, its subscriptions). */
export function registerIpc({ service, window, rendererUrl }: IpcOptions): Unsubscribe {
  const contents = window.webContents;
  const bridge = new IpcBridge({
    service,
    rendererUrl,
    clock: systemClock,
    send: (frame) => {
      if (!contents.isDestroyed()) contents.send(IPC_CHANNEL, frame);
    },
  });

  const onFrame = (event: IpcMainEvent, frame: unknown): void => {
    bridge.receive(senderInfo(event, window), frame, (reply) => event.reply(IPC_CHANNEL, reply));
  };
  ipcMain.on(IPC_CHANNEL, onFrame);

  // A reload or a crash ends the document's session; its preload connects afresh.
  const onGone = (): void => bridge.reset('the renderer process ended');
  function onNavigation(details: { isMainFrame: boolean; isSameDocument: boolean }): void {
    if (details.isMainFrame && !details.isSameDocument) bridge.reset('the page navigated');
  }
  contents.on('did-start-navigation', onNavigation);
  contents.on('render-process-gone', onGone);

  return () => {
    ipcMain.removeListener(IPC_CHANNEL, onFrame);
    if (!contents.isDestroyed()) {
      contents.removeListener('did-start-navigation', onNavigation);
      contents.removeListener('render-process-gone', onGone);
    }
    bridge.reset('the window closed');
  };
}
