import { Global, Inject, Logger, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { Db } from './open-database.js';
import { DATABASE } from './database.token.js';
import { STORE_EXPORTS, STORE_PROVIDERS } from './store.providers.js';

export { DATABASE } from './database.token.js';

const STORAGE = Symbol('STORAGE');

/** The database `createApp` opened (and checked) before Nest started, and its DATA_DIR lock. */
export interface OpenStorage {
  db: Db;
  unlock: () => void;
}

@Global()
@Module({})
export class StorageModule implements OnApplicationShutdown {
  constructor(@Inject(STORAGE) private readonly storage: OpenStorage) {}

  static forStorage(storage: OpenStorage): DynamicModule {
    return {
      module: StorageModule,
      providers: [
        { provide: STORAGE, useValue: storage },
        { provide: DATABASE, useValue: storage.db },
        ...STORE_PROVIDERS,
      ],
      // The stores, group commit and WAL sync: the only code that touches the tables.
      exports: [DATABASE, ...STORE_EXPORTS],
    };
  }

  // After the running deployment finished (the queue waits for it before shutdown).
  onApplicationShutdown(): void {
    try {
      this.storage.db.close();
    } catch (error) {
      new Logger('Storage').error(`closing the database failed: ${(error as Error).message}`);
    }
    this.storage.unlock();
  }
}
