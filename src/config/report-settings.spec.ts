import { describe, expect, it } from '@jest/globals';
import { parseTargetsFile } from './targets-file.js';

const TOKEN = 'report-token-from-env-31c9';

function parse(forge: string, ...report: string[]) {
  const text = [
    'targets:',
    '  - id: site',
    `    forge: ${forge}`,
    '    secrets: [s3cret]',
    '    repoPath: /srv/site',
    '    report:',
    '      token: ${REPORT_TOKEN}',
    ...report.map((line) => `      ${line}`),
  ].join('\n');
  return parseTargetsFile(`${text}\n`, 'hookdeploy.yml', { REPORT_TOKEN: TOKEN });
}

describe('report: what each forge needs', () => {
  it.each(['github', 'gitlab'])('%s: the public API is the default', (forge) => {
    const file = parse(forge);
    expect(file.problems).toEqual([]);
    expect(file.targets[0]!.report).toEqual({
      token: TOKEN,
      apiUrl: undefined,
      environment: 'production',
      publicUrl: undefined,
    });
  });

  it.each(['gitea', 'forgejo', 'bitbucket-server'])('%s: apiUrl is required (self-hosted)', (forge) => {
    const problems = parse(forge, 'publicUrl: https://deploy.example.com').problems;
    expect(problems).toEqual([
      expect.stringMatching(new RegExp(`targets\\[0\\]\\.report\\.apiUrl: is required for forge ${forge}`)),
    ]);
    expect(problems.join('\n')).not.toContain(TOKEN);
    expect(
      parse(forge, 'apiUrl: https://forge.example.com/api/v1/', 'publicUrl: https://d.example.com').problems,
    ).toEqual([]);
  });

  it.each(['bitbucket', 'bitbucket-server'])('%s: publicUrl is required (a build status needs a link)', (forge) => {
    const problems = parse(forge, 'apiUrl: https://bitbucket.example.com').problems;
    expect(problems).toEqual([
      expect.stringMatching(new RegExp(`targets\\[0\\]\\.report\\.publicUrl: is required for forge ${forge}`)),
    ]);
  });

  it('takes the trailing slashes off apiUrl and publicUrl', () => {
    const file = parse('gitea', 'apiUrl: https://git.example.com/api/v1/', 'publicUrl: https://deploy.example.com/');
    expect(file.targets[0]!.report).toMatchObject({
      apiUrl: 'https://git.example.com/api/v1',
      publicUrl: 'https://deploy.example.com',
    });
    expect(file.secretVariables).toContain('REPORT_TOKEN');
  });
});
