/** Limits of pop3scope's CA, each with the reason it exists. */

/**
 * How many leaves the CA keeps for reuse, the least recently asked for dropped first. A client of
 * `--listen-tls` names any host it likes in its SNI and gets a leaf for it: without a bound, a client naming a new
 * host per connection would grow the proxy's memory for as long as it runs. A proxy serves a handful of names;
 * a dropped leaf is simply issued again (a few milliseconds) when asked for.
 */
export const MAX_CACHED_LEAVES = 256;
