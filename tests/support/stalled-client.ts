/**
 * A hostile WebSocket client for tests and benchmarks: a raw TCP socket that completes the
 * WebSocket handshake, then writes frames as it likes and never reads another byte, so everything
 * the server sends piles up (first in the kernel's buffers, then in the server's own). Loopback only.
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import type { Socket } from 'node:net';

/** A client that stopped reading. */
export interface StalledClient {
  socket: Socket;
  /** Sends one text frame (masked, as a client must). */
  send(text: string): void;
  /** True once the server closed or reset the connection. */
  closed(): boolean;
  destroy(): void;
}

/** One masked client text frame. */
export function clientTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = randomBytes(4);
  const length = payload.length;
  const header = length < 126 ? Buffer.from([0x81, 0x80 | length]) : Buffer.from([0x81, 0x80 | 126, length >> 8, length & 0xff]);
  if (length > 0xffff) throw new Error('clientTextFrame: frames over 64 KiB are not needed here');
  const masked = Buffer.alloc(length);
  for (let i = 0; i < length; i += 1) masked[i] = (payload[i] as number) ^ (mask[i % 4] as number);
  return Buffer.concat([header, mask, masked]);
}

/**
 * Opens a WebSocket to `path` (for example `/ws?token=…`) on 127.0.0.1:`port`, completes the
 * handshake with `headers` added, then stops reading. Rejects if the server does not answer 101.
 */
export function openStalledClient(port: number, path: string, headers: Record<string, string> = {}): Promise<StalledClient> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let closed = false;
    let head = '';
    socket.on('close', () => (closed = true));
    socket.on('error', () => (closed = true));
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      // Never read again: the server's frames stay unread.
      socket.pause();
      const status = head.slice(0, head.indexOf('\r\n'));
      if (!/^HTTP\/1\.1 101 /.test(status)) {
        socket.destroy();
        reject(new Error(`the handshake was refused: ${status}`));
        return;
      }
      resolve({
        socket,
        send: (text) => {
          if (!closed) socket.write(clientTextFrame(text));
        },
        closed: () => closed || socket.destroyed,
        destroy: () => socket.destroy(),
      });
    };
    socket.on('data', onData);
    socket.once('connect', () => {
      const lines = [
        `GET ${path} HTTP/1.1`,
        `Host: 127.0.0.1:${port}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
        'Sec-WebSocket-Version: 13',
        ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
      ];
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
    socket.once('error', reject);
  });
}
