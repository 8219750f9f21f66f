/**
 * Terminal colours for the text transcript, and THE one decision whether to colour at all: every command asks
 * `wantColour` (the --color/--no-color flag, then NO_COLOR, FORCE_COLOR, then whether the stream is a terminal)
 * and builds its style with `styleFor`. The escape codes come from picocolors.
 */
import pc from 'picocolors';

export interface Style {
  client(s: string): string;
  server(s: string): string;
  error(s: string): string;
  warn(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

/** The transcript's palette, coloured or plain. */
export function styleFor(colour: boolean): Style {
  const c = pc.createColors(colour);
  return { client: c.cyan, server: c.green, error: c.red, warn: c.yellow, dim: c.dim, bold: c.bold };
}

export const COLOUR: Style = styleFor(true);
export const PLAIN: Style = styleFor(false);

/** A stream that may be a terminal (process.stdout, process.stderr, or a test's stand-in). */
export interface MaybeTerminal {
  readonly isTTY?: boolean;
}

/**
 * Whether output to `stream` is coloured. In order: the --color/--no-color flag (undefined when neither was
 * given) wins; then NO_COLOR with any non-empty value turns colour off (no-color.org); then FORCE_COLOR turns it
 * on even through a pipe, except FORCE_COLOR=0 (or false), which turns it off; otherwise a terminal gets colour
 * unless TERM=dumb says it cannot show it.
 */
export function wantColour(
  flag: boolean | undefined,
  stream: MaybeTerminal,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (flag !== undefined) return flag;
  if (env.NO_COLOR) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force.toLowerCase() !== 'false';
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}
