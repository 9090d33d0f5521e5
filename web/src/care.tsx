// Complaints in the browser: the case queue with live SLA clocks and a form to open a case, and
// the case page (the clocks, replying, moving it on, compensation within the agent's limit or
// asked of a supervisor, the history).
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from './api';
import { MonthBars, monthLabel } from './chart';
import { formatDateTime, formatMoney, t, type Key, type Locale } from './i18n';

interface SlaClock { target_minutes: number; elapsed_minutes: number; due_at: string | null; stopped: boolean; met: boolean | null; state: string }
interface Compensation { id: number; kind: string; value_minor: number; currency: string; status: string; code: string; note: string; requested_by: string; redeemed_at?: string | null }
interface CareCase {
  id: number; customer: string; channel: string; category: string; severity: string; text: string; subscription: string;
  assignee: string; status: string; priority: number; policy: string; opened_at: string; reopened: number;
  sla: { first_response: SlaClock | null; resolution: SlaClock | null };
  history?: { at: string; actor: string; kind: string; detail: Record<string, unknown> }[];
  compensations?: Compensation[];
}

const CATEGORIES = ['billing', 'technical', 'product_quality', 'staff', 'delivery', 'other'] as const;
const CHANNELS = ['phone', 'email', 'letter', 'web', 'social'] as const;
const SEVERITIES = ['low', 'medium', 'high'] as const;
const MOVES: Record<string, string[]> = {
  new: ['waiting', 'resolved'], open: ['waiting', 'resolved'], waiting: ['open', 'resolved'], resolved: ['closed', 'open'], closed: ['open'],
};

// "2 h 05 min left" or "overdue by 40 min", from a due time, now.
function clockText(locale: Locale, clock: SlaClock | null, now: number): string {
  if (!clock) return '—';
  if (clock.stopped) return clock.met ? t(locale, 'slaMet') : t(locale, 'slaMissed');
  if (!clock.due_at) return t(locale, 'slaPaused');
  const minutes = Math.round((Date.parse(clock.due_at) - now) / 60000);
  const span = (m: number) => (m >= 60 ? `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min` : `${m} min`);
  return minutes >= 0 ? t(locale, 'slaLeft').replace('{time}', span(minutes)) : t(locale, 'slaOverdue').replace('{time}', span(-minutes));
}

function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => { const timer = setInterval(() => setNow(Date.now()), 30000); return () => clearInterval(timer); }, []);
  return now;
}

interface Share { rate: number; k: number; n: number }
interface QualityReport {
  cases: number; open: number; per_1000_customers: number | null; currency: string; compensation_cost_minor: number;
  first_response_minutes: { median: number | null; p90: number | null }; resolution_minutes: { median: number | null; p90: number | null };
  first_response_met: Share | null; resolution_met: Share | null; reopen_rate: Share | null;
  top_problems: { problem: string; cases: number }[];
  by_month: { month: string; cases: number; per_1000_customers: number | null }[];
}
interface OutcomeRate { n: number; k: number; rate: number; low: number; high: number }
interface Outcomes {
  complainants: number; not_subscribers: number;
  horizons: { days: number; complainants: OutcomeRate | null; comparable: OutcomeRate | null; compensated: OutcomeRate | null;
    not_compensated: OutcomeRate | null; difference: { estimate: number; low: number; high: number } | null }[];
}
const rateText = (r: OutcomeRate | null) => (r ? `${Math.round(r.rate * 100)}% (${Math.round(r.low * 100)}–${Math.round(r.high * 100)}%, n=${r.n})` : '—');

// Whether putting things right kept the customer, next to comparable customers who did not complain.
function RecoveryOutcomes({ locale }: { locale: Locale }) {
  const [o, setOutcomes] = useState<Outcomes | null>(null);
  useEffect(() => { api<Outcomes>('GET', '/v1/care/outcomes').then(setOutcomes).catch(() => undefined); }, []);
  if (!o) return null;
  return (
    <section data-testid="care-outcomes">
      <h3>{t(locale, 'outcomesTitle')}</h3>
      <table>
        <thead><tr><th>{t(locale, 'outcomesAfter')}</th><th>{t(locale, 'outcomesComplainants')}</th><th>{t(locale, 'outcomesComparable')}</th>
          <th>{t(locale, 'outcomesCompensated')}</th><th>{t(locale, 'outcomesNotCompensated')}</th></tr></thead>
        <tbody>{o.horizons.map((h) => (
          <tr data-days={h.days}><td>{t(locale, 'outcomesDays').replace('{days}', String(h.days))}</td><td>{rateText(h.complainants)}</td>
            <td>{rateText(h.comparable)}</td><td>{rateText(h.compensated)}</td><td>{rateText(h.not_compensated)}</td></tr>))}
        </tbody>
      </table>
      <p class="hint">{t(locale, 'outcomesHint').replace('{count}', String(o.complainants)).replace('{none}', String(o.not_subscribers))}</p>
    </section>
  );
}

const minutesText = (m: number | null) => (m == null ? '—' : m >= 60 ? `${(m / 60).toFixed(1)} h` : `${Math.round(m)} min`);
const shareText = (s: Share | null) => (s ? `${Math.round(s.rate * 100)}% (${s.k}/${s.n})` : '—');

// The quality dashboard's tiles over the last twelve months.
function Quality({ locale }: { locale: Locale }) {
  const [r, setReport] = useState<QualityReport | null>(null);
  useEffect(() => { api<QualityReport>('GET', '/v1/care/report').then(setReport).catch(() => undefined); }, []);
  if (!r) return null;
  return (
    <section data-testid="care-quality">
      <h2>{t(locale, 'qualityTitle')}</h2>
      <div class="tiles">
        <div class="tile" data-testid="tile-cases"><span>{t(locale, 'complaints')}</span><strong>{r.cases}</strong></div>
        <div class="tile"><span>{t(locale, 'per1000')}</span><strong>{r.per_1000_customers == null ? '—' : r.per_1000_customers.toFixed(1)}</strong></div>
        <div class="tile"><span>{t(locale, 'firstResponse')} (median / p90)</span><strong>{minutesText(r.first_response_minutes.median)} / {minutesText(r.first_response_minutes.p90)}</strong></div>
        <div class="tile"><span>{t(locale, 'resolution')} (median / p90)</span><strong>{minutesText(r.resolution_minutes.median)} / {minutesText(r.resolution_minutes.p90)}</strong></div>
        <div class="tile"><span>{t(locale, 'firstResponseMet')}</span><strong>{shareText(r.first_response_met)}</strong></div>
        <div class="tile"><span>{t(locale, 'resolutionMet')}</span><strong>{shareText(r.resolution_met)}</strong></div>
        <div class="tile"><span>{t(locale, 'reopenRate')}</span><strong>{shareText(r.reopen_rate)}</strong></div>
        <div class="tile" data-testid="tile-compensation"><span>{t(locale, 'compensationCost')}</span><strong>{formatMoney(locale, r.compensation_cost_minor, r.currency || 'EUR')}</strong></div>
      </div>
      {r.top_problems.length > 0 && (
        <p>{t(locale, 'topProblems')}: {r.top_problems.slice(0, 5).map((p) => `${p.problem} (${p.cases})`).join(', ')}</p>)}
      {r.by_month.length > 0 && (
        <figure class="chart" data-testid="care-by-month">
          <MonthBars locale={locale} labels={r.by_month.map((m) => monthLabel(locale, m.month))}
                     series={[{ label: t(locale, 'per1000'), color: '#2f6f9f', values: r.by_month.map((m) => m.per_1000_customers ?? 0) }]}
                     format={(v) => (v == null ? '' : v.toFixed(1))} />
          <figcaption>{t(locale, 'complaintsByMonth')}</figcaption>
        </figure>)}
      <RecoveryOutcomes locale={locale} />
    </section>
  );
}

export function CasesPage({ locale }: { locale: Locale }) {
  const [cases, setCases] = useState<CareCase[]>([]);
  const [status, setStatus] = useState('open');
  const [form, setForm] = useState({ customer: '', channel: 'phone', category: 'billing', severity: 'medium', text: '' });
  const [error, setError] = useState('');
  const now = useNow();
  useEffect(() => {
    api<{ data: CareCase[] }>('GET', `/v1/cases?status=${status}&limit=100`).then((r) => setCases(r.data)).catch((e) => setError((e as Error).message));
  }, [status]);
  const open = async (e: Event) => {
    e.preventDefault();
    setError('');
    try {
      const c = await api<CareCase>('POST', '/v1/cases', form);
      location.hash = `#/cases/${c.id}`;
    } catch (err) { setError(err instanceof ApiError && err.field ? `${err.field}: ${err.message}` : (err as Error).message); }
  };
  const field = (k: keyof typeof form) => (e: Event) => setForm({ ...form, [k]: (e.target as HTMLInputElement).value });
  return (
    <section class="care" data-testid="cases">
      <h1>{t(locale, 'complaints')}</h1>
      {error && <p class="error" role="alert">{error}</p>}
      <Quality locale={locale} />
      <form class="new-case" onSubmit={open} data-testid="new-case">
        <h2>{t(locale, 'newCase')}</h2>
        <label>{t(locale, 'customers')}<input name="customer" value={form.customer} onInput={field('customer')} required /></label>
        <label>{t(locale, 'channel')}<select name="channel" value={form.channel} onChange={field('channel')}>
          {CHANNELS.map((c) => <option value={c}>{t(locale, `cc_${c}` as Key)}</option>)}</select></label>
        <label>{t(locale, 'category')}<select name="category" value={form.category} onChange={field('category')}>
          {CATEGORIES.map((c) => <option value={c}>{t(locale, `cat_${c}` as Key)}</option>)}</select></label>
        <label>{t(locale, 'severity')}<select name="severity" value={form.severity} onChange={field('severity')}>
          {SEVERITIES.map((s) => <option value={s}>{t(locale, `sev_${s}` as Key)}</option>)}</select></label>
        <label>{t(locale, 'customerWords')}<textarea name="text" value={form.text} onInput={field('text')} required /></label>
        <button type="submit">{t(locale, 'openCase')}</button>
      </form>
      <label>{t(locale, 'status')}{' '}<select data-testid="case-filter" value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}>
        {['open', 'resolved', 'closed'].map((s) => <option value={s}>{t(locale, `cs_${s}` as Key)}</option>)}</select></label>
      <table data-testid="case-queue"><thead><tr><th>#</th><th>{t(locale, 'customers')}</th><th>{t(locale, 'category')}</th>
        <th>{t(locale, 'severity')}</th><th>{t(locale, 'status')}</th><th>{t(locale, 'assignee')}</th>
        <th>{t(locale, 'firstResponse')}</th><th>{t(locale, 'resolution')}</th></tr></thead>
        <tbody>{cases.map((c) => (
          <tr class={`sla-${c.sla.resolution?.state ?? 'none'}`}>
            <td><a href={`#/cases/${c.id}`}>{c.id}</a></td><td>{c.customer}</td><td>{t(locale, `cat_${c.category}` as Key)}</td>
            <td>{t(locale, `sev_${c.severity}` as Key)}{c.priority > 0 ? ` ↑${c.priority}` : ''}</td><td>{t(locale, `cs_${c.status}` as Key)}</td>
            <td>{c.assignee || '—'}</td><td>{clockText(locale, c.sla.first_response, now)}</td><td>{clockText(locale, c.sla.resolution, now)}</td>
          </tr>))}</tbody></table>
    </section>
  );
}

export function CasePage({ locale, id, username }: { locale: Locale; id: string; username: string }) {
  const [c, setCase] = useState<CareCase | null>(null);
  const [reply, setReply] = useState('');
  const [comp, setComp] = useState({ kind: 'coupon', amount: '', product: '', months: '1', note: '' });
  const [needsAsk, setNeedsAsk] = useState(false);
  const [error, setError] = useState('');
  const now = useNow();
  const load = () => api<CareCase>('GET', `/v1/cases/${id}`).then(setCase).catch((e) => setError((e as Error).message));
  useEffect(() => { load(); }, [id]);
  const run = async (f: () => Promise<unknown>) => {
    setError('');
    try { await f(); await load(); } catch (e) { setError((e as Error).message); }
  };
  if (!c) return <p class="loading">{error || t(locale, 'loading')}</p>;
  const compensate = (ask: boolean) => run(async () => {
    const body: Record<string, unknown> = { kind: comp.kind, note: comp.note, ask };
    if (comp.amount) body.amount_minor = Math.round(parseFloat(comp.amount.replace(',', '.')) * 100);
    if (comp.product) body.product = comp.product;
    if (comp.kind === 'free_months' || comp.kind === 'credit') body.subscription = c.subscription;
    if (comp.kind === 'free_months') body.months = parseInt(comp.months, 10);
    try {
      await api('POST', `/v1/cases/${c.id}/compensations`, body);
      setNeedsAsk(false);
    } catch (e) {
      if (e instanceof ApiError && e.status === 403) setNeedsAsk(true);
      throw e;
    }
  });
  return (
    <section class="care" data-testid="case">
      <p><a href="#/cases">← {t(locale, 'complaints')}</a></p>
      <h1>#{c.id} · {t(locale, `cat_${c.category}` as Key)} · <a href={`#/customers/${encodeURIComponent(c.customer)}`}>{c.customer}</a></h1>
      {error && <p class="error" role="alert" data-testid="case-error">{error}</p>}
      <p class="case-text">{c.text}</p>
      <div class="tiles">
        <div class="tile"><span>{t(locale, 'status')}</span><strong data-testid="case-status">{t(locale, `cs_${c.status}` as Key)}</strong></div>
        <div class="tile"><span>{t(locale, 'firstResponse')}</span><strong data-testid="clock-first">{clockText(locale, c.sla.first_response, now)}</strong></div>
        <div class="tile"><span>{t(locale, 'resolution')}</span><strong data-testid="clock-resolution">{clockText(locale, c.sla.resolution, now)}</strong></div>
        <div class="tile"><span>{t(locale, 'assignee')}</span><strong>{c.assignee || '—'}</strong></div>
      </div>
      <div class="actions">
        {c.assignee !== username && <button data-testid="assign-me" onClick={() => run(() => api('POST', `/v1/cases/${c.id}/assignee`, { assignee: username }))}>{t(locale, 'assignMe')}</button>}
        {(MOVES[c.status] ?? []).map((s) => (
          <button data-testid={`move-${s}`} onClick={() => run(() => api('POST', `/v1/cases/${c.id}/status`, { status: s }))}>{t(locale, `mv_${s}` as Key)}</button>))}
      </div>
      {c.status !== 'closed' && (
        <form onSubmit={(e) => { e.preventDefault(); run(async () => { await api('POST', `/v1/cases/${c.id}/replies`, { text: reply }); setReply(''); }); }}>
          <label>{t(locale, 'replyToCustomer')}<textarea data-testid="reply-text" value={reply} onInput={(e) => setReply((e.target as HTMLTextAreaElement).value)} required /></label>
          <button type="submit" data-testid="reply-send">{t(locale, 'send')}</button>
        </form>)}
      <h2>{t(locale, 'compensation')}</h2>
      <div class="compensate" data-testid="compensate">
        <select data-testid="comp-kind" value={comp.kind} onChange={(e) => { setComp({ ...comp, kind: (e.target as HTMLSelectElement).value }); setNeedsAsk(false); }}>
          {['coupon', 'refund', 'credit', 'free_months', 'apology'].map((k) => <option value={k}>{t(locale, `comp_${k}` as Key)}</option>)}</select>
        {(comp.kind === 'coupon' || comp.kind === 'refund' || comp.kind === 'credit') && (
          <label>{t(locale, 'amount')}<input data-testid="comp-amount" inputMode="decimal" value={comp.amount} onInput={(e) => setComp({ ...comp, amount: (e.target as HTMLInputElement).value })} /></label>)}
        {comp.kind === 'coupon' && (
          <label>{t(locale, 'orProduct')}<input data-testid="comp-product" value={comp.product} onInput={(e) => setComp({ ...comp, product: (e.target as HTMLInputElement).value })} /></label>)}
        {comp.kind === 'free_months' && (
          <label>{t(locale, 'months')}<input data-testid="comp-months" type="number" min="1" max="24" value={comp.months} onInput={(e) => setComp({ ...comp, months: (e.target as HTMLInputElement).value })} /></label>)}
        <label>{t(locale, 'note')}<input value={comp.note} onInput={(e) => setComp({ ...comp, note: (e.target as HTMLInputElement).value })} /></label>
        {needsAsk
          ? <button data-testid="comp-ask" onClick={() => compensate(true)}>{t(locale, 'askSupervisor')}</button>
          : <button data-testid="comp-give" onClick={() => compensate(false)}>{t(locale, 'give')}</button>}
      </div>
      {(c.compensations ?? []).length > 0 && (
        <table data-testid="compensations"><thead><tr><th>{t(locale, 'compensation')}</th><th>{t(locale, 'costLabel')}</th><th>{t(locale, 'status')}</th><th /></tr></thead>
          <tbody>{c.compensations!.map((m) => (
            <tr><td>{t(locale, `comp_${m.kind}` as Key)}</td><td class="num">{formatMoney(locale, m.value_minor, m.currency)}</td>
              <td>{t(locale, `cst_${m.status}` as Key)}</td>
              <td>{m.code}{m.redeemed_at ? ` · ${t(locale, 'couponUsedOn').replace('{date}', formatDateTime(locale, m.redeemed_at))}` : ''}</td></tr>))}</tbody></table>)}
      <h2>{t(locale, 'timeline')}</h2>
      <ul class="history" data-testid="case-history">{(c.history ?? []).map((h) => (
        <li>{formatDateTime(locale, h.at)} · {h.actor} · {h.kind}{typeof h.detail?.text === 'string' ? `: ${h.detail.text}` : ''}</li>))}</ul>
    </section>
  );
}
