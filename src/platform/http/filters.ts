import type nunjucks from 'nunjucks';
import type { AppContext } from '../context.js';
import { formatDateLong, formatDateTimeLondon, ageInYears, todayInLondon } from '../../domain/dates.js';
import { formatNhsNumber } from '../../domain/nhs-number.js';

/** Template filters: presentation only, no data access. */
export function addFilters(env: nunjucks.Environment, ctx: AppContext): void {
  env.addFilter('matchBand', (b: string) => ({ 'very-likely': 'Very likely the same person', likely: 'Likely the same person', possible: 'Possibly the same person', unlikely: 'Weak match' } as Record<string, string>)[b] ?? b);
  env.addFilter('dateLong', (d: string | null | undefined) => (d ? formatDateLong(d) : ''));
  env.addFilter('dateTime', (d: Date | string | null | undefined) => (d ? formatDateTimeLondon(new Date(d)) : ''));
  env.addFilter('isoDateTime', (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : ''));
  env.addFilter('age', (dob: string | null | undefined) => (dob ? ageInYears(dob, todayInLondon(ctx.clock.now())) : ''));
  env.addFilter('nhsNumber', (n: string | null | undefined) => (n ? formatNhsNumber(n) : ''));
  env.addFilter('label', (code: string | null | undefined, list: { code: string; label: string }[] | undefined) => {
    if (!code) return '';
    return list?.find((x) => x.code === code)?.label ?? code;
  });
  env.addFilter('labels', (codes: string[] | null | undefined, list: { code: string; label: string }[] | undefined) =>
    (codes ?? []).map((c) => list?.find((x) => x.code === c)?.label ?? c),
  );
  env.addFilter('personName', (p: { given_name?: string | null; family_name?: string | null; expected_date_of_birth?: string | null } | null | undefined) => {
    if (!p) return '';
    const name = [p.given_name, p.family_name].filter(Boolean).join(' ');
    if (name) return name;
    return p.expected_date_of_birth ? 'Unborn child' : 'Name not known';
  });
  // For govuk macros: [{code,label}] → items with value/text and the current selection.
  env.addFilter('toItems', (list: { code: string; label: string; hint?: string }[], selected?: string | string[] | null, emptyText?: string) => {
    const chosen = Array.isArray(selected) ? selected : selected ? [selected] : [];
    const items: Record<string, unknown>[] = list.map((x) => ({
      value: x.code,
      text: x.label,
      checked: chosen.includes(x.code),
      selected: chosen.includes(x.code),
      hint: x.hint ? { text: x.hint } : undefined,
    }));
    if (emptyText !== undefined) items.unshift({ value: '', text: emptyText, selected: chosen.length === 0 });
    return items;
  });
  // Error lookup for a field id in the list that govukErrorSummary also uses.
  env.addFilter('errorFor', (errors: { href: string; text: string }[] | undefined, id: string) => {
    const e = errors?.find((x) => x.href === '#' + id);
    return e ? { text: e.text } : undefined;
  });
}
