/**
 * Time, injected: core logic never reads the wall clock or schedules timers itself, so tests drive
 * it with a fake clock and the poller, probe scheduler and history are deterministic. The interface
 * lives in src/shared (the RPC layer runs on it too); core code imports it from here.
 */
export type { Clock, TimerHandle } from '../../shared/clock';
