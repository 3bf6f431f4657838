/** The server part for the expiry sweeper (sweep.ts): one durable job shared by every instance. */
import type { ServerPart } from '../parts.js';
import { startSweeper, sweepJobs } from './sweep.js';

export const sweeperPart: ServerPart = {
  name: 'sweeper',
  jobs: (ctx) => sweepJobs(ctx),
  start: (ctx) => startSweeper(ctx),
};
