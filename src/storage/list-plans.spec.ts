import { afterEach, beforeEach, expect, it, jest } from '@jest/globals';
import { TestStores } from '../../test/fixtures/stores.js';
import { PreparedStatements } from './prepared-statements.js';

/**
 * The lists by target must read the target's index, not scan every target's rows newest
 * first (GET /deployments?target=x&limit=50 on 100k deployments of other targets): the
 * plan SQLite chose for each statement the stores prepared.
 */
/** Values for every named parameter a list may have (the plan does not depend on them). */
const PLAN_VALUES = { target: 'site', status: 'failed', outcome: 'queued', before: 900, limit: 50 };

let s: TestStores;
let sql: jest.SpiedFunction<PreparedStatements['sql']>;

beforeEach(() => {
  s = new TestStores();
  // Records the text of every statement the stores run.
  sql = jest.spyOn(PreparedStatements.prototype, 'sql');
});
afterEach(() => {
  sql.mockRestore();
  s.close();
});

function plansOf(run: () => unknown): string[] {
  sql.mockClear();
  run();
  return sql.mock.calls.flatMap(([text]) =>
    (s.db.prepare(`EXPLAIN QUERY PLAN ${text}`).all(PLAN_VALUES) as { detail: string }[]).map((row) => row.detail),
  );
}

it.each([
  ['deployments of a target', () => s.stores.deployments.list({ target: 'site', limit: 50 }), 'deployments_by_target'],
  [
    'deployments of a target in a state',
    () => s.stores.deployments.list({ target: 'site', status: 'failed', limit: 50 }),
    'deployments_by_target_status',
  ],
  [
    'deployments of a target, before an id',
    () => s.stores.deployments.list({ target: 'site', before: 900, limit: 50 }),
    'deployments_by_target',
  ],
  ['deliveries of a target', () => s.stores.deliveries.list({ target: 'site', limit: 50 }), 'deliveries_by_target'],
  [
    'deliveries of a target, before a seq',
    () => s.stores.deliveries.list({ target: 'site', before: 900, limit: 50 }),
    'deliveries_by_target',
  ],
])('lists the %s through its index', (_name, list, index) => {
  const plans = plansOf(list);
  expect(plans[0]).toMatch(new RegExp(`^SEARCH \\w+ USING (COVERING )?INDEX ${index} \\(target=\\?`));
});
