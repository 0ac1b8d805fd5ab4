/* How long the chatter's page waits before asking again for a chat the server was too busy
 * to start (`server_busy`, docs/protocol.md). Pure: tested with node --test. */

export const BUSY_RETRIES = 8; // about five minutes of trying before the page gives up
const MAX_SECONDS = 60;

/** Whole seconds before try `attempt` (1, 2, ...): the server's `retry_after`, doubled per
 * try up to a minute, spread by `random` (0..1) over its upper half so that pages refused
 * together do not all come back in the same second. */
export function busyDelay(retryAfter, attempt, random) {
  const base = Number(retryAfter) > 0 ? Number(retryAfter) : 5;
  const ceiling = Math.min(MAX_SECONDS, base * Math.pow(2, Math.max(0, attempt - 1)));
  return Math.max(1, Math.ceil(ceiling * (0.5 + 0.5 * Math.min(1, Math.max(0, random)))));
}
