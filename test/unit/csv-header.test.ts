import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { mapHeader, parseMappingField, readRecord } from '../../lib/csv/header.js';
import { InvalidCsvError } from '../../lib/errors.js';

function headerOf(file: string): string[] {
  const text = readFileSync(new URL(`../fixtures/${file}`, import.meta.url), 'utf8');
  return (parse(text, { bom: true, relax_column_count: true }) as string[][])[0] ?? [];
}

function targets(file: string): Record<string, number> {
  const header = mapHeader(headerOf(file));
  return Object.fromEntries([...header.columns, ...header.nameParts]);
}

describe('header presets', () => {
  it('recognises the current Google Contacts header and maps names, e-mail and phone', () => {
    const header = mapHeader(headerOf('headers/google-contacts_current_header.csv'));
    expect(header.preset).toBe('Google Contacts');
    expect(header.nameParts.map(([part]) => part)).toEqual(['firstname', 'middlename', 'lastname']);
    expect(Object.keys(targets('headers/google-contacts_current_header.csv'))).toEqual(
      expect.arrayContaining(['company', 'title', 'workemail', 'cellphone', 'notes', 'url']),
    );
  });

  it('recognises the legacy Google header and keeps its full Name column', () => {
    const header = mapHeader(headerOf('headers/google-contacts_legacy_header.csv'));
    expect(header.preset).toBe('Google Contacts (legacy)');
    expect(header.columns.find(([field]) => field === 'name')?.[1]).toBe(0);
  });

  it("recognises the English Outlook desktop header and leaves its honorific 'Title' out", () => {
    const header = mapHeader(headerOf('headers/outlook-desktop_en_header.csv'));
    expect(header.preset).toBe('Outlook');
    const mapped = targets('headers/outlook-desktop_en_header.csv');
    expect(mapped.title).toBe(7); // "Job Title", not column 0 "Title"
    expect(header.unknown).toContain('Title');
    expect(Object.keys(mapped)).toEqual(expect.arrayContaining(['workphone', 'cellphone', 'workemail', 'homeemail', 'workpob']));
  });

  it('recognises the Outlook.com header with its short country column names', () => {
    const header = mapHeader(headerOf('headers/outlook-com_header.csv'));
    expect(header.preset).toBe('Outlook');
    expect(Object.keys(targets('headers/outlook-com_header.csv'))).toEqual(expect.arrayContaining(['homecountry', 'workcountry', 'url']));
  });

  it('keeps a file of our own columns native even though Outlook also has title, company and notes', () => {
    const header = mapHeader(headerOf('nethcti-example-contacts.csv'));
    expect(header.preset).toBeUndefined();
    expect(header.columns).toHaveLength(26);
  });
});

describe('reading records', () => {
  it('stores first and last name and builds the name from them when there is no name column', () => {
    const header = mapHeader(['firstname', 'lastname', 'company']);
    expect(readRecord(header, ['Ada', 'Lovelace', 'Engines']).cells).toEqual({
      name: 'Ada Lovelace',
      firstname: 'Ada',
      lastname: 'Lovelace',
      company: 'Engines',
    });
  });

  it('keeps a given name and still stores first and last name', () => {
    const header = mapHeader(['name', 'first_name', 'middlename', 'last_name']);
    expect(readRecord(header, ['Countess Lovelace', 'Ada', 'Augusta', 'King']).cells).toEqual({
      name: 'Countess Lovelace',
      firstname: 'Ada',
      lastname: 'King',
    });
  });

  it('reads the columns of the newer reference schema', () => {
    const columns = ['name', 'job', 'facebook', 'instagram', 'linkedin', 'workphone2', 'cellphone2', 'otherphone', 'otheremail'];
    const header = mapHeader(columns);
    expect(header.unknown).toEqual([]);
    const values = ['A', 'Engineer', 'fb/a', 'ig/a', 'li/a', '+39 1', '+39 2', '+39 3', 'a@other.example'];
    expect(readRecord(header, values).cells).toEqual(Object.fromEntries(columns.map((column, i) => [column, values[i]])));
  });

  it("maps the presets' extra phones and e-mails to the second and other columns", () => {
    const outlook = mapHeader([
      'First Name',
      'Last Name',
      'Company',
      'Business Phone 2',
      'Mobile Phone 2',
      'Other Phone',
      'E-mail 3 Address',
    ]);
    expect(outlook.preset).toBe('Outlook');
    expect(readRecord(outlook, ['Ada', 'L', 'E', '1', '2', '3', 'o@x.example']).cells).toMatchObject({
      workphone2: '1',
      cellphone2: '2',
      otherphone: '3',
      otheremail: 'o@x.example',
    });
    const google = mapHeader(['First Name', 'Last Name', 'Phone 1 - Value', 'Phone 3 - Value', 'E-mail 3 - Value']);
    expect(google.preset).toBe('Google Contacts');
    expect(readRecord(google, ['Ada', 'L', '1', '3', 'o@x.example']).cells).toMatchObject({
      cellphone: '1',
      otherphone: '3',
      otheremail: 'o@x.example',
    });
  });

  it('carries only the columns of the header, so an update leaves the others alone', () => {
    const header = mapHeader(['id', 'cellphone']);
    expect(readRecord(header, ['0123456789abcdef0123456789abcdef', ''])).toEqual({
      id: '0123456789abcdef0123456789abcdef',
      cells: { cellphone: '' },
    });
  });

  it('refuses a header with neither a name, name parts nor an id', () => {
    expect(() => mapHeader(['email', 'phone'])).toThrow(InvalidCsvError);
  });

  it('lets a mapping rename a column and drop another', () => {
    const header = mapHeader(['Who', 'Title'], parseMappingField('{"who":"name","Title":null}'));
    expect(readRecord(header, ['Ada', 'Countess']).cells).toEqual({ name: 'Ada' });
    expect(header.unknown).toEqual(['Title']);
  });
});
