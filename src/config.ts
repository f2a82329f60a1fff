import { z } from 'zod';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { authEnvSchema, parseAuthConfig, AuthConfigError, type AuthConfig } from './platform/auth/sso-config.js'; // issue10-D

/**
 * Every environment variable the service reads, parsed once. A bad value stops the
 * process at start with a message that names the variable.
 */
const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must start with postgres:// or postgresql://')
    .optional(),
  DATA_DIR: z.string().default('.data'),
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  BASE_URL: z.string().url().optional(),
  SECURE_COOKIES: z.enum(['true', 'false']).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DEMO_DATA: z.enum(['true', 'false']).optional(),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  MAIL_PROVIDER: z.enum(['mailbox', 'smtp', 'notify']).default('mailbox'),
  MAIL_FROM: z.string().default('Front Door <no-reply@front-door.localhost>'),
  SMTP_URL: z.string().refine((v) => /^smtps?:\/\//.test(v), 'must start with smtp:// or smtps://').optional(),
  NOTIFY_API_KEY: z.string().min(10).optional(),
  NOTIFY_BASE_URL: z.string().url().default('https://api.notifications.service.gov.uk'),
  NOTIFY_CALLBACK_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  RUN_WORKER: z.enum(['true', 'false']).default('true'),
  TWILIO_AUTH_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be a Twilio account SID (AC followed by 32 hex digits)').optional(),
  ...authEnvSchema, // issue10-D: single sign-on, local sign-in and session timeouts
  // issue10-B: which proxies' X-Forwarded-For to believe: a hop count, or their addresses/CIDRs. Never "everyone".
  TRUST_PROXY: z
    .string()
    .regex(/^(false|\d{1,2}|[0-9a-fA-F.:/]+(\s*,\s*[0-9a-fA-F.:/]+)*)$/, 'must be false, a number of proxies (1) or a comma-separated list of proxy addresses or CIDRs')
    .optional(),
});

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  /** Undefined means: run the embedded engine. */
  databaseUrl: string | undefined;
  dataDir: string;
  sessionSecret: string;
  baseUrl: string;
  secureCookies: boolean;
  logLevel: string;
  loadDemoData: boolean;
  dbPoolSize: number;
  mail: {
    provider: 'mailbox' | 'smtp' | 'notify';
    from: string;
    smtpUrl: string | undefined;
    notifyApiKey: string | undefined;
    notifyBaseUrl: string;
    notifyCallbackToken: string | undefined;
  };
  /** Whether this process also runs the job worker (sending emails). `npm run worker` runs one on its own. */
  runWorker: boolean;
  /** issue10-B: Fastify's trustProxy: false, a hop count, or the proxies' addresses. Decides request.ip (rate limits, audit). */
  trustProxy: false | number | string;
  /** issue10-D: single sign-on, whether local accounts may sign in, and the session's timeouts. */
  auth: AuthConfig;
  telephony: {
    /** Signs Twilio's webhooks (X-Twilio-Signature). Undefined in production when not set: the webhooks then refuse every call. */
    twilioAuthToken: string | undefined;
    /** When set, webhooks from any other Twilio account are refused. */
    twilioAccountSid: string | undefined;
  };
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Front Door cannot start: the environment has bad values:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = resolve(e.DATA_DIR);
  const embedded = !e.DATABASE_URL;
  if (!embedded && e.NODE_ENV === 'production' && !e.SESSION_SECRET) {
    throw new ConfigError('Front Door cannot start: SESSION_SECRET must be set in production.');
  }
  if (e.MAIL_PROVIDER === 'smtp' && !e.SMTP_URL) throw new ConfigError('Front Door cannot start: MAIL_PROVIDER=smtp needs SMTP_URL.');
  if (e.MAIL_PROVIDER === 'notify' && !e.NOTIFY_API_KEY) throw new ConfigError('Front Door cannot start: MAIL_PROVIDER=notify needs NOTIFY_API_KEY.');
  const sessionSecret = e.SESSION_SECRET ?? localSecret(dataDir);
  const baseUrl = e.BASE_URL ?? `http://localhost:${e.PORT}`;
  // issue10-D
  let auth: AuthConfig;
  try {
    auth = parseAuthConfig(e, baseUrl);
  } catch (err) {
    if (err instanceof AuthConfigError) throw new ConfigError(`Front Door cannot start: ${err.message}`);
    throw err;
  }
  return {
    auth, // issue10-D
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir,
    sessionSecret,
    baseUrl,
    // Secure cookies are only sent over HTTPS, so they are on wherever the service is served over
    // HTTPS (production, or a BASE_URL that says so) and off for the local http:// demo.
    secureCookies: e.SECURE_COOKIES ? e.SECURE_COOKIES === 'true' : e.NODE_ENV === 'production' || baseUrl.startsWith('https://'),
    logLevel: e.LOG_LEVEL,
    loadDemoData: e.DEMO_DATA ? e.DEMO_DATA === 'true' : embedded,
    dbPoolSize: e.DB_POOL_SIZE,
    mail: {
      provider: e.MAIL_PROVIDER,
      from: e.MAIL_FROM,
      smtpUrl: e.SMTP_URL,
      notifyApiKey: e.NOTIFY_API_KEY,
      notifyBaseUrl: e.NOTIFY_BASE_URL,
      notifyCallbackToken: e.NOTIFY_CALLBACK_TOKEN,
    },
    runWorker: e.RUN_WORKER === 'true',
    // issue10-B: in production one load balancer in front is assumed; trusting every hop would let a
    // client pick its own address with X-Forwarded-For and so escape the rate limits and mislead the audit.
    trustProxy: parseTrustProxy(e.TRUST_PROXY, e.NODE_ENV),
    telephony: {
      // Outside production a local token is made (and kept beside the data) so the demo and the call
      // simulator can sign webhooks; production must be given Twilio's real one.
      twilioAuthToken: e.TWILIO_AUTH_TOKEN ?? (e.NODE_ENV === 'production' ? undefined : localSecret(dataDir, 'twilio-auth-token')),
      twilioAccountSid: e.TWILIO_ACCOUNT_SID,
    },
  };
}

// issue10-B
function parseTrustProxy(value: string | undefined, env: string): false | number | string {
  if (value === undefined) return env === 'production' ? 1 : false;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value) || false;
  return value.split(',').map((v) => v.trim()).join(',');
}

/** For the embedded demo only: a random secret kept beside the data so sessions survive restarts. */
export function localSecret(dataDir: string, name = 'session-secret'): string {
  const file = join(dataDir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}
