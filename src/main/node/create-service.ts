/**
 * Composition of the real service for a Node host (the desktop main process and `portwatch serve`):
 * the JSON settings store, the worker-thread collector, the probe runner on Node transports, and
 * process control. The host passes what differs: where exports go and what it can do.
 */
import { join } from 'node:path';
import type { Capabilities, ExportRequest, ExportResult, Snapshot, SnapshotDocument } from '../../shared/model';
import { toSnapshotDocument } from '../../shared/export';
import { ProbeRunner } from '../core/probe-runner';
import { createPortwatchService } from '../core/portwatch-service';
import type { PortwatchService } from '../core/service';
import type { PersistedState, SettingsStore } from '../core/settings-store';
import { CollectorHost } from './collector-host';
import { createProcessControl } from './process-control';
import { createNatRulesReader } from './nat-rules';
import { createProcessInfo } from './process-info';
import { NodeProbeTransport } from './probe-transport';
import { JsonSettingsStore, SETTINGS_FILE_NAME } from './settings-file';
import { systemClock } from './system-clock';

/** Gives an exporter the current table. */
export interface ExportContext {
  snapshot(): Promise<Snapshot>;
  snapshotDocument(): Promise<SnapshotDocument>;
}

/** Options of {@link createNodeService}. */
export interface NodeServiceOptions {
  /** Where settings persist: a store, or the folder of settings.json (a JSON file store). */
  store: SettingsStore | { configDir: string };
  capabilities: Capabilities;
  /** Where an export goes (a save dialog, a download URL). */
  exporter(request: ExportRequest, context: ExportContext): Promise<ExportResult>;
  /** The collector worker bundle (see bundle-paths.ts). */
  workerPath: string;
  /** The connection journal's file (the worker writes it); null or absent = keep none. */
  journalFile?: string | null;
}

/** The running service and the pieces a host may need directly. */
export interface NodeService {
  service: PortwatchService & { state(): PersistedState };
  collector: CollectorHost;
  context: ExportContext;
  store: SettingsStore;
}

/** Starts everything; resolves once settings are loaded and the collector is starting. */
export async function createNodeService(options: NodeServiceOptions): Promise<NodeService> {
  const store = 'configDir' in options.store ? new JsonSettingsStore(join(options.store.configDir, SETTINGS_FILE_NAME)) : options.store;
  const probes = new ProbeRunner({ clock: systemClock, transport: new NodeProbeTransport() });
  let collector: CollectorHost | null = null;
  const snapshot = (): Promise<Snapshot> =>
    collector !== null ? collector.getSnapshot() : Promise.reject(new Error('the collector has not started'));
  const context: ExportContext = {
    snapshot,
    snapshotDocument: async () => toSnapshotDocument(await snapshot(), options.capabilities.version),
  };
  const service = await createPortwatchService({
    store,
    createCollector: (settings) => {
      collector = new CollectorHost({ settings, workerPath: options.workerPath, journalFile: options.journalFile ?? null });
      return collector;
    },
    probes,
    exporter: (request) => options.exporter(request, context),
    endProcess: createProcessControl({ info: createProcessInfo() }),
    capabilities: options.capabilities,
    natRules: createNatRulesReader().read,
  });
  if (collector === null) throw new Error('the collector did not start');
  return { service, collector, context, store };
}
