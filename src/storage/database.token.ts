/** Injection token of the open database (StorageModule provides it). */
export const DATABASE = Symbol('DATABASE');
