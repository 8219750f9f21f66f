/**
 * How pop3scope counts in English, everywhere it writes a number with its noun (the server's replies,
 * violations, explanations, the lesson, the transcript, the dashboard): "1 message", "2 messages", never
 * "2 message(s)". Pure: the engine may use it too.
 */

/** "1 line", "2 lines"; `many` for nouns whose plural is not the noun + "s". */
export function counted(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
