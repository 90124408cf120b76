import { describe, expect, it } from '@jest/globals';
import type { DeploymentHost } from '../domain/deployment-host.js';
import { HOST_LOGS_BUDGET, hostLogsWithinBudget } from './host-logs.js';

function host(name: string, log: string): DeploymentHost {
  const at = '2026-12-02T10:00:00.000Z';
  return {
    host: name,
    status: 'succeeded',
    headBefore: null,
    headAfter: null,
    startedAt: at,
    finishedAt: at,
    error: null,
    log,
  };
}

describe('hostLogsWithinBudget', () => {
  it('leaves logs that fit alone', () => {
    const hosts = [host('web-1', 'one\n'), host('web-2', 'two\n')];
    expect(hostLogsWithinBudget(hosts)).toEqual(hosts);
  });

  it('keeps 100 hosts of 1 MiB each within the budget, each with its start, its end and the marker', () => {
    const full = `start\n${'x'.repeat(1024 * 1024 - 12)}\nend\n`;
    const hosts = Array.from({ length: 100 }, (_, i) => host(`web-${i}`, full));
    const bounded = hostLogsWithinBudget(hosts);
    const total = bounded.reduce((sum, h) => sum + h.log.length, 0);
    expect(total).toBeLessThanOrEqual(HOST_LOGS_BUDGET + 100 * 80);
    for (const h of bounded) {
      expect(h.log.startsWith('start\n')).toBe(true);
      expect(h.log.endsWith('\nend\n')).toBe(true);
      expect(h.log).toMatch(/\[\.\.\. \d+ characters of output omitted \.\.\.\]/);
    }
    expect(bounded.map((h) => h.host)).toEqual(hosts.map((h) => h.host));
  });
});
