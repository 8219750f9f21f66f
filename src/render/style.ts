/** Terminal colours for the text transcript; a plain style when the output is not a terminal. */

export interface Style {
  client(s: string): string;
  server(s: string): string;
  error(s: string): string;
  warn(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

const sgr = (code: string) => (s: string) => `\x1b[${code}m${s}\x1b[0m`;

export const COLOUR: Style = {
  client: sgr('36'),
  server: sgr('32'),
  error: sgr('31'),
  warn: sgr('33'),
  dim: sgr('2'),
  bold: sgr('1'),
};

const same = (s: string) => s;
export const PLAIN: Style = { client: same, server: same, error: same, warn: same, dim: same, bold: same };
