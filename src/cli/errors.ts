/** A user-facing failure: bad flag, unreadable file. Its message is printed as one line; exit code 2. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}
