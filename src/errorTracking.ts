/**
 * Opt-in error tracking (SENTRY_DSN, issue 12): uncaught room errors, HTTP 500s and process-level
 * crashes go to Sentry (or any service that speaks its envelope protocol). Without a DSN the SDK
 * is never imported, so it costs nothing: no module load, no hooks on `http`, no memory.
 *
 * No personal data leaves the process: no IP addresses, users or cookies (`dataCollection`), no
 * request bodies (join options carry player names), headers (a METRICS_TOKEN or monitor password)
 * or query strings, no console breadcrumbs; events carry the error, its stack and room/method tags.
 */
import type { ErrorEvent } from "@sentry/node";
import { logger } from "./logger.ts";

type SentryModule = typeof import("@sentry/node");

let sentry: SentryModule | undefined;

/** Removes what could identify a player from an event before it is sent. */
export function scrub(event: ErrorEvent): ErrorEvent {
  if (event.request) {
    const { method, url } = event.request;
    // The path only: a query string is the client's to choose and may carry anything.
    event.request = { method, url: url?.split("?")[0] };
  }
  delete event.user;
  if (event.breadcrumbs) event.breadcrumbs = event.breadcrumbs.filter((crumb) => crumb.category !== "console");
  return event;
}

/**
 * Loads and starts the SDK when `dsn` is set; resolves at once otherwise. Must run before the
 * server starts so that crashes during start-up are caught too.
 */
export async function startErrorTracking(dsn: string | null, environment?: string): Promise<void> {
  if (!dsn || sentry) return;
  const loaded = await import("@sentry/node");
  loaded.init({
    dsn,
    environment,
    // Collect nothing a request or a stack frame carries beyond the error itself.
    dataCollection: {
      userInfo: false,
      cookies: false,
      httpHeaders: false,
      httpBodies: [],
      urlQueryParams: false,
      databaseQueryData: false,
      queues: false,
      stackFrameVariables: false,
    },
    // Errors only: no performance tracing, no profiles, no logs.
    tracesSampleRate: undefined,
    beforeSend: (event) => scrub(event),
    beforeBreadcrumb: (crumb) => (crumb.category === "console" ? null : crumb),
  });
  sentry = loaded;
  logger.info({ host: new URL(dsn).host }, "error tracking on: errors go to SENTRY_DSN");
}

/** Reports an error with a few tags (never player data); a no-op while tracking is off. */
export function reportError(error: unknown, tags: Record<string, string | undefined>): void {
  if (!sentry) return;
  const defined: Record<string, string> = {};
  for (const [key, value] of Object.entries(tags)) if (value !== undefined) defined[key] = value;
  sentry.captureException(error, { tags: defined });
}

/** Sends what is queued, waiting at most `ms`; call before a deliberate exit. */
export async function flushErrorTracking(ms = 2_000): Promise<void> {
  if (sentry) await sentry.flush(ms).catch(() => false);
}
