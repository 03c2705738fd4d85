/**
 * The connections table's view model: the filtered, sorted (and optionally grouped) rows, kept up to
 * date incrementally. A tick touching k of n rows costs O(n + k log k) — one pass to drop the old
 * entries, a small sort and one merge — instead of re-filtering and re-sorting all n rows.
 *
 * Plain TypeScript with no reactivity: the store holds one instance and bumps a counter after each
 * change, so Vue never walks thousands of rows.
 */
import type { Filter } from '../../shared/filter';
import { matchesFilter } from '../../shared/filter';
import type { Connection } from '../../shared/model';
import type { ColumnId } from './columns';
import { compareKeys, processText, sortKey } from './columns';

/** Sort direction. */
export type SortDir = 'asc' | 'desc';

/** Ways to group the table. */
export type GroupBy = 'none' | 'process' | 'localPort' | 'remoteHost';

/** The sort in force. */
export interface SortSpec {
  column: ColumnId;
  dir: SortDir;
}

/** A displayed row. */
export interface RowItem {
  kind: 'row';
  key: string;
  row: Connection;
}

/** A group header. */
export interface GroupItem {
  kind: 'group';
  key: string;
  label: string;
  count: number;
  collapsed: boolean;
}

/**
 * A row with its precomputed sort and group keys. It is its own display item, so an ungrouped
 * table displays the sorted array itself (no per-tick copy of 20 000 items).
 */
export interface Entry extends RowItem {
  /** Position in the sorted array, refreshed lazily (one cheap pass) when a tick needs it. */
  idx: number;
  sk: string | number;
  /** Group key ('' when not grouping); groups sort by it. */
  gk: string;
}

/** One line of the displayed table: a group header or a row. */
export type DisplayItem = GroupItem | RowItem;

/** The group a row belongs to: a sortable key and its label. */
export function groupOf(c: Connection, groupBy: GroupBy): { key: string; label: string } {
  switch (groupBy) {
    case 'none':
      return { key: '', label: '' };
    case 'process': {
      const owner = c.owners[0];
      if (!owner) return { key: `\uffff${c.ownerVisibility}`, label: processText(c) === '—' ? 'No process' : 'Another user’s process' };
      return { key: `${owner.name.toLowerCase()}\u0000${String(owner.pid).padStart(10, '0')}`, label: `${owner.name} (pid ${owner.pid})` };
    }
    case 'localPort':
      return { key: `${c.protocol}${String(c.localPort).padStart(5, '0')}`, label: `${c.protocol}/${c.localPort}` };
    case 'remoteHost': {
      const name = c.remoteHost ?? c.remoteAddress;
      if (name === null) return { key: '\uffff', label: 'No remote end (listeners, unconnected UDP)' };
      return { key: name.toLowerCase(), label: name };
    }
  }
}

/** The table model. */
export class TableModel {
  private entries: Entry[] = [];
  private readonly inView = new Map<string, Entry>();
  private filter: Filter | null = null;
  private sort: SortSpec = { column: 'local', dir: 'asc' };
  private groupBy: GroupBy = 'none';
  private readonly collapsed = new Set<string>();
  private display: DisplayItem[] | null = null;

  /** Rows currently shown (after the filter), in display order. */
  get rows(): readonly Entry[] {
    return this.entries;
  }

  /** How many rows pass the filter. */
  get size(): number {
    return this.entries.length;
  }

  /** The sort in force. */
  get sortSpec(): SortSpec {
    return this.sort;
  }

  /** The grouping in force. */
  get grouping(): GroupBy {
    return this.groupBy;
  }

  private readonly compare = (a: Entry, b: Entry): number => {
    if (a.gk !== b.gk) return a.gk < b.gk ? -1 : 1;
    const byColumn = compareKeys(a.sk, b.sk);
    if (byColumn !== 0) return this.sort.dir === 'asc' ? byColumn : -byColumn;
    return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  };

  private entryOf(row: Connection): Entry {
    return { kind: 'row', key: row.key, row, idx: -1, sk: sortKey(row, this.sort.column), gk: groupOf(row, this.groupBy).key };
  }

  /** First index whose entry sorts at or after `entry` (binary search). */
  private lowerBound(entry: Entry): number {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.compare(this.entries[mid] as Entry, entry) < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private matches(row: Connection): boolean {
    return this.filter === null || matchesFilter(this.filter, row);
  }

  /** Rebuilds everything from the full set of rows (initial load, resync, new filter/sort/group). */
  reset(rows: Iterable<Connection>): void {
    const entries: Entry[] = [];
    this.inView.clear();
    for (const row of rows) {
      if (!this.matches(row)) continue;
      const entry = this.entryOf(row);
      entries.push(entry);
      this.inView.set(row.key, entry);
    }
    entries.sort(this.compare);
    this.entries = entries;
    this.display = null;
  }

  /**
   * Applies one tick: rows added or changed (whole rows) and keys removed. Old entries are found
   * and new ones placed by binary search (k log n comparisons), then one copying pass builds the
   * new array: no comparator runs over the untouched rows.
   */
  apply(upserts: readonly Connection[], removedKeys: readonly string[]): void {
    const dropIndexes: number[] = [];
    let indexed = false;
    const drop = (key: string): void => {
      const old = this.inView.get(key);
      if (!old) return;
      this.inView.delete(key);
      if (!indexed) {
        // One pass over the array is cheaper than a binary search per dropped row.
        this.entries.forEach((entry, i) => {
          entry.idx = i;
        });
        indexed = true;
      }
      // A fresh entry of this tick is not in the array yet: nothing to drop there.
      if (this.entries[old.idx] === old) dropIndexes.push(old.idx);
    };
    for (const key of removedKeys) drop(key);
    // Keyed, so a row listed twice in one tick counts once (the later copy wins).
    const freshByKey = new Map<string, Entry>();
    for (const row of upserts) {
      if (freshByKey.delete(row.key)) this.inView.delete(row.key);
      else drop(row.key);
      if (!this.matches(row)) continue;
      const entry = this.entryOf(row);
      freshByKey.set(row.key, entry);
      this.inView.set(row.key, entry);
    }
    if (dropIndexes.length === 0 && freshByKey.size === 0) return;
    const fresh = [...freshByKey.values()].sort(this.compare);
    const positions = fresh.map((entry) => this.lowerBound(entry));
    dropIndexes.sort((a, b) => a - b);
    // Copy the untouched runs between drop and insert points with native slices.
    const old = this.entries;
    const pieces: Entry[][] = [];
    let from = 0;
    let d = 0;
    let f = 0;
    while (d < dropIndexes.length || f < fresh.length) {
      const insertAt = f < fresh.length ? (positions[f] as number) : Infinity;
      const dropAt = d < dropIndexes.length ? (dropIndexes[d] as number) : Infinity;
      const at = Math.min(insertAt, dropAt);
      if (at > from) pieces.push(old.slice(from, at));
      from = at;
      if (insertAt <= dropAt) {
        const run: Entry[] = [];
        while (f < fresh.length && positions[f] === at) run.push(fresh[f++] as Entry);
        pieces.push(run);
      } else {
        from = at + 1;
        d += 1;
      }
    }
    pieces.push(old.slice(from));
    const out = ([] as Entry[]).concat(...pieces);
    this.entries = out;
    this.display = null;
  }

  /** Sets the filter (null = all rows) and rebuilds from `rows`. */
  setFilter(filter: Filter | null, rows: Iterable<Connection>): void {
    this.filter = filter && filter.terms.length > 0 ? filter : null;
    this.reset(rows);
  }

  /** Sets the sort and rebuilds from `rows`. */
  setSort(sort: SortSpec, rows: Iterable<Connection>): void {
    this.sort = sort;
    this.reset(rows);
  }

  /** Sets the grouping and rebuilds from `rows`. */
  setGroupBy(groupBy: GroupBy, rows: Iterable<Connection>): void {
    this.groupBy = groupBy;
    this.collapsed.clear();
    this.reset(rows);
  }

  /** Collapses or expands a group. */
  toggleGroup(key: string): void {
    if (this.collapsed.has(key)) this.collapsed.delete(key);
    else this.collapsed.add(key);
    this.display = null;
  }

  /** The lines to display: the rows, with group headers when grouping (cached until a change). */
  displayItems(): readonly DisplayItem[] {
    if (this.display) return this.display;
    if (this.groupBy === 'none') return this.entries;
    const items: DisplayItem[] = [];
    let i = 0;
    while (i < this.entries.length) {
      const first = this.entries[i] as Entry;
      let j = i;
      while (j < this.entries.length && (this.entries[j] as Entry).gk === first.gk) j += 1;
      const collapsed = this.collapsed.has(first.gk);
      items.push({ kind: 'group', key: `group:${first.gk}`, label: groupOf(first.row, this.groupBy).label, count: j - i, collapsed });
      if (!collapsed) {
        for (let k = i; k < j; k += 1) {
          items.push(this.entries[k] as Entry);
        }
      }
      i = j;
    }
    this.display = items;
    return items;
  }
}
