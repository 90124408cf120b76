import { Global, Inject, Logger, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { Db } from './open-database.js';

/** Injection token of the open database. */
export const DATABASE = Symbol('DATABASE');
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
      ],
      exports: [DATABASE],
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
