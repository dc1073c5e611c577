import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { neutraliseFormula, restoreFormula } from '../../lib/csv/formula.js';

describe('formula neutralisation', () => {
  it.each(['=1+1', '+49 160 123', '-2', '@SUM(A1)', '\t=x', '\r=x'])('prefixes %j with an apostrophe', (value) => {
    expect(neutraliseFormula(value)).toBe(`'${value}`);
  });

  it('leaves ordinary values alone', () => {
    expect(neutraliseFormula('Ada Lovelace')).toBe('Ada Lovelace');
    expect(neutraliseFormula("O'Brien")).toBe("O'Brien");
  });

  it('gives back every value after export and import, apostrophes included', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("'", '=', '+', '-', '@', 'a', ' ', '\t') }), (value) => {
        expect(restoreFormula(neutraliseFormula(value))).toBe(value);
      }),
    );
  });
});
