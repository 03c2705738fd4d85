/**
 * The link to Portwatch and how fresh the data is, for the header, the status bar and the tab
 * title. The link's state comes from the injected `ConnectionMonitor` (none injected: treated as
 * connected); freshness also watches the collector's status and a one-second clock, so the age of
 * stale data keeps counting.
 */
import { defineStore } from 'pinia';
import { computed, inject, ref, shallowRef, watch } from 'vue';
import type { ComputedRef, Ref, ShallowRef } from 'vue';
import type { ConnectionState } from '../../shared/connection';
import { CONNECTION_KEY } from '../api-key';
import { collectorSilent, describeLink, formatTitle, freshness } from '../link-words';
import type { Freshness, LinkWords } from '../link-words';
import { useConnectionsStore } from './connections';
import { useSettingsStore } from './settings';

/** What the link store exposes. */
export interface LinkStore {
  state: ShallowRef<ConnectionState>;
  /** False when no monitor was provided (the state then always reads connected). */
  monitored: boolean;
  /** The clock the words use, ticking once a second while started. */
  now: Ref<number>;
  /** Local time the last status or delta arrived; null before one did. */
  lastHeardAt: Ref<number | null>;
  /** Local time the last good poll arrived. */
  lastGoodAt: Ref<number | null>;
  words: ComputedRef<LinkWords>;
  freshness: ComputedRef<Freshness>;
  /** True when the collector has gone silent while the link is up. */
  silent: ComputedRef<boolean>;
  /** The browser tab's title. */
  title: ComputedRef<string>;
  start(): void;
  stop(): void;
}

/** The link store. */
export const useLinkStore = defineStore('link', (): LinkStore => {
  const monitor = inject(CONNECTION_KEY, null);
  const connections = useConnectionsStore();
  const settings = useSettingsStore();
  const state = shallowRef<ConnectionState>(monitor?.current() ?? { kind: 'connected', transport: 'ipc' });
  const now = ref(Date.now());
  const lastHeardAt = ref<number | null>(null);
  const lastGoodAt = ref<number | null>(null);
  let timer: ReturnType<typeof setInterval> | null = null;
  let unsubscribe: (() => void) | null = null;
  let stopWatch: (() => void) | null = null;

  const transportName = computed((): string | null => {
    const caps = settings.capabilities?.transport ?? null;
    if (!monitor) return caps;
    return state.value.kind === 'connected' ? state.value.transport : caps;
  });
  const silent = computed(() => state.value.kind === 'connected' && collectorSilent(connections.status, lastHeardAt.value, now.value));
  const fresh = computed(() =>
    freshness({
      link: state.value,
      status: connections.status,
      viewPaused: connections.viewPaused,
      waiting: connections.waitingChanges,
      lastGoodAt: lastGoodAt.value,
      silent: silent.value,
      now: now.value,
    }),
  );

  function start(): void {
    if (timer !== null) return;
    timer = setInterval(() => {
      now.value = Date.now();
    }, 1000);
    unsubscribe =
      monitor?.onChange((next) => {
        now.value = Date.now();
        // A link that just came back has heard nothing yet; do not call the collector silent for it.
        if (next.kind === 'connected') lastHeardAt.value = now.value;
        state.value = next;
      }) ?? null;
    if (monitor) state.value = monitor.current();
    stopWatch = watch(
      () => connections.status,
      (status) => {
        if (status === null) return;
        const at = Date.now();
        now.value = at;
        lastHeardAt.value = at;
        if (status.ok) lastGoodAt.value = at;
      },
      { immediate: true },
    );
  }

  function stop(): void {
    if (timer !== null) clearInterval(timer);
    timer = null;
    unsubscribe?.();
    unsubscribe = null;
    stopWatch?.();
    stopWatch = null;
  }

  return {
    state,
    monitored: monitor !== null,
    now,
    lastHeardAt,
    lastGoodAt,
    words: computed(() => describeLink(state.value, now.value, transportName.value)),
    freshness: fresh,
    silent,
    title: computed(() => formatTitle({ link: state.value, counters: connections.counters, freshness: fresh.value })),
    start,
    stop,
  };
});
