/**
 * The live socket table: subscribes to deltas, loads the snapshot once, applies sequenced deltas and
 * re-fetches on a gap (via the shared `startSnapshotSync`). Rows live in a plain Map and a
 * non-reactive {@link TableModel}; components watch `version`, so Vue never tracks thousands of rows.
 */
import { defineStore } from 'pinia';
import { computed, inject, markRaw, ref, shallowRef } from 'vue';
import type { ComputedRef, Ref, ShallowRef } from 'vue';
import type { PortwatchApi } from '../../shared/api';
import { parseFilter } from '../../shared/filter';
import type { Aggregates, Connection, Counters, EndProcessResult, ExportResult, PollStatus, SnapshotDelta } from '../../shared/model';
import { deltaFits, startSnapshotSync } from '../../shared/snapshot-sync';
import type { SnapshotSync, SyncedTable, SyncUpdate } from '../../shared/snapshot-sync';
import { API_KEY } from '../api-key';
import { COLUMNS, exportColumnsFor } from '../table/columns';
import { TableModel } from '../table/table-model';
import type { DisplayItem, GroupBy, SortSpec } from '../table/table-model';

/** A socket that opened or closed, for the "recent changes" strip. */
export interface RecentEvent {
  id: number;
  kind: 'opened' | 'closed';
  at: number;
  row: Connection;
}

/** How many recent events the strip keeps. */
export const RECENT_LIMIT = 12;

/** Beyond this many changed sockets a paused view stops counting (and says "or more"). */
export const WAITING_LIMIT = 100_000;

/** What the connections store exposes. */
export interface ConnectionsStore {
  /** Bumps whenever the displayed rows change. */
  version: Ref<number>;
  loaded: Ref<boolean>;
  loadError: Ref<string | null>;
  hostname: Ref<string>;
  capturedAt: Ref<number>;
  status: Ref<PollStatus | null>;
  counters: ShallowRef<Counters | null>;
  aggregates: ShallowRef<Aggregates | null>;
  recent: ShallowRef<RecentEvent[]>;
  filterText: Ref<string>;
  filterError: Ref<string | null>;
  sort: Ref<SortSpec>;
  groupBy: Ref<GroupBy>;
  /** Rows shown, after the filter. */
  shownCount: ComputedRef<number>;
  /** Rows held in all. */
  totalCount: ComputedRef<number>;
  start(): void;
  stop(): void;
  displayItems(): readonly DisplayItem[];
  allRows(): Iterable<Connection>;
  setFilter(text: string): void;
  setSort(sort: SortSpec): void;
  toggleSort(column: SortSpec['column']): void;
  setGroupBy(groupBy: GroupBy): void;
  toggleGroup(key: string): void;
  /** True while THIS view is frozen (deltas are held back; the collector keeps running). */
  viewPaused: Ref<boolean>;
  /** Sockets that changed since the view was paused (capped at {@link WAITING_LIMIT}). */
  waitingChanges: Ref<number>;
  /** Freezes this view: rows, counters and aggregates stay as they are; status stays live. */
  pauseView(): void;
  /** Shows the latest table at once (the sync kept it current) and follows deltas again. */
  resumeView(): void;
  /** Pauses the collector itself, for every window and tab. */
  pause(): Promise<void>;
  /** Resumes the collector, for every window and tab. */
  resume(): Promise<void>;
  endProcess(pid: number, startedAt?: number): Promise<EndProcessResult>;
  exportCsv(): Promise<ExportResult>;
  /** The model, for benchmarks and tests. */
  model: TableModel;
}

/** The connections store. */
export const useConnectionsStore = defineStore('connections', (): ConnectionsStore => {
  const api: PortwatchApi | null = inject(API_KEY, null);
  // markRaw: the store is reactive, and a proxy over the model would track every row.
  const model = markRaw(new TableModel());
  const version = ref(0);
  const loaded = ref(false);
  const loadError = ref<string | null>(null);
  const hostname = ref('');
  const capturedAt = ref(0);
  const status = ref<PollStatus | null>(null);
  const counters = shallowRef<Counters | null>(null);
  const aggregates = shallowRef<Aggregates | null>(null);
  const recent = shallowRef<RecentEvent[]>([]);
  const filterText = ref('');
  const filterError = ref<string | null>(null);
  const sort = ref<SortSpec>(model.sortSpec);
  const groupBy = ref<GroupBy>('none');
  // Not reactive on purpose: thousands of rows.
  let table: SyncedTable | null = null;
  let sync: SnapshotSync | null = null;
  let unsubscribeStatus: (() => void) | null = null;
  let nextEventId = 1;
  let statusEvents = 0;
  // Rows a delta is about to remove, captured before the sync applies it (the sync drops them).
  let removing: { seq: number; rows: Connection[] } | null = null;
  // While this view is paused: the rows it shows (a copy; the sync keeps `table` current) and the
  // keys of sockets that changed since.
  const viewPaused = ref(false);
  const waitingChanges = ref(0);
  let frozen: Map<string, Connection> | null = null;
  const waitingKeys = new Set<string>();

  const shownRows = (): Map<string, Connection> | null => frozen ?? table?.rows ?? null;
  const rowsOf = (): Iterable<Connection> => shownRows()?.values() ?? [];
  const bump = (): void => {
    version.value += 1;
  };

  function recordEvents(delta: SnapshotDelta, removedRows: Connection[]): void {
    const events: RecentEvent[] = [];
    for (const row of delta.added) events.push({ id: nextEventId++, kind: 'opened', at: delta.capturedAt, row });
    for (const row of delta.changed) {
      if (row.change === 'closed') events.push({ id: nextEventId++, kind: 'closed', at: delta.capturedAt, row });
    }
    // A row removed without first reading closed (retention 0) closed in this tick too.
    for (const row of removedRows) {
      if (row.change !== 'closed') events.push({ id: nextEventId++, kind: 'closed', at: delta.capturedAt, row });
    }
    if (events.length === 0) return;
    recent.value = [...events.slice(-RECENT_LIMIT).reverse(), ...recent.value].slice(0, RECENT_LIMIT);
  }

  function noteWaiting(keys: Iterable<string>): void {
    for (const key of keys) {
      if (waitingKeys.size >= WAITING_LIMIT) break;
      waitingKeys.add(key);
    }
    waitingChanges.value = waitingKeys.size;
  }

  /** Counts what a held-back update changed against the frozen rows. */
  function holdBack(update: SyncUpdate, held: Map<string, Connection>): void {
    const { delta } = update;
    if (delta !== null) {
      noteWaiting(delta.added.map((row) => row.key));
      noteWaiting(delta.changed.map((row) => row.key));
      noteWaiting(delta.removedKeys);
      return;
    }
    // A full re-fetch: compare what matters to the eye (rows come back as new objects).
    const differs = (row: Connection): boolean => {
      const old = held.get(row.key);
      return old === undefined || old.state !== row.state || old.change !== row.change || old.owners[0]?.pid !== row.owners[0]?.pid;
    };
    noteWaiting([...update.table.rows.values()].filter(differs).map((row) => row.key));
    noteWaiting([...held.keys()].filter((key) => !update.table.rows.has(key)));
  }

  function onUpdate(update: SyncUpdate): void {
    table = update.table;
    // The collector's status stays live while the view is paused: it is about the collector.
    if (frozen) {
      status.value = table.status;
      removing = null;
      holdBack(update, frozen);
      return;
    }
    hostname.value = table.hostname;
    capturedAt.value = table.capturedAt;
    counters.value = table.counters;
    aggregates.value = table.aggregates;
    status.value = table.status;
    loaded.value = true;
    loadError.value = null;
    const { delta } = update;
    if (delta === null) {
      model.reset(table.rows.values());
    } else {
      const removedRows = removing && removing.seq === delta.seq ? removing.rows : [];
      removing = null;
      model.apply(delta.changed.length === 0 ? delta.added : [...delta.added, ...delta.changed], delta.removedKeys);
      recordEvents(delta, removedRows);
    }
    bump();
  }

  function start(): void {
    if (sync || !api) {
      if (!api) loadError.value = 'No Portwatch service is connected.';
      return;
    }
    // Wrap the subscription to see which rows a delta removes before the sync drops them.
    const watched: Pick<PortwatchApi, 'getSnapshot' | 'onSnapshotDelta'> = {
      getSnapshot: () => api.getSnapshot(),
      onSnapshotDelta: (listener) =>
        api.onSnapshotDelta((delta) => {
          if (table && delta.removedKeys.length > 0 && deltaFits(table, delta) === 'next') {
            const rows: Connection[] = [];
            for (const key of delta.removedKeys) {
              const row = table.rows.get(key);
              if (row) rows.push(row);
            }
            removing = { seq: delta.seq, rows };
          }
          listener(delta);
        }),
    };
    sync = startSnapshotSync(watched, onUpdate, (error) => {
      loadError.value = `Could not load the socket table: ${error.message}`;
    });
    unsubscribeStatus = api.onStatus((next) => {
      statusEvents += 1;
      status.value = next;
    });
  }

  function stop(): void {
    sync?.stop();
    unsubscribeStatus?.();
    sync = null;
    unsubscribeStatus = null;
  }

  function setFilter(text: string): void {
    filterText.value = text;
    const parsed = parseFilter(text);
    if (!parsed.ok) {
      // Keep showing the last good filter's rows; the message says what to fix.
      filterError.value = parsed.error;
      return;
    }
    filterError.value = null;
    model.setFilter(parsed.filter, rowsOf());
    bump();
  }

  function setSort(next: SortSpec): void {
    sort.value = next;
    model.setSort(next, rowsOf());
    bump();
  }

  function toggleSort(column: SortSpec['column']): void {
    const current = sort.value;
    setSort({ column, dir: current.column === column && current.dir === 'asc' ? 'desc' : 'asc' });
  }

  function setGroupBy(next: GroupBy): void {
    groupBy.value = next;
    model.setGroupBy(next, rowsOf());
    bump();
  }

  function toggleGroup(key: string): void {
    model.toggleGroup(key);
    bump();
  }

  function requireApi(): PortwatchApi {
    if (!api) throw new Error('No Portwatch service is connected.');
    return api;
  }

  /** Takes a pause/resume reply unless a status event already told something newer. */
  async function setPaused(call: (api: PortwatchApi) => Promise<PollStatus>): Promise<void> {
    const before = statusEvents;
    const reply = await call(requireApi());
    if (statusEvents === before) status.value = reply;
  }

  function pauseView(): void {
    if (frozen || !table) return;
    frozen = new Map(table.rows);
    waitingKeys.clear();
    waitingChanges.value = 0;
    viewPaused.value = true;
  }

  function resumeView(): void {
    if (!frozen) return;
    frozen = null;
    waitingKeys.clear();
    waitingChanges.value = 0;
    viewPaused.value = false;
    if (table) onUpdate({ table, delta: null });
  }

  async function pause(): Promise<void> {
    await setPaused((a) => a.pause());
  }

  async function resume(): Promise<void> {
    await setPaused((a) => a.resume());
  }

  async function endProcess(pid: number, startedAt?: number): Promise<EndProcessResult> {
    try {
      return await requireApi().endProcess(startedAt === undefined ? { pid } : { pid, startedAt });
    } catch (error) {
      return { ok: false, message: error instanceof Error ? error.message : String(error) };
    }
  }

  async function exportCsv(): Promise<ExportResult> {
    const filter = filterError.value === null && filterText.value.trim() !== '' ? filterText.value : undefined;
    const request = { format: 'csv' as const, columns: exportColumnsFor(COLUMNS) };
    return requireApi().exportSnapshot(filter === undefined ? request : { ...request, filter });
  }

  return {
    version,
    loaded,
    loadError,
    hostname,
    capturedAt,
    status,
    counters,
    aggregates,
    recent,
    filterText,
    filterError,
    sort,
    groupBy,
    shownCount: computed(() => (version.value >= 0 ? model.size : 0)),
    totalCount: computed(() => (version.value >= 0 ? (shownRows()?.size ?? 0) : 0)),
    start,
    stop,
    displayItems: () => model.displayItems(),
    allRows: rowsOf,
    setFilter,
    setSort,
    toggleSort,
    setGroupBy,
    toggleGroup,
    viewPaused,
    waitingChanges,
    pauseView,
    resumeView,
    pause,
    resume,
    endProcess,
    exportCsv,
    model,
  };
});
