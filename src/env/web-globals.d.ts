/**
 * The few web-standard globals that runtime-neutral code (src/shared, src/main/core, src/preload) may
 * use. Those layers compile with `lib: ["ES2023"]` and `types: []`, so nothing else exists there:
 * no DOM, no Node, and no clock (time comes through the core `Clock` interface).
 * Declared once, here, and only the members we use, so every runtime (Node, Chromium, Electron)
 * provides a superset.
 */

interface Console {
  log(...data: unknown[]): void;
  warn(...data: unknown[]): void;
  error(...data: unknown[]): void;
}
declare var console: Console;

interface URLSearchParams {
  get(name: string): string | null;
  has(name: string): boolean;
}
interface URL {
  readonly protocol: string;
  readonly hostname: string;
  readonly host: string;
  readonly port: string;
  readonly pathname: string;
  readonly search: string;
  readonly searchParams: URLSearchParams;
  readonly username: string;
  readonly password: string;
  readonly hash: string;
  readonly href: string;
  toString(): string;
}
declare var URL: {
  prototype: URL;
  new (url: string, base?: string): URL;
  canParse(url: string, base?: string): boolean;
};

interface TextEncoder {
  encode(input?: string): Uint8Array;
}
declare var TextEncoder: { prototype: TextEncoder; new (): TextEncoder };

interface AbortSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}
declare var AbortSignal: { prototype: AbortSignal };

declare function structuredClone<T>(value: T): T;
