import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import ConnectionsTable from '../../../src/renderer/components/ConnectionsTable.vue';
import { TableModel } from '../../../src/renderer/table/table-model';
import type { DisplayItem } from '../../../src/renderer/table/table-model';
import { makeConnection } from '../../support/connections';

const ROW_HEIGHT = 26;
const VIEWPORT = 260;

function items(count: number, groupBy: 'none' | 'process' = 'none'): readonly DisplayItem[] {
  const model = new TableModel();
  const rows = Array.from({ length: count }, (_, i) =>
    makeConnection({ localPort: 1 + (i % 60000), inode: i + 1, owners: [{ pid: 100 + (i % 3), name: `p${i % 3}` }] }),
  );
  model.setGroupBy(groupBy, rows);
  return model.displayItems();
}

const mountTable = (list: readonly DisplayItem[]) =>
  mount(ConnectionsTable, {
    props: { items: list, version: 1, sort: { column: 'local', dir: 'asc' }, now: 0, rowHeight: ROW_HEIGHT, initialHeight: VIEWPORT },
    attachTo: document.body,
  });

describe('ConnectionsTable', () => {
  it('renders only the rows in view (plus a small overscan) out of 20 000', () => {
    const wrapper = mountTable(items(20_000));
    const rows = wrapper.findAll('.data-row');
    // 10 rows fit in 260 px at 26 px each; 6 overscan rows below.
    expect(rows).toHaveLength(16);
    expect(wrapper.get('[role="grid"]').attributes('aria-rowcount')).toBe('20001');
    expect(wrapper.get('.grid-body').attributes('style')).toContain(`height: ${20_000 * ROW_HEIGHT}px`);
    expect(rows[0]?.attributes('aria-rowindex')).toBe('2');
    wrapper.unmount();
  });

  it('renders the rows of the scrolled-to position', async () => {
    const wrapper = mountTable(items(20_000));
    const grid = wrapper.get('[role="grid"]');
    (grid.element as HTMLElement).scrollTop = 30 + 5_000 * ROW_HEIGHT;
    await grid.trigger('scroll');
    const indexes = wrapper.findAll('.data-row').map((r) => Number(r.attributes('aria-rowindex')));
    expect(indexes[0]).toBe(4_996);
    expect(indexes).toContain(5_002);
    expect(indexes.length).toBeLessThan(30);
    wrapper.unmount();
  });

  it('sorts from a header click and marks the sorted column with aria-sort', async () => {
    const wrapper = mountTable(items(10));
    const headers = wrapper.findAll('[role="columnheader"]');
    expect(headers.map((h) => h.attributes('aria-sort'))).toContain('ascending');
    expect(headers.filter((h) => h.attributes('aria-sort') === 'none')).toHaveLength(headers.length - 1);
    await wrapper.get('[data-column="pid"]').trigger('click');
    expect(wrapper.emitted('sort')).toEqual([['pid']]);
    wrapper.unmount();
  });

  it('moves the active row with the keyboard and opens its actions with Enter', async () => {
    const list = items(100);
    const wrapper = mountTable(list);
    const grid = wrapper.get('[role="grid"]');
    await grid.trigger('focus');
    expect(grid.attributes('aria-activedescendant')).toBe('pw-row-0');
    await grid.trigger('keydown', { key: 'ArrowDown' });
    await grid.trigger('keydown', { key: 'ArrowDown' });
    expect(grid.attributes('aria-activedescendant')).toBe('pw-row-2');
    expect(wrapper.get('#pw-row-2').attributes('aria-selected')).toBe('true');
    await grid.trigger('keydown', { key: 'End' });
    expect(grid.attributes('aria-activedescendant')).toBe('pw-row-99');
    // The last row was scrolled into view, so it is rendered.
    expect(wrapper.find('#pw-row-99').exists()).toBe(true);
    await grid.trigger('keydown', { key: 'Enter' });
    const emitted = wrapper.emitted('actions');
    const last = list[99];
    expect(emitted).toHaveLength(1);
    expect(last?.kind === 'row' && (emitted?.[0]?.[0] as { key: string }).key).toBe(last?.key);
    wrapper.unmount();
  });

  it('shows group headers with their counts and folds one on Enter', async () => {
    const wrapper = mountTable(items(9, 'process'));
    const groups = wrapper.findAll('.group-row');
    expect(groups.map((g) => g.text().replace(/\s+/g, ' '))).toEqual([
      '▾ p0 (pid 100) — 3 sockets',
      '▾ p1 (pid 101) — 3 sockets',
      '▾ p2 (pid 102) — 3 sockets',
    ]);
    const grid = wrapper.get('[role="grid"]');
    await grid.trigger('focus');
    await grid.trigger('keydown', { key: 'Enter' });
    expect(wrapper.emitted('toggleGroup')?.[0]?.[0]).toMatch(/^p0/);
    wrapper.unmount();
  });

  it('marks new, changed and closed rows with a word, not colour alone', () => {
    const model = new TableModel();
    model.reset([
      makeConnection({ localPort: 1, change: 'new' }),
      makeConnection({ localPort: 2, change: 'changed' }),
      makeConnection({ localPort: 3, change: 'closed' }),
    ]);
    const wrapper = mountTable(model.displayItems());
    const rows = wrapper.findAll('.data-row');
    expect(rows.map((r) => r.classes().find((c) => c.startsWith('chg-')))).toEqual(['chg-new', 'chg-changed', 'chg-closed']);
    expect(rows.map((r) => r.findAll('[role="gridcell"]')[0]?.text().replace(/\s+/g, ' '))).toEqual(['+ new', '~ changed', '× closed']);
    wrapper.unmount();
  });
});
