/**
 * The decisions of the IPC bridge, on plain values and without Electron, so they are unit-tested in
 * Node: who may talk to us (the sender check), and the RPC layer's server side for the renderer's
 * document (validated dispatch, subscriptions, cancellation), which a reload or a crash resets.
 * Frames travel both ways on one channel, `IPC_CHANNEL` (src/shared/portwatch-rpc.ts).
 */
import type { Clock } from '../../shared/clock';
import type { Frame } from '../../shared/rpc/frames';
import { RpcLink } from '../../shared/rpc/link';
import type { PortwatchService } from '../core/service';
import { servePortwatch } from '../core/service';

/** What is known about the frame that sent an IPC message. */
export interface SenderInfo {
  /** False when `event.senderFrame` is null (the frame navigated away or was destroyed). */
  hasFrame: boolean;
  /** True when the sending frame is our window's main frame (`senderFrame === mainFrame`). */
  isOurMainFrame: boolean;
  /** The sending frame's URL. */
  url: string;
}

/** The sender check's answer. */
export type SenderVerdict = { ok: true } | { ok: false; reason: string };

/**
 * Strips the query and fragment: the renderer may use a hash route, but the document must be our
 * own file.
 */
function documentOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return null;
  }
}

/**
 * Accepts a message only from our window's main frame showing our own renderer document
 * (`rendererUrl`, the file:// URL of out/renderer/index.html). Subframes, other windows and any page
 * that got navigated to (despite `will-navigate` being blocked) are refused.
 */
export function checkSender(sender: SenderInfo, rendererUrl: string): SenderVerdict {
  if (!sender.hasFrame) return { ok: false, reason: 'the sending frame is gone' };
  if (!sender.isOurMainFrame) return { ok: false, reason: 'the sender is not the main frame of the Portwatch window' };
  const expected = documentOf(rendererUrl);
  const actual = documentOf(sender.url);
  if (expected === null || actual === null || actual !== expected) {
    return { ok: false, reason: `the sender shows ${JSON.stringify(sender.url.slice(0, 200))}, not the Portwatch renderer` };
  }
  return { ok: true };
}

/** Options of an {@link IpcBridge}. */
export interface IpcBridgeOptions {
  service: PortwatchService;
  /** The file:// URL of out/renderer/index.html. */
  rendererUrl: string;
  /** Sends a frame to the window's renderer. */
  send(frame: Frame): void;
  clock: Clock;
  /** Told about refused senders (default: console.warn). */
  warn?: (message: string) => void;
}

/**
 * The main process's end of the IPC link for one window. A frame from anyone but our window's
 * renderer is refused (a request gets an error reply, so the sender sees a clear message rather
 * than a hang). The renderer's document gets one RPC session; when the document goes (navigation,
 * reload, crash) the session ends with it: its subscriptions stop and the replies of its requests
 * are dropped, and the next document, whose preload connects afresh, gets a new one.
 *
 * No send budget and no heartbeat: Electron tells nothing about what it has queued for a renderer,
 * and a renderer cannot silently go away (a crash or a reload is an event we reset on).
 */
export class IpcBridge {
  private readonly options: IpcBridgeOptions;
  private link: RpcLink | null = null;

  constructor(options: IpcBridgeOptions) {
    this.options = options;
  }

  /** A frame from a renderer; `reply` answers the frame that sent it. */
  receive(sender: SenderInfo, frame: unknown, reply: (frame: Frame) => void): void {
    const verdict = checkSender(sender, this.options.rendererUrl);
    if (!verdict.ok) {
      (this.options.warn ?? console.warn)(`portwatch: refused an IPC frame from ${sender.url || 'a gone frame'}: ${verdict.reason}`);
      const request = frame as { t?: unknown; id?: unknown } | null;
      if (typeof request === 'object' && request !== null && request.t === 'req' && typeof request.id === 'number') {
        reply({ t: 'res', id: request.id, ok: false, e: `request refused: ${verdict.reason}` });
      }
      return;
    }
    (this.link ?? this.open()).receive(frame);
  }

  /** The renderer's document is gone (navigation, reload, crash): its session ends. */
  reset(reason: string): void {
    this.link?.lost(reason);
    this.link = null;
  }

  private open(): RpcLink {
    const link = new RpcLink(
      { send: (frame) => this.options.send(frame), buffered: () => 0, close: () => undefined },
      { clock: this.options.clock, heartbeat: null, peer: 'the renderer' },
    );
    servePortwatch(link, this.options.service, { clock: this.options.clock, budget: null, maxInFlight: 32 });
    link.onClose(() => {
      if (this.link === link) this.link = null;
    });
    this.link = link;
    return link;
  }
}
