/**
 * The migrations, in order. Each is a module `NNN_name.ts` exporting `name` and `sql`.
 *
 * Why .ts modules and not .sql files: tsc does not copy .sql files into dist/, and the server
 * runs compiled JavaScript (`dist/src/server/db/…`). Embedding each migration's SQL as a string
 * makes it part of the build, found by import, with no copy step and no path lookup at run time.
 * The SQL still sits in one numbered file per migration, readable and diffable as SQL.
 *
 * Rules: never edit a migration once it has been released (migrate() compares a checksum and
 * refuses to start on a mismatch); add `002_….ts` and list it here. Numbers are contiguous from 1.
 */
import * as m001 from './001_init.js';
import * as m002 from './002_job_failed_alert.js';
import * as m003 from './003_payment_attempts.js';

export interface Migration {
  /** 1, 2, 3…: the order in which they apply. */
  readonly id: number;
  readonly name: string;
  readonly sql: string;
}

export const migrations: readonly Migration[] = [
  { id: 1, name: m001.name, sql: m001.sql },
  { id: 2, name: m002.name, sql: m002.sql },
  { id: 3, name: m003.name, sql: m003.sql },
];
