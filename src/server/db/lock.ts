/**
 * The lock of a PGlite data folder. PGlite does not stop a second process from opening the same
 * folder, and two processes writing one folder destroy it (seen: WebAssembly aborts on the next
 * open). So the folder holds `zfb.lock`, created with O_EXCL, holding {pid, hostname, since}.
 *
 * - Held by a live process on this host, or by any process on another host (a shared volume: we
 *   cannot tell whether it lives) → refused, with a sentence naming the holder and what to do.
 * - Left by a dead pid → moved aside (an atomic rename) and taken. Our own pid in a lock we do not
 *   hold is an earlier life of this pid (a container restarted) → taken.
 * - Empty or torn (its writer died between create and write) → taken once older than 10 s.
 * - Released on close() and, as a last resort, when the process exits normally.
 * Limit: two processes taking over the same stale lock in the same instant could both succeed;
 * this needs a crash followed by a double start within milliseconds.
 */
import { closeSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { StorageError } from './errors.js';

export const LOCK_FILE_NAME = 'zfb.lock';

interface LockHolder {
  pid: number;
  hostname: string;
  since: string;
}

/** Lock files this process holds, by path, so that an exit removes them. */
const heldLocks = new Map<string, string>();
let exitHookInstalled = false;

/**
 * Takes the lock of a PGlite data folder for this process; returns the function that releases it.
 * Throws StorageError ERR_DB_DATA_DIR_LOCKED, with a sentence saying who holds it, when it is taken.
 */
export function lockDataDir(dataDir: string): () => void {
  const lockPath = join(dataDir, LOCK_FILE_NAME);
  if (heldLocks.has(lockPath)) {
    throw new StorageError(
      'ERR_DB_DATA_DIR_LOCKED',
      `The PGlite data folder ${dataDir} is already open in this process; close it before opening it again.`,
    );
  }
  const mine = JSON.stringify({ pid: process.pid, hostname: hostname(), since: new Date().toISOString() });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx', 0o600);
      try {
        writeSync(fd, mine);
      } finally {
        closeSync(fd);
      }
      heldLocks.set(lockPath, mine);
      installExitHook();
      return () => {
        heldLocks.delete(lockPath);
        try {
          if (readFileSync(lockPath, 'utf8') === mine) unlinkSync(lockPath);
        } catch {
          // already gone
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new StorageError('ERR_DB_OPEN', `Could not create the lock file ${lockPath}: ${messageOf(error)}.`, {
          cause: error,
        });
      }
    }
    const holder = readHolder(lockPath);
    if (holder === 'gone') continue;
    if (holder === 'being-written' || holderIsAlive(holder)) {
      const who = typeof holder === 'object' ? `process ${holder.pid} on ${holder.hostname}, since ${holder.since}` : 'another process';
      throw new StorageError(
        'ERR_DB_DATA_DIR_LOCKED',
        `The PGlite data folder ${dataDir} is in use by ${who}: stop that process, or give this one its own ` +
          `data folder or a DATABASE_URL. If no such process is running, delete ${lockPath}.`,
      );
    }
    // Left by a process that died: move it aside (rename is atomic) and try again.
    try {
      const aside = `${lockPath}.stale-${process.pid}-${Date.now()}`;
      renameSync(lockPath, aside);
      unlinkSync(aside);
    } catch {
      // someone else moved it first; the next round sees their lock or none
    }
  }
  throw new StorageError(
    'ERR_DB_DATA_DIR_LOCKED',
    `The PGlite data folder ${dataDir} could not be locked: several processes are starting on it at once.`,
  );
}

function readHolder(lockPath: string): LockHolder | 'gone' | 'being-written' | 'stale' {
  let text: string;
  let ageMs: number;
  try {
    text = readFileSync(lockPath, 'utf8');
    ageMs = Date.now() - statSync(lockPath).mtimeMs;
  } catch {
    return 'gone';
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockHolder>;
    if (typeof parsed.pid === 'number' && typeof parsed.hostname === 'string') {
      return { pid: parsed.pid, hostname: parsed.hostname, since: String(parsed.since ?? 'an unknown time') };
    }
  } catch {
    // fall through
  }
  // Empty or torn: its writer may be between creating and writing it, or may have died there.
  return ageMs < 10_000 ? 'being-written' : 'stale';
}

function holderIsAlive(holder: LockHolder | 'stale'): boolean {
  if (holder === 'stale') return false;
  // Another machine sharing the folder: we cannot tell, so we refuse.
  if (holder.hostname !== hostname()) return true;
  // Our own pid but not a lock we hold: left by an earlier life of this pid (a container restart).
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const [lockPath, mine] of heldLocks) {
      try {
        if (readFileSync(lockPath, 'utf8') === mine) unlinkSync(lockPath);
      } catch {
        // nothing to do on the way out
      }
    }
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
