/**
 * The fault injector's limits, each with the reason it exists: a rule or rules file is user input (it can be
 * absurd), and the server's bytes are a peer's (they can be anything), so every count and buffer is bounded.
 */
import { MAX_OUTSTANDING_COMMANDS, MAX_RESPONSE_LINE } from '../protocol/limits.js';

/** The longest rule text: a rule is one short line; the -ERR line it may write must fit in a response line. */
export const MAX_RULE_TEXT = MAX_RESPONSE_LINE;

/** The most rules in one plan: every response is checked against every rule. */
export const MAX_RULES = 256;

/**
 * The longest delay, in ms (about 24.8 days): Node's timers hold at most 2^31-1 ms and a longer one fires after
 * 1 ms instead (TimeoutOverflowWarning). A copy of the bound of cli/limits.ts MAX_TIMER_SECONDS (faults/ must
 * not import cli/), in whole seconds so both say the same.
 */
export const MAX_DELAY_MS = Math.floor((2 ** 31 - 1) / 1000) * 1000;

/** The most noise `garbage` sends after one response: it is generated whole, so it is held in memory. */
export const MAX_GARBAGE_OCTETS = 1024 * 1024;

/** The most digits after the point in `p=`: enough for one in a million, and printed back without exponent. */
export const MAX_P_DECIMALS = 6;

/** The largest seed: the generator (mulberry32) takes 32 bits. */
export const MAX_SEED = 2 ** 32 - 1;

/** The largest piece `trickle` sends at once (a tenth of a second's worth, at most this): bounds what it holds. */
export const MAX_TRICKLE_PIECE = 64 * 1024;

/** How many octets of a client command line are kept to read its verb and arguments (a real one is < 255). */
export const MAX_KEPT_COMMAND = 512;

/** How many octets of a status line are kept to read its status (and rewrite sizes); RFC 2449 says 512. */
export const MAX_KEPT_STATUS = 1024;

/** How many octets of a listing line size-lie holds to rewrite it; a longer line is sent as it is. */
export const MAX_HELD_LISTING_LINE = 1024;

/** How many octets of a body line duplicate-line copies; a longer line is sent once (RFC 5322: 998 + CRLF). */
export const MAX_DUPLICATED_LINE = 64 * 1024;

/**
 * How many commands may wait for their response. Past this the injector has lost track of which response
 * answers which command, so it stops injecting and relays the rest of the session untouched.
 */
export const MAX_PENDING_COMMANDS = MAX_OUTSTANDING_COMMANDS;
