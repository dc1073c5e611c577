import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { CONTACT_FIELDS, type ContactField } from '../lib/contacts/fields.js';

/** What was written, so a stage can check its own counts against the file. */
export interface GeneratedCsv {
  path: string;
  rows: number;
  bytes: number;
  /** Rows the importer must skip as invalid (missing name, over-long phone, unknown type). */
  invalidRows: number;
  /** Valid rows that repeat an earlier row's name and company. */
  duplicateRows: number;
}

/**
 * mulberry32: small, fast and seeded, so every run of the benchmark reads the same file (and
 * the tests' fault proxy draws the same faults for the same seed).
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// About a third of the names are not ASCII: accents, Polish, Nordic, Greek, Cyrillic, CJK.
const FIRST_NAMES = [
  'John',
  'Jane',
  'Marco',
  'Giulia',
  'José',
  'Zoë',
  'Łukasz',
  'Søren',
  'Ana',
  'François',
  'Müller',
  'Björn',
  'Ιωάννης',
  'Дмитрий',
  '太郎',
  'Chloé',
  'Mehmet',
  'Ayşe',
  'Paul',
  'Maria',
  'Luca',
  'Sara',
  'Peter',
  'Olga',
  'Núria',
  'Ömer',
  'Fatima',
  'Kenji',
  'Laura',
  'Andrea',
  'Tomás',
  'Eva',
  'David',
  'Ingrid',
  'Rafael',
  'Emma',
  'Noah',
  'Léa',
  'Ivan',
  'Hana',
  'Pietro',
  'Elena',
  'Jürgen',
  'Agnieszka',
  'Mateo',
  'Sofia',
  'Lars',
  'Anaïs',
  'Ali',
  'Mia',
  'George',
  'Chiara',
  'Hugo',
  'Alice',
  'Oscar',
  'Irene',
  'Felix',
  'Nina',
  'Diego',
  'Lucía',
];
const LAST_NAMES = [
  'Smith',
  'Rossi',
  'García',
  'Müller',
  'Kowalski',
  'Żółć',
  'Jensen',
  'Dubois',
  'Papadopoulos',
  'Иванов',
  '山田',
  'Yılmaz',
  'Bianchi',
  'Fernández',
  'Nowak',
  'Ødegaard',
  'Martin',
  'Schmidt',
  'Costa',
  'Silva',
  'Brown',
  'Ferrari',
  'López',
  'Wagner',
  'Lewandowski',
  'Nielsen',
  'Lefèvre',
  'Georgiou',
  'Петров',
  '佐藤',
  'Demir',
  'Romano',
  'Martínez',
  'Becker',
  'Wiśniewski',
  'Hansen',
  'Moreau',
  'Nikolaidis',
  'Соколов',
  '鈴木',
  'Kaya',
  'Colombo',
  'Sánchez',
  'Hoffmann',
  'Wójcik',
  'Larsen',
  'Girard',
  'Vlachos',
  'Попов',
  '高橋',
  'Öztürk',
  'Ricci',
  'Gómez',
  'Schäfer',
  'Kamiński',
  'Pedersen',
  'Bonnet',
  'Dimitriou',
  'Лебедев',
  '田中',
];
const COMPANIES = [
  'Nethesis S.r.l.',
  'Acme GmbH',
  'Rossi & Figli S.p.A.',
  'Café Lumière SARL',
  'Żabka Polska',
  'Nordisk Fjør A/S',
  'Ελληνικά Τρόφιμα ΑΕ',
  'ООО Ромашка',
  '株式会社サンプル',
  'Initech Inc.',
];
const TITLES = ['Sales Manager', 'CTO', 'Accountant', 'Support Engineer', 'Directeur général', 'Geschäftsführer', 'Office Manager'];
const CITIES = ['Pesaro', 'Milano', 'München', 'Kraków', 'København', 'Paris', 'Αθήνα', 'Москва', '東京', 'Springfield'];
const STREETS = ['Via degli Olmi', 'Hauptstraße', 'ul. Marszałkowska', 'Rue de la Paix', 'Nørregade', 'Main Street'];
const COUNTRIES = ['Italy', 'Germany', 'Poland', 'Denmark', 'France', 'Greece', 'Russia', 'Japan', 'USA'];
const NOTES = [
  'Prefers e-mail',
  'Met at the trade fair, "very interested" in the PBX offer',
  'Call after 3pm, not on Fridays',
  'Second line:\nask for the accounting office, then extension 12',
  'Invoices go to the head office, not to this branch',
];

/** A field value as CSV writes it: quoted when it holds a separator, a quote or a line break. */
function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const digits = (random: () => number, count: number): string => {
  let out = '';
  for (let i = 0; i < count; i++) out += Math.floor(random() * 10);
  return out;
};
const asciiSlug = (text: string): string =>
  text
    .normalize('NFD')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase() || 'contact';

type Row = Record<ContactField, string>;

/**
 * Row `index` always gets the same identity (first name, last name and company branch are
 * digits of the index), so identities never collide by chance; duplicates are injected on purpose.
 */
function contactRow(index: number, random: () => number): Row {
  const first = FIRST_NAMES[index % FIRST_NAMES.length] as string;
  const last = LAST_NAMES[Math.floor(index / FIRST_NAMES.length) % LAST_NAMES.length] as string;
  const branch = Math.floor(index / (FIRST_NAMES.length * LAST_NAMES.length));
  const companyName = COMPANIES[index % COMPANIES.length] as string;
  const domain = `${asciiSlug(companyName)}.example`;
  const row = Object.fromEntries(CONTACT_FIELDS.map((field) => [field, ''])) as Row;
  const has = (share: number) => random() < share;
  row.name = `${first} ${last}`;
  // "Acme GmbH, branch 12": a comma in about every company, so most rows have a quoted field.
  row.company = `${companyName}, branch ${branch}`;
  row.workemail = `${asciiSlug(first)}.${asciiSlug(last)}${branch}@${domain}`;
  if (has(0.4)) row.homeemail = `${asciiSlug(first)}${digits(random, 3)}@mail.example`;
  row.workphone = `+39 0721 ${digits(random, 6)}`;
  if (has(0.3)) row.homephone = `+39 06 ${digits(random, 7)}`;
  if (has(0.7)) row.cellphone = `+39 3${digits(random, 2)} ${digits(random, 7)}`;
  if (has(0.1)) row.fax = `+39 0721 ${digits(random, 6)}`;
  if (has(0.6)) row.title = pick(random, TITLES);
  if (has(0.15)) row.notes = pick(random, NOTES);
  if (has(0.3)) {
    row.homestreet = `${pick(random, STREETS)}, ${1 + Math.floor(random() * 200)}`;
    row.homecity = pick(random, CITIES);
    row.homepostalcode = digits(random, 5);
    row.homecountry = pick(random, COUNTRIES);
  }
  if (has(0.05)) row.homepob = digits(random, 4);
  if (has(0.8)) {
    row.workstreet = `${pick(random, STREETS)}, ${1 + Math.floor(random() * 200)}`;
    row.workcity = pick(random, CITIES);
    row.workprovince = has(0.5) ? 'PU' : '';
    row.workpostalcode = digits(random, 5);
    row.workcountry = pick(random, COUNTRIES);
  }
  if (has(0.05)) row.workpob = digits(random, 4);
  if (has(0.2)) row.url = `https://www.${domain}/`;
  if (has(0.3)) row.extension = digits(random, 3);
  if (has(0.1)) row.speeddial_num = digits(random, 2);
  const type = random();
  row.type = type < 0.45 ? 'public' : type < 0.9 ? 'private' : '';
  return row;
}

/** Breaks a valid row in one of the ways real files are broken. */
function invalidate(row: Row, random: () => number): void {
  const kind = random();
  if (kind < 0.4) row.name = '';
  else if (kind < 0.7) row.workphone = `+39 0721 ${digits(random, 30)}`;
  else row.type = 'shared';
}

/**
 * Writes a realistic phonebook CSV of `rows` data rows (plus the header) to `path`: every
 * column, mixed public and private contacts, about 2% invalid rows, about 0.5% in-file
 * duplicates, quoted fields with commas, quotes and line breaks, and non-ASCII names.
 */
export async function generateCsv(path: string, rows: number, seed = 5): Promise<GeneratedCsv> {
  const random = seededRandom(seed);
  const out = createWriteStream(path);
  let bytes = 0;
  let invalidRows = 0;
  let duplicateRows = 0;
  const write = async (text: string): Promise<void> => {
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(`${CONTACT_FIELDS.join(',')}\r\n`);
  let chunk = '';
  for (let index = 0; index < rows; index++) {
    const roll = random();
    let row: Row;
    if (roll < 0.005 && index > 0) {
      // The same person again, perhaps with a new phone number: de-duplicated, not imported twice.
      row = contactRow(Math.floor(random() * index), random);
      duplicateRows++;
    } else {
      row = contactRow(index, random);
      if (roll > 0.98) {
        invalidate(row, random);
        invalidRows++;
      }
    }
    chunk += `${CONTACT_FIELDS.map((field) => csvCell(row[field])).join(',')}\r\n`;
    if (chunk.length > 64 * 1024) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk);
  out.end();
  await once(out, 'finish');
  return { path, rows, bytes, invalidRows, duplicateRows };
}
