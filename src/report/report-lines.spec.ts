import { describe, expect, it } from '@jest/globals';
import { forgeClient } from './forge-clients.js';
import { reportLine } from './report-lines.js';

const TOKEN = 'ghp_secret0123456789';
const github = forgeClient('github', { token: TOKEN, apiUrl: undefined, environment: 'p', publicUrl: undefined }, 1000);
const gitlab = forgeClient('gitlab', { token: TOKEN, apiUrl: undefined, environment: 'p', publicUrl: undefined }, 1000);
const context = { token: TOKEN, targetId: 'site', queueCap: 100 };

describe('reportLine: what the log and the report field say', () => {
  it('names the state in the forge own words, the forge, and what it created', () => {
    expect(reportLine(github, 'success', { kind: 'reported', detail: 'deployment 123456', tries: 1 }, context)).toBe(
      'reported success to GitHub (deployment 123456)',
    );
    expect(reportLine(gitlab, 'in_progress', { kind: 'reported', detail: undefined, tries: 3 }, context)).toBe(
      'reported running to GitLab',
    );
  });

  it('says why a report failed, and after how many tries', () => {
    expect(
      reportLine(gitlab, 'failure', { kind: 'failed', reason: '503 Service Unavailable', tries: 5 }, context),
    ).toBe('report of failed to GitLab failed after 5 tries: 503 Service Unavailable');
    expect(reportLine(github, 'success', { kind: 'failed', reason: '401 Bad credentials', tries: 1 }, context)).toBe(
      'report of success to GitHub failed: 401 Bad credentials',
    );
    expect(reportLine(github, 'success', { kind: 'dropped' }, context)).toBe(
      'report of success to GitHub dropped: more than 100 reports were waiting for site',
    );
    expect(reportLine(github, 'success', { kind: 'abandoned' }, context)).toBe(
      'report of success to GitHub abandoned: hookdeploy stopped before the forge answered',
    );
  });

  it('never holds the token, whatever the forge echoed', () => {
    const line = reportLine(
      github,
      'success',
      { kind: 'failed', reason: `401 token ${TOKEN} is not valid (${TOKEN})`, tries: 1 },
      context,
    );
    expect(line).not.toContain(TOKEN);
    expect(line).toBe('report of success to GitHub failed: 401 token [token] is not valid ([token])');
  });
});
