/** The injection keys through which components and stores reach the Portwatch API and its link. */
import type { InjectionKey } from 'vue';
import type { PortwatchApi } from '../shared/api';
import type { ConnectionMonitor } from '../shared/connection';

/** Provided once by main.ts; stores `inject()` it, never read `window.*`. */
export const API_KEY: InjectionKey<PortwatchApi> = Symbol('portwatch-api');

/** The link's state (connected, reconnecting, disconnected); provided by main.ts beside the API. */
export const CONNECTION_KEY: InjectionKey<ConnectionMonitor> = Symbol('portwatch-connection');
