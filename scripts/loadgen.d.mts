/** Types of scripts/loadgen.mjs for TypeScript callers (tests, benchmarks). */
import type { ChildProcess } from 'node:child_process';

/** How many sockets of each kind to open. */
export interface LoadgenOptions {
  pairs?: number;
  listeners?: number;
  udp?: number;
  udpConnected?: number;
  halfClose?: number;
  timeWait?: number;
  perProcess?: number;
}

/** The JSON line the generator prints when its sockets are in place. */
export interface LoadgenInfo {
  ready: true;
  controller: number;
  servers: number[];
  clients: number[];
  names: { server: string; client: string };
  ports: {
    main: { v4: number; v6: number; mapped: number }[];
    halfClose: number;
    timeWait: number;
    shared: number;
    extras: { port: number; address: string }[];
    udp: { port: number; address: string }[];
  };
  udpConnected: { local: number; address: string; remote: number }[];
  expected: {
    established: number;
    listeners: number;
    finWait2: number;
    closeWait: number;
    timeWait: number;
    udpUnconnected: number;
    udpConnected: number;
  };
}

/** A running generator. */
export interface Loadgen {
  info: LoadgenInfo;
  child: ChildProcess;
  closeExtras(): Promise<number[]>;
  stop(): Promise<void>;
}

/** Starts the generator in a child process; resolves once it is ready. */
export function startLoadgen(options?: LoadgenOptions): Promise<Loadgen>;
