/**
 * The Mermaid export's limits (diagram/mermaid.ts), each with its reason. Kept apart from diagram/limits.ts
 * (the SVG's) because the reader is different: GitHub's and GitLab's Mermaid, in a bug report, not our page.
 */

/**
 * Arrows a Mermaid block draws by default. A bug report needs the start of the story and where it went
 * wrong; past a couple of hundred messages a rendered sequenceDiagram is a scroll nobody reads, and Mermaid
 * takes seconds to lay it out.
 */
export const MERMAID_MAX_ARROWS = 200;

/**
 * Characters of the diagram text at most. Mermaid refuses a text longer than its `maxTextSize` (50,000 by
 * default, and GitHub uses the default): the diagram would be an error box. Escaping can make one character
 * eight (`#65533;`), so the arrow cap alone does not bound this; room is left for the closing notes.
 */
export const MERMAID_MAX_TEXT = 45_000;

/** Characters of one label (a command line, a status line, a note) before it is clipped with "…". */
export const MERMAID_MAX_LABEL = 120;

/** SASL steps drawn per AUTH exchange: the engine bounds them, but a client looping on "*" must not fill the cap. */
export const MERMAID_MAX_SASL_STEPS = 12;

/**
 * Notes `show` keeps per session for the block (phases, bodies, violations): a capture full of unexpected
 * data can hold a violation record per line, and only the first of them can be drawn anyway.
 */
export const MERMAID_MAX_NOTES = 2 * MERMAID_MAX_ARROWS;
