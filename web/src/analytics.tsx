// The analytics screen: KPIs, cancellations by month, cohorts, survival by plan, customer
// lifetime value, the RFM grid and the customers most at risk, with why; and a customer's value
// and risk on their page. Everything comes from the stored refresh (GET /v1/analytics).
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { api, ApiError } from './api';
import { MonthBars, type BarSeries } from './chart';
import { fill, formatDateTime, formatMoney, intlLocale, t, type Key, type Locale } from './i18n';

interface Kpi {
  month: string; active_start: number; new: number; churned: number; voluntary: number; involuntary: number;
  churn_rate: number; retention_rate: number; mrr_start_minor: number; mrr_churned_minor: number;
}
interface Point { t: number; at_risk: number; events: number; survival: number; ci_lower: number; ci_upper: number; }
interface Reason { feature: string; value: number | null; contribution: number; }
interface Part { error?: string; }
interface Dashboard {
  computed_at: string; took_ms: number; currency: string; customers: number;
  kpis: Kpi[];
  cohorts: { period: string; cohorts: { cohort: string; size: number; retention: number[] }[] };
  survival: { groups: Record<string, Point[]>; median: Record<string, number | null>; log_rank?: { p_value: number };
              projection?: Part & { months?: { t: number; survival: number; retention: number }[] } };
  clv: Part & { total_minor?: number; histogram?: { from_minor: number; to_minor: number; customers: number }[];
                top?: { customer: string; name: string; clv_minor: number; p_alive: number; expected_purchases_13w: number }[] };
  rfm: { grid: number[][]; segments: Record<string, number>; customers: number };
  churn_model: Part & { auc_mean?: number; baseline?: { auc_mean: number }; trained_on?: number; lift_top_decile?: number;
                        at_risk?: { customer: string; name: string; risk: number; reasons: Reason[]; clv_minor: number;
                                    value_at_risk_minor: number }[] };
}
export interface CustomerAnalytics {
  scored: boolean; computed_at?: string;
  clv?: { p_alive: number; expected_purchases_13w: number; clv_minor: number; expected_spend_minor: number };
  rfm?: { r: number; f: number; m: number; segment: string };
  churn?: { risk: number; reasons: Reason[] };
}

const COLORS = ['#2f6f9f', '#d08a2e', '#4f9a5a', '#a3485a', '#6b5ca5', '#8a7a3a'];

function pct(locale: Locale, v: number, digits = 1): string {
  return new Intl.NumberFormat(intlLocale[locale], { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits }).format(v);
}

// A model feature in words: "plan=Basic" reads as "plan: Basic".
export function featureLabel(locale: Locale, feature: string): string {
  const [name, category] = feature.split('=');
  const key = `f_${name}` as Key;
  const label = t(locale, key) === undefined ? name : t(locale, key);
  return category !== undefined ? `${label}: ${category}` : label;
}

function segmentLabel(locale: Locale, segment: string): string {
  return t(locale, `seg_${segment}` as Key) ?? segment;
}

function Reasons({ locale, reasons }: { locale: Locale; reasons: Reason[] }) {
  return (
    <ul class="reasons">
      {reasons.map((r) => <li>{featureLabel(locale, r.feature)}{r.value != null ? ` (${r.value.toLocaleString(intlLocale[locale])})` : ''}</li>)}
    </ul>
  );
}

// Step curves of S(t) per group (uPlot), sharing one time axis.
function SurvivalChart({ locale, groups }: { locale: Locale; groups: Record<string, Point[]> }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const names = Object.keys(groups);
    if (!box.current || names.length === 0) return;
    const times = [...new Set(names.flatMap((n) => groups[n].map((p) => p.t)))].sort((a, b) => a - b);
    const values = names.map((n) => {
      const points = groups[n];
      let i = 0;
      let s = 1;
      const last = points[points.length - 1].t;
      return times.map((x) => {
        while (i < points.length && points[i].t <= x) s = points[i++].survival;
        return x <= last ? s : null;
      });
    });
    const plot = new uPlot({
      width: Math.max(320, Math.min(900, box.current.clientWidth || 720)), height: 260,
      scales: { x: { time: false }, y: { range: [0, 1] } },
      axes: [{ label: t(locale, 'monthsLabel') }, { values: (_u, ticks) => ticks.map((v) => pct(locale, v, 0)), size: 60 }],
      series: [
        { label: t(locale, 'monthsLabel') },
        ...names.map((n, k) => ({ label: n, stroke: COLORS[k % COLORS.length], width: 2, points: { show: false },
                                  paths: uPlot.paths.stepped!({ align: 1 }), value: (_u: uPlot, v: number | null) => (v == null ? '' : pct(locale, v)) })),
      ],
    }, [times, ...values], box.current);
    return () => plot.destroy();
  }, [locale, groups]);
  return <div ref={box} data-testid="survival-chart" />;
}

function Heat({ value, children }: { value: number; children: preact.ComponentChildren }) {
  const light = 97 - 55 * Math.max(0, Math.min(1, value));
  return <td class="num heat" style={{ background: `hsl(207, 55%, ${light}%)`, color: light < 60 ? '#fff' : '#1d2733' }}>{children}</td>;
}

function Unavailable({ locale, part }: { locale: Locale; part: Part }) {
  return part.error ? <p class="warning">{fill(t(locale, 'notComputed'), { reason: part.error })}</p> : null;
}

export function AnalyticsPage({ locale, canRefresh }: { locale: Locale; canRefresh: boolean }) {
  const [data, setData] = useState<Dashboard | null | undefined>(undefined);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const load = () => api<Dashboard>('GET', '/v1/analytics').then(setData).catch((e) => {
    if (e instanceof ApiError && e.status === 404) setData(null);
    else setError((e as Error).message);
  });
  useEffect(() => { load(); }, []);
  const refresh = async () => {
    setBusy(true);
    try { await api('POST', '/v1/analytics/refresh', {}); await load(); } catch (e) { setError((e as Error).message); }
    setBusy(false);
  };
  const kpis = data?.kpis ?? [];
  const labels = useMemo(() => kpis.map((k) => k.month), [kpis]);
  const series = useMemo<BarSeries[]>(() => [
    { label: t(locale, 'voluntary'), color: '#2f6f9f', values: kpis.map((k) => k.voluntary) },
    { label: t(locale, 'involuntary'), color: '#d08a2e', values: kpis.map((k) => k.involuntary) }], [locale, kpis]);
  const clvBands = useMemo(() => (data?.clv.histogram ?? []).map((h) => formatMoney(locale, h.from_minor, data!.currency || 'EUR')), [data, locale]);
  const clvSeries = useMemo<BarSeries[]>(() => [{ label: t(locale, 'size'), color: '#4f9a5a', values: (data?.clv.histogram ?? []).map((h) => h.customers) }], [data, locale]);

  if (error) return <p class="error">{t(locale, 'error')}: {error}</p>;
  if (data === undefined) return <p>{t(locale, 'loading')}</p>;
  const refreshButton = canRefresh
    ? <button data-testid="analytics-refresh" disabled={busy} onClick={refresh}>{busy ? t(locale, 'refreshing') : t(locale, 'refreshNow')}</button> : null;
  if (data === null) return <section class="analytics"><h1>{t(locale, 'analyticsTitle')}</h1><p>{t(locale, 'analyticsNone')}</p>{refreshButton}</section>;

  const money = (minor: number) => formatMoney(locale, minor, data.currency || 'EUR');
  // The last complete month: the current one is still running.
  const last = kpis.length >= 2 ? kpis[kpis.length - 2] : kpis[kpis.length - 1];
  const cohorts = data.cohorts.cohorts;
  const width = Math.min(13, Math.max(0, ...cohorts.map((c) => c.retention.length)));
  const maxCell = Math.max(1, ...data.rfm.grid.flat());
  const model = data.churn_model;
  return (
    <section class="analytics" data-testid="analytics">
      <h1>{t(locale, 'analyticsTitle')}</h1>
      <p class="muted">{fill(t(locale, 'computedAt'), { date: formatDateTime(locale, data.computed_at), ms: String(data.took_ms) })} {refreshButton}</p>
      <div class="tiles">
        {last && <div class="tile" data-testid="kpi-churn"><span>{t(locale, 'kpiChurn')} ({last.month})</span><strong>{pct(locale, last.churn_rate)}</strong></div>}
        {last && <div class="tile"><span>{t(locale, 'kpiRetention')}</span><strong>{pct(locale, last.retention_rate)}</strong></div>}
        {last && <div class="tile"><span>{t(locale, 'kpiActive')}</span><strong>{last.active_start.toLocaleString(intlLocale[locale])}</strong></div>}
        {last && <div class="tile"><span>{t(locale, 'kpiMrrChurned')}</span><strong>{money(last.mrr_churned_minor)}</strong></div>}
        {data.clv.total_minor != null && <div class="tile"><span>{t(locale, 'kpiClv')}</span><strong>{money(data.clv.total_minor)}</strong></div>}
        {model.auc_mean != null && <div class="tile"><span>{t(locale, 'kpiAuc')}</span><strong>{model.auc_mean.toFixed(3)}</strong></div>}
      </div>

      {kpis.length > 0 && <><h2>{t(locale, 'churnByMonth')}</h2><MonthBars locale={locale} labels={labels} series={series} /></>}

      <h2>{t(locale, 'survivalTitle')}</h2>
      <SurvivalChart locale={locale} groups={data.survival.groups} />
      <p class="muted">
        {Object.entries(data.survival.median).map(([plan, m]) => `${plan}: ${m == null ? t(locale, 'notReached') : fill(t(locale, 'medianSurvival'), { months: m.toFixed(1) })}`).join(' · ')}
        {data.survival.log_rank ? ` · ${fill(t(locale, 'logRank'), { p: data.survival.log_rank.p_value.toPrecision(2) })}` : ''}
      </p>
      {data.survival.projection?.months && (() => {
        const m = data.survival.projection.months;
        const at = (k: number) => m.find((p) => p.t === k);
        return <p class="muted" data-testid="projection">{fill(t(locale, 'projection'), {
          y1: pct(locale, at(12)?.survival ?? 0, 0), y2: pct(locale, at(24)?.survival ?? 0, 0), y3: pct(locale, at(36)?.survival ?? 0, 0),
          r: pct(locale, at(13)?.retention ?? 0, 1) })}</p>;
      })()}

      <h2>{t(locale, 'cohortsTitle')}</h2>
      <table class="cohorts" data-testid="cohorts">
        <thead><tr><th>{t(locale, 'cohort')}</th><th class="num">{t(locale, 'size')}</th>
          {Array.from({ length: Math.max(0, width - 1) }, (_, k) => <th class="num">{k + 1}</th>)}</tr></thead>
        <tbody>{cohorts.map((c) => (
          <tr><td>{c.cohort}</td><td class="num">{c.size}</td>
            {Array.from({ length: Math.max(0, width - 1) }, (_, k) => k + 1 < c.retention.length
              ? <Heat value={c.retention[k + 1] * 2}>{pct(locale, c.retention[k + 1], 0)}</Heat> : <td />)}</tr>))}
        </tbody>
      </table>
      <p class="muted">{t(locale, 'monthsSince')} →</p>

      <h2>{t(locale, 'clvTitle')}</h2>
      <Unavailable locale={locale} part={data.clv} />
      {data.clv.histogram && <MonthBars locale={locale} labels={clvBands} series={clvSeries} />}
      {data.clv.top && (
        <table data-testid="top-customers">
          <caption>{t(locale, 'topCustomers')}</caption>
          <thead><tr><th>{t(locale, 'name')}</th><th class="num">{t(locale, 'clvShort')}</th><th class="num">{t(locale, 'pAlive')}</th><th class="num">{t(locale, 'expected13w')}</th></tr></thead>
          <tbody>{data.clv.top.slice(0, 10).map((c) => (
            <tr><td><a href={`#/customers/${encodeURIComponent(c.customer)}`}>{c.name}</a></td><td class="num">{money(c.clv_minor)}</td>
              <td class="num">{pct(locale, c.p_alive, 0)}</td><td class="num">{c.expected_purchases_13w.toFixed(1)}</td></tr>))}
          </tbody>
        </table>)}

      <h2>{t(locale, 'rfmTitle')}</h2>
      <div class="rfm">
        <table class="rfm-grid" data-testid="rfm-grid">
          <thead><tr><th>{t(locale, 'recency')} ↓ / {t(locale, 'frequency')} →</th>{[1, 2, 3, 4, 5].map((f) => <th class="num">{f}</th>)}</tr></thead>
          <tbody>{[5, 4, 3, 2, 1].map((r) => (
            <tr><th>{r}</th>{[1, 2, 3, 4, 5].map((f) => <Heat value={data.rfm.grid[r - 1][f - 1] / maxCell}>{data.rfm.grid[r - 1][f - 1]}</Heat>)}</tr>))}
          </tbody>
        </table>
        <ul class="segments">
          {Object.entries(data.rfm.segments).map(([s, n]) => <li><strong>{segmentLabel(locale, s)}</strong> {n.toLocaleString(intlLocale[locale])}</li>)}
        </ul>
      </div>

      <h2>{t(locale, 'atRiskTitle')}</h2>
      <Unavailable locale={locale} part={model} />
      {model.auc_mean != null && <p class="muted">{fill(t(locale, 'modelLine'), {
        auc: model.auc_mean.toFixed(3), baseline: (model.baseline?.auc_mean ?? 0).toFixed(3),
        n: String(model.trained_on ?? 0), lift: (model.lift_top_decile ?? 0).toFixed(1) })}</p>}
      {model.at_risk && (
        <table data-testid="at-risk">
          <thead><tr><th>{t(locale, 'name')}</th><th class="num">{t(locale, 'risk')}</th><th>{t(locale, 'why')}</th><th class="num">{t(locale, 'valueAtRisk')}</th></tr></thead>
          <tbody>{model.at_risk.slice(0, 25).map((c) => (
            <tr><td><a href={`#/customers/${encodeURIComponent(c.customer)}`}>{c.name}</a></td><td class="num">{pct(locale, c.risk, 0)}</td>
              <td><Reasons locale={locale} reasons={c.reasons} /></td><td class="num">{money(c.value_at_risk_minor)}</td></tr>))}
          </tbody>
        </table>)}
    </section>
  );
}

// A customer's value and risk on their page.
export function ValueAndRisk({ locale, value, currency }: { locale: Locale; value: CustomerAnalytics | null; currency: string }) {
  if (!value) return null;
  return (
    <section data-testid="value-and-risk">
      <h2>{t(locale, 'valueAndRisk')}</h2>
      {!value.scored ? <p>{t(locale, 'notScored')}</p> : (
        <dl>
          {value.clv && <><dt>{t(locale, 'clvShort')}</dt><dd>{formatMoney(locale, value.clv.clv_minor, currency || 'EUR')}</dd>
            <dt>{t(locale, 'pAlive')}</dt><dd>{pct(locale, value.clv.p_alive, 0)}</dd>
            <dt>{t(locale, 'expected13w')}</dt><dd>{value.clv.expected_purchases_13w.toFixed(1)}</dd></>}
          {value.rfm && <><dt>{t(locale, 'segment')}</dt><dd>{segmentLabel(locale, value.rfm.segment)} (R{value.rfm.r} F{value.rfm.f} M{value.rfm.m})</dd></>}
          {value.churn && <><dt>{t(locale, 'churnRisk')}</dt><dd data-testid="churn-risk">{pct(locale, value.churn.risk, 0)}
            {value.churn.reasons.length > 0 && <> — {t(locale, 'why')}: <Reasons locale={locale} reasons={value.churn.reasons} /></>}</dd></>}
        </dl>)}
    </section>
  );
}
