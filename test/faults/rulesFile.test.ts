// The rules file: one JSON shape, described by schema/faults.schema.json; every error one line with the path.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { MAX_RULE_TEXT, MAX_RULES, MAX_SEED } from '../../src/faults/limits.js';
import { parseRulesFile } from '../../src/faults/rulesFile.js';
import { FaultRuleError } from '../../src/faults/types.js';

const schema = JSON.parse(readFileSync(new URL('../../schema/faults.schema.json', import.meta.url), 'utf8'));
const validate = new Ajv2020({ strict: true, strictRequired: false }).compile(schema);

const refusal = (text: string): string => {
  try {
    parseRulesFile(text, 'faults.json');
  } catch (error) {
    expect(error).toBeInstanceOf(FaultRuleError);
    expect((error as Error).message).not.toContain('\n');
    return (error as Error).message;
  }
  throw new Error(`accepted: ${text}`);
};

describe('parseRulesFile', () => {
  it('reads texts and where/action halves, in order, as canonical texts, with the seed', () => {
    const text = JSON.stringify({
      $schema: '../schema/faults.schema.json',
      seed: 42,
      rules: ['retr #1 cut 400', { where: 'DELE', action: 'err [in-use] busy' }],
    });
    expect(validate(JSON.parse(text))).toBe(true);
    expect(parseRulesFile(text, 'f.json')).toStrictEqual({
      rules: ['RETR #1 cut 400', 'DELE err [IN-USE] busy'],
      seed: 42,
    });
    expect(parseRulesFile('\uFEFF{"rules": []}', 'f.json')).toStrictEqual({ rules: [] });
  });

  it.each([
    ['rules: [RETR stall]', 'faults.json: not JSON ('],
    ['[]', 'faults.json: $: must be an object with "rules" (and "seed"), not an array'],
    ['{}', 'faults.json: $: has no "rules"'],
    ['{"rules": {}}', 'faults.json: $.rules: must be an array, not an object'],
    ['{"rules": [], "seeds": 1}', 'faults.json: $.seeds: unknown key'],
    [
      '{"rules": [], "seed": -1}',
      `faults.json: $.seed: must be a whole number from 0 to ${MAX_SEED}, not -1`,
    ],
    ['{"rules": [], "seed": "42"}', 'faults.json: $.seed: must be a whole number'],
    ['{"rules": [], "seed": 1.5}', 'faults.json: $.seed: must be a whole number'],
    ['{"rules": [], "$schema": 3}', 'faults.json: $.$schema: must be a string'],
    ['{"rules": [3]}', `faults.json: $.rules[0]: must be a rule's text or {"where", "action"}, not a number`],
    ['{"rules": [null]}', 'faults.json: $.rules[0]: must be a rule'],
    ['{"rules": ["RETR stall", {"where": "DELE"}]}', 'faults.json: $.rules[1].action: is missing'],
    [
      '{"rules": [{"where": 1, "action": "stall"}]}',
      'faults.json: $.rules[0].where: must be a string, not a number',
    ],
    ['{"rules": [{"where": "RETR", "action": "stall", "x": 1}]}', 'faults.json: $.rules[0].x: unknown key'],
    [
      '{"rules": ["RETR stall", "RETR #0 stall"]}',
      'faults.json: $.rules[1]: bad fault rule "RETR #0 stall": #N must be 1',
    ],
    [
      '{"rules": [{"where": "DELE", "action": "explode"}]}',
      'faults.json: $.rules[0]: bad fault rule "DELE explode"',
    ],
    ['{"rules": [""]}', 'faults.json: $.rules[0]: bad fault rule "": empty rule'],
    [
      JSON.stringify({ rules: Array(MAX_RULES + 1).fill('RETR stall') }),
      `faults.json: $.rules: has ${MAX_RULES + 1} rules, at most ${MAX_RULES}`,
    ],
  ])('refuses %s', (text, message) => {
    expect(refusal(text)).toContain(message);
    // The schema refuses what the reader refuses for its shape (rule grammar aside, which only the reader knows).
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      return;
    }
    if (!/bad fault rule/.test(message) || text.includes('""')) expect(validate(doc)).toBe(false);
  });

  it('agrees with the schema on the limits', () => {
    expect(schema.properties.rules.maxItems).toBe(MAX_RULES);
    expect(schema.properties.seed.maximum).toBe(MAX_SEED);
    expect(schema.properties.rules.items.oneOf[0].maxLength).toBe(MAX_RULE_TEXT);
  });
});
