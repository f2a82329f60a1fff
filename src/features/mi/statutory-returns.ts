import { sql } from 'kysely';
import type { AppContext } from '../../platform/context.js';
import type { Principal } from '../../platform/auth/roles.js';
import type { Period } from '../../platform/http/period.js';
import { buildList1, buildList3, type AnnexAList, type ContactRow, type ReferralRow } from '../../domain/annex-a.js';
import { buildCinCensus, collectionPeriod, NFA_DECISION_CODES, type CinChild, type CinFinding } from '../../domain/cin-census.js';
import { addDays, todayInLondon } from '../../domain/dates.js';

/**
 * Decisions that close a referral with no further social care action (CIN `ReferralNFA`, Annex A
 * "Referral NFA?"): advice, or a step down to Early Help. A referral with no decision yet is
 * reported as not NFA and listed in the findings.
 */

interface FactRow {
  person_number: number;
  sex: string | null;
  ethnicity: string | null;
  date_of_birth: string | null;
  expected_date_of_birth: string | null;
  day: string;
  reference: string;
  caller_agency_code: string | null;
  decision_code: string | null;
  team_name: string | null;
  worker_name: string;
  referrals_12m: number;
}

/** Ofsted's Annex A Lists 1 and 3 and the DfE's CIN census, built from the MI summary table. */
export class StatutoryReturns {
  constructor(private readonly ctx: AppContext) {}

  private childId(authorityId: string, personNumber: number): string {
    return `${this.ctx.profiles.get(authorityId).service.referencePrefix}${personNumber}`;
  }

  private sourceOf(authorityId: string, agencyCode: string | null): string | null {
    const profile = this.ctx.profiles.get(authorityId);
    return profile.agencies.find((a) => a.code === agencyCode)?.referralSource ?? null;
  }

  /** Rows of the summary table in the period, with the child's details (the record each was finally merged into). */
  private async rows(authorityId: string, period: Period, referralsOnly: boolean): Promise<FactRow[]> {
    const r = await sql<FactRow>`
      select p.person_number, p.sex, p.ethnicity, p.date_of_birth::text as date_of_birth, p.expected_date_of_birth::text as expected_date_of_birth,
        f.day::text as day, f.reference, f.caller_agency_code, f.decision_code, t.name as team_name, u.display_name as worker_name,
        ${referralsOnly
          ? sql`(select count(*)::int from mi_conversation_facts g where g.authority_id = f.authority_id and g.child_key = f.child_key
                 and g.social_care_referral and g.day > f.day - 365 and g.day <= f.day)`
          : sql`0`} as referrals_12m
      from mi_conversation_facts f
      join persons p on p.id = f.child_key
      join users u on u.id = f.worker_id
      left join teams t on t.id = f.team_id
      where f.authority_id = ${authorityId} and f.day >= ${period.from}::date and f.day <= ${period.to}::date
        ${referralsOnly ? sql`and f.social_care_referral` : sql``}`.execute(this.ctx.db);
    return r.rows;
  }

  async annexA(principal: Principal, list: 1 | 3, period: Period): Promise<AnnexAList> {
    const a = principal.authorityId;
    const extract = todayInLondon(this.ctx.clock.now());
    const rows = await this.rows(a, period, list === 3);
    const contacts: ContactRow[] = rows.map((r) => ({
      childId: this.childId(a, r.person_number),
      sex: r.sex,
      ethnicity: r.ethnicity,
      dateOfBirth: r.date_of_birth,
      expectedDateOfBirth: r.expected_date_of_birth,
      contactDate: r.day,
      sourceCode: this.sourceOf(a, r.caller_agency_code),
      reference: r.reference,
    }));
    if (list === 1) return buildList1(contacts, extract);
    const referrals: ReferralRow[] = contacts.map((c, i) => {
      const r = rows[i]!;
      return {
        ...c,
        nfa: r.decision_code === null ? null : NFA_DECISION_CODES.includes(r.decision_code),
        referralsInLast12Months: r.referrals_12m,
        team: r.team_name,
        worker: r.worker_name,
      };
    });
    return buildList3(referrals, extract);
  }

  /** The census year whose collection period includes today, or the one just ended (before July's deadline). */
  defaultCensusYear(): number {
    const today = todayInLondon(this.ctx.clock.now());
    const year = Number(today.slice(0, 4));
    return today >= `${year}-04-01` ? year + 1 : year;
  }

  async cinCensus(principal: Principal, year: number): Promise<{ xml: string; findings: CinFinding[]; children: number; referrals: number }> {
    const a = principal.authorityId;
    const period = collectionPeriod(year);
    const profile = this.ctx.profiles.get(a);
    const r = await sql<FactRow & { upn: string | null; disability_codes: string[]; primary_need_code: string | null }>`
      select p.person_number, p.sex, p.ethnicity, p.date_of_birth::text as date_of_birth, p.expected_date_of_birth::text as expected_date_of_birth,
        p.upn, p.disability_codes, f.day::text as day, f.reference, f.caller_agency_code, f.decision_code, f.primary_need_code
      from mi_conversation_facts f join persons p on p.id = f.child_key
      where f.authority_id = ${a} and f.social_care_referral and f.day >= ${period.start}::date and f.day <= ${period.end}::date
      order by p.person_number, f.day`.execute(this.ctx.db);
    const children = new Map<number, CinChild>();
    for (const row of r.rows) {
      let c = children.get(row.person_number);
      if (!c) {
        c = {
          laChildId: this.childId(a, row.person_number),
          upn: row.upn,
          dateOfBirth: row.date_of_birth,
          expectedDateOfBirth: row.date_of_birth ? null : row.expected_date_of_birth,
          sex: row.sex,
          ethnicity: row.ethnicity,
          disabilities: row.disability_codes ?? [],
          referrals: [],
        };
        children.set(row.person_number, c);
      }
      (c.referrals as CinChild['referrals'][number][]).push({
        referralDate: row.day,
        sourceCode: this.sourceOf(a, row.caller_agency_code),
        primaryNeed: row.primary_need_code,
        nfa: row.decision_code === null ? null : NFA_DECISION_CODES.includes(row.decision_code),
        reference: row.reference,
      });
    }
    const now = this.ctx.clock.now();
    const built = buildCinCensus(
      {
        year,
        lea: profile.statutoryReturns?.laNumber ?? '',
        softwareCode: 'front-door',
        release: '1.0',
        serialNo: '001',
        dateTime: `${todayInLondon(now)}T${now.toLocaleTimeString('en-GB', { timeZone: 'Europe/London', hour12: false })}`,
      },
      [...children.values()],
    );
    return { ...built, children: children.size, referrals: r.rows.length };
  }

  /** A default Annex A period: the six months up to yesterday, as inspections usually ask. */
  defaultAnnexPeriod(): Period {
    const today = todayInLondon(this.ctx.clock.now());
    return { from: addDays(today, -183), to: addDays(today, -1) };
  }
}
