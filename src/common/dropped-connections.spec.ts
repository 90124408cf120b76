import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { DroppedConnections } from './dropped-connections.js';

describe('DroppedConnections', () => {
  const lines: object[] = [];
  const sink = { warn: (line: object) => lines.push(line) };

  beforeEach(() => {
    lines.length = 0;
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('logs the first drop at once and sums up the rest once per window', () => {
    const drops = new DroppedConnections(sink, 8, 10_000);
    drops.dropped();
    expect(lines).toEqual([
      { msg: 'closed a new connection at once: 8 connections are open (MAX_CONNECTIONS)', maxConnections: 8 },
    ]);
    for (let i = 0; i < 1000; i++) drops.dropped();
    expect(lines).toHaveLength(1);
    jest.advanceTimersByTime(10_000);
    expect(lines[1]).toEqual({
      msg: 'closed 1000 more new connections at once in the last 10 s: MAX_CONNECTIONS (8) were open',
      dropped: 1000,
      maxConnections: 8,
    });
    // A quiet window ends the summaries: the next drop is logged at once again.
    jest.advanceTimersByTime(10_000);
    expect(lines).toHaveLength(2);
    drops.dropped();
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatchObject({ maxConnections: 8 });
  });
});
