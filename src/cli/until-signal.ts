/**
 * For long-running commands (`zfb sandbox`, `zfb serve`): resolves with the exit status once
 * SIGINT or SIGTERM has closed `what` (0 when it closed cleanly, 1 if closing failed); a second
 * signal exits at once. Install it before printing "ready": whoever waits for that may signal.
 */
export function untilSignal(command: string, what: string, close: () => Promise<void>): Promise<number> {
  return new Promise<number>((done) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        process.stderr.write(`zfb ${command}: ${signal} again, exiting at once\n`);
        process.exit(1);
      }
      stopping = true;
      process.stdout.write(`zfb ${command}: ${signal}, stopping\n`);
      void close().then(
        () => {
          process.removeListener('SIGINT', stop);
          process.removeListener('SIGTERM', stop);
          process.stdout.write(`zfb ${command}: stopped\n`);
          // Whatever is still pending (a notify POST under way) must not keep the process alive.
          setTimeout(() => process.exit(0), 2_000).unref();
          done(0);
        },
        (err: unknown) => {
          process.stderr.write(`zfb: the ${what} did not close cleanly (${(err as Error).message})\n`);
          done(1);
        },
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
