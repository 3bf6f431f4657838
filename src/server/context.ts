/**
 * What the server's parts share: the database, the Alipay client (real or the dev sandbox's),
 * the configuration, a clock, and the URL buyers and Alipay reach this server at.
 */
import type pg from 'pg';
import type { FastifyBaseLogger } from 'fastify';
import type { AlipayClient } from '../alipay/index.js';
import type { ServerConfig } from './config.js';

export interface ServerContext {
  pool: pg.Pool;
  alipay: AlipayClient;
  config: ServerConfig;
  /** The merchant PID (2088…) notifies must carry as seller_id, when known. */
  sellerId?: string;
  now: () => Date;
  /** e.g. http://127.0.0.1:3000 — notify_url, return_url and checkout links are built on it. */
  publicBaseUrl: string;
  log: FastifyBaseLogger;
}
