import { Global, Inject, Logger, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { Db } from './open-database.js';

/** Injection token of the open database. */
export const DATABASE = Symbol('DATABASE');

/** Holds the database that `createApp` opened (and checked) before Nest started. */
@Global()
@Module({})
export class StorageModule implements OnApplicationShutdown {
  constructor(@Inject(DATABASE) private readonly db: Db) {}

  static forDatabase(db: Db): DynamicModule {
    return { module: StorageModule, providers: [{ provide: DATABASE, useValue: db }], exports: [DATABASE] };
  }

  // After the running deployment finished (the queue waits for it before shutdown).
  onApplicationShutdown(): void {
    try {
      this.db.close();
    } catch (error) {
      new Logger('Storage').error(`closing the database failed: ${(error as Error).message}`);
    }
  }
}
