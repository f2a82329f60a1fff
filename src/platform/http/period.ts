import { daysBetween, isIsoDate, parseDateParts } from '../../domain/dates.js';
import type { FieldError } from '../../domain/person-rules.js';
import { str } from './forms.js';

/** A reporting period: both London dates inclusive, 'YYYY-MM-DD'. */
export interface Period {
  from: string;
  to: string;
}

export type PeriodQuery = { ok: true; period: Period; values: Record<string, string> } | { ok: false; errors: FieldError[]; values: Record<string, string> };

const MIN_YEAR = 2000;
const MAX_YEAR = 2100;
/** Ten years and a day or two for leap years. */
const MAX_PERIOD_DAYS = 3660;

/**
 * The period a report page asks for, from its query: `from` and `to` as 'YYYY-MM-DD', or the GOV.UK
 * date inputs' parts (`from-day`, `from-month`, `from-year`, and the same for `to`). A blank end takes
 * the default's. Returns field errors for the error summary, and the values to show in the inputs.
 */
export function parsePeriodQuery(query: Record<string, unknown>, defaults: Period): PeriodQuery {
  const errors: FieldError[] = [];
  const values: Record<string, string> = {};
  const one = (name: 'from' | 'to', label: string, fallback: string): string | null => {
    const Label = `${label[0]!.toUpperCase()}${label.slice(1)}`;
    const parts = { day: str(query[`${name}-day`]), month: str(query[`${name}-month`]), year: str(query[`${name}-year`]) };
    Object.assign(values, { [`${name}-day`]: parts.day, [`${name}-month`]: parts.month, [`${name}-year`]: parts.year });
    let date: string;
    if (parts.day || parts.month || parts.year) {
      const r = parseDateParts(parts, { label });
      if (!r.ok) {
        errors.push({ field: `${name}-${r.field === 'all' ? 'day' : r.field}`, message: r.message });
        return null;
      }
      date = r.date;
    } else {
      const iso = str(query[name]);
      if (!iso) return fallback;
      if (!isIsoDate(iso)) {
        errors.push({ field: `${name}-day`, message: `${Label} must be a real date` });
        return null;
      }
      date = iso;
    }
    if (date < `${MIN_YEAR}-01-01` || date > `${MAX_YEAR}-12-31`) {
      errors.push({ field: `${name}-year`, message: `${Label} must be between ${MIN_YEAR} and ${MAX_YEAR}` });
      return null;
    }
    return date;
  };
  const from = one('from', 'start date', defaults.from);
  const to = one('to', 'end date', defaults.to);
  if (from && to) {
    if (to < from) errors.push({ field: 'to-day', message: 'End date must be the same as or after the start date' });
    else if (daysBetween(from, to) > MAX_PERIOD_DAYS) errors.push({ field: 'from-day', message: 'The period must be 10 years or shorter' });
  }
  if (errors.length || !from || !to) return { ok: false, errors, values };
  for (const [name, date] of [['from', from], ['to', to]] as const) {
    const [y, m, d] = date.split('-');
    Object.assign(values, { [`${name}-day`]: String(Number(d)), [`${name}-month`]: String(Number(m)), [`${name}-year`]: y! });
  }
  return { ok: true, period: { from, to }, values };
}
