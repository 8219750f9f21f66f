/**
 * CI failure of 2026-12-02: tls-peers-curl polled the proxy's capture for its close record while the proxy was
 * still writing, and JSON.parse met a half-written last line ("Unterminated string in JSON"). A file another
 * process appends to is read up to its last newline.
 */
import { describe, expect, it } from 'vitest';
import { parseWrittenLines } from '../helpers/proxyProcess.js';

describe('reading a JSON Lines capture while it is written', () => {
  const whole = '{"type":"open","session":"s1"}\n{"type":"data","session":"s1","text":"+OK"}\n';

  it('keeps every finished line and leaves the half-written one for the next poll', () => {
    const records = parseWrittenLines(`${whole}{"type":"close","sess`);
    expect(records.map((r) => r.type)).toEqual(['open', 'data']);
  });

  it('reads a file that ends on a newline whole, and an empty or unfinished first line as nothing', () => {
    expect(parseWrittenLines(whole)).toHaveLength(2);
    expect(parseWrittenLines('')).toEqual([]);
    expect(parseWrittenLines('{"type":"op')).toEqual([]);
  });
});
