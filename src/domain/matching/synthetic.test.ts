import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isValidPostcode } from '../postcode.js';
import { isValidNhsNumber, isTestRangeNhsNumber } from '../nhs-number.js';
import {
  createRng, csvField, csvHeader, csvLine, generateChildren, iterateChildren, mistypeDate, nameVariant, SCENARIOS, soundAlike,
  swapDayMonth, typo, type SyntheticRecord,
} from './synthetic.js';

const records = generateChildren({ seed: 7, people: 4000 });
const byCluster = new Map<string, SyntheticRecord[]>();
for (const r of records) byCluster.set(r.cluster_id, [...(byCluster.get(r.cluster_id) ?? []), r]);
const originalOf = (cluster: string) => byCluster.get(cluster)!.find((r) => r.scenario === 'original')!;

describe('generateChildren', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = generateChildren({ seed: 3, people: 300 });
    const b = generateChildren({ seed: 3, people: 300 });
    const c = generateChildren({ seed: 4, people: 300 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.map(csvLine), c.map(csvLine));
  });

  it('makes the number of people asked for, each with exactly one original record', () => {
    assert.equal(byCluster.size, 4000);
    for (const [cluster, recs] of byCluster) assert.equal(recs.filter((r) => r.scenario === 'original').length, 1, cluster);
    assert.equal(new Set(records.map((r) => r.record_id)).size, records.length);
    const dupShare = [...byCluster.values()].filter((rs) => rs.some((r) => r.scenario !== 'original' && r.scenario !== 'unborn_then_born')).length / byCluster.size;
    assert.ok(dupShare > 0.2 && dupShare < 0.4, `share with duplicates ${dupShare}`);
  });

  it('gives valid UK postcodes and valid test-range NHS numbers, unique to one child', () => {
    const owner = new Map<string, string>();
    for (const r of records) {
      if (r.postcode && r.scenario.split('+').every((s) => s !== 'format_noise')) assert.ok(isValidPostcode(r.postcode), `${r.record_id} postcode ${r.postcode}`);
      if (r.nhs_number) {
        assert.ok(isValidNhsNumber(r.nhs_number) && isTestRangeNhsNumber(r.nhs_number), r.nhs_number);
        assert.equal(owner.get(r.nhs_number) ?? r.cluster_id, r.cluster_id, `NHS number ${r.nhs_number} shared by two children`);
        owner.set(r.nhs_number, r.cluster_id);
      }
    }
    const share = records.filter((r) => r.nhs_number).length / records.length;
    assert.ok(share > 0.15 && share < 0.6, `share of records with an NHS number ${share}`);
  });

  it('gives children aged 0–17 and unborn babies with an expected date', () => {
    for (const [, recs] of byCluster) {
      const o = recs.find((r) => r.scenario === 'original')!;
      if (o.date_of_birth) {
        assert.ok(o.date_of_birth <= '2026-11-23' && o.date_of_birth > '2008-11-23', o.date_of_birth);
        assert.equal(o.expected_date_of_birth, '');
      } else {
        assert.ok(o.expected_date_of_birth > '2026-11-23', `${o.record_id} has neither date`);
        assert.equal(o.nhs_number, '');
      }
    }
    assert.ok(records.some((r) => r.scenario === 'original' && r.expected_date_of_birth && /baby|unborn|^$/i.test(r.given_name)));
  });

  it('has twins: same household and date of birth, different given names, different people', () => {
    const twins = records.filter((r) => r.scenario === 'original' && r.twin_of);
    assert.ok(twins.length >= 40, `${twins.length} twins`);
    for (const t of twins) {
      const other = originalOf(t.twin_of);
      assert.notEqual(other.cluster_id, t.cluster_id);
      assert.equal(other.twin_of, t.cluster_id);
      assert.equal(other.household_id, t.household_id);
      assert.equal(other.date_of_birth, t.date_of_birth);
      assert.notEqual(other.given_name.toLowerCase(), t.given_name.toLowerCase());
    }
  });

  it('has households of siblings sharing an address, some with different surnames', () => {
    const households = new Map<string, SyntheticRecord[]>();
    for (const r of records) if (r.scenario === 'original' && r.date_of_birth) households.set(r.household_id, [...(households.get(r.household_id) ?? []), r]);
    const bigger = [...households.values()].filter((h) => h.length >= 2);
    assert.ok(bigger.length > 500, `${bigger.length} households with two or more children`);
    const sameAddress = bigger.filter((h) => h.every((r) => !r.postcode || r.postcode === h.find((x) => x.postcode)?.postcode));
    assert.ok(sameAddress.length / bigger.length > 0.9);
    const mixedSurnames = bigger.filter((h) => new Set(h.map((r) => r.family_name)).size > 1);
    assert.ok(mixedSurnames.length > 50, `${mixedSurnames.length} households with step or half siblings`);
    assert.ok(records.some((r) => r.scenario === 'original' && /^[A-Z][a-z']+-[A-Z]/.test(r.family_name)), 'double-barrelled surnames');
    assert.ok(records.some((r) => r.scenario === 'original' && /ska$/.test(r.family_name) && r.sex === 'F'), 'Polish feminine surnames');
  });

  it('applies every kind of corruption', () => {
    const seen = new Set(records.flatMap((r) => r.scenario.split('+')));
    for (const s of SCENARIOS) assert.ok(seen.has(s), `no record with scenario ${s}`);
  });

  it('corrupts the way the scenario says', () => {
    let checked = 0;
    for (const r of records) {
      const kinds = r.scenario.split('+');
      if (r.scenario === 'original' || kinds.includes('names_swapped') || kinds.includes('format_noise')) continue;
      const o = originalOf(r.cluster_id);
      if (kinds.includes('dob_swap')) assert.equal(swapDayMonth(o.date_of_birth), r.date_of_birth);
      if (kinds.includes('dob_missing')) assert.equal(r.date_of_birth, '');
      if (kinds.includes('age_only')) assert.ok(r.age_years !== '' && r.date_of_birth === '');
      if (kinds.includes('nhs_missing')) assert.ok(o.nhs_number && !r.nhs_number);
      if (kinds.includes('moved')) assert.notEqual(r.address, o.address);
      if (kinds.length === 1 && ['nickname', 'typo_given', 'phonetic_given', 'given_name_partial'].includes(kinds[0]!)) {
        assert.notEqual(r.given_name, o.given_name);
        assert.equal(r.family_name, o.family_name);
        assert.equal(r.date_of_birth, o.date_of_birth);
      }
      if (kinds.includes('unborn_then_born')) {
        assert.equal(r.date_of_birth, '');
        const days = Math.abs(Date.parse(r.expected_date_of_birth) - Date.parse(o.date_of_birth)) / 86_400_000;
        assert.ok(days <= 28, `expected date ${r.expected_date_of_birth} vs born ${o.date_of_birth}`);
      }
      checked++;
    }
    assert.ok(checked > 500);
  });

  it('iterates the same people in generation order', () => {
    const it1 = [...iterateChildren({ seed: 3, people: 300 })];
    const shuffled = generateChildren({ seed: 3, people: 300 });
    assert.equal(it1.length, shuffled.length);
    assert.deepEqual(new Set(it1.map((r) => r.cluster_id)), new Set(shuffled.map((r) => r.cluster_id)));
  });
});

describe('corruption helpers', () => {
  const r = createRng(1);
  it('nicknames go both ways and respect sex', () => {
    const forms = new Set(Array.from({ length: 40 }, () => nameVariant('Eleanor', 'F', r)));
    assert.ok(forms.has('Ellie'));
    assert.equal(nameVariant('Liam', 'M', createRng(2)) !== null, true);
    assert.ok(Array.from({ length: 30 }, () => nameVariant('Alfie', 'M', r)).includes('Alfred'));
    assert.ok(Array.from({ length: 30 }, () => nameVariant('Charlie', 'F', r)).every((v) => v !== 'Charles'));
    assert.equal(nameVariant('Zebedee', 'M', r), null);
  });
  it('sound-alike spellings', () => {
    assert.ok(['Kaley', 'Caleigh', 'Kayley', 'Kaylee', 'Kayleah'].some((v) => Array.from({ length: 30 }, () => soundAlike('Kayleigh', r)).includes(v)));
    for (let i = 0; i < 50; i++) assert.notEqual(soundAlike('Phoebe', r)?.toLowerCase(), 'phoebe');
  });
  it('typos change one thing', () => {
    for (let i = 0; i < 200; i++) {
      const t = typo('Oliver', r);
      assert.notEqual(t.toLowerCase(), 'oliver');
      assert.ok(Math.abs(t.length - 6) <= 1);
    }
  });
  it('dates', () => {
    assert.equal(swapDayMonth('2019-03-07'), '2019-07-03');
    assert.equal(swapDayMonth('2019-03-13'), null);
    assert.equal(swapDayMonth('2019-03-03'), null);
    for (let i = 0; i < 100; i++) {
      const d = mistypeDate('2016-02-28', r, '2026-11-23')!;
      assert.ok(d && d !== '2016-02-28' && !Number.isNaN(Date.parse(d)));
    }
  });
  it('CSV quoting only when needed', () => {
    assert.equal(csvField('Smith'), 'Smith');
    assert.equal(csvField('1 Mill Road, Norwich'), '"1 Mill Road, Norwich"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.ok(csvHeader().startsWith('record_id,cluster_id,given_name,family_name,date_of_birth,sex,postcode,address,nhs_number,'));
  });
});
