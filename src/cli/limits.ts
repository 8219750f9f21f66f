/** The command line's bounds, each with its reason. */

/**
 * The longest timeout or pause a flag may ask for, in seconds (about 24.8 days): Node's timers hold at most
 * 2^31-1 ms, and a longer one fires after 1 ms instead (TimeoutOverflowWarning), so a huge --idle-timeout
 * would close every session at once.
 */
export const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/**
 * The largest key log `--tls-keylog` reads whole: a line is ~180 bytes, so 256 MiB is over a million TLS
 * sessions; anything larger is not a key log, and reading it would cost that much memory.
 */
export const MAX_KEYLOG_BYTES = 256 * 1024 * 1024;
