/** axe-core in a Playwright page: the serious and critical violations, one line each. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright';

const AXE = resolve('node_modules/axe-core/axe.min.js');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/** Runs axe on the whole page; returns its serious and critical violations in words. */
export async function seriousViolations(p: Page): Promise<string[]> {
  // The page's CSP forbids inline scripts (as it should); evaluate runs outside it.
  if (!(await p.evaluate(() => 'axe' in window))) await p.evaluate(readFileSync(AXE, 'utf8'));
  const violations = await p.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document) => Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run(document)).violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}
