/**
 * Regenerates src/domain/matching/nicknames.json from the CSVs in data/names/.
 * Run after editing data/names/uk-diminutives.csv: npx tsx scripts/build-nicknames.ts
 * (src/domain/matching/nicknames.test.ts fails while the JSON is out of date), then bump
 * STANDARDISATION_VERSION so stored people are recomputed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { buildNicknameIndex } from '../src/domain/matching/nickname-index.js';

const root = new URL('../', import.meta.url);
const texts = ['data/names/names.csv', 'data/names/uk-diminutives.csv'].map((p) => readFileSync(new URL(p, root), 'utf8'));
const index = buildNicknameIndex(texts);
writeFileSync(new URL('src/domain/matching/nicknames.json', root), JSON.stringify(index) + '\n');
console.log(`${Object.keys(index).length} names with other forms`);
