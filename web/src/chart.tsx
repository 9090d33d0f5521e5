// A customer's spending by month as a bar chart (uPlot), with the figures behind it in a table.
import { useCallback, useEffect, useMemo, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { TimelineEntry } from './api';
import { formatMoney, intlLocale, t, type Locale } from './i18n';

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

export function monthLabel(locale: Locale, month: string): string {
  const [y, m] = month.split('-').map(Number);
  return new Intl.DateTimeFormat(intlLocale[locale], { month: 'short', year: 'numeric', timeZone: 'UTC' })
    .format(new Date(Date.UTC(y, m - 1, 15)));
}

export interface BarSeries { label: string; color: string; values: number[]; }

// Two series of bars side by side, one pair per month, with at most a dozen month labels;
// `format` writes the values on the axis and in the legend.
export function MonthBars({ locale, labels, series, format }: {
  locale: Locale; labels: string[]; series: BarSeries[]; format?: (v: number | null) => string;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!box.current || labels.length === 0) return;
    const xs = labels.map((_, i) => i);
    const step = Math.ceil(labels.length / 12);
    const show = format ?? ((v: number | null) => (v == null ? '' : String(v)));
    const plot = new uPlot({
      width: Math.max(320, Math.min(900, box.current.clientWidth || 720)),
      height: 220,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      // Bars stand on zero: an axis starting above it would exaggerate differences.
      scales: { x: { time: false, range: () => [-0.5, labels.length - 0.5] }, y: { range: (_u, min, max) => [Math.min(0, min), Math.max(0, max)] } },
      axes: [
        { splits: () => xs.filter((i) => i % step === 0), values: (_u, ticks) => ticks.map((i) => labels[i] ?? '') },
        { values: (_u, ticks) => ticks.map((v) => show(v)), size: 80 },
      ],
      series: [
        { label: t(locale, 'month'), value: (_u, i) => (i == null ? '' : labels[i] ?? '') },
        ...series.map((s, i) => ({
          label: s.label, fill: s.color, stroke: s.color, points: { show: false },
          paths: uPlot.paths.bars!({ size: [0.4, 40], align: i === 0 ? -1 : 1 }), value: (_u: uPlot, v: number | null) => show(v),
        })),
      ],
    }, [xs, ...series.map((s) => s.values)], box.current);
    return () => plot.destroy();
  }, [locale, labels, series, format]);
  return <div ref={box} />;
}

export function SpendChart({ locale, spend }: { locale: Locale; spend: Spend }) {
  const digits = spend.currency
    ? new Intl.NumberFormat('en', { style: 'currency', currency: spend.currency }).resolvedOptions().maximumFractionDigits ?? 2
    : 2;
  const scale = 10 ** digits;
  // Built once per spend and locale, so the chart is not redrawn on every render of the page.
  const money = useCallback((v: number | null) => (v == null ? '' : formatMoney(locale, Math.round(v * scale), spend.currency)),
    [locale, scale, spend.currency]);
  const labels = useMemo(() => spend.months.map((m) => monthLabel(locale, m.month)), [locale, spend]);
  const series = useMemo<BarSeries[]>(() => [
    { label: t(locale, 'purchases'), color: '#2f6f9f', values: spend.months.map((m) => m.purchases_minor / scale) },
    { label: t(locale, 'payments'), color: '#d08a2e', values: spend.months.map((m) => m.payments_minor / scale) },
  ], [locale, spend, scale]);

  if (spend.months.length === 0) return <p>{t(locale, 'none')}</p>;
  const total = spend.months.reduce((s, m) => s + m.purchases_minor + m.payments_minor, 0);
  return (
    <figure class="chart" data-testid="spend-chart">
      <MonthBars locale={locale} labels={labels} series={series} format={money} />
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
