/** Runs the zfb CLI from source as a real child process, and scratch directories for key files. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after } from 'node:test';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function zfb(args: string[], options: { input?: string | Buffer; cwd?: string } = {}): CliResult {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT; // the child is not a test file
  delete env.NODE_OPTIONS;
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], {
    cwd: options.cwd ?? ROOT,
    input: options.input ?? '',
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A fresh directory, removed when the test file ends. */
export function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'zfb-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes `files` (name → content) into a fresh scratch directory and returns their paths. */
export function writeFiles<K extends string>(files: Record<K, string | Buffer>): Record<K | 'dir', string> {
  const dir = scratchDir();
  const paths: Record<string, string> = { dir };
  for (const name of Object.keys(files) as K[]) {
    const path = join(dir, name);
    writeFileSync(path, files[name]);
    paths[name] = path;
  }
  return paths as Record<K | 'dir', string>;
}

/** True when `text` contains a run of base64 long enough to be (a piece of) a key. */
export function hasKeyText(text: string): boolean {
  return /[A-Za-z0-9+/]{40,}/.test(text);
}

/** The stderr of a failed command: one line starting "zfb: ", no stack trace. */
export function oneSentence(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  if (lines.length !== 1 || !lines[0]!.startsWith('zfb: ') || /\n\s+at /.test(stderr)) {
    throw new Error(`expected one "zfb: ..." line on stderr, got:\n${stderr}`);
  }
  return lines[0]!;
}
