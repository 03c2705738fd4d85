/** The injection key through which components and stores reach the Portwatch API. */
import type { InjectionKey } from 'vue';
import type { PortwatchApi } from '../shared/api';

/** Provided once by main.ts; stores `inject()` it, never read `window.*`. */
export const API_KEY: InjectionKey<PortwatchApi> = Symbol('portwatch-api');
