/**
 * How the report file holds its data, shared by the writer (web/html.ts) and the page (embeddedSource.ts):
 * script elements of type application/json, which the browser never runs. The index (one entry per session)
 * is parsed at start; a session's records sit in parts of their own, parsed only when it is selected.
 */

/** The page's config (config.ts PageConfig). */
export const CONFIG_ID = 'pop3scope-config';
/** The session index (entries.ts IndexEntry[]). */
export const INDEX_ID = 'pop3scope-index';
/** A part of a session's records (a JSON array), by its number. */
export const partId = (n: number) => `pop3scope-part-${n}`;

/**
 * JSON that cannot end the script element holding it: every `<` as \u003c (so no "</script", no "<!--").
 * JSON.parse reads it back unchanged. U+2028/U+2029 are legal in JSON and in HTML data, and left as they are.
 */
export const embeddableJson = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c');
