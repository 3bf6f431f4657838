/**
 * Errors of the storage layer. Like the client's hierarchy, every class carries a stable string
 * `code` that callers switch on; messages are for people and may change.
 */

export type StorageErrorCode =
  /** The PGlite data folder is in use by another process (or already open in this one). */
  | 'ERR_DB_DATA_DIR_LOCKED'
  /** The database could not be opened or reached. */
  | 'ERR_DB_OPEN'
  /** A migration failed, or the applied migrations do not match this build's. */
  | 'ERR_DB_MIGRATION'
  /** A job operation was refused (bad arguments). */
  | 'ERR_JOB';

export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'StorageError';
  }
}
