import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCK_FILE_NAME, lockDataDir } from './lock.js';

describe('the PGlite data folder lock', () => {
  const dirs: string[] = [];
  const freshDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'zfb-test-lock-'));
    dirs.push(dir);
    return dir;
  };
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const holder = (dir: string, h: object) => writeFileSync(join(dir, LOCK_FILE_NAME), JSON.stringify(h));

  test('taken, refused while held in this process, released, taken again', () => {
    const dir = freshDir();
    const release = lockDataDir(dir);
    const held = JSON.parse(readFileSync(join(dir, LOCK_FILE_NAME), 'utf8'));
    assert.equal(held.pid, process.pid);
    assert.equal(held.hostname, hostname());
    assert.throws(() => lockDataDir(dir), { code: 'ERR_DB_DATA_DIR_LOCKED', message: /already open in this process/ });
    release();
    assert.equal(existsSync(join(dir, LOCK_FILE_NAME)), false);
    lockDataDir(dir)();
  });

  test('held by a live process: refused with a sentence naming it and the way out', async () => {
    const dir = freshDir();
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      holder(dir, { pid: child.pid, hostname: hostname(), since: '2026-11-21T02:00:00.000Z' });
      assert.throws(() => lockDataDir(dir), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'ERR_DB_DATA_DIR_LOCKED');
        assert.equal(
          error.message,
          `The PGlite data folder ${dir} is in use by process ${child.pid} on ${hostname()}, since ` +
            `2026-11-21T02:00:00.000Z: stop that process, or give this one its own data folder or a ` +
            `DATABASE_URL. If no such process is running, delete ${join(dir, LOCK_FILE_NAME)}.`,
        );
        return true;
      });
    } finally {
      child.kill();
    }
  });

  test('left by a dead process, or by an earlier life of our own pid: taken over', () => {
    const dir = freshDir();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    holder(dir, { pid: Number(dead.stdout), hostname: hostname(), since: 'x' });
    const release = lockDataDir(dir);
    assert.equal(JSON.parse(readFileSync(join(dir, LOCK_FILE_NAME), 'utf8')).pid, process.pid);
    release();
    holder(dir, { pid: process.pid, hostname: hostname(), since: 'before the container restarted' });
    lockDataDir(dir)();
  });

  test('another host’s lock is refused (a shared volume: we cannot tell whether it lives)', () => {
    const dir = freshDir();
    holder(dir, { pid: 1, hostname: `not-${hostname()}`, since: 'x' });
    assert.throws(() => lockDataDir(dir), { code: 'ERR_DB_DATA_DIR_LOCKED', message: /process 1 on not-/ });
  });

  test('a torn lock file: refused while fresh (its writer may be mid-write), taken once old', () => {
    const dir = freshDir();
    const lockPath = join(dir, LOCK_FILE_NAME);
    writeFileSync(lockPath, '{"pi');
    assert.throws(() => lockDataDir(dir), { code: 'ERR_DB_DATA_DIR_LOCKED', message: /in use by another process/ });
    const old = new Date(Date.now() - 60_000);
    utimesSync(lockPath, old, old);
    lockDataDir(dir)();
  });

  test('release leaves alone a lock that is no longer ours', () => {
    const dir = freshDir();
    const release = lockDataDir(dir);
    holder(dir, { pid: 1, hostname: 'someone-else', since: 'x' });
    release();
    assert.ok(existsSync(join(dir, LOCK_FILE_NAME)));
  });

  test('a process that exits without closing leaves no lock behind', () => {
    const dir = freshDir();
    const lockUrl = new URL('./lock.ts', import.meta.url).href;
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', `const { lockDataDir } = await import(${JSON.stringify(lockUrl)}); lockDataDir(${JSON.stringify(dir)}); process.exit(0);`],
      { encoding: 'utf8' },
    );
    assert.equal(run.status, 0, run.stderr);
    assert.equal(existsSync(join(dir, LOCK_FILE_NAME)), false);
  });
});
