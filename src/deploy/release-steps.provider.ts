import type { Provider } from '@nestjs/common';
import { DATABASE } from '../storage/database.token.js';
import type { Db } from '../storage/open-database.js';
import { PreparedStatements } from '../storage/prepared-statements.js';
import { ReleaseStepsStore } from '../storage/release-steps.store.js';

/** The release columns; apart from STORES so the release code adds no line to every store's set. */
export const RELEASE_STEPS: Provider = {
  provide: ReleaseStepsStore,
  inject: [DATABASE],
  useFactory: (db: Db) => new ReleaseStepsStore(new PreparedStatements(db)),
};
