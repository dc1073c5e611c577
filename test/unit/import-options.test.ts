import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../lib/errors.js';
import { importOptionsView, parseImportOptions, parseImportOptionsObject, pipelineOptionsOf } from '../../lib/import/import-options.js';

/** The 400 body a parse throws, to compare messages across input kinds. */
function refusal(parse: () => unknown): Record<string, unknown> {
  try {
    parse();
  } catch (error) {
    if (error instanceof BadRequestError) return { status: error.status, ...error.body };
    throw error;
  }
  throw new Error('expected a BadRequestError');
}

describe('parseImportOptions', () => {
  it('reads form fields (all strings) and JSON values to the same options', () => {
    const form = parseImportOptions({
      delimiter: 'semicolon',
      mapping: '{"Nom": "name", "Drop": null}',
      dry_run: 'yes',
      empty_cells: 'KEEP',
      mode: 'create_only',
      encoding: 'Windows-1252',
      sheet: ' Kontakte ',
    });
    const json = parseImportOptions({
      delimiter: ';',
      mapping: { Nom: 'name', Drop: null },
      dry_run: true,
      empty_cells: 'keep',
      mode: 'create_only',
      encoding: 'windows-1252',
      sheet: 'Kontakte',
    });
    expect(form).toEqual({
      delimiter: ';',
      mapping: { nom: 'name', drop: null },
      dryRun: true,
      emptyCells: 'keep',
      mode: 'create_only',
      encoding: 'windows-1252',
      sheet: 'Kontakte',
    });
    expect(json).toEqual(form);
  });

  it('leaves defaults out, whether absent, null, empty or spelt out', () => {
    expect(parseImportOptions({})).toEqual({});
    expect(
      parseImportOptions({ delimiter: '', mapping: '', dry_run: 'false', empty_cells: 'unset', mode: 'upsert', encoding: '' }),
    ).toEqual({});
    expect(parseImportOptions({ delimiter: null, mapping: null, dry_run: false, empty_cells: null, mode: null, encoding: null })).toEqual(
      {},
    );
  });

  it('ignores keys that are not import options (size, username)', () => {
    expect(parseImportOptions({ size: 10, username: 'ada', mode: 'update_only' })).toEqual({ mode: 'update_only' });
  });

  it.each([
    ['delimiter', '|', 'invalid delimiter'],
    ['mapping', '{"Nom": "nickname"}', 'invalid mapping'],
    ['mapping', '[1]', 'invalid mapping'],
    ['dry_run', 'maybe', 'invalid dry_run'],
    ['empty_cells', 'blank', 'invalid empty_cells'],
    ['mode', 'replace', 'invalid mode'],
    ['encoding', 'ebcdic', 'invalid encoding'],
    ['sheet', 'x'.repeat(32), 'invalid sheet'],
    ['sheet', 3, 'invalid sheet'],
  ] as Array<[string, unknown, string]>)('refuses %s=%s with a 400 naming the option', (name, value, message) => {
    const body = refusal(() => parseImportOptions({ [name]: value }));
    expect(body).toMatchObject({ status: 400, message });
    expect(String(body.error)).toContain(name);
  });

  it('answers a bad value with the same message from a form field and from JSON', () => {
    expect(refusal(() => parseImportOptions({ mode: 'merge' }))).toEqual({
      status: 400,
      message: 'invalid mode',
      error: "'mode' must be 'upsert' or 'create_only' or 'update_only', got 'merge'",
    });
    expect(refusal(() => parseImportOptions({ empty_cells: 'x' }))).toEqual(refusal(() => parseImportOptions({ empty_cells: 'x' })));
    expect(refusal(() => parseImportOptions({ dry_run: 'sure' }))).toEqual({
      status: 400,
      message: 'invalid dry_run',
      error: "'dry_run' must be true or false, got 'sure'",
    });
    expect(refusal(() => parseImportOptions({ mapping: { Nom: 'nickname' } }))).toEqual(
      refusal(() => parseImportOptions({ mapping: '{"Nom":"nickname"}' })),
    );
  });

  it('refuses JSON values of the wrong type with the option named', () => {
    expect(refusal(() => parseImportOptions({ mode: 3 }))).toMatchObject({ message: 'invalid mode' });
    expect(refusal(() => parseImportOptions({ dry_run: { yes: true } }))).toMatchObject({ message: 'invalid dry_run' });
    expect(refusal(() => parseImportOptions({ mapping: 5 }))).toMatchObject({ message: 'invalid mapping' });
  });
});

describe('parseImportOptionsObject', () => {
  it('takes the same options nested in an object, and nothing else', () => {
    expect(parseImportOptionsObject({ empty_cells: 'keep' })).toEqual({ emptyCells: 'keep' });
    expect(parseImportOptionsObject(undefined)).toEqual({});
    expect(refusal(() => parseImportOptionsObject({ emptycells: 'keep' }))).toEqual({
      status: 400,
      message: 'invalid import_options',
      error: "unknown import option 'emptycells'; the options are delimiter, mapping, dry_run, empty_cells, mode, encoding, sheet",
    });
    expect(refusal(() => parseImportOptionsObject('keep'))).toMatchObject({ message: 'invalid import_options' });
  });
});

describe('the stored options', () => {
  it('survive a JSON round trip (a job or user record) and give the pipeline its mapping', () => {
    const stored = JSON.parse(JSON.stringify(parseImportOptions({ mapping: { Nom: 'name' }, delimiter: 'tab', mode: 'update_only' })));
    const pipeline = pipelineOptionsOf(stored);
    expect(pipeline.delimiter).toBe('\t');
    expect(pipeline.mode).toBe('update_only');
    expect([...(pipeline.mapping ?? new Map())]).toEqual([['nom', 'name']]);
  });

  it('are shown with the request names and the defaults spelt out', () => {
    expect(importOptionsView(undefined)).toEqual({ dry_run: false, empty_cells: 'unset', mode: 'upsert' });
    expect(importOptionsView({ emptyCells: 'keep', encoding: 'utf-8' })).toEqual({
      dry_run: false,
      empty_cells: 'keep',
      mode: 'upsert',
      encoding: 'utf-8',
    });
  });
});
