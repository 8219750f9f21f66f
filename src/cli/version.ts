import { createRequire } from 'node:module';

/** pop3scope's version, from package.json (two levels up from both src/cli and dist/cli). */
export const VERSION: string = (createRequire(import.meta.url)('../../package.json') as { version: string })
  .version;
