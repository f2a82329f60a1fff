import type nunjucks from 'nunjucks';
import type { AppContext } from '../context.js';
import { formatDateLong, formatDateTimeLondon, ageInYears, todayInLondon } from '../../domain/dates.js';
import { formatNhsNumber } from '../../domain/nhs-number.js';
import { PRIMARY_NEEDS } from '../../domain/cin-census.js';

/** Template filters: presentation only, no data access. */
/** A duration in words a wallboard can show: '45 s', '3 min 05 s', '1 h 02 min'. */
export function formatSeconds(total: number): string {
  const s = Math.max(0, Math.round(total));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

const PRESENCE: Record<string, string> = { available: 'Available', 'on-call': 'On a call', 'wrap-up': 'Wrapping up', away: 'Away', offline: 'Not taking calls' };
const londonTime = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

export function addFilters(env: nunjucks.Environment, ctx: AppContext): void {
  env.addFilter('time', (d: Date | string | null | undefined) => (d ? londonTime.format(new Date(d)) : ''));
  env.addFilter('seconds', (n: number | null | undefined) => (n === null || n === undefined ? '' : formatSeconds(n)));
  env.addFilter('secondsBetween', (later: Date | string, earlier: Date | string) => (new Date(later).getTime() - new Date(earlier).getTime()) / 1000);
  env.addFilter('waitSince', (since: string, asOf: string) => formatSeconds((new Date(asOf).getTime() - new Date(since).getTime()) / 1000));
  env.addFilter('presence', (s: string) => PRESENCE[s] ?? s);
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
  env.addFilter('primaryNeed', (code: string | null | undefined) => {
    if (!code) return '';
    const need = PRIMARY_NEEDS.find((n) => n.code === code);
    return need ? `${need.code} ${need.label}` : code;
  });
  env.addFilter('labels', (codes: string[] | null | undefined, list: { code: string; label: string }[] | undefined) =>
    (codes ?? []).map((c) => list?.find((x) => x.code === c)?.label ?? c),
  );
  env.addFilter('personName', (p: { given_name?: string | null; family_name?: string | null; expected_date_of_birth?: string | null; restricted?: boolean; restrictedReference?: string } | null | undefined) => {
    if (!p) return '';
    // issue10-F: a restricted person withheld from the reader (features/restricted-records/withhold.ts).
    if (p.restricted) return `Restricted record${p.restrictedReference ? ` ${p.restrictedReference}` : ''}`;
    const name = [p.given_name, p.family_name].filter(Boolean).join(' ');
    if (name) return name;
    return p.expected_date_of_birth ? 'Unborn child' : 'Name not known';
  });
  // For govuk macros: [{code,label}] → items with value/text and the current selection.
  /** Select options already shaped { value, text }, with the one chosen marked selected. */
  env.addFilter('selectItems', (list: { value: string; text: string }[], selected?: string | null) =>
    list.map((x) => ({ value: x.value, text: x.text, selected: (selected ?? '') === x.value })),
  );
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
