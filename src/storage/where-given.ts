/**
 * `WHERE` with only the conditions whose value is given, and those values. Not
 * `(@x IS NULL OR x = @x)`: SQLite plans a statement once, and with that form it cannot
 * use the target's index, so a target's list scanned every target's rows newest first.
 * At most one statement per combination is prepared.
 */
export function whereGiven(conditions: Record<string, [sql: string, value: unknown]>): {
  where: string;
  values: Record<string, unknown>;
} {
  const given = Object.entries(conditions).filter(([, [, value]]) => value !== undefined);
  return {
    where: given.length === 0 ? '' : `WHERE ${given.map(([, [sql]]) => sql).join(' AND ')}`,
    values: Object.fromEntries(given.map(([name, [, value]]) => [name, value])),
  };
}
