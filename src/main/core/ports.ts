/** Port facts that need no data file. */
import type { PortClass } from '../../shared/model';

/** IANA port class: well-known 0–1023, registered 1024–49151, dynamic 49152–65535. */
export function portClass(port: number): PortClass {
  if (port <= 1023) return 'well-known';
  if (port <= 49151) return 'registered';
  return 'dynamic';
}
