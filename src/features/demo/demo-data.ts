/**
 * Demo data: a believable caseload for every authority, so that someone trying Front Door
 * can sign in and see search, family composition, chronologies, accumulation flags and the
 * decisions queue with something in them.
 *
 * Everything here is synthetic. Names come from lists of common given names and surnames,
 * NHS numbers are in the 999 test range, phone numbers in Ofcom's drama ranges and email
 * addresses on example domains, so nothing can reach or identify a real family.
 *
 * The content is generated from a seeded PRNG, so the same seed and `now` give the same
 * families and conversations every time (only the row ids differ). The whole set goes in
 * one transaction: a crash part-way leaves nothing behind and the next start tries again.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Insertable, type InsertObject } from 'kysely';
import type { AuthorityProfile } from '../../domain/authority-profile.js';
import { CONSENT_NOT_SOUGHT_REASONS, IMMEDIACY_OPTIONS, LAWFUL_BASES } from '../../domain/codes.js';
import { addDays, dayOfWeek, daysBetween, londonDateOf, londonWallTimeToInstant } from '../../domain/dates.js';
import { nameSearchText } from '../../domain/names.js';
import { MatchingService, personMatchInput } from '../matching/matching.service.js';
import { isValidNhsNumber, nhsNumberCheckDigit } from '../../domain/nhs-number.js';
import { normaliseUkPhone } from '../../domain/phone.js';
import { upnCheckLetter } from '../../domain/upn.js';
import { needsPrimaryNeed } from '../../domain/cin-census.js';
import { CalendarCoverageError, decisionDeadline, type WorkingCalendar } from '../../domain/working-days.js';
import { hashPassword } from '../../platform/auth/passwords.js';
import { AuthorityProfiles } from '../../platform/authorities.js';
import { ServiceCalendars } from '../../platform/calendars.js';
import type { ServiceCalendar } from '../../domain/service-calendar.js';
import { outOfHoursFields } from '../handover/out-of-hours.js';
import type { Database, Executor, Tx } from '../../platform/db/database.js';
import type {
  ConversationChildrenTable,
  ConversationsTable,
  ConversationVersionsTable,
  DB,
  DecisionsTable,
  HouseholdsTable,
  PersonAliasesTable,
  PersonsTable,
  RelationshipsTable,
  UsersTable,
} from '../../platform/db/schema.js';

export const DEMO_PASSWORD = 'front-door-demo';

export interface DemoUser {
  email: string;
  role: string;
  authorityId: string;
  displayName: string;
}

export interface LoadDemoDataOptions {
  profiles: AuthorityProfile[];
  now: Date;
  calendar: WorkingCalendar;
  /** Each authority's service calendar, for the out-of-hours handover; read from config/calendar/ when not given. */
  calendars?: ServiceCalendars;
  seed?: number;
}

const DEFAULT_SEED = 1989; // the Children Act
const INSERT_CHUNK = 500;
const HISTORY_DAYS = 548; // 18 months
const COMPLETED_CONVERSATIONS_PER_AUTHORITY = 400;
const EDT_CONVERSATIONS_PER_AUTHORITY = 12;
// Households by number of children: 130 households, about 234 children.
const HOUSEHOLD_SIZES: readonly (readonly [number, number])[] = [
  [1, 60],
  [2, 44],
  [3, 18],
  [4, 8],
];

// ---------------------------------------------------------------------------
// Staff
// ---------------------------------------------------------------------------

type StaffKey = 'cads1' | 'cads2' | 'manager' | 'mash' | 'police' | 'health' | 'education' | 'edt' | 'mi' | 'admin' | 'ambulance' | 'locality' | 'earlyhelp';

const STAFF: readonly { key: StaffKey; local: string; role: string; jobTitle: (p: AuthorityProfile) => string }[] = [
  { key: 'cads1', local: 'cads.worker', role: 'cads-worker', jobTitle: (p) => `Senior social worker, ${p.service.shortName}` },
  { key: 'cads2', local: 'cads.worker2', role: 'cads-worker', jobTitle: (p) => `Social worker, ${p.service.shortName}` },
  { key: 'manager', local: 'team.manager', role: 'team-manager', jobTitle: (p) => `Team manager, ${p.service.shortName}` },
  { key: 'mash', local: 'mash.coordinator', role: 'mash-coordinator', jobTitle: () => 'MASH coordinator' },
  { key: 'police', local: 'police', role: 'partner-practitioner', jobTitle: () => 'Police constable, MASH' },
  { key: 'health', local: 'health', role: 'partner-practitioner', jobTitle: () => 'Safeguarding nurse, MASH' },
  { key: 'education', local: 'education', role: 'partner-practitioner', jobTitle: () => 'Education safeguarding officer, MASH' },
  { key: 'edt', local: 'edt.worker', role: 'edt-worker', jobTitle: (p) => `Social worker, ${p.edt.name}` },
  { key: 'mi', local: 'mi.analyst', role: 'mi-analyst', jobTitle: () => 'Performance and MI analyst' },
  { key: 'admin', local: 'admin', role: 'administrator', jobTitle: () => 'Systems administrator' },
  // An emergency service: may send written referrals (the one exception to "phone us").
  { key: 'ambulance', local: 'ambulance', role: 'partner-practitioner', jobTitle: () => 'Paramedic, ambulance service safeguarding team' },
  // A social worker outside the front door who is some children's allocated worker.
  { key: 'locality', local: 'locality.worker', role: 'cads-worker', jobTitle: () => 'Social worker, children in need locality team' },
  { key: 'earlyhelp', local: 'early.help', role: 'early-help-practitioner', jobTitle: () => 'Early Help practitioner' },
];

const STAFF_NAMES: Record<string, Record<StaffKey, string>> = {
  norfolk: {
    cads1: 'Jo Whitfield',
    cads2: 'Priya Desai',
    manager: 'Mark Ellison',
    mash: 'Helen Brightwell',
    police: 'Tom Redgrave',
    health: 'Grace Okafor',
    education: 'Martin Lowe',
    edt: 'Chris Delaney',
    mi: 'Nina Farrow',
    admin: 'Alex Byrne',
    ambulance: 'Kerry Ashdown',
    locality: 'Olu Adeyemi',
    earlyhelp: 'Sophie Lintott',
  },
  'stoke-on-trent': {
    cads1: 'Rachel Boulton',
    cads2: 'Imran Qureshi',
    manager: 'Gary Cartlidge',
    mash: 'Lorraine Stubbs',
    police: 'Dave Hollins',
    health: 'Shabana Akhtar',
    education: 'Lee Barlow',
    edt: 'Beth Machin',
    mi: 'Ravi Sandhu',
    admin: 'Sue Plant',
    ambulance: 'Wayne Tunstall',
    locality: 'Kirsty Bloor',
    earlyhelp: 'Angela Dean',
  },
  staffordshire: {
    cads1: 'Hannah Yates',
    cads2: 'Tariq Mahmood',
    manager: 'Diane Forrester',
    mash: 'Claire Bettany',
    police: 'Steve Wardle',
    health: 'Fiona Beech',
    education: 'Adam Corbett',
    edt: 'Megan Lowe',
    mi: 'Paul Hickman',
    admin: 'Jan Ridgway',
    ambulance: 'Mark Salt',
    locality: 'Leanne Wood',
    earlyhelp: 'Joanne Fox',
  },
};

const DEFAULT_STAFF_NAMES: Record<StaffKey, string> = {
  cads1: 'Sam Fielding',
  cads2: 'Ama Boateng',
  manager: 'Jon Ashby',
  mash: 'Kate Rowley',
  police: 'Neil Pryce',
  health: 'Ruth Kendal',
  education: 'Ian Sowerby',
  edt: 'Fran Doyle',
  mi: 'Owen Marsh',
  admin: 'Pat Quinn',
  ambulance: 'Lee Harker',
  locality: 'Dawn Pickering',
  earlyhelp: 'Rob Tennant',
};

const EMAIL_DOMAINS: Record<string, string> = {
  norfolk: 'norfolk.example',
  'stoke-on-trent': 'stoke.example',
  staffordshire: 'staffordshire.example',
};

function emailDomain(profile: AuthorityProfile): string {
  return EMAIL_DOMAINS[profile.id] ?? `${profile.id}.example`;
}

function staffName(profile: AuthorityProfile, key: StaffKey): string {
  return (STAFF_NAMES[profile.id] ?? DEFAULT_STAFF_NAMES)[key];
}

/** The demo accounts, in the order they are printed at start-up. All use DEMO_PASSWORD. */
export function demoUsers(profiles: AuthorityProfile[]): DemoUser[] {
  return profiles.flatMap((p) =>
    STAFF.map((s) => ({
      email: `${s.local}@${emailDomain(p)}`,
      role: s.role,
      authorityId: p.id,
      displayName: staffName(p, s.key),
    })),
  );
}

// ---------------------------------------------------------------------------
// Seeded randomness
// ---------------------------------------------------------------------------

/** mulberry32: tiny, fast and good enough to make data look varied. */
class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Whole number from min to max inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((s, [, w]) => s + w, 0);
    let r = this.next() * total;
    for (const [item, w] of items) {
      r -= w;
      if (r < 0) return item;
    }
    return (items[items.length - 1] as readonly [T, number])[0];
  }
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [items[i], items[j]] = [items[j] as T, items[i] as T];
    }
    return items;
  }
}

/** FNV-1a, so each authority gets its own stream and adding a profile does not reshuffle the others. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

// ---------------------------------------------------------------------------
// Names, places and other local colour
// ---------------------------------------------------------------------------

type Weighted<T> = readonly (readonly [T, number])[];

interface NameGroup {
  surnames: readonly string[];
  girls: readonly string[];
  boys: readonly string[];
  women: readonly string[];
  men: readonly string[];
  grandmothers: readonly string[];
  grandfathers: readonly string[];
  ethnicity: Weighted<string>;
  adultLanguage: Weighted<string>;
  /** Chance a child's first language is the family's rather than English. */
  childKeepsLanguage: number;
}

type GroupKey = 'british' | 'south-asian' | 'polish' | 'portuguese' | 'west-african';

const NAME_GROUPS: Record<GroupKey, NameGroup> = {
  british: {
    surnames: [
      'Smith', 'Jones', 'Williams', 'Taylor', 'Brown', 'Davies', 'Wilson', 'Evans', 'Thomas', 'Johnson',
      'Roberts', 'Walker', 'Wright', 'Robinson', 'Thompson', 'White', 'Hughes', 'Edwards', 'Green', 'Hall',
      'Wood', 'Harris', 'Lewis', 'Martin', 'Jackson', 'Clarke', 'Turner', 'Hill', 'Scott', 'Cooper',
      'Morris', 'Ward', 'Moore', 'King', 'Watson', 'Baker', 'Harrison', 'Morgan', 'Young', 'Allen',
      'Mitchell', 'Bell', 'Kelly', 'Cook', 'Carter', 'Murphy', 'Bailey', 'Cox', 'Shaw', 'Chapman',
      'Mills', 'Fisher', 'Barker', 'Sutton', 'Pearce', 'Howard', 'Dawson', 'Gibson', 'Lambert', 'Hart',
      "O'Brien", "O'Connor", 'McDonald', 'Doherty', 'Smith-Jones', 'Taylor-Brown',
    ],
    girls: [
      'Amelia', 'Olivia', 'Isla', 'Ava', 'Mia', 'Ivy', 'Lily', 'Freya', 'Florence', 'Evie', 'Poppy', 'Ellie',
      'Libby', 'Ruby', 'Daisy', 'Millie', 'Kayleigh', 'Grace', 'Rosie', 'Willow', 'Sophie', 'Chloe', 'Amber',
      'Lacey', 'Maisie', 'Harper', 'Summer', 'Phoebe', 'Scarlett', 'Jessica', 'Leah', 'Eleanor', 'Megan',
      'Courtney', 'Tilly', 'Darcey', 'Skye', 'Bella',
    ],
    boys: [
      'Oliver', 'George', 'Arthur', 'Noah', 'Leo', 'Harry', 'Oscar', 'Archie', 'Henry', 'Theo', 'Freddie',
      'Alfie', 'Jack', 'Charlie', 'Jacob', 'Thomas', 'Liam', 'Tyler', 'Riley', 'Kai', 'Ethan', 'Logan',
      'Mason', 'Harrison', 'Jayden', 'Reggie', 'Tommy', 'Ronnie', 'Bobby', 'Louie', 'Callum', 'Connor',
      'Kyle', 'Brandon', 'Jake', 'Dylan', 'Lewis', 'Finley',
    ],
    women: [
      'Kerry', 'Gemma', 'Sarah', 'Emma', 'Laura', 'Claire', 'Nicola', 'Stacey', 'Danielle', 'Kelly', 'Jade',
      'Amy', 'Rebecca', 'Charlotte', 'Hayley', 'Lisa', 'Samantha', 'Leanne', 'Natalie', 'Joanne', 'Tracey',
      'Donna', 'Michelle', 'Kayleigh', 'Chelsea', 'Shannon', 'Jodie', 'Zoe', 'Vicky', 'Carly',
    ],
    men: [
      'Lee', 'Darren', 'Craig', 'Dean', 'Wayne', 'Jamie', 'Daniel', 'Matthew', 'James', 'Ryan', 'Luke',
      'Ashley', 'Carl', 'Mark', 'Paul', 'Stuart', 'Gary', 'Scott', 'Kieran', 'Shane', 'Adam', 'Chris',
      'Jason', 'Richard', 'Steven', 'Aaron', 'Jordan', 'Nathan', 'Ricky', 'Liam',
    ],
    grandmothers: ['Margaret', 'Susan', 'Linda', 'Patricia', 'Jean', 'Brenda', 'Maureen', 'Christine', 'Carol', 'Sandra', 'Pauline', 'Janet'],
    grandfathers: ['John', 'David', 'Michael', 'Peter', 'Keith', 'Barry', 'Terry', 'Graham', 'Brian', 'Colin', 'Roy', 'Trevor'],
    ethnicity: [
      ['WBRI', 82], ['WIRI', 2], ['WIRT', 1], ['WOTH', 2], ['WROM', 1], ['MWBC', 4], ['MWBA', 2],
      ['MWAS', 1], ['MOTH', 2], ['BCRB', 1], ['NOBT', 2],
    ],
    adultLanguage: [['English', 1]],
    childKeepsLanguage: 1,
  },
  'south-asian': {
    surnames: ['Khan', 'Patel', 'Hussain', 'Ali', 'Ahmed', 'Iqbal', 'Mahmood', 'Akhtar', 'Shah', 'Rahman', 'Chowdhury'],
    girls: ['Aisha', 'Maryam', 'Zara', 'Hafsa', 'Inaya', 'Amira', 'Fatima', 'Khadija', 'Zainab', 'Anaya', 'Aleena', 'Safa'],
    boys: ['Mohammed', 'Muhammad', 'Ibrahim', 'Yusuf', 'Zayn', 'Ayaan', 'Hamza', 'Adam', 'Musa', 'Rayyan', 'Idris'],
    women: ['Aisha', 'Fatima', 'Nadia', 'Shazia', 'Saima', 'Rubina', 'Samina', 'Farzana', 'Nasreen', 'Sadia'],
    men: ['Imran', 'Tariq', 'Asif', 'Shahid', 'Zahid', 'Kamran', 'Nadeem', 'Faisal', 'Waqar', 'Adnan'],
    grandmothers: ['Parveen', 'Shamim', 'Razia', 'Zubeida'],
    grandfathers: ['Abdul', 'Bashir', 'Rashid', 'Hanif'],
    ethnicity: [['APKN', 55], ['ABAN', 18], ['AIND', 12], ['AOTH', 5], ['MWAS', 4], ['NOBT', 6]],
    adultLanguage: [['English', 35], ['Urdu', 40], ['Punjabi', 15], ['Bengali', 10]],
    childKeepsLanguage: 0.15,
  },
  polish: {
    surnames: ['Nowak', 'Kowalczyk', 'Wójcik', 'Mazur', 'Krawczyk', 'Zając', 'Kaczmarek', 'Sikora', 'Baran', 'Dudek'],
    girls: ['Zofia', 'Julia', 'Lena', 'Maja', 'Hanna', 'Alicja', 'Oliwia', 'Wiktoria', 'Natalia'],
    boys: ['Jakub', 'Filip', 'Kacper', 'Szymon', 'Antoni', 'Jan', 'Aleksander', 'Mikołaj', 'Wojciech'],
    women: ['Agnieszka', 'Katarzyna', 'Joanna', 'Magdalena', 'Monika', 'Anna', 'Ewa', 'Marta', 'Karolina', 'Justyna'],
    men: ['Piotr', 'Tomasz', 'Paweł', 'Marcin', 'Krzysztof', 'Łukasz', 'Michał', 'Grzegorz', 'Dawid', 'Adrian'],
    grandmothers: ['Danuta', 'Halina', 'Krystyna'],
    grandfathers: ['Zbigniew', 'Stanisław', 'Jerzy'],
    ethnicity: [['WOTH', 90], ['NOBT', 10]],
    adultLanguage: [['Polish', 85], ['English', 15]],
    childKeepsLanguage: 0.4,
  },
  portuguese: {
    surnames: ['Silva', 'Santos', 'Ferreira', 'Pereira', 'Costa', 'Oliveira', 'Rodrigues', 'Martins', 'Sousa', 'Gomes'],
    girls: ['Beatriz', 'Leonor', 'Matilde', 'Carolina', 'Mariana', 'Inês', 'Lara', 'Sofia'],
    boys: ['Tomás', 'Santiago', 'Duarte', 'Rodrigo', 'Gonçalo', 'Francisco', 'Martim', 'Lucas'],
    women: ['Ana', 'Catarina', 'Joana', 'Sara', 'Rita', 'Patrícia', 'Daniela', 'Cláudia'],
    men: ['João', 'Pedro', 'Tiago', 'Rui', 'Nuno', 'Bruno', 'Luís', 'Ricardo'],
    grandmothers: ['Maria', 'Fernanda', 'Rosa'],
    grandfathers: ['Manuel', 'José', 'António'],
    ethnicity: [['WOTH', 88], ['MOTH', 4], ['NOBT', 8]],
    adultLanguage: [['Portuguese', 80], ['English', 20]],
    childKeepsLanguage: 0.35,
  },
  'west-african': {
    surnames: ['Okafor', 'Adeyemi', 'Mensah', 'Osei', 'Nwosu', 'Bello', 'Asante', 'Okonkwo'],
    girls: ['Amara', 'Chioma', 'Ada', 'Esi', 'Abena', 'Zuri', 'Nia', 'Imani'],
    boys: ['Tobi', 'Kwame', 'Chidi', 'Kofi', 'Femi', 'Jayden', 'Daniel', 'David'],
    women: ['Ngozi', 'Funmi', 'Grace', 'Blessing', 'Akosua', 'Chiamaka', 'Joy', 'Esther'],
    men: ['Emeka', 'Kwabena', 'Olu', 'Samuel', 'Tunde', 'Yaw', 'Chinedu', 'Kofi'],
    grandmothers: ['Comfort', 'Patience', 'Felicia'],
    grandfathers: ['Joseph', 'Emmanuel', 'Kwasi'],
    ethnicity: [['BAFR', 85], ['MWBA', 5], ['NOBT', 10]],
    adultLanguage: [['English', 70], ['Yoruba', 10], ['Twi', 10], ['Igbo', 10]],
    childKeepsLanguage: 0.05,
  },
};

/** Familiar and formal forms, used for the "known as" aliases workers search by. */
const NAME_VARIANTS: Record<string, string> = {
  Ellie: 'Eleanor', Eleanor: 'Ellie', Alfie: 'Alfred', Libby: 'Elizabeth', Freddie: 'Frederick',
  Archie: 'Archibald', Evie: 'Evelyn', Charlie: 'Charles', Harry: 'Henry', Tommy: 'Thomas',
  Thomas: 'Tom', Ronnie: 'Ronald', Bobby: 'Robert', Reggie: 'Reginald', Kayleigh: 'Kaylee',
  Mohammed: 'Muhammad', Muhammad: 'Mohammed', Louie: 'Louis', Maisie: 'Margaret', Rosie: 'Rose',
  Tilly: 'Matilda', Millie: 'Amelia', Jake: 'Jacob', Sophie: 'Sophia', Zofia: 'Sophie', Jakub: 'Jacob',
};

const STREETS = [
  'Oak Road', 'Church Lane', 'Station Road', 'Victoria Street', 'Park Avenue', 'Mill Lane', 'Queens Road',
  'Chapel Street', 'Manor Close', 'Elm Grove', 'Beech Drive', 'Windsor Road', 'Orchard Way', 'Springfield Road',
  'Nelson Street', 'Market Street', 'Albert Road', 'Cedar Close', 'Meadow Way', 'Hawthorn Avenue', 'Brook Street',
  'Kingfisher Close', 'Primrose Lane', 'High Street', 'New Road', 'Ash Grove', 'Rowan Way', 'Highfield Road',
  'The Green', 'Willow Crescent',
];
const BLOCKS = ['Beacon House', 'Mill Court', 'Riverside House', 'Tower View', 'Sycamore Court', 'Jubilee House'];

interface Locale {
  /** DfE local authority number, the second to fourth characters of a UPN. */
  laNumber: string;
  places: Weighted<{ town: string; outwards: readonly string[] }>;
  groups: Weighted<GroupKey>;
  primarySchools: readonly string[];
  secondarySchools: readonly string[];
  nurseries: readonly string[];
  colleges: readonly string[];
  gpPractices: readonly string[];
}

// School and surgery names are invented so that no real setting is named in a made-up concern.
const LOCALES: Record<string, Locale> = {
  norfolk: {
    laNumber: '926',
    places: [
      [{ town: 'Norwich', outwards: ['NR1', 'NR2', 'NR3', 'NR4', 'NR5', 'NR6', 'NR7'] }, 6],
      [{ town: 'Great Yarmouth', outwards: ['NR29', 'NR30', 'NR31'] }, 2],
      // King's Lynn's real district is PE30; an NR code there would fail a sense check.
      [{ town: "King's Lynn", outwards: ['PE30'] }, 2],
      [{ town: 'Dereham', outwards: ['NR19', 'NR20'] }, 1],
      [{ town: 'Cromer', outwards: ['NR27'] }, 1],
    ],
    groups: [['british', 84], ['polish', 5], ['portuguese', 4], ['west-african', 4], ['south-asian', 3]],
    primarySchools: ['Oakfield Primary School', 'Meadow View Primary School', 'Kingfisher Primary Academy', "St Catherine's CE Primary School", 'Brambleside Infant and Junior School', 'Marshland Primary School'],
    secondarySchools: ['Harbourside Academy', 'Fernhill High School', 'Saxon Fields Academy'],
    nurseries: ['Little Acorns Nursery', 'Puddle Ducks Pre-school'],
    colleges: ['Broadland Sixth Form College'],
    gpPractices: ['Riverside Medical Practice', 'The Orchard Surgery', 'Market Street Health Centre', 'Oak Tree Surgery'],
  },
  'stoke-on-trent': {
    laNumber: '861',
    places: [
      [{ town: 'Stoke-on-Trent', outwards: ['ST2', 'ST4', 'ST6'] }, 5],
      [{ town: 'Hanley', outwards: ['ST1'] }, 2],
      [{ town: 'Longton', outwards: ['ST3'] }, 2],
    ],
    groups: [['british', 74], ['south-asian', 14], ['polish', 6], ['west-african', 4], ['portuguese', 2]],
    primarySchools: ['Kiln Lane Primary School', 'Potters Way Primary Academy', 'St Chad’s RC Primary School', 'Hillside Infant and Junior School', 'Canal Side Primary School'],
    secondarySchools: ['Marl Pit High School', 'Trentside Academy', 'Five Towns Academy'],
    nurseries: ['Busy Bees Day Nursery', 'Rainbow Pre-school'],
    colleges: ['Potteries Sixth Form College'],
    gpPractices: ['Wharf Road Surgery', 'The Kilns Medical Centre', 'Bank Top Health Centre', 'Parkway Surgery'],
  },
  staffordshire: {
    laNumber: '860',
    places: [
      [{ town: 'Stafford', outwards: ['ST16', 'ST17'] }, 3],
      [{ town: 'Cannock', outwards: ['WS11', 'WS12'] }, 2],
      [{ town: 'Burton upon Trent', outwards: ['DE13', 'DE14'] }, 2],
      [{ town: 'Newcastle-under-Lyme', outwards: ['ST5'] }, 2],
      [{ town: 'Leek', outwards: ['ST13'] }, 1],
    ],
    groups: [['british', 88], ['south-asian', 5], ['polish', 4], ['west-african', 2], ['portuguese', 1]],
    primarySchools: ['Chase View Primary School', 'Weeping Cross Primary Academy', 'Moorland Edge Primary School', 'St Editha’s CE Primary School', 'Brook Meadow Infant and Junior School'],
    secondarySchools: ['Cannock Chase High School', 'Trent Valley Academy', 'Moorlands Academy'],
    nurseries: ['Tiny Steps Day Nursery', 'Little Owls Pre-school'],
    colleges: ['Stafford Sixth Form College'],
    gpPractices: ['Castle Street Surgery', 'The Chase Medical Practice', 'Trentside Health Centre', 'Moorland Road Surgery'],
  },
};

function emailLocalPart(name: string): string {
  return name
    .replace(/^Dr /, '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z]+/g, '.')
    .replace(/^\.+|\.+$/g, '');
}

function localeFor(profile: AuthorityProfile): Locale {
  // Any other authority gets Norfolk's colour; the demo ships for the two reviewed profiles.
  return LOCALES[profile.id] ?? (LOCALES.norfolk as Locale);
}

const POSTCODE_UNIT_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ';

// Names that the README points at: no generated person may share them, so they stay findable.
const RESERVED_NAMES = new Set([
  'ellie smith-jones', 'eleanor smith-jones', 'alfie smith-jones', 'kerry smith-jones', 'poppy turner', 'libby hart',
]);

// ---------------------------------------------------------------------------
// Conversation content
// ---------------------------------------------------------------------------

const CONCERN_WEIGHTS: Record<string, number> = {
  neglect: 20, 'domestic-abuse': 18, 'emotional-abuse': 9, 'physical-abuse': 10, 'parenting-mental-health': 10,
  'parenting-substance-misuse': 8, 'child-exploitation': 6, 'sexual-abuse': 4, 'escalating-concerns': 8, other: 6,
};

/** A line of generated text and the ages of child it can be said about (a baby does not tell a teacher). */
interface Line {
  text: string;
  minAge?: number;
  maxAge?: number;
}
type Lines = readonly (string | Line)[];

const CONCERN_DETAIL: Record<string, Lines> = {
  neglect: [
    { text: '{name} has arrived at school hungry and in the same clothes most days this week.', minAge: 4 },
    'Home conditions described as poor on a home visit: dog mess on the floor and little food in the cupboards.',
    { text: '{name} has missed three health appointments and toothache has not been followed up.', minAge: 2 },
    { text: 'Attendance has dropped to 78% and {name} is often collected late and by different adults.', minAge: 4 },
    { text: '{name} has severe nappy rash and has not been weighed since the six-week check.', maxAge: 2 },
  ],
  'physical-abuse': [
    { text: '{name} has a bruise to the cheek and said it happened when mum’s partner was angry.', minAge: 3 },
    'Unexplained bruising to {name}’s upper arm, noticed today.',
    { text: '{name} said dad hits them with a slipper when they are naughty.', minAge: 4 },
    { text: 'Bruise to the ear of a baby who is not yet crawling; parents gave no explanation.', maxAge: 0 },
  ],
  'sexual-abuse': [
    { text: '{name} told a teacher that an older boy has been sending messages asking for pictures.', minAge: 10 },
    { text: '{name} has been using sexualised language and behaviour not expected for their age.', minAge: 3 },
    'Mum’s new partner has a conviction for sexual offences against a child and is staying at the house.',
  ],
  'emotional-abuse': [
    { text: '{name} says they are shouted at and called names at home every day.', minAge: 5 },
    { text: '{name} is withdrawn and says nobody at home talks to them unless they are in trouble.', minAge: 5 },
    'Parents were heard threatening to "put {name} in care" and calling them a nuisance.',
  ],
  'domestic-abuse': [
    'Police attended a domestic incident at the address overnight; the children were in the house.',
    'Mum disclosed to the caller that her partner controls the money and who she sees.',
    { text: '{name} told staff they hid upstairs while mum and her boyfriend were fighting.', minAge: 5 },
    'A neighbour has heard shouting and things being thrown at the address most weekends.',
  ],
  'child-exploitation': [
    { text: '{name} has been going missing overnight and came back with new trainers and a second phone.', minAge: 10 },
    { text: '{name} has been seen getting into cars with older males near the bus station.', minAge: 10 },
    { text: '{name} was found in another town with cash and cannot explain how they got there.', minAge: 10 },
  ],
  'parenting-substance-misuse': [
    'Dad appeared under the influence of alcohol when collecting {name}.',
    'Drug paraphernalia seen in the garden and people coming and going at night.',
    'Mum has relapsed into heroin use according to her drug worker.',
  ],
  'parenting-mental-health': [
    'Mum has told her GP she is struggling with low mood and some days cannot get out of bed.',
    'Dad was detained under the Mental Health Act last night; mum is managing the children alone.',
    { text: '{name} is a young carer for mum, who has bipolar disorder, and is missing school.', minAge: 8 },
  ],
  'escalating-concerns': [
    'Early Help plan in place for six months with little change; things are getting worse, not better.',
    'Third call about this family this year; they have stopped engaging with the family support worker.',
  ],
  other: [
    'The family are being evicted next week and have nowhere to go.',
    { text: '{name} has been excluded from school and mum says she cannot cope with their behaviour.', minAge: 6 },
    { text: 'Mum is asking for help because {name} is self-harming and CAMHS have a long waiting list.', minAge: 11 },
  ],
};

const UNBORN_DETAIL: Lines = [
  'Mum is {weeks} weeks pregnant, has missed antenatal appointments and there is a history of domestic abuse with the baby’s father.',
  'Mum is {weeks} weeks pregnant; her older children were removed in another authority and she has not told the midwife who she lives with.',
  'Mum is {weeks} weeks pregnant, drinking heavily and living in a hostel with no support around her.',
];

const WORRIES: Record<string, Lines> = {
  neglect: ['Basic needs are not being met and it is starting to affect {name}’s health.', 'Nobody seems to notice when {name} is unwell or hungry.'],
  'physical-abuse': ['{name} may be being hurt at home.', 'An injury to a child with no clear explanation.'],
  'sexual-abuse': [{ text: '{name} may be being groomed online.', minAge: 10 }, '{name} may be exposed to an adult who poses a risk of sexual harm.'],
  'emotional-abuse': [{ text: '{name}’s self-esteem and mood are very low.', minAge: 5 }, '{name} is living with constant criticism and rejection.'],
  'domestic-abuse': ['The children are living with violence and may be hurt if they get in the way.', 'Mum is frightened and has no safety plan.'],
  'child-exploitation': [{ text: '{name} may be being exploited to carry drugs or money.', minAge: 10 }, { text: '{name} is going missing and nobody knows where they are.', minAge: 10 }],
  'parenting-substance-misuse': ['The adults’ drug or alcohol use means nobody sober is caring for the children.', 'Unsafe adults are coming to the house.'],
  'parenting-mental-health': ['Mum’s mental health means she cannot always meet the children’s needs.', { text: '{name} is taking on too much at home.', minAge: 8 }],
  'escalating-concerns': ['Support so far has not made a difference and things are getting worse.'],
  other: ['The family are under a lot of pressure and {name}’s needs are being missed.'],
};

const STRENGTHS: Lines = [
  'Mum is open with the caller and wants help.',
  'Grandmother lives nearby and is a protective adult.',
  { text: '{name} has a good relationship with their class teacher.', minAge: 4 },
  'The family engaged well with Early Help in the past.',
  'Dad recognises the worries and has agreed to a referral.',
  { text: '{name} is doing well at school and has friends.', minAge: 5 },
  'Mum has moved away from her abusive partner.',
  'The children are well attached to mum.',
];

const SUPPORT_TO_DATE = [
  'School pastoral support and a place at breakfast club.',
  'Early Help assessment and family support worker since the spring.',
  'Health visitor visiting fortnightly.',
  'Referred to the school nurse; CAMHS referral waiting.',
  'None yet: this is the first time anyone has raised a worry.',
  'Domestic abuse outreach worker allocated to mum.',
];

const NEXT_STEPS: Record<string, readonly [string, string]> = {
  'advice-and-information': ['Caller to talk to the family about the worries and keep a record; ring back if anything changes.', 'Caller'],
  'signpost-universal': ['Caller to give mum details of the family hub and the parenting course.', 'Caller'],
  'early-help-request': ['Caller to complete an Early Help request with the family’s agreement this week.', 'Caller and Early Help hub'],
  'contact-allocated-worker': ['Passed to the allocated worker, who will ring the caller back today.', 'Allocated worker'],
  'social-care-assessment': ['Referral passed for assessment; manager to confirm the decision.', 'CADS'],
  'strategy-discussion': ['Strategy discussion to be held with police and health today.', 'CADS and police'],
  'mash-checks': ['MASH checks requested from police, health and education.', 'MASH'],
  'immediate-protective-action': ['Police attending with the duty social worker; child to stay with a safe relative tonight.', 'Police and duty social worker'],
  'no-further-action': ['No role for children’s services; caller reassured and will keep an eye on things.', 'Caller'],
};

const NEEDS_TO_HAPPEN: Record<string, string> = {
  'advice-and-information': 'The caller talks to the family and keeps the worries under review.',
  'signpost-universal': 'The family are helped to use universal services.',
  'early-help-request': 'A family support plan with the family’s agreement.',
  'contact-allocated-worker': 'The allocated worker knows about this and updates the plan.',
  'social-care-assessment': 'An assessment of the children’s needs and the risks at home.',
  'strategy-discussion': 'Agencies agree together how to keep the child safe and whether to investigate.',
  'mash-checks': 'More information from partner agencies before deciding.',
  'immediate-protective-action': 'The child is kept safe tonight.',
  'no-further-action': 'Nothing more from children’s services at this time.',
};

const DISAGREEMENT_NOTES = [
  'Caller felt a referral for assessment was needed; threshold explained and the escalation policy shared.',
  'School wanted a social worker to visit today; agreed they will ring back if anything new comes to light.',
  'Caller thought Early Help would not be enough given the history; advised to escalate through their DSL.',
];

const DECISION_RATIONALE: Record<string, string> = {
  'child-and-family-assessment': 'Threshold for a child and family assessment met: cumulative concerns and no change despite support.',
  'strategy-discussion': 'Reasonable cause to suspect significant harm; strategy discussion convened with police and health.',
  'mash-checks': 'More information needed before deciding: MASH checks with police, health and education.',
  'early-help': 'Needs can be met by a targeted Early Help offer; the family agree to support.',
  'advice-no-further-action': 'Checks complete, no role for children’s social care; advice given to the referrer.',
};

const CONSENT_DETAIL: Record<string, string> = {
  'risk-to-child': 'Telling mum first could lead to {name} being pressured to take back what they said.',
  'risk-to-another-child': 'The alleged abuser lives with other children who could be put at risk if warned.',
  'risk-to-someone-else': 'Mum is at risk of violence from her partner if he learns she has spoken to anyone.',
  'risk-to-referrer': 'The caller lives next door and fears what the family would do if they knew she rang.',
  'undermine-investigation': 'Police investigation under way; the officer asked that the family are not told yet.',
};

const OUTCOME_WEIGHTS: Record<string, number> = {
  'advice-and-information': 30, 'signpost-universal': 12, 'early-help-request': 18, 'contact-allocated-worker': 6,
  'social-care-assessment': 10, 'strategy-discussion': 3, 'mash-checks': 7, 'immediate-protective-action': 1.5,
  'no-further-action': 10,
};
const EDT_OUTCOME_WEIGHTS: Record<string, number> = {
  'advice-and-information': 30, 'contact-allocated-worker': 10, 'social-care-assessment': 15, 'strategy-discussion': 10,
  'mash-checks': 8, 'immediate-protective-action': 10, 'no-further-action': 10,
};

// What is left waiting for a manager is mostly referrals and MASH checks.
const AWAITING_OUTCOME_WEIGHTS: Record<string, number> = {
  'social-care-assessment': 6, 'mash-checks': 4, 'strategy-discussion': 2, 'immediate-protective-action': 0.5,
};

// 0 universal, 1 early help, 2 statutory, 3 protection: drives level, immediacy and consent.
const OUTCOME_TIER: Record<string, number> = {
  'no-further-action': 0, 'advice-and-information': 0, 'signpost-universal': 0, 'early-help-request': 1,
  'contact-allocated-worker': 2, 'social-care-assessment': 2, 'mash-checks': 2, 'strategy-discussion': 3,
  'immediate-protective-action': 3,
};

const DECISION_FOR_OUTCOME: Record<string, Weighted<string>> = {
  'social-care-assessment': [['child-and-family-assessment', 75], ['early-help', 10], ['mash-checks', 10], ['advice-no-further-action', 5]],
  'strategy-discussion': [['strategy-discussion', 90], ['child-and-family-assessment', 10]],
  'mash-checks': [['mash-checks', 40], ['child-and-family-assessment', 30], ['early-help', 15], ['advice-no-further-action', 15]],
  'immediate-protective-action': [['strategy-discussion', 1]],
};

interface AgencyCaller {
  weight: number;
  roles: readonly string[];
  emailDomain: string | null;
  type: 'professional' | 'public';
}

const AGENCY_CALLERS: Record<string, AgencyCaller> = {
  school: { weight: 30, roles: ['Designated safeguarding lead', 'Deputy DSL', 'Head teacher', 'Pastoral lead'], emailDomain: 'school.example.org', type: 'professional' },
  'education-services': { weight: 5, roles: ['Nursery manager', 'Early years practitioner', 'Education welfare officer'], emailDomain: 'school.example.org', type: 'professional' },
  gp: { weight: 6, roles: ['GP', 'Practice nurse'], emailDomain: 'nhs.example.org', type: 'professional' },
  'health-visitor': { weight: 8, roles: ['Health visitor'], emailDomain: 'nhs.example.org', type: 'professional' },
  'school-nurse': { weight: 4, roles: ['School nurse'], emailDomain: 'nhs.example.org', type: 'professional' },
  'primary-health-other': { weight: 3, roles: ['Community midwife'], emailDomain: 'nhs.example.org', type: 'professional' },
  'emergency-department': { weight: 4, roles: ['Paediatric liaison nurse', 'ED registrar'], emailDomain: 'nhs.example.org', type: 'professional' },
  'health-other': { weight: 4, roles: ['CAMHS practitioner', 'Community psychiatric nurse'], emailDomain: 'nhs.example.org', type: 'professional' },
  housing: { weight: 3, roles: ['Housing officer'], emailDomain: null, type: 'professional' },
  'adult-social-care': { weight: 2, roles: ['Social worker (adults)'], emailDomain: null, type: 'professional' },
  'council-other': { weight: 2, roles: ['Youth justice officer'], emailDomain: null, type: 'professional' },
  'other-local-authority': { weight: 2, roles: ['Social worker'], emailDomain: 'council.example.org', type: 'professional' },
  'early-help': { weight: 6, roles: ['Family support worker', 'Early Help practitioner'], emailDomain: null, type: 'professional' },
  police: { weight: 14, roles: ['PC', 'DC', 'Sergeant'], emailDomain: 'police.example.org', type: 'professional' },
  'legal-probation': { weight: 2, roles: ['Probation officer'], emailDomain: 'probation.example.org', type: 'professional' },
  'voluntary-sector': { weight: 3, roles: ['Family support worker', 'Youth worker'], emailDomain: 'charity.example.org', type: 'professional' },
  'family-member': { weight: 5, roles: ['Grandparent', 'Aunt', 'Uncle'], emailDomain: null, type: 'public' },
  acquaintance: { weight: 3, roles: ['Neighbour', 'Family friend'], emailDomain: null, type: 'public' },
  self: { weight: 1, roles: ['Young person'], emailDomain: null, type: 'public' },
  anonymous: { weight: 2, roles: [], emailDomain: null, type: 'public' },
  other: { weight: 2, roles: ['Football club welfare officer', 'Church youth leader', 'Private tutor'], emailDomain: 'example.org', type: 'professional' },
};

// ---------------------------------------------------------------------------
// Working days and times (London wall clock)
// ---------------------------------------------------------------------------

const LONDON_HOUR = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', hourCycle: 'h23' });

const DAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;

function toMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

class Clockwork {
  readonly today: string;
  constructor(
    private readonly calendar: WorkingCalendar,
    readonly now: Date,
  ) {
    this.today = londonDateOf(now);
  }

  // Demo data must still load when the bank-holiday file has run out (a stale checkout
  // started years later), so outside its range we fall back to weekdays.
  isWorkingDay(date: string): boolean {
    try {
      return this.calendar.isWorkingDay(date);
    } catch (e) {
      if (!(e instanceof CalendarCoverageError)) throw e;
      const dow = dayOfWeek(date);
      return dow !== 0 && dow !== 6;
    }
  }

  deadline(startedAt: Date): Date {
    try {
      return decisionDeadline(startedAt, this.calendar);
    } catch (e) {
      if (!(e instanceof CalendarCoverageError)) throw e;
      let d = addDays(londonDateOf(startedAt), 1);
      while (!this.isWorkingDay(d)) d = addDays(d, 1);
      return londonWallTimeToInstant(d, { hour: 23, minute: 59, second: 59, millisecond: 999 });
    }
  }

  onOrBefore(date: string): string {
    let d = date;
    while (!this.isWorkingDay(d)) d = addDays(d, -1);
    return d;
  }

  onOrAfter(date: string): string {
    let d = date;
    while (!this.isWorkingDay(d)) d = addDays(d, 1);
    return d;
  }

  workingDaysBefore(date: string, n: number): string {
    let d = date;
    for (let left = n; left > 0; ) {
      d = addDays(d, -1);
      if (this.isWorkingDay(d)) left -= 1;
    }
    return d;
  }

  at(date: string, minutes: number): Date {
    return londonWallTimeToInstant(date, { hour: Math.floor(minutes / 60), minute: minutes % 60 });
  }
}

function openingWindow(profile: AuthorityProfile, date: string): [number, number] {
  const slot = profile.openingHours[DAY_NAMES[dayOfWeek(date)] as (typeof DAY_NAMES)[number]][0];
  return slot ? [toMinutes(slot.open), toMinutes(slot.close)] : [9 * 60, 17 * 60];
}

// ---------------------------------------------------------------------------
// Generated model
// ---------------------------------------------------------------------------

interface ChildRef {
  id: string;
  given: string | null;
  dob: string | null;
  edd: string | null;
}

/** A child as they were on the day of a call. */
interface Subject {
  given: string | null;
  /** Completed years on the day; null while not yet born. */
  age: number | null;
  /** The day the baby was (or is) due, for a child not yet born. */
  due: string | null;
}

// Services hear of a pregnancy from about 12 weeks, so no call about a child comes before that.
const KNOWN_BEFORE_BIRTH_DAYS = 196;

function knownFrom(child: ChildRef): string {
  return addDays((child.dob ?? child.edd) as string, -KNOWN_BEFORE_BIRTH_DAYS);
}

function subjectOn(child: ChildRef, date: string): Subject {
  if (child.dob && child.dob <= date) {
    return { given: child.given, age: Math.floor(daysBetween(child.dob, date) / 365.25), due: null };
  }
  return { given: null, age: null, due: child.dob ?? child.edd };
}

interface Household {
  id: string;
  children: ChildRef[];
  relativeName: string | null;
  tag?: 'smith-jones' | 'poppy' | 'libby';
  /** Every person row of the household (and its absent relatives), to date their creation. */
  personRows: Insertable<PersonsTable>[];
  relationshipRows: Insertable<RelationshipsTable>[];
  householdRows: Insertable<HouseholdsTable>[];
  firstContact?: Date;
}

type WorkerKey = 'cads1' | 'cads2' | 'manager' | 'edt';

interface Script {
  callerAgency?: string;
  callerRole?: string;
  callerName?: string;
  concernCategories?: string[];
  concernDetail?: string;
  worries?: string;
  strengths?: string;
  outcome?: string;
  decision?: string;
  whereNow?: string;
}

interface Plan {
  household: Household;
  children: ChildRef[];
  startedAt: Date;
  service: 'cads' | 'edt';
  worker: WorkerKey;
  /** Force one outcome for every child, or any outcome that needs a decision. */
  outcome?: string | 'needs-decision';
  awaitingDecision?: boolean;
  draft?: 'caller-only' | 'started';
  script?: Script;
  /** An out-of-hours conversation CADS has not accepted yet (the others have all been accepted). */
  handoverPending?: boolean;
}

interface AuthorityRows {
  users: Insertable<UsersTable>[];
  households: Insertable<HouseholdsTable>[];
  persons: Insertable<PersonsTable>[];
  aliases: Insertable<PersonAliasesTable>[];
  relationships: Insertable<RelationshipsTable>[];
  plans: Plan[];
}

interface Built {
  conversation: Insertable<ConversationsTable>;
  version: Insertable<ConversationVersionsTable>;
  children: Insertable<ConversationChildrenTable>[];
  decisions: Insertable<DecisionsTable>[];
}

// ---------------------------------------------------------------------------
// Generation of one authority's people
// ---------------------------------------------------------------------------

class AuthorityGenerator {
  private readonly rng: Rng;
  private readonly locale: Locale;
  private readonly domain: string;
  readonly userIds: Record<StaffKey, string>;
  readonly rows: AuthorityRows = { users: [], households: [], persons: [], aliases: [], relationships: [], plans: [] };
  readonly households: Household[] = [];
  private readonly teamOf: Record<WorkerKey, string | null>;
  private readonly outcomeCodes: Set<string>;
  private readonly decisionCodes: Set<string>;
  /** London date of the conversation being built, for ages and pregnancy weeks. */
  private day = '';

  constructor(
    private readonly profile: AuthorityProfile,
    private readonly clock: Clockwork,
    seed: number,
    teams: { id: string; name: string }[],
    passwordHash: string,
    private readonly nhsNumbers: Set<string>,
    private readonly upns: Set<string>,
    private readonly serviceCalendar: ServiceCalendar,
  ) {
    this.rng = new Rng(seed ^ hashString(profile.id));
    this.locale = localeFor(profile);
    this.domain = emailDomain(profile);
    this.outcomeCodes = new Set(profile.outcomes.map((o) => o.code));
    this.decisionCodes = new Set(profile.decisions.map((d) => d.code));

    const teamByName = new Map(teams.map((t) => [t.name, t.id]));
    const firstTeam = teamByName.get(profile.teams[0] as string) ?? null;
    const edtTeam =
      teamByName.get(profile.edt.name) ?? teams.find((t) => /emergency duty/i.test(t.name))?.id ?? null;
    const mashTeam = teams.find((t) => /\bMASH\b/.test(t.name))?.id ?? null;
    this.teamOf = { cads1: firstTeam, cads2: firstTeam, manager: firstTeam, edt: edtTeam };

    const staffTeams: Record<StaffKey, string | null> = {
      cads1: firstTeam, cads2: firstTeam, manager: firstTeam, mash: mashTeam, edt: edtTeam, police: null, health: null, education: null, mi: null, admin: null, ambulance: null, locality: null, earlyhelp: null,
    };
    // The CHECK on users needs an agency for partner practitioners.
    const policeAgency = profile.agencies.some((a) => a.code === 'police') ? 'police' : (profile.agencies[0]?.code ?? 'other');
    const createdAt = new Date(clock.now.getTime() - 2 * 365 * 86_400_000);
    const ids = {} as Record<StaffKey, string>;
    for (const s of STAFF) {
      const id = randomUUID();
      ids[s.key] = id;
      this.rows.users.push({
        id,
        authority_id: profile.id,
        email: `${s.local}@${this.domain}`,
        display_name: staffName(profile, s.key),
        role: s.role,
        // Health and education partners answer MASH check requests, so they carry the hub's agency codes.
        agency_code: s.key === 'police' ? policeAgency : s.key === 'health' || s.key === 'education' || s.key === 'ambulance' ? s.key : null,
        team_id: staffTeams[s.key],
        job_title: s.jobTitle(profile),
        phone: this.phone('landline'),
        password_hash: passwordHash,
        created_at: createdAt,
      });
    }
    this.userIds = ids;
  }

  // --- small generators -----------------------------------------------------

  private phone(kind: 'landline' | 'mobile' | 'london'): string {
    const n = this.rng.int(0, 999);
    const national =
      kind === 'mobile'
        ? `07700 900${String(n).padStart(3, '0')}`
        : kind === 'london'
          ? `020 7946 0${String(n).padStart(3, '0')}`
          : `01632 960${String(n).padStart(3, '0')}`;
    // Stored as E.164, like numbers typed into the app.
    return normaliseUkPhone(national)?.e164 ?? national;
  }

  private nhsNumber(): string {
    for (;;) {
      const firstNine = `999${String(this.rng.int(0, 999_999)).padStart(6, '0')}`;
      const check = nhsNumberCheckDigit(firstNine);
      if (check === null) continue;
      const nhs = `${firstNine}${check}`;
      if (!isValidNhsNumber(nhs) || this.nhsNumbers.has(nhs)) continue;
      this.nhsNumbers.add(nhs);
      return nhs;
    }
  }

  private upn(school: string, dob: string): string {
    const establishment = String(2000 + (hashString(school) % 5000)).padStart(4, '0');
    // Issued in the year the child started reception.
    const issued = String((Number(dob.slice(0, 4)) + 4) % 100).padStart(2, '0');
    for (;;) {
      const body = `${this.locale.laNumber}${establishment}${issued}${String(this.rng.int(1, 999)).padStart(3, '0')}`;
      const upn = `${upnCheckLetter(body)}${body}`;
      if (this.upns.has(upn)) continue;
      this.upns.add(upn);
      return upn;
    }
  }

  private postcode(outward: string): string {
    const letters = POSTCODE_UNIT_LETTERS;
    return `${outward} ${this.rng.int(1, 9)}${this.rng.pick([...letters])}${this.rng.pick([...letters])}`;
  }

  private address(): { address_line_1: string; address_line_2: string | null; town: string; postcode: string } {
    const place = this.rng.weighted(this.locale.places);
    const street = this.rng.pick(STREETS);
    const postcode = this.postcode(this.rng.pick(place.outwards));
    if (this.rng.chance(0.15)) {
      return { address_line_1: `Flat ${this.rng.int(1, 24)}, ${this.rng.pick(BLOCKS)}`, address_line_2: street, town: place.town, postcode };
    }
    return { address_line_1: `${this.rng.int(1, 180)} ${street}`, address_line_2: null, town: place.town, postcode };
  }

  private dobForAge(age: number): string {
    return addDays(this.clock.today, -(Math.floor(age * 365.25) + this.rng.int(1, 360)));
  }

  private adultDobFrom(childDob: string, minYears: number, maxYears: number): string {
    return addDays(childDob, -this.rng.int(Math.round(minYears * 365.25), Math.round(maxYears * 365.25)));
  }

  /** A partner's date of birth near mum's, but never so late that he was a child when the eldest was born. */
  private partnerDob(mumDob: string, eldestDob: string, minYounger: number, maxOlder: number): string {
    const dob = this.adultDobFrom(mumDob, -minYounger, maxOlder);
    const latest = addDays(eldestDob, -this.rng.int(Math.round(18 * 365.25), Math.round(21 * 365.25)));
    return dob < latest ? dob : latest;
  }

  // --- households ------------------------------------------------------------

  buildPeople(): void {
    const sizes: number[] = [];
    for (const [n, count] of HOUSEHOLD_SIZES) for (let i = 0; i < count; i++) sizes.push(n);
    this.rng.shuffle(sizes);
    for (const n of sizes) this.households.push(this.randomHousehold(n));
    if (this.profile.id === 'norfolk') {
      this.households.push(this.smithJonesFamily(), this.turnerFamily());
    }
    if (this.profile.id === 'stoke-on-trent') {
      this.households.push(this.hartFamily());
    }
  }

  private newHousehold(tag?: Household['tag']): Household {
    const id = randomUUID();
    const hh: Household = {
      id, children: [], relativeName: null, personRows: [], relationshipRows: [],
      householdRows: [{ id, authority_id: this.profile.id }],
    };
    if (tag) hh.tag = tag;
    return hh;
  }

  private addPerson(
    hh: Household,
    householdId: string,
    address: ReturnType<AuthorityGenerator['address']>,
    p: {
      given: string | null;
      family: string | null;
      sex: 'M' | 'F' | 'U';
      dob: string | null;
      edd?: string | null;
      ethnicity?: string | null;
      nhs?: boolean;
      language?: string | null;
      interpreter?: boolean | null;
      school?: string | null;
      upn?: string | null;
      gp?: string | null;
      disability?: string[];
      aliases?: { given_name: string | null; family_name: string | null }[];
    },
  ): string {
    const id = randomUUID();
    const aliases = p.aliases ?? [];
    const row: Insertable<PersonsTable> = {
      id,
      authority_id: this.profile.id,
      household_id: householdId,
      given_name: p.given,
      family_name: p.family,
      name_search: nameSearchText({ given_name: p.given, family_name: p.family }, aliases),
      date_of_birth: p.dob,
      expected_date_of_birth: p.edd ?? null,
      sex: p.sex,
      ethnicity: p.ethnicity ?? null,
      nhs_number: p.nhs ? this.nhsNumber() : null,
      upn: p.upn ?? null,
      ...address,
      school_setting: p.school ?? null,
      gp_practice: p.gp ?? null,
      first_language: p.language ?? null,
      interpreter_needed: p.interpreter ?? null,
      disability_codes: p.disability ?? [],
      created_by: this.userIds.admin,
    };
    Object.assign(row, MatchingService.columns(personMatchInput({
      given_name: p.given, family_name: p.family, date_of_birth: p.dob, expected_date_of_birth: p.edd ?? null, sex: p.sex,
      nhs_number: row.nhs_number ?? null, postcode: row.postcode ?? null, address_line_1: row.address_line_1, address_line_2: row.address_line_2, town: row.town,
    }, aliases)));
    hh.personRows.push(row);
    for (const a of aliases) {
      this.rows.aliases.push({ id: randomUUID(), person_id: id, given_name: a.given_name, family_name: a.family_name });
    }
    return id;
  }

  private relate(hh: Household, personId: string, relatedId: string, type: string, livesWith: boolean, notes: string | null = null): void {
    hh.relationshipRows.push({
      id: randomUUID(),
      authority_id: this.profile.id,
      person_id: personId,
      related_person_id: relatedId,
      relationship_type: type,
      lives_with_child: livesWith,
      notes,
      created_by: this.userIds.admin,
    });
  }

  /** A separate dwelling for a parent or grandparent who does not live with the children. */
  private elsewhere(hh: Household): { householdId: string; address: ReturnType<AuthorityGenerator['address']> } {
    const householdId = randomUUID();
    hh.householdRows.push({ id: householdId, authority_id: this.profile.id });
    return { householdId, address: this.address() };
  }

  private childDisabilities(): string[] {
    const r = this.rng.next();
    if (r < 0.12) {
      const first = this.rng.weighted<string>([['AUT', 4], ['LD', 3], ['COMM', 3], ['BEH', 3], ['HEAR', 1], ['VIS', 1], ['MOB', 1], ['PC', 1]]);
      const second = this.rng.chance(0.3) ? this.rng.pick(['LD', 'COMM', 'BEH']) : null;
      return second && second !== first ? [first, second] : [first];
    }
    return r < 0.4 ? ['NONE'] : [];
  }

  private schoolFor(age: number | null, schools: { primary: string; secondary: string; nursery: string; college: string }): string | null {
    if (age === null || age < 2) return null;
    if (age < 4) return this.rng.chance(0.5) ? schools.nursery : null;
    if (age < 11) return schools.primary;
    if (age < 16) return schools.secondary;
    return this.rng.chance(0.6) ? schools.college : schools.secondary;
  }

  private childName(group: NameGroup, sex: 'M' | 'F', family: string, taken: Set<string>): string {
    for (;;) {
      const given = this.rng.pick(sex === 'F' ? group.girls : group.boys);
      if (taken.has(given) || RESERVED_NAMES.has(`${given} ${family}`.toLowerCase())) continue;
      taken.add(given);
      return given;
    }
  }

  private adultName(list: readonly string[], family: string): string {
    for (;;) {
      const given = this.rng.pick(list);
      if (!RESERVED_NAMES.has(`${given} ${family}`.toLowerCase())) return given;
    }
  }

  private randomHousehold(nChildren: number): Household {
    const rng = this.rng;
    const hh = this.newHousehold();
    const groupKey = rng.weighted(this.locale.groups);
    const group = NAME_GROUPS[groupKey];
    const address = this.address();
    const schools = {
      primary: rng.pick(this.locale.primarySchools),
      secondary: rng.pick(this.locale.secondarySchools),
      nursery: rng.pick(this.locale.nurseries),
      college: rng.pick(this.locale.colleges),
    };
    const gp = rng.pick(this.locale.gpPractices);
    const ethnicity = rng.weighted(group.ethnicity);
    const adultLanguage = rng.weighted(group.adultLanguage);
    const structure = rng.weighted<'two-parents' | 'single-mother' | 'blended' | 'kinship' | 'single-father'>([
      ['two-parents', 45], ['single-mother', 30], ['blended', 15], ['kinship', 5], ['single-father', 5],
    ]);

    // Ages, youngest first; an expected baby sometimes takes the youngest place.
    // Only where mum is at home: an expected baby with the father or grandmother alone would need explaining.
    const unbornYoungest = (structure === 'two-parents' || structure === 'single-mother' || structure === 'blended') && rng.chance(nChildren === 1 ? 0.05 : 0.07);
    const ages: (number | null)[] = [];
    let age = unbornYoungest ? -1 : rng.int(0, nChildren === 1 ? 17 : 12);
    for (let i = 0; i < nChildren; i++) {
      ages.push(age < 0 ? null : Math.min(age, 17));
      const twin = i > 0 && rng.chance(0.08);
      age = twin ? age : Math.max(age, 0) + rng.int(1, 4);
    }
    ages.reverse();
    const dobs = ages.map((a) => (a === null ? null : this.dobForAge(a)));
    // Twins share a birthday.
    for (let i = 1; i < ages.length; i++) if (ages[i] !== null && ages[i] === ages[i - 1]) dobs[i] = dobs[i - 1] as string;
    const eldestDob = dobs.find((d) => d !== null) ?? addDays(this.clock.today, -rng.int(0, 200));

    const motherFamily = rng.pick(group.surnames);
    const fatherAFamily = rng.pick(group.surnames);
    // In a blended family the younger children are the step-parent's.
    const split = structure === 'blended' ? Math.max(1, rng.int(1, nChildren)) : structure === 'single-mother' && nChildren > 1 && rng.chance(0.4) ? rng.int(1, nChildren - 1) : nChildren;
    const fatherBFamily = structure === 'blended' ? rng.pick(group.surnames) : rng.chance(0.5) ? rng.pick(group.surnames) : motherFamily;
    const marriedName = structure === 'two-parents' && rng.chance(0.7);
    const doubleBarrel = structure === 'two-parents' && groupKey === 'british' && rng.chance(0.12) && motherFamily !== fatherAFamily && !motherFamily.includes('-') && !fatherAFamily.includes('-');

    const childFamily = (i: number): string => {
      if (structure === 'two-parents') return doubleBarrel ? `${motherFamily}-${fatherAFamily}` : fatherAFamily;
      if (structure === 'single-father') return fatherAFamily;
      if (structure === 'kinship') return motherFamily;
      if (i < split) return structure === 'blended' || rng.chance(0.6) ? fatherAFamily : motherFamily;
      return fatherBFamily;
    };

    const mumDob = this.adultDobFrom(eldestDob, 18, 36);
    const motherSurname = marriedName ? fatherAFamily : motherFamily;
    const adultNhs = () => rng.chance(0.45);
    const interpreter = adultLanguage !== 'English' && rng.chance(0.35);
    const mother = {
      given: this.adultName(group.women, motherSurname),
      family: motherSurname,
      dob: rng.chance(0.95) ? mumDob : null,
    };

    const motherLivesHere = structure !== 'kinship' && structure !== 'single-father';
    const mumPlace = motherLivesHere ? { householdId: hh.id, address } : this.elsewhere(hh);
    const motherId =
      structure === 'single-father' && rng.chance(0.3)
        ? null
        : this.addPerson(hh, mumPlace.householdId, mumPlace.address, {
            given: mother.given, family: mother.family, sex: 'F', dob: mother.dob, ethnicity, nhs: adultNhs(),
            language: adultLanguage, interpreter, gp,
          });

    const fatherADob = this.partnerDob(mumDob, eldestDob, 5, 6);
    let fatherAId: string | null = null;
    const fatherALivesHere = structure === 'two-parents' || structure === 'single-father';
    if (fatherALivesHere || rng.chance(0.6)) {
      const place = fatherALivesHere ? { householdId: hh.id, address } : this.elsewhere(hh);
      fatherAId = this.addPerson(hh, place.householdId, place.address, {
        given: this.adultName(group.men, fatherAFamily), family: fatherAFamily, sex: 'M', dob: rng.chance(0.9) ? fatherADob : null,
        ethnicity: rng.chance(0.8) ? ethnicity : rng.weighted(NAME_GROUPS.british.ethnicity), nhs: adultNhs(),
        language: adultLanguage, interpreter: adultLanguage !== 'English' && rng.chance(0.3), gp: fatherALivesHere ? gp : null,
      });
    }
    let fatherBId: string | null = null;
    if (split < nChildren && (structure === 'blended' || rng.chance(0.5))) {
      const livesHere = structure === 'blended';
      const place = livesHere ? { householdId: hh.id, address } : this.elsewhere(hh);
      fatherBId = this.addPerson(hh, place.householdId, place.address, {
        given: this.adultName(group.men, fatherBFamily), family: fatherBFamily, sex: 'M', dob: this.partnerDob(mumDob, eldestDob, 6, 4),
        ethnicity, nhs: adultNhs(), language: adultLanguage, gp: livesHere ? gp : null,
      });
    }
    // A blended family with only older children still has the partner at home, as their step-parent.
    if (structure === 'blended' && fatherBId === null) {
      fatherBId = this.addPerson(hh, hh.id, address, {
        given: this.adultName(group.men, fatherBFamily), family: fatherBFamily, sex: 'M', dob: this.partnerDob(mumDob, eldestDob, 6, 4),
        ethnicity, nhs: adultNhs(), language: adultLanguage, gp,
      });
    }

    let carerId: string | null = null;
    let grandparentId: string | null = null;
    const grandDob = this.adultDobFrom(mumDob, 19, 30);
    if (structure === 'kinship') {
      const given = this.adultName(group.grandmothers, motherFamily);
      carerId = this.addPerson(hh, hh.id, address, {
        given, family: motherFamily, sex: 'F', dob: grandDob, ethnicity, nhs: adultNhs(), language: adultLanguage, gp,
      });
      hh.relativeName = `${given} ${motherFamily}`;
    } else if (rng.chance(0.25)) {
      const female = rng.chance(0.7);
      const given = this.adultName(female ? group.grandmothers : group.grandfathers, motherFamily);
      const place = this.elsewhere(hh);
      grandparentId = this.addPerson(hh, place.householdId, place.address, {
        given, family: motherFamily, sex: female ? 'F' : 'M', dob: grandDob, ethnicity, nhs: adultNhs(), language: adultLanguage,
      });
      hh.relativeName = `${given} ${motherFamily}`;
    }

    const taken = new Set<string>();
    const childIds: { id: string; group: 'A' | 'B' }[] = [];
    for (let i = 0; i < nChildren; i++) {
      const a = ages[i] ?? null;
      const dob = dobs[i] ?? null;
      const family = childFamily(i);
      const grp: 'A' | 'B' = i < split ? 'A' : 'B';
      let id: string;
      if (a === null) {
        const edd = addDays(this.clock.today, rng.int(10, 150));
        id = this.addPerson(hh, hh.id, address, { given: null, family, sex: 'U', dob: null, edd, gp });
        hh.children.push({ id, given: null, dob: null, edd });
      } else {
        const sex: 'M' | 'F' = rng.chance(0.5) ? 'F' : 'M';
        const given = this.childName(group, sex, family, taken);
        const school = this.schoolFor(a, schools);
        const aliases: { given_name: string | null; family_name: string | null }[] = [];
        const variant = NAME_VARIANTS[given];
        if (variant && rng.chance(0.5)) aliases.push({ given_name: variant, family_name: family });
        // Older children in a blended family are often known at school by the step-parent's surname.
        if (structure === 'blended' && grp === 'A' && family !== fatherBFamily && rng.chance(0.3)) {
          aliases.push({ given_name: given, family_name: fatherBFamily });
        }
        const safeAliases = aliases.filter((a) => !RESERVED_NAMES.has(`${a.given_name} ${a.family_name}`.toLowerCase()));
        const language = rng.chance(group.childKeepsLanguage) ? adultLanguage : 'English';
        id = this.addPerson(hh, hh.id, address, {
          given, family, sex, dob, ethnicity: rng.chance(0.9) ? ethnicity : 'NOBT', nhs: rng.chance(0.88),
          language, interpreter: false, school, gp,
          upn: dob && a >= 4 && school && rng.chance(0.92) ? this.upn(school, dob) : null,
          disability: this.childDisabilities(), aliases: safeAliases,
        });
        hh.children.push({ id, given, dob, edd: null });
      }
      childIds.push({ id, group: grp });
    }

    for (const child of childIds) {
      if (motherId) this.relate(hh, child.id, motherId, 'mother', motherLivesHere);
      const bioFather = child.group === 'A' ? fatherAId : fatherBId;
      if (bioFather) {
        const livesWith = child.group === 'A' ? fatherALivesHere : structure === 'blended';
        this.relate(hh, child.id, bioFather, 'father', livesWith);
      }
      if (structure === 'blended' && child.group === 'A' && fatherBId) {
        this.relate(hh, child.id, fatherBId, 'step-parent', true);
      }
      if (carerId) this.relate(hh, child.id, carerId, 'carer', true, 'Maternal grandmother; special guardianship order');
      if (grandparentId) this.relate(hh, child.id, grandparentId, 'grandparent', false);
      for (const other of childIds) {
        if (other.id === child.id) continue;
        this.relate(hh, child.id, other.id, other.group === child.group ? 'sibling' : 'half-sibling', true);
      }
    }
    return hh;
  }

  private smithJonesFamily(): Household {
    const hh = this.newHousehold('smith-jones');
    const address = { address_line_1: '12 Oak Road', address_line_2: null, town: 'Norwich', postcode: 'NR1 2DH' };
    const gp = 'Riverside Medical Practice';
    const ellieDob = addDays(this.clock.today, -(9 * 365 + 120));
    const alfieDob = addDays(this.clock.today, -(6 * 365 + 45));
    const kerryDob = addDays(ellieDob, -(24 * 365 + 200));
    const kerry = this.addPerson(hh, hh.id, address, {
      given: 'Kerry', family: 'Smith-Jones', sex: 'F', dob: kerryDob, ethnicity: 'WBRI', nhs: true, language: 'English', interpreter: false, gp,
    });
    const away = this.elsewhere(hh);
    const dean = this.addPerson(hh, away.householdId, away.address, {
      given: 'Dean', family: 'Jones', sex: 'M', dob: addDays(kerryDob, -700), ethnicity: 'WBRI', nhs: true, language: 'English',
    });
    const ellie = this.addPerson(hh, hh.id, address, {
      given: 'Ellie', family: 'Smith-Jones', sex: 'F', dob: ellieDob, ethnicity: 'WBRI', nhs: true, language: 'English', interpreter: false,
      school: 'Oakfield Primary School', upn: this.upn('Oakfield Primary School', ellieDob), gp, disability: ['NONE'],
      aliases: [{ given_name: 'Eleanor', family_name: 'Smith-Jones' }],
    });
    const alfie = this.addPerson(hh, hh.id, address, {
      given: 'Alfie', family: 'Smith-Jones', sex: 'M', dob: alfieDob, ethnicity: 'WBRI', nhs: true, language: 'English', interpreter: false,
      school: 'Oakfield Primary School', upn: this.upn('Oakfield Primary School', alfieDob), gp, disability: ['COMM'],
    });
    for (const c of [ellie, alfie]) {
      this.relate(hh, c, kerry, 'mother', true);
      this.relate(hh, c, dean, 'father', false, 'Contact every other weekend');
    }
    this.relate(hh, ellie, alfie, 'sibling', true);
    this.relate(hh, alfie, ellie, 'sibling', true);
    hh.children.push(
      { id: ellie, given: 'Ellie', dob: ellieDob, edd: null },
      { id: alfie, given: 'Alfie', dob: alfieDob, edd: null },
    );
    return hh;
  }

  private turnerFamily(): Household {
    const hh = this.newHousehold('poppy');
    const address = { address_line_1: '7 Meadow Way', address_line_2: null, town: 'Great Yarmouth', postcode: 'NR30 4LS' };
    const poppyDob = addDays(this.clock.today, -(4 * 365 + 30));
    const gemma = this.addPerson(hh, hh.id, address, {
      given: 'Gemma', family: 'Turner', sex: 'F', dob: addDays(poppyDob, -(27 * 365)), ethnicity: 'WBRI', nhs: true, language: 'English',
    });
    const lee = this.addPerson(hh, hh.id, address, {
      given: 'Lee', family: 'Turner', sex: 'M', dob: addDays(poppyDob, -(30 * 365)), ethnicity: 'WBRI', nhs: false, language: 'English',
    });
    const poppy = this.addPerson(hh, hh.id, address, {
      given: 'Poppy', family: 'Turner', sex: 'F', dob: poppyDob, ethnicity: 'WBRI', nhs: true, language: 'English', interpreter: false,
      school: 'Kingfisher Primary Academy', upn: this.upn('Kingfisher Primary Academy', poppyDob), gp: 'The Orchard Surgery',
    });
    this.relate(hh, poppy, gemma, 'mother', true);
    this.relate(hh, poppy, lee, 'father', true);
    hh.children.push({ id: poppy, given: 'Poppy', dob: poppyDob, edd: null });
    return hh;
  }

  private hartFamily(): Household {
    const hh = this.newHousehold('libby');
    const address = { address_line_1: '41 Victoria Street', address_line_2: null, town: 'Hanley', postcode: 'ST1 3EN' };
    const libbyDob = addDays(this.clock.today, -(14 * 365 + 80));
    const danielle = this.addPerson(hh, hh.id, address, {
      given: 'Danielle', family: 'Hart', sex: 'F', dob: addDays(libbyDob, -(19 * 365)), ethnicity: 'WBRI', nhs: true, language: 'English',
    });
    const libby = this.addPerson(hh, hh.id, address, {
      given: 'Libby', family: 'Hart', sex: 'F', dob: libbyDob, ethnicity: 'WBRI', nhs: true, language: 'English', interpreter: false,
      school: 'Marl Pit High School', upn: this.upn('Marl Pit High School', libbyDob), gp: 'Bank Top Health Centre', disability: ['NONE'],
      aliases: [{ given_name: 'Elizabeth', family_name: 'Hart' }],
    });
    this.relate(hh, libby, danielle, 'mother', true);
    hh.children.push({ id: libby, given: 'Libby', dob: libbyDob, edd: null });
    return hh;
  }

  // --- conversation plans --------------------------------------------------

  private randomWorkingInstant(minDaysAgo: number, maxDaysAgo: number): Date {
    const date = this.clock.onOrBefore(addDays(this.clock.today, -this.rng.int(minDaysAgo, maxDaysAgo)));
    return this.workingInstantOn(date);
  }

  private workingInstantOn(date: string): Date {
    const [open, close] = openingWindow(this.profile, date);
    // Calls bunch in the morning, when schools have seen the children arrive.
    const r = this.rng.next();
    const minutes = Math.floor(open + 5 + r * r * (close - open - 40));
    return this.clock.at(date, minutes);
  }

  private outOfHoursInstant(maxDaysAgo = HISTORY_DAYS): Date {
    const date = addDays(this.clock.today, -this.rng.int(2, Math.max(2, maxDaysAgo)));
    if (!this.clock.isWorkingDay(date)) return this.clock.at(date, this.rng.int(8 * 60, 23 * 60));
    const [, close] = openingWindow(this.profile, date);
    return this.clock.at(date, this.rng.int(close + 30, 23 * 60 + 30));
  }

  private pickChildren(hh: Household, must?: ChildRef): ChildRef[] {
    const all = hh.children;
    if (all.length === 1) return [...all];
    let chosen: ChildRef[];
    if (this.rng.chance(0.55)) {
      chosen = all.slice(0, 3);
    } else {
      const n = this.rng.int(1, Math.min(3, all.length));
      chosen = this.rng.shuffle([...all]).slice(0, n);
    }
    if (must && !chosen.includes(must)) chosen = [must, ...chosen].slice(0, 3);
    // Keep the family's order (eldest first), as a worker would add them.
    return all.filter((c) => chosen.includes(c));
  }

  private cadsWorker(): WorkerKey {
    return this.rng.weighted<WorkerKey>([['cads1', 40], ['cads2', 45], ['manager', 15]]);
  }

  planConversations(): void {
    const plans = this.rows.plans;
    const rng = this.rng;
    const add = (p: Plan) => {
      // A child cannot be talked about before anyone knew they were coming. A call that only
      // had such children is moved to a day when the family's eldest was known.
      let children = p.children.filter((c) => knownFrom(c) <= londonDateOf(p.startedAt));
      if (children.length === 0) {
        const earliest = p.household.children.map(knownFrom).sort()[0] as string;
        const maxDaysAgo = Math.min(HISTORY_DAYS, daysBetween(earliest, this.clock.today));
        p.startedAt = p.service === 'edt' ? this.outOfHoursInstant(maxDaysAgo) : this.randomWorkingInstant(1, Math.max(1, maxDaysAgo));
        children = p.children.filter((c) => knownFrom(c) <= londonDateOf(p.startedAt));
        if (children.length === 0) return;
      }
      plans.push({ ...p, children });
    };

    for (const hh of this.households) {
      if (hh.tag === 'smith-jones') this.planSmithJones(hh);
      if (hh.tag === 'libby') this.planLibby(hh);
    }

    const pool = this.households.filter((h) => !h.tag);
    // Set patterns need an eldest child who was already around 18 months ago.
    const settled = (h: Household) => knownFrom(h.children[0] as ChildRef) <= addDays(this.clock.today, -HISTORY_DAYS);
    const picks = rng.shuffle(pool.filter(settled));
    const take = (n: number) => picks.splice(0, n);

    // Accumulation rules need something to fire on: three calls in a year…
    for (const hh of take(5)) {
      const focus = hh.children[0] as ChildRef;
      const days = [rng.int(200, 350), rng.int(90, 199), rng.int(3, 89)];
      for (const d of days) {
        add({ household: hh, children: this.pickChildren(hh, focus), startedAt: this.randomWorkingInstant(d, d), service: 'cads', worker: this.cadsWorker() });
      }
    }
    // …two calls in a week…
    for (const hh of take(2)) {
      const first = this.clock.onOrBefore(addDays(this.clock.today, -rng.int(20, 300)));
      let second = this.clock.onOrAfter(addDays(first, rng.int(1, 4)));
      if (daysBetween(first, second) > 6) second = first;
      const children = this.pickChildren(hh);
      add({ household: hh, children, startedAt: this.workingInstantOn(first), service: 'cads', worker: this.cadsWorker() });
      add({ household: hh, children, startedAt: this.workingInstantOn(second), service: 'cads', worker: this.cadsWorker() });
    }
    // …and a call soon after one that ended with no further action.
    const nfa = this.outcomeCodes.has('no-further-action') ? 'no-further-action' : undefined;
    for (const hh of take(2)) {
      const first = this.clock.onOrBefore(addDays(this.clock.today, -rng.int(40, 400)));
      const second = this.clock.onOrAfter(addDays(first, rng.int(7, 20)));
      const children = this.pickChildren(hh);
      add({ household: hh, children, startedAt: this.workingInstantOn(first), service: 'cads', worker: this.cadsWorker(), ...(nfa ? { outcome: nfa } : {}) });
      add({ household: hh, children, startedAt: this.workingInstantOn(second), service: 'cads', worker: this.cadsWorker() });
    }

    // The first worker's decisions queue: some overdue, some due.
    for (const [i, hh] of take(3).entries()) {
      const date = this.clock.workingDaysBefore(this.clock.today, 3 + i);
      add({ household: hh, children: this.pickChildren(hh), startedAt: this.workingInstantOn(date), service: 'cads', worker: 'cads1', outcome: 'needs-decision', awaitingDecision: true });
    }
    for (const [i, hh] of take(3).entries()) {
      add({ household: hh, children: this.pickChildren(hh), startedAt: this.recentStart(i), service: 'cads', worker: 'cads1', outcome: 'needs-decision', awaitingDecision: true });
    }
    // Two drafts the first worker has not finished.
    const [draftA, draftB] = take(2);
    if (draftA) {
      const twentyMinutesAgo = this.clock.now.getTime() - 20 * 60_000;
      const startedAt = new Date(Math.min(twentyMinutesAgo - (twentyMinutesAgo % 60_000), this.recentStart(0).getTime()));
      add({ household: draftA, children: [draftA.children[0] as ChildRef], startedAt, service: 'cads', worker: 'cads1', draft: 'started' });
    }
    if (draftB) {
      const day = this.clock.workingDaysBefore(this.clock.today, 1);
      add({ household: draftB, children: [draftB.children[0] as ChildRef], startedAt: this.workingInstantOn(day), service: 'cads', worker: 'cads1', draft: 'caller-only' });
    }

    const weights = new Map(pool.map((h) => [h, rng.chance(0.15) ? 4 : 1] as const));
    const weightedPool: Weighted<Household> = pool.map((h) => [h, weights.get(h) ?? 1] as const);

    for (let i = 0; i < EDT_CONVERSATIONS_PER_AUTHORITY; i++) {
      const hh = rng.weighted(weightedPool);
      add({ household: hh, children: this.pickChildren(hh), startedAt: this.outOfHoursInstant(), service: 'edt', worker: 'edt' });
    }
    for (const at of this.pendingHandoverInstants()) {
      const known = pool.filter((h) => h.children.every((c) => knownFrom(c) <= londonDateOf(at)));
      if (known.length === 0) continue;
      const hh = rng.pick(known);
      add({ household: hh, children: this.pickChildren(hh), startedAt: at, service: 'edt', worker: 'edt', handoverPending: true });
    }

    // Every family on the system came in through at least one conversation.
    const covered = new Set(plans.map((p) => p.household));
    for (const hh of pool) {
      if (covered.has(hh)) continue;
      add({ household: hh, children: this.pickChildren(hh), startedAt: this.randomWorkingInstant(1, HISTORY_DAYS), service: 'cads', worker: this.cadsWorker() });
    }
    while (plans.filter((p) => !p.draft).length < COMPLETED_CONVERSATIONS_PER_AUTHORITY) {
      const hh = rng.weighted(weightedPool);
      add({ household: hh, children: this.pickChildren(hh), startedAt: this.randomWorkingInstant(1, HISTORY_DAYS), service: 'cads', worker: this.cadsWorker() });
    }
  }

  /**
   * When the Emergency Duty Team recorded the conversations CADS has not accepted yet, so that the
   * handover list has something on it: one from an earlier night whose time to accept has run out,
   * and some from the last night or weekend still within it. When no such night exists (the
   * service has been open for longer than the time allowed, or is closed now) the second is from
   * this morning's opening hours or from tonight, which the list shows as still out of hours.
   */
  private pendingHandoverInstants(): Date[] {
    const cal = this.serviceCalendar;
    const nowMs = this.clock.now.getTime();
    const minute = (ms: number) => new Date(ms - (ms % 60_000));
    // The open periods that had begun by now, latest first.
    const periods: { open: Date; close: Date }[] = [];
    for (let i = 0; i < 60 && periods.length < 8; i++) {
      periods.push(...cal.periodsOn(addDays(this.clock.today, -i)).filter((p) => p.open.getTime() <= nowMs).reverse());
    }
    if (periods.length < 2) return [];
    // 10pm-ish on the evening a closed spell begins (or half-way through a short one).
    const evening = (start: Date, end: Date) => minute(start.getTime() + Math.min(5 * 3_600_000 + 10 * 60_000, (end.getTime() - start.getTime()) / 2));
    const dueAt = (at: Date) => outOfHoursFields('edt', cal, this.profile, at).handover_due_at;

    let overdue: Date | null = null;
    const due: Date[] = [];
    for (let k = 0; k + 1 < periods.length && !(overdue && due.length); k++) {
      const start = periods[k + 1]!.close;
      const end = periods[k]!.open;
      if (end.getTime() <= start.getTime()) continue;
      const at = evening(start, end);
      const d = dueAt(at);
      if (!d) continue;
      if (d.getTime() < nowMs) {
        overdue ??= at;
      } else if (due.length === 0) {
        due.push(at);
        // A weekend: one more from the Sunday.
        if (end.getTime() - start.getTime() > 36 * 3_600_000) due.push(minute(start.getTime() + (end.getTime() - start.getTime()) * 0.75));
      }
    }
    if (due.length === 0) {
      const current = periods[0]!;
      const closedFor = nowMs - current.close.getTime();
      if (closedFor > 0) {
        // Closed now: one from this evening, still out of hours.
        if (closedFor >= 20 * 60_000) due.push(minute(current.close.getTime() + Math.min(closedFor / 2, Math.max(closedFor - 45 * 60_000, 10 * 60_000))));
      } else {
        // Open for a while: one the EDT worker finished recording this morning.
        due.push(minute(Math.max(current.open.getTime(), nowMs - 60 * 60_000)));
      }
    }
    return [...(overdue ? [overdue] : []), ...due].filter((at) => at.getTime() <= nowMs - 15 * 60_000);
  }

  private acceptedHandovers = 0;

  /**
   * Out of hours as the app itself would have flagged it when the conversation started, and
   * accepted by a CADS worker soon after the next opening, unless it is one of those left for the
   * demo's handover list (or its next opening is yet to come).
   */
  private handoverFields(plan: Plan) {
    const cal = this.serviceCalendar;
    const f = outOfHoursFields(plan.service, cal, this.profile, plan.startedAt);
    const pending = { ...f, handover_accepted_by: null, handover_accepted_at: null };
    if (!f.out_of_hours || plan.handoverPending) return pending;
    const opening = cal.nextOpening(plan.startedAt);
    if (!opening) return pending;
    const k = this.acceptedHandovers++;
    const window = Math.max(1, Math.floor(this.profile.edtHandover.acceptWithinWorkingHours * 60 * 0.75));
    const minutes = 1 + ((k * 17) % window);
    let at: Date;
    try {
      at = cal.addWorkingHours(opening, minutes / 60);
    } catch {
      at = new Date(opening.getTime() + minutes * 60_000);
    }
    if (at.getTime() > this.clock.now.getTime() - 60_000) return pending;
    return { ...f, handover_accepted_by: this.userIds[k % 2 === 0 ? 'cads1' : 'cads2'], handover_accepted_at: at };
  }

  /**
   * A start time today (before now, with time to finish the call) or on the previous working
   * day, so that its decision falls due today or later but is not yet overdue.
   */
  private recentStart(index: number): Date {
    const today = this.clock.today;
    const nowMs = this.clock.now.getTime();
    if (index !== 1 && this.clock.isWorkingDay(today)) {
      const [open] = openingWindow(this.profile, today);
      const earliest = this.clock.at(today, open).getTime();
      const latest = nowMs - 45 * 60_000;
      if (latest > earliest) {
        const at = earliest + Math.floor(this.rng.next() * (latest - earliest));
        return new Date(at - (at % 60_000));
      }
    }
    const previous = this.clock.workingDaysBefore(today, 1);
    return this.workingInstantOn(previous);
  }

  private planSmithJones(hh: Household): void {
    const [ellie, alfie] = hh.children as [ChildRef, ChildRef];
    const first = this.clock.onOrBefore(addDays(this.clock.today, -290));
    const nfaDay = this.clock.onOrBefore(addDays(this.clock.today, -70));
    const repeat = this.clock.onOrAfter(addDays(nfaDay, 15));
    const base = { household: hh, children: [ellie, alfie], service: 'cads' as const };
    this.rows.plans.push(
      {
        ...base, startedAt: this.clock.at(first, 9 * 60 + 40), worker: 'cads2',
        script: {
          callerAgency: 'school', callerRole: 'Designated safeguarding lead', callerName: 'Fiona Marsh',
          concernCategories: ['neglect'],
          concernDetail: 'Ellie has been late most mornings and is often hungry; Alfie’s teacher says he is tired and his uniform is unwashed.',
          worries: 'The children’s basic needs are slipping since dad moved out in the summer.',
          strengths: 'Kerry is open with school and has asked for help with mornings.',
          outcome: 'early-help-request', whereNow: 'At school',
        },
      },
      {
        ...base, startedAt: this.clock.at(nfaDay, 11 * 60 + 15), worker: 'cads1',
        script: {
          callerAgency: 'gp', callerRole: 'GP', callerName: 'Dr Anjali Rao',
          concernCategories: ['parenting-mental-health'],
          concernDetail: 'Kerry told her GP she has been low since her relationship ended; she is caring well for the children and has support from her sister.',
          worries: 'Kerry’s low mood could affect the children if it gets worse.',
          strengths: 'Kerry sought help herself; Early Help support has improved school attendance.',
          outcome: 'no-further-action', whereNow: 'At school',
        },
      },
      {
        ...base, startedAt: this.clock.at(repeat, 14 * 60 + 5), worker: 'cads1',
        script: {
          callerAgency: 'school', callerRole: 'Designated safeguarding lead', callerName: 'Fiona Marsh',
          concernCategories: ['domestic-abuse', 'physical-abuse'],
          concernDetail: 'Ellie told her teacher that mum’s new boyfriend shouts and she is scared to go home; Alfie has a bruise on his arm he could not explain.',
          worries: 'The children may be living with domestic abuse and Alfie may have been hurt.',
          strengths: 'Ellie trusts her teacher and was able to say what is happening.',
          outcome: 'social-care-assessment', decision: 'child-and-family-assessment', whereNow: 'At school',
        },
      },
    );
  }

  private planLibby(hh: Household): void {
    const libby = hh.children[0] as ChildRef;
    // Find a pair of working days three calendar days apart (Monday and Thursday, say).
    let first = this.clock.onOrBefore(addDays(this.clock.today, -40));
    while (!this.clock.isWorkingDay(addDays(first, 3))) first = this.clock.onOrBefore(addDays(first, -1));
    const second = addDays(first, 3);
    this.rows.plans.push(
      {
        household: hh, children: [libby], service: 'cads', worker: 'cads1', startedAt: this.clock.at(first, 9 * 60 + 10),
        script: {
          callerAgency: 'police', callerRole: 'PC', callerName: 'Mike Salt',
          concernCategories: ['child-exploitation'],
          concernDetail: 'Libby was reported missing overnight and found at 3am at a flat in Hanley with two older males.',
          worries: 'Libby may be being sexually exploited by older men.',
          strengths: 'Danielle reported her missing quickly and wants help.',
          outcome: 'mash-checks', decision: 'strategy-discussion', whereNow: 'At home with mum',
        },
      },
      {
        household: hh, children: [libby], service: 'cads', worker: 'cads2', startedAt: this.clock.at(second, 10 * 60 + 30),
        script: {
          callerAgency: 'school', callerRole: 'Designated safeguarding lead', callerName: 'Joanne Bloor',
          concernCategories: ['child-exploitation', 'sexual-abuse'],
          concernDetail: 'Libby came into school with a new phone and cash and told a friend her "boyfriend" is 22.',
          worries: 'A second worrying sign in a week: Libby is at risk of sexual exploitation.',
          strengths: 'Libby still comes to school and talks to her head of year.',
          outcome: 'strategy-discussion', decision: 'strategy-discussion', whereNow: 'At school',
        },
      },
    );
  }

  // --- conversation rows ------------------------------------------------------

  private agencyFor(plan: Plan, ages: (number | null)[]): string {
    const codes = new Set(this.profile.agencies.map((a) => a.code));
    const school = ages.some((a) => a !== null && a >= 4 && a < 18);
    const under5 = ages.some((a) => a !== null && a < 5);
    const unborn = ages.some((a) => a === null);
    const teen = ages.some((a) => a !== null && a >= 12);
    const weights: [string, number][] = [];
    for (const code of codes) {
      let w = AGENCY_CALLERS[code]?.weight ?? 1;
      if (code === 'school' || code === 'school-nurse') w = school ? w : 0;
      if (code === 'health-visitor') w = under5 ? w * 2 : 0;
      if (code === 'education-services' && !school) w *= 3;
      if (code === 'primary-health-other' && unborn) w = 40;
      if (code === 'self' && !teen) w = 0;
      if (plan.service === 'edt') {
        if (code === 'police') w *= 4;
        if (code === 'emergency-department') w *= 4;
        if (code === 'school' || code === 'education-services' || code === 'early-help') w = 0;
      }
      if (w > 0) weights.push([code, w]);
    }
    return weights.length ? this.rng.weighted(weights) : 'other';
  }

  private callerFor(plan: Plan, children: Subject[]) {
    const rng = this.rng;
    const s = plan.script;
    const agency = s?.callerAgency ?? this.agencyFor(plan, children.map((c) => c.age));
    const info = AGENCY_CALLERS[agency] ?? { weight: 1, roles: ['Other professional'], emailDomain: 'example.org', type: 'professional' as const };
    const group = NAME_GROUPS[rng.weighted(this.locale.groups)];
    const given = rng.chance(0.5) ? rng.pick(group.women) : rng.pick(group.men);
    const family = rng.pick(group.surnames);
    let name: string = s?.callerName ?? `${given} ${family}`;
    let role: string | null = s?.callerRole ?? (info.roles.length ? rng.pick(info.roles) : null);
    if (!s?.callerRole && agency === 'education-services' && !children.some((c) => c.age !== null && c.age >= 4)) {
      role = rng.pick(['Nursery manager', 'Early years practitioner']);
    }
    let email: string | null = null;
    let phone: string | null = null;
    if (info.type === 'professional') {
      const domain = info.emailDomain ?? this.domain;
      email = rng.chance(0.8) ? `${emailLocalPart(name)}@${domain}` : null;
      phone = rng.chance(0.85) || !email ? this.phone(rng.weighted<'landline' | 'mobile' | 'london'>([['landline', 6], ['mobile', 3], ['london', 1]])) : null;
    } else if (agency === 'anonymous') {
      name = 'Anonymous caller';
      role = null;
    } else {
      if (agency === 'family-member' && plan.household.relativeName) {
        name = plan.household.relativeName;
        role = 'Grandparent';
      }
      if (agency === 'self') {
        const child = children.find((c) => c.age !== null && c.age >= 12) ?? children[0];
        name = child?.given ?? name;
        role = 'Young person';
      }
      phone = rng.chance(0.8) ? this.phone('mobile') : null;
      email = rng.chance(0.2) ? `${emailLocalPart(name)}@example.com` : null;
    }
    return {
      caller_type: info.type,
      caller_name: name,
      caller_role: role,
      caller_agency_code: agency,
      caller_agency_other: agency === 'other' ? rng.pick(['Riverside Football Club', 'St Mark’s Church youth group', 'Private tutor']) : null,
      caller_phone: phone,
      caller_email: email,
    };
  }

  private pickOutcome(plan: Plan): string {
    const table = plan.service === 'edt' ? EDT_OUTCOME_WEIGHTS : OUTCOME_WEIGHTS;
    const needsDecision = plan.outcome === 'needs-decision';
    const options = this.profile.outcomes
      .filter((o) => !needsDecision || o.requiresDecision)
      .map((o) => [o.code, needsDecision ? (AWAITING_OUTCOME_WEIGHTS[o.code] ?? 1) : (table[o.code] ?? 2)] as const)
      .filter(([, w]) => w > 0);
    if (options.length === 0) return (this.profile.outcomes[0] as { code: string }).code;
    return this.rng.weighted(options);
  }

  private levelFor(tier: number): string {
    const levels = this.profile.levels;
    const byNumber = (n: number) => levels.filter((l) => parseInt(l.code, 10) === n);
    const fours = byNumber(4);
    const choice =
      tier <= 0
        ? (this.rng.chance(0.6) ? byNumber(1) : byNumber(2))[0]
        : tier === 1
          ? (this.rng.chance(0.6) ? byNumber(2) : byNumber(3))[0]
          : tier === 2
            ? (this.rng.chance(0.5) ? byNumber(3)[0] : fours[0])
            : (fours[1] ?? fours[0]);
    if (choice) return choice.code;
    const idx = Math.min(levels.length - 1, Math.round((Math.max(0, tier) / 3) * (levels.length - 1)));
    return (levels[idx] as { code: string }).code;
  }

  private decisionFor(outcome: string, scripted?: string): string {
    if (scripted && this.decisionCodes.has(scripted)) return scripted;
    const options = (DECISION_FOR_OUTCOME[outcome] ?? []).filter(([c]) => this.decisionCodes.has(c));
    return options.length ? this.rng.weighted(options) : this.rng.pick(this.profile.decisions).code;
  }

  /** A line that suits the youngest child named in it, with names filled in. */
  private say(lines: Lines, children: Subject[]): string {
    const ages = children.filter((c) => c.age !== null).map((c) => c.age as number);
    const youngest = ages.length ? Math.min(...ages) : 0;
    const eldest = ages.length ? Math.max(...ages) : 0;
    const fits = lines
      .map((l) => (typeof l === 'string' ? { text: l } : l))
      .filter((l) => youngest >= (l.minAge ?? 0) && eldest <= (l.maxAge ?? 17));
    return this.fill(fits.length ? this.rng.pick(fits).text : 'The caller is worried about {name}.', children, this.day);
  }

  private fill(template: string, children: Subject[], date: string): string {
    const named = children.filter((c) => c.given).map((c) => c.given as string);
    const name = named.length === 0 ? 'the baby' : named.length === 1 ? (named[0] as string) : `${named.slice(0, -1).join(', ')} and ${named[named.length - 1]}`;
    const due = children.find((c) => c.due)?.due;
    const weeks = due ? Math.min(39, Math.max(12, 40 - Math.round(daysBetween(date, due) / 7))) : 30;
    return template.replaceAll('{name}', name).replaceAll('{weeks}', String(weeks));
  }

  private whereNow(child: Subject, plan: Plan, startedAt: Date, tier: number): string {
    if (plan.script?.whereNow) return plan.script.whereNow;
    if (child.age === null) return 'Unborn: mum is at home';
    if (plan.service === 'edt') {
      if (tier === 3) return this.rng.pick(['With maternal grandmother under a safety plan', 'In the emergency department with mum', 'With police at the address']);
      return child.age !== null && child.age >= 12 ? this.rng.pick(['At home', 'At a friend’s house', 'Returned home after being missing']) : 'At home with mum';
    }
    const age = child.age ?? 0;
    const hour = Number(LONDON_HOUR.format(startedAt));
    if (age >= 4 && age < 18 && hour < 15) return this.rng.chance(0.9) ? 'At school' : 'At home, not in school today';
    if (age < 4) return this.rng.pick(['At home with mum', 'At nursery', 'With grandmother']);
    return this.rng.pick(['At home', 'At home with mum', 'On the way home from school']);
  }

  build(plan: Plan): Built {
    const rng = this.rng;
    const p = this.profile;
    const id = randomUUID();
    const workerId = this.userIds[plan.worker];
    const startedAt = plan.startedAt;
    const isDraft = plan.draft !== undefined;
    const completedAt = isDraft
      ? null
      : new Date(Math.min(startedAt.getTime() + rng.int(12, 55) * 60_000, this.clock.now.getTime() - 60_000));
    this.day = londonDateOf(startedAt);
    const children = plan.children.map((c) => subjectOn(c, this.day));
    const caller = this.callerFor(plan, children);
    const s = plan.script;

    // Outcomes first: they set how urgent, how serious and whether consent was sought.
    const firstOutcome = s?.outcome ?? (plan.outcome && plan.outcome !== 'needs-decision' ? plan.outcome : this.pickOutcome(plan));
    const outcomes = children.map((_, i) =>
      i === 0 || s?.outcome || plan.outcome || rng.chance(0.8) ? firstOutcome : this.pickOutcome(plan),
    );
    const tier = Math.max(...outcomes.map((o) => OUTCOME_TIER[o] ?? 1));

    const categoryCodes = new Set(p.concernCategories.map((c) => c.code));
    const teen = children.some((c) => c.age !== null && c.age >= 10);
    const categoryOptions = p.concernCategories
      .map((c) => [c.code, c.code === 'child-exploitation' && !teen ? 0 : (CONCERN_WEIGHTS[c.code] ?? 3)] as const)
      .filter(([, w]) => w > 0);
    const primary = rng.weighted(categoryOptions);
    const categories = s?.concernCategories?.filter((c) => categoryCodes.has(c)) ?? [primary];
    if (!s && rng.chance(0.35)) {
      const second = rng.weighted(categoryOptions);
      if (!categories.includes(second)) categories.push(second);
    }
    if (categories.length === 0) categories.push(primary);
    const lead = categories[0] as string;
    const onlyUnborn = children.every((c) => c.age === null);
    const detail = s?.concernDetail ?? this.say(onlyUnborn ? UNBORN_DETAIL : (CONCERN_DETAIL[lead] ?? []), children);
    const worries = s?.worries ?? this.say(WORRIES[lead] ?? [], children);
    const strengths = s?.strengths ?? this.say(STRENGTHS, children);

    const immediacyCodes = new Set<string>(IMMEDIACY_OPTIONS.map((o) => o.code));
    const immediacy =
      tier >= 3
        ? rng.chance(0.7) ? 'immediate' : 'soon'
        : tier === 2
          ? rng.weighted<string>([['soon', 60], ['not-immediate', 30], ['immediate', 10]])
          : rng.chance(0.85) ? 'not-immediate' : 'soon';

    const consentNo = rng.chance(tier >= 3 ? 0.45 : tier === 2 ? 0.25 : 0.12);
    const reasons = consentNo ? this.consentReasons() : [];
    const version: Insertable<ConversationVersionsTable> = {
      conversation_id: id,
      version: 1,
      // Completed versions cannot take children, so every version starts as a draft.
      status: 'draft',
      amendment_reason: null,
      ...caller,
      concern_categories: categories,
      concern_detail: detail,
      immediacy: immediacyCodes.has(immediacy) ? immediacy : (IMMEDIACY_OPTIONS[0]?.code ?? null),
      support_to_date: rng.chance(0.7) ? rng.pick(SUPPORT_TO_DATE) : null,
      parents_informed: consentNo ? (rng.chance(0.85) ? 'no' : 'yes') : rng.chance(0.95) ? 'yes' : 'no',
      consent_given: consentNo ? 'no' : 'yes',
      consent_reason_codes: reasons,
      consent_reason_detail: consentNo ? this.fill(CONSENT_DETAIL[reasons[0] as string] ?? 'Seeking consent would have put the child at risk.', children, this.day) : null,
      lawful_basis_code: consentNo
        ? rng.weighted<string>(LAWFUL_BASES.map((b) => [b.code, b.code === 'public-task-children-act' ? 8 : 1] as const))
        : null,
      worries,
      strengths,
      needs_to_happen: NEEDS_TO_HAPPEN[firstOutcome] ?? 'Agreed next steps followed through.',
      created_by: workerId,
      created_at: startedAt,
      updated_at: completedAt ?? startedAt,
      completed_by: isDraft ? null : workerId,
      completed_at: completedAt,
    };

    const childRows: Insertable<ConversationChildrenTable>[] = children.map((child, i) => {
      const outcome = outcomes[i] as string;
      const agreed = rng.chance(0.9);
      const [steps, by] = NEXT_STEPS[outcome] ?? [`${p.outcomes.find((o) => o.code === outcome)?.label ?? 'Agreed outcome'}.`, p.service.shortName];
      return {
        conversation_id: id,
        version: 1,
        person_id: (plan.children[i] as ChildRef).id,
        position: i + 1,
        where_now: this.whereNow(child, plan, startedAt, OUTCOME_TIER[outcome] ?? 1),
        safe_tonight: (OUTCOME_TIER[outcome] ?? 0) >= 3 ? rng.weighted<'yes' | 'no' | 'unknown'>([['yes', 5], ['no', 3], ['unknown', 2]]) : rng.weighted<'yes' | 'no' | 'unknown'>([['yes', 85], ['unknown', 13], ['no', 2]]),
        outcome_code: outcome,
        caller_agreed: agreed,
        disagreement_note: agreed ? null : rng.pick(DISAGREEMENT_NOTES),
        next_steps: steps.replace('CADS', p.service.shortName),
        next_steps_by: by === 'CADS' ? p.service.shortName : by,
        level_code: this.levelFor(OUTCOME_TIER[outcome] ?? 1),
      };
    });

    if (isDraft) return this.draftRows(plan, id, workerId, version, childRows);

    const needsDecision = outcomes.some((o) => p.outcomes.find((x) => x.code === o)?.requiresDecision);
    const due = needsDecision ? this.clock.deadline(startedAt) : null;
    const decisions: Insertable<DecisionsTable>[] = [];
    if (due && !plan.awaitingDecision) {
      children.forEach((_, i) => {
        const outcome = outcomes[i] as string;
        if (!p.outcomes.find((x) => x.code === outcome)?.requiresDecision) return;
        const code = this.decisionFor(outcome, s?.decision);
        const from = (completedAt as Date).getTime() + 10 * 60_000;
        const until = Math.max(from, Math.min(due.getTime() - 60 * 60_000, this.clock.now.getTime() - 60_000));
        const r = rng.next();
        decisions.push({
          id: randomUUID(),
          authority_id: p.id,
          conversation_id: id,
          person_id: (plan.children[i] as ChildRef).id,
          decision_code: code,
          // The primary need follows the worries talked about (no random draw, so the rest of the demo is unchanged).
          primary_need_code: needsPrimaryNeed(code) ? demoPrimaryNeed(categories) : null,
          rationale: DECISION_RATIONALE[code] ?? `${p.decisions.find((d) => d.code === code)?.label ?? code}.`,
          decided_by: this.userIds.manager,
          // Most decisions are made within a few hours of the call.
          decided_at: new Date(from + Math.floor(r * r * r * (until - from))),
        });
      });
    }

    return {
      conversation: {
        id,
        authority_id: p.id,
        reference: '',
        status: 'completed',
        current_version: 1,
        service: plan.service,
        worker_id: workerId,
        team_id: this.teamOf[plan.worker],
        started_at: startedAt,
        completed_at: completedAt,
        decision_due_at: due,
        created_at: startedAt,
        ...this.handoverFields(plan),
      },
      version,
      children: childRows,
      decisions,
    };
  }

  private draftRows(
    plan: Plan,
    id: string,
    workerId: string,
    version: Insertable<ConversationVersionsTable>,
    childRows: Insertable<ConversationChildrenTable>[],
  ): Built {
    const started = plan.draft === 'started';
    // A draft is what the worker had typed when the call was interrupted: the caller,
    // the child and (for one) the first lines of the concern, but no outcome yet.
    const draftVersion: Insertable<ConversationVersionsTable> = {
      ...version,
      concern_categories: started ? version.concern_categories : [],
      concern_detail: started ? version.concern_detail : null,
      immediacy: null,
      support_to_date: null,
      parents_informed: null,
      consent_given: null,
      consent_reason_codes: [],
      consent_reason_detail: null,
      lawful_basis_code: null,
      worries: null,
      strengths: null,
      needs_to_happen: null,
      completed_by: null,
      completed_at: null,
      updated_at: new Date(plan.startedAt.getTime() + 6 * 60_000),
    };
    const child = childRows[0] as Insertable<ConversationChildrenTable>;
    const draftChild: Insertable<ConversationChildrenTable> = {
      ...child,
      where_now: started ? child.where_now : null,
      safe_tonight: null,
      outcome_code: null,
      caller_agreed: null,
      disagreement_note: null,
      next_steps: null,
      next_steps_by: null,
      level_code: null,
    };
    return {
      conversation: {
        id,
        authority_id: this.profile.id,
        reference: '',
        status: 'draft',
        current_version: 1,
        service: plan.service,
        worker_id: workerId,
        team_id: this.teamOf[plan.worker],
        started_at: plan.startedAt,
        completed_at: null,
        decision_due_at: null,
        created_at: plan.startedAt,
        ...this.handoverFields(plan),
      },
      version: draftVersion,
      children: [draftChild],
      decisions: [],
    };
  }

  private consentReasons(): string[] {
    const first = this.rng.weighted<string>(
      CONSENT_NOT_SOUGHT_REASONS.map((r) => [r.code, r.code === 'risk-to-child' ? 5 : r.code === 'undermine-investigation' ? 2 : 1] as const),
    );
    if (this.rng.chance(0.25)) {
      const second = this.rng.pick(CONSENT_NOT_SOUGHT_REASONS).code;
      if (second !== first) return [first, second];
    }
    return [first];
  }

  /** Person and household rows are dated just before the family's first conversation. */
  finishPeople(): void {
    for (const plan of this.rows.plans) {
      const hh = plan.household;
      if (!hh.firstContact || plan.startedAt < hh.firstContact) hh.firstContact = plan.startedAt;
    }
    for (const hh of this.households) {
      const createdAt = hh.firstContact
        ? new Date(hh.firstContact.getTime() - this.rng.int(2, 8) * 60_000)
        : this.clock.at(this.clock.onOrBefore(addDays(this.clock.today, -this.rng.int(5, 60))), 11 * 60);
      for (const r of hh.householdRows) this.rows.households.push({ ...r, created_at: createdAt });
      for (const r of hh.personRows) this.rows.persons.push({ ...r, created_at: createdAt, updated_at: createdAt });
      for (const r of hh.relationshipRows) this.rows.relationships.push({ ...r, created_at: createdAt });
    }
    const createdById = new Map(this.rows.persons.map((r) => [r.id, r.created_at]));
    this.rows.aliases = this.rows.aliases.map((a) => ({ ...a, created_at: createdById.get(a.person_id) ?? this.clock.now }));
  }
}

// ---------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------

async function anyDemoUser(db: Executor, emails: string[]): Promise<boolean> {
  const row = await db
    .selectFrom('users')
    .select('id')
    .where((eb) => eb(eb.fn('lower', ['email']), 'in', emails))
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

async function insertChunked<T extends keyof DB & string>(tx: Tx, table: T, rows: InsertObject<DB, T>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    await tx.insertInto(table).values(rows.slice(i, i + INSERT_CHUNK)).execute();
  }
}

/**
 * Loads the demo caseload unless any demo account already exists. Returns the demo
 * accounts either way, so start-up can print them. The profiles must already be synced
 * (syncAuthorityProfiles), because users are put in the teams that creates.
 */
export async function loadDemoData(db: Database, opts: LoadDemoDataOptions): Promise<{ loaded: boolean; users: DemoUser[] }> {
  const users = demoUsers(opts.profiles);
  if (users.length === 0) return { loaded: false, users };
  const emails = users.map((u) => u.email.toLowerCase());
  if (await anyDemoUser(db, emails)) return { loaded: false, users };

  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const clock = new Clockwork(opts.calendar, opts.now);
  const calendars = opts.calendars ?? ServiceCalendars.load(new AuthorityProfiles(opts.profiles));
  const seed = opts.seed ?? DEFAULT_SEED;

  const loaded = await db.transaction().execute(async (tx) => {
    // Two instances starting together on an empty database must not both load.
    await sql`select pg_advisory_xact_lock(hashtext(current_schema() || ':demo-data'))`.execute(tx);
    if (await anyDemoUser(tx, emails)) return false;

    const teams = await tx.selectFrom('teams').select(['id', 'authority_id', 'name']).execute();
    const nhsNumbers = new Set<string>();
    const upns = new Set<string>();
    const generators = opts.profiles.map((profile) => {
      const g = new AuthorityGenerator(
        profile, clock, seed, teams.filter((t) => t.authority_id === profile.id), passwordHash, nhsNumbers, upns, calendars.forAuthority(profile.id),
      );
      g.buildPeople();
      g.planConversations();
      g.finishPeople();
      return { g, profile };
    });

    const built = generators.flatMap(({ g, profile }) =>
      [...g.rows.plans]
        .sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime())
        .map((plan) => ({ profile, plan, rows: g.build(plan) })),
    );
    // References follow the order calls came in, across every authority, as they would have live.
    built.sort((a, b) => a.plan.startedAt.getTime() - b.plan.startedAt.getTime());
    const seq = await sql<{ n: number | string }>`select nextval('conversation_reference_seq') as n from generate_series(1, ${built.length}::int)`.execute(tx);
    const numbers = seq.rows.map((r) => Number(r.n)).sort((a, b) => a - b);
    built.forEach((b, i) => {
      const year = londonDateOf(b.plan.startedAt).slice(0, 4);
      b.rows.conversation.reference = `${b.profile.service.referencePrefix}-${year}-${String(numbers[i]).padStart(6, '0')}`;
    });

    const all = generators.map(({ g }) => g.rows);
    await insertChunked(tx, 'users', all.flatMap((r) => r.users));
    await insertChunked(tx, 'households', all.flatMap((r) => r.households));
    await insertChunked(tx, 'persons', all.flatMap((r) => r.persons));
    await insertChunked(tx, 'person_aliases', all.flatMap((r) => r.aliases));
    await insertChunked(tx, 'relationships', all.flatMap((r) => r.relationships));
    await insertChunked(tx, 'conversations', built.map((b) => b.rows.conversation));
    await insertChunked(tx, 'conversation_versions', built.map((b) => b.rows.version));
    await insertChunked(tx, 'conversation_children', built.flatMap((b) => b.rows.children));
    const completedIds = built.filter((b) => b.rows.conversation.status === 'completed').map((b) => b.rows.conversation.id);
    for (let i = 0; i < completedIds.length; i += INSERT_CHUNK) {
      await sql`update conversation_versions set status = 'completed'
                 where version = 1 and conversation_id = any(${completedIds.slice(i, i + INSERT_CHUNK)}::uuid[])`.execute(tx);
    }
    await insertChunked(tx, 'decisions', built.flatMap((b) => b.rows.decisions));
    return true;
  });

  return { loaded, users };
}

/** A primary need for a demo decision, from the categories of concern talked about. */
function demoPrimaryNeed(categories: string[]): string {
  if (categories.some((c) => /neglect|abuse|exploitation|domestic|sexual|physical|emotional/.test(c))) return 'N1';
  if (categories.some((c) => /mental|substance|parent/.test(c))) return 'N3';
  if (categories.some((c) => /disab|health/.test(c))) return 'N2';
  if (categories.some((c) => /behaviour|offend|missing/.test(c))) return 'N6';
  return 'N4';
}
