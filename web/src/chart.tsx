// A customer's spending by month as a bar chart (uPlot), with the figures behind it in a table.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { TimelineEntry } from './api';
import { formatMoney, t, intlLocale, type Locale } from './i18n';

export interface MonthSpend {
  month: string;           // "2025-03", the month in the business's time zone
  purchases_minor: number; // sales less returns
  payments_minor: number;  // payments that succeeded
}

export interface Spend { currency: string; months: MonthSpend[]; }

// The calendar month ("YYYY-MM") of an instant in `timeZone`.
function monthOf(iso: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit' }).formatToParts(new Date(iso));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}`;
}

function nextMonth(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

// Sums a customer's timeline by month in the currency most of it is in; months without activity
// between the first and the last are kept as zeros so the chart's gaps show as gaps.
export function monthlySpend(entries: TimelineEntry[], timeZone: string): Spend {
  const money = entries.filter((e) => e.currency && (e.kind === 'purchases' || (e.kind === 'payments' && e.status === 'succeeded')));
  if (money.length === 0) return { currency: '', months: [] };
  const counts = new Map<string, number>();
  for (const e of money) counts.set(e.currency!, (counts.get(e.currency!) ?? 0) + 1);
  const currency = [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0];
  const byMonth = new Map<string, MonthSpend>();
  for (const e of money) {
    if (e.currency !== currency) continue;
    const month = monthOf(e.at, timeZone);
    const m = byMonth.get(month) ?? { month, purchases_minor: 0, payments_minor: 0 };
    if (e.kind === 'payments') m.payments_minor += e.amount_minor ?? 0;
    else m.purchases_minor += (e.action === 'return' ? -1 : 1) * (e.amount_minor ?? 0);
    byMonth.set(month, m);
  }
  const keys = [...byMonth.keys()].sort();
  const months: MonthSpend[] = [];
  for (let m = keys[0]; m <= keys[keys.length - 1]; m = nextMonth(m)) {
    months.push(byMonth.get(m) ?? { month: m, purchases_minor: 0, payments_minor: 0 });
  }
  return { currency, months };
}

function monthLabel(locale: Locale, month: string): string {
  const [y, m] = month.split('-').map(Number);
  return new Intl.DateTimeFormat(intlLocale[locale], { month: 'short', year: 'numeric', timeZone: 'UTC' })
    .format(new Date(Date.UTC(y, m - 1, 15)));
}

export function SpendChart({ locale, spend }: { locale: Locale; spend: Spend }) {
  const box = useRef<HTMLDivElement>(null);
  const digits = spend.currency
    ? new Intl.NumberFormat('en', { style: 'currency', currency: spend.currency }).resolvedOptions().maximumFractionDigits ?? 2
    : 2;
  useEffect(() => {
    if (!box.current || spend.months.length === 0) return;
    const xs = spend.months.map((_, i) => i);
    const step = Math.ceil(spend.months.length / 12);  // at most a dozen month labels
    const scale = 10 ** digits;
    const bars = uPlot.paths.bars!({ size: [0.4, 40], align: -1 });
    const barsRight = uPlot.paths.bars!({ size: [0.4, 40], align: 1 });
    const money = (v: number | null) => (v == null ? '' : formatMoney(locale, Math.round(v * scale), spend.currency));
    const plot = new uPlot({
      width: Math.max(320, Math.min(900, box.current.clientWidth || 720)),
      height: 220,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false, range: () => [-0.5, spend.months.length - 0.5] } },
      axes: [
        { splits: () => xs.filter((i) => i % step === 0),
          values: (_u, ticks) => ticks.map((i) => (spend.months[i] ? monthLabel(locale, spend.months[i].month) : '')) },
        { values: (_u, ticks) => ticks.map((v) => money(v)), size: 80 },
      ],
      series: [
        { label: t(locale, 'month'), value: (_u, i) => (i == null || !spend.months[i] ? '' : monthLabel(locale, spend.months[i].month)) },
        { label: t(locale, 'purchases'), fill: '#2f6f9f', stroke: '#2f6f9f', paths: bars, points: { show: false },
          value: (_u, v) => money(v) },
        { label: t(locale, 'payments'), fill: '#d08a2e', stroke: '#d08a2e', paths: barsRight, points: { show: false },
          value: (_u, v) => money(v) },
      ],
    }, [xs, spend.months.map((m) => m.purchases_minor / scale), spend.months.map((m) => m.payments_minor / scale)],
    box.current);
    return () => plot.destroy();
  }, [locale, spend, digits]);

  if (spend.months.length === 0) return <p>{t(locale, 'none')}</p>;
  const total = spend.months.reduce((s, m) => s + m.purchases_minor + m.payments_minor, 0);
  return (
    <figure class="chart" data-testid="spend-chart">
      <div ref={box} />
      <figcaption data-testid="spend-total">
        {t(locale, 'spendTotal')}: {formatMoney(locale, total, spend.currency)} · {spend.months.length} {t(locale, 'months')}
      </figcaption>
      <details>
        <summary>{t(locale, 'figures')}</summary>
        <table data-testid="spend-table">
          <thead><tr><th>{t(locale, 'month')}</th><th>{t(locale, 'purchases')}</th><th>{t(locale, 'payments')}</th></tr></thead>
          <tbody>{spend.months.map((m) => (
            <tr><td>{monthLabel(locale, m.month)}</td>
              <td class="num">{formatMoney(locale, m.purchases_minor, spend.currency)}</td>
              <td class="num">{formatMoney(locale, m.payments_minor, spend.currency)}</td></tr>))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
