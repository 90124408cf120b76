import { describeForgeContract } from './forge-contract.js';
import { giteaLikeRows } from './gitea-like-rows.js';

describeForgeContract('gitea', { rows: (run) => giteaLikeRows(run, ['gitea']) });
