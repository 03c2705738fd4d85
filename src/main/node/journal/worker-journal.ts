/**
 * The journal as the collector's worker holds it: follows the journal settings (on = recording,
 * off = paused; the file is not created until the journal is first on), opens the file in the
 * background, and turns any failure to open into a notice, never into an exception in the poll
 * loop.
 */
import type { ProbeResult, Settings, SnapshotDelta } from '../../../shared/model';
import type { DeltaContext } from '../../core/journal-recorder';
import type { JournalSink } from '../../core/journal-sink';
import { NodeJournal } from './journal';

/** The journal settings the worker follows. */
export type JournalSettings = Pick<Settings, 'journalEnabled' | 'journalRetentionDays' | 'journalMaxMb'>;

/** The worker's journal; see the module comment. */
export class WorkerJournal implements JournalSink {
  private journal: NodeJournal | null = null;
  private opening: Promise<void> | null = null;
  private openError: string | null = null;
  private stopped = false;

  /** `file` null = no journal at all (a host that keeps none). */
  constructor(
    private readonly file: string | null,
    private settings: JournalSettings,
  ) {
    if (file !== null && settings.journalEnabled) this.open();
  }

  private open(): void {
    if (this.file === null || this.journal !== null || this.opening !== null || this.stopped) return;
    this.opening = NodeJournal.open({ file: this.file, retentionDays: this.settings.journalRetentionDays, maxMb: this.settings.journalMaxMb })
      .then(
        (journal) => {
          if (this.stopped) {
            journal.close();
            return;
          }
          this.journal = journal;
          this.openError = null;
          if (!this.settings.journalEnabled) journal.pause();
        },
        (error: unknown) => {
          this.openError = error instanceof Error ? error.message : String(error);
        },
      )
      .finally(() => {
        this.opening = null;
      });
  }

  /** Resolves once a pending open has finished (tests, orderly stops). */
  async ready(): Promise<void> {
    await this.opening;
  }

  delta(delta: SnapshotDelta, context: DeltaContext): void {
    if (this.settings.journalEnabled) this.journal?.delta(delta, context);
  }

  probe(result: ProbeResult): void {
    if (this.settings.journalEnabled) this.journal?.probe(result);
  }

  notices(): string[] {
    if (!this.settings.journalEnabled) return [];
    if (this.openError !== null) return [`The connection journal is off: ${this.openError}`];
    return this.journal?.notices() ?? [];
  }

  /** Follows a settings change: pause, resume (opening the file the first time), new limits. */
  update(patch: Partial<JournalSettings>): void {
    this.settings = { ...this.settings, ...patch };
    this.journal?.setLimits(this.settings.journalRetentionDays, this.settings.journalMaxMb);
    if (this.settings.journalEnabled) {
      this.journal?.resume();
      // A failed open is retried when the user turns the journal on again.
      if (patch.journalEnabled === true) this.openError = null;
      this.open();
    } else {
      this.journal?.pause();
    }
  }

  /** Flushes and closes the file. */
  close(): void {
    this.stopped = true;
    this.journal?.close();
    this.journal = null;
  }
}
