import { describeForgeContract } from './forge-contract.js';
import { giteaLikeRows } from './gitea-like-rows.js';

describeForgeContract('forgejo', { rows: (run) => giteaLikeRows(run, ['forgejo', 'gitea']) });
