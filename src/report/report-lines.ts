import type { ForgeClient } from './forge-client.js';
import type { ReportOutcome } from './report-queue.js';
import type { ReportState } from './status-report.js';

/**
 * What the deployment's log and its `report` field say of one report:
 * `reported success to GitHub (deployment 123456)`,
 * `report of failed to GitLab failed after 5 tries: 503 Service Unavailable`.
 * The token is taken out of it, whatever a forge put in its error text.
 */
export function reportLine(
  client: ForgeClient,
  state: ReportState,
  outcome: ReportOutcome,
  context: { token: string; targetId: string; queueCap: number },
): string {
  const what = `${client.stateName(state)} to ${client.forgeLabel}`;
  let line: string;
  switch (outcome.kind) {
    case 'reported':
      line = `reported ${what}${outcome.detail ? ` (${outcome.detail})` : ''}`;
      break;
    case 'failed':
      line = `report of ${what} failed${outcome.tries > 1 ? ` after ${outcome.tries} tries` : ''}: ${outcome.reason}`;
      break;
    case 'dropped':
      line = `report of ${what} dropped: more than ${context.queueCap} reports were waiting for ${context.targetId}`;
      break;
    case 'abandoned':
      line = `report of ${what} abandoned: hookdeploy stopped before the forge answered`;
      break;
  }
  return scrub(line, context.token);
}

/** `text` without `secret` in it. */
export function scrub(text: string, secret: string): string {
  return secret === '' ? text : text.split(secret).join('[token]');
}
