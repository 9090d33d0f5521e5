// The retention desk in the browser: the cancel flow on a customer's subscription (reason, talk
// track, offers best first within the agent's authority, one-click outcome, a supervisor's
// approval when an offer is beyond it), and the desk's page (the approval queue and the save report).
import { useEffect, useState } from 'preact/hooks';
import { api } from './api';
import { MonthBars, monthLabel } from './chart';
import { fill, formatDate, formatMoney, t, type Key, type Locale } from './i18n';

export const REASONS = ['too_expensive', 'not_using', 'moving', 'competitor', 'service_quality', 'technical', 'billing', 'other'] as const;

interface Offer {
  id: string; name: string; kind: string; terms: { discount_bp: number; free_months: number; cost_minor: number };
  p_accept: number; value_minor: number; expected_net_minor: number; needs_approval: boolean; exceeds: string[];
}
interface Approval {
  id: number; request: number; offer: string; status: 'pending' | 'approved' | 'declined'; requested_by: string;
  decided_by: string | null; note: string; terms: { cost_minor: number; discount_bp: number; free_months: number; exceeds: string[] };
  customer?: string; reason?: string; value_minor?: number;
}
interface CancelRequest {
  id: number; status: string; control: boolean; offers: Offer[]; offer: string | null; talk_track?: string;
  value_minor: number; currency: string; value_band: string; risk_band: string; cancel_effective_at: string | null; approvals?: Approval[];
}

const percent = (locale: Locale, x: number) => new Intl.NumberFormat(locale === 'en' ? 'en-GB' : locale === 'pt' ? 'pt-PT' : 'da-DK',
  { style: 'percent', maximumFractionDigits: 0 }).format(x);

// The cancel flow for one subscription. `onDecided` reloads the customer page.
export function CancelFlow({ locale, subscription, onDecided }:
    { locale: Locale; subscription: string; onDecided: () => void }) {
  const [reason, setReason] = useState<string>('too_expensive');
  const [channel, setChannel] = useState('phone');
  const [note, setNote] = useState('');
  const [request, setRequest] = useState<CancelRequest | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  // While a supervisor decides, look again every second and a half.
  useEffect(() => {
    if (!request || request.status !== 'pending_approval') return;
    const timer = setInterval(async () => {
      const r = await api<CancelRequest>('GET', `/v1/cancel-requests/${request.id}`).catch(() => null);
      if (r && r.status !== 'pending_approval') setRequest({ ...r, talk_track: request.talk_track });
    }, 1500);
    return () => clearInterval(timer);
  }, [request?.id, request?.status]);

  const run = async (f: () => Promise<void>) => {
    setBusy(true); setError('');
    try { await f(); } catch (e) { setError((e as Error).message); } finally { setBusy(false); }
  };
  const open = () => run(async () => {
    setRequest(await api<CancelRequest>('POST', '/v1/cancel-requests', { subscription, reason, channel, note }));
  });
  const decide = (outcome: string, offer?: string) => run(async () => {
    const r = await api<CancelRequest>('POST', `/v1/cancel-requests/${request!.id}/outcome`,
      { outcome, offer, presented: request!.offers.map((o) => o.id).slice(0, 3) });
    setRequest({ ...r, talk_track: request!.talk_track });
    onDecided();
  });
  const ask = (offer: string) => run(async () => {
    await api('POST', `/v1/cancel-requests/${request!.id}/approvals`, { offer });
    setRequest(await api<CancelRequest>('GET', `/v1/cancel-requests/${request!.id}`).then((r) => ({ ...r, talk_track: request!.talk_track })));
  });

  if (!request) {
    return (
      <div class="cancel-flow" data-testid="cancel-flow">
        <label>{t(locale, 'whyCancel')}{' '}
          <select data-testid="cancel-reason" value={reason} onChange={(e) => setReason((e.target as HTMLSelectElement).value)}>
            {REASONS.map((r) => <option value={r}>{t(locale, `r_${r}` as Key)}</option>)}
          </select>
        </label>{' '}
        <label>{t(locale, 'channel')}{' '}
          <select value={channel} onChange={(e) => setChannel((e.target as HTMLSelectElement).value)}>
            <option value="phone">{t(locale, 'ch_phone')}</option><option value="chat">{t(locale, 'ch_chat')}</option>
          </select>
        </label>{' '}
        <input aria-label={t(locale, 'customerWords')} placeholder={t(locale, 'customerWords')} value={note} onInput={(e) => setNote((e.target as HTMLInputElement).value)} />{' '}
        <button data-testid="cancel-open" disabled={busy} onClick={open}>{t(locale, 'seeOffers')}</button>
        {error && <p class="error" role="alert">{error}</p>}
      </div>
    );
  }
  const decided = ['saved', 'withdrawn', 'cancelled'].includes(request.status);
  const currency = request.currency || 'EUR';
  const approvalOf = (offer: string) => (request.approvals ?? []).filter((a) => a.offer === offer).at(-1);
  return (
    <div class="cancel-flow" data-testid="cancel-flow">
      <p class="bands">{t(locale, 'valueLabel')}: <strong>{formatMoney(locale, request.value_minor, currency)}</strong>{' '}
        ({t(locale, `band_${request.value_band}` as Key)}) · {t(locale, 'risk')}: {t(locale, `band_${request.risk_band}` as Key)}</p>
      {request.talk_track && <blockquote data-testid="talk-track">{request.talk_track}</blockquote>}
      {decided ? (
        <p class="outcome" data-testid="cancel-outcome">
          {request.status === 'saved' ? fill(t(locale, 'outcomeSaved'), { offer: request.offers.find((o) => o.id === request.offer)?.name ?? request.offer ?? '' })
            : request.status === 'withdrawn' ? t(locale, 'outcomeStays')
            : fill(t(locale, 'outcomeCancelled'), { date: formatDate(locale, request.cancel_effective_at) })}
        </p>
      ) : request.control ? (
        <p data-testid="control-group">{t(locale, 'controlGroup')}</p>
      ) : (
        <table data-testid="offers">
          <thead><tr><th>{t(locale, 'offer')}</th><th>{t(locale, 'costLabel')}</th><th>{t(locale, 'pAccept')}</th>
            <th>{t(locale, 'expectedNet')}</th><th /></tr></thead>
          <tbody>{request.offers.map((o) => {
            const approval = approvalOf(o.id);
            const allowed = !o.needs_approval || approval?.status === 'approved';
            return (
              <tr data-offer={o.id}>
                <td>{o.name}{o.needs_approval && <small class="needs"> · {approval ? t(locale, `approval_${approval.status}` as Key) : t(locale, 'needsApproval')}</small>}</td>
                <td class="num">{formatMoney(locale, o.terms.cost_minor, currency)}</td>
                <td class="num">{percent(locale, o.p_accept)}</td>
                <td class="num">{formatMoney(locale, o.expected_net_minor, currency)}</td>
                <td>{allowed
                  ? <button data-testid={`accept-${o.id}`} disabled={busy || request.status !== 'open'} onClick={() => decide('accepted', o.id)}>{t(locale, 'customerAccepts')}</button>
                  : <button data-testid={`ask-${o.id}`} disabled={busy || request.status !== 'open'} onClick={() => ask(o.id)}>{t(locale, 'askSupervisor')}</button>}</td>
              </tr>);
          })}</tbody>
        </table>
      )}
      {request.status === 'pending_approval' && <p data-testid="waiting">{t(locale, 'waitingApproval')}</p>}
      {!decided && (
        <p class="actions">
          <button data-testid="cancel-declined" disabled={busy || request.status !== 'open'} onClick={() => decide('declined')}>{t(locale, 'customerCancels')}</button>{' '}
          <button data-testid="cancel-withdrawn" disabled={busy || request.status !== 'open'} onClick={() => decide('withdrawn')}>{t(locale, 'customerStays')}</button>
        </p>
      )}
      {error && <p class="error" role="alert">{error}</p>}
    </div>
  );
}

interface Rate { rate: number; low: number; high: number; n: number }
interface Group {
  key?: string; requests: number; decided: number; saved: number; save_rate: Rate | null; kept_30_days: Rate | null;
  kept_90_days: Rate | null; revenue_saved_minor: number; incentive_cost_minor: number; return_on_incentive: number | null;
}
interface Report extends Group {
  currency: string;
  incremental_save_rate: { estimate: number; low: number; high: number } | null;
  by_offer: Group[]; by_reason: Group[]; by_agent: Group[]; by_channel: Group[]; by_month: Group[];
}

// Months from the first to the last key ("2026-03"), each with its group or none, so a chart
// leaves a gap for a month without requests instead of closing it up.
function everyMonth<T extends { key?: string }>(groups: T[]): { key: string; group: T | undefined }[] {
  const keys = groups.map((g) => g.key ?? '').filter((k) => /^\d{4}-\d{2}$/.test(k)).sort();
  if (keys.length === 0) return [];
  const byKey = new Map(groups.map((g) => [g.key ?? '', g]));
  const out: { key: string; group: T | undefined }[] = [];
  let [y, m] = keys[0].split('-').map(Number);
  const [ly, lm] = keys[keys.length - 1].split('-').map(Number);
  while (y < ly || (y === ly && m <= lm)) {
    const key = `${y}-${String(m).padStart(2, '0')}`;
    out.push({ key, group: byKey.get(key) });
    if (++m > 12) { m = 1; ++y; }
  }
  return out;
}

// The desk's page: the supervisors' approval queue (for those who may approve) and the save report.
export function RetentionPage({ locale, canApprove }: { locale: Locale; canApprove: boolean }) {
  const [report, setReport] = useState<Report | null>(null);
  const [queue, setQueue] = useState<Approval[]>([]);
  const [error, setError] = useState('');
  const load = () => {
    api<Report>('GET', '/v1/retention/report').then(setReport).catch((e) => setError((e as Error).message));
    if (canApprove) api<{ data: Approval[] }>('GET', '/v1/approvals').then((r) => setQueue(r.data)).catch((e) => setError((e as Error).message));
  };
  useEffect(load, [canApprove]);
  const decide = async (id: number, decision: 'approve' | 'decline') => {
    try { await api('POST', `/v1/approvals/${id}`, { decision }); load(); } catch (e) { setError((e as Error).message); }
  };
  const currency = report?.currency || 'EUR';
  const rate = (r: Rate | null) => (r ? `${percent(locale, r.rate)} (${percent(locale, r.low)}–${percent(locale, r.high)})` : '—');
  return (
    <section class="retention" data-testid="retention">
      <h1>{t(locale, 'retentionDesk')}</h1>
      {error && <p class="error" role="alert">{error}</p>}
      {canApprove && (
        <section>
          <h2>{t(locale, 'approvalsTitle')}</h2>
          {queue.length === 0 ? <p data-testid="no-approvals">{t(locale, 'noApprovals')}</p> : (
            <table data-testid="approvals"><thead><tr><th>{t(locale, 'customers')}</th><th>{t(locale, 'reason')}</th><th>{t(locale, 'offer')}</th>
              <th>{t(locale, 'costLabel')}</th><th>{t(locale, 'valueLabel')}</th><th>{t(locale, 'askedBy')}</th><th /></tr></thead>
              <tbody>{queue.map((a) => (
                <tr><td><a href={`#/customers/${encodeURIComponent(a.customer ?? '')}`}>{a.customer}</a></td>
                  <td>{a.reason ? t(locale, `r_${a.reason}` as Key) : ''}</td><td>{a.offer}{a.note ? ` — ${a.note}` : ''}</td>
                  <td class="num">{formatMoney(locale, a.terms.cost_minor, currency)}</td>
                  <td class="num">{formatMoney(locale, a.value_minor ?? 0, currency)}</td><td>{a.requested_by}</td>
                  <td><button data-testid={`approve-${a.id}`} onClick={() => decide(a.id, 'approve')}>{t(locale, 'approve')}</button>{' '}
                    <button onClick={() => decide(a.id, 'decline')}>{t(locale, 'decline')}</button></td></tr>))}
              </tbody></table>)}
        </section>
      )}
      {report && (
        <section>
          <h2>{t(locale, 'saveReport')}</h2>
          <div class="tiles">
            <div class="tile" data-testid="tile-requests"><span>{t(locale, 'requests')}</span><strong>{report.requests}</strong></div>
            <div class="tile" data-testid="tile-saved"><span>{t(locale, 'savedCount')}</span><strong>{report.saved}</strong></div>
            <div class="tile"><span>{t(locale, 'saveRate')}</span><strong>{rate(report.save_rate)}</strong></div>
            <div class="tile"><span>{t(locale, 'kept30')}</span><strong>{rate(report.kept_30_days)}</strong></div>
            <div class="tile"><span>{t(locale, 'kept90')}</span><strong>{rate(report.kept_90_days)}</strong></div>
            <div class="tile"><span>{t(locale, 'revenueSaved')}</span><strong>{formatMoney(locale, report.revenue_saved_minor, currency)}</strong></div>
            <div class="tile"><span>{t(locale, 'incentiveCost')}</span><strong>{formatMoney(locale, report.incentive_cost_minor, currency)}</strong></div>
            <div class="tile"><span>{t(locale, 'incremental')}</span><strong>{report.incremental_save_rate
              ? `${percent(locale, report.incremental_save_rate.estimate)} (${percent(locale, report.incremental_save_rate.low)}–${percent(locale, report.incremental_save_rate.high)})` : '—'}</strong></div>
          </div>
          {report.by_month.length > 0 && (
            <div data-testid="saves-chart">
              <MonthBars locale={locale} labels={everyMonth(report.by_month).map((m) => monthLabel(locale, m.key))}
                         series={[{ label: t(locale, 'savedCount'), color: '#2e7d32',
                                    values: everyMonth(report.by_month).map((m) => m.group?.saved ?? 0) },
                                  { label: t(locale, 'cancelledCount'), color: '#c62828',
                                    values: everyMonth(report.by_month).map((m) => (m.group ? m.group.decided - m.group.saved : 0)) }]} />
            </div>)}
          {(['by_offer', 'by_reason', 'by_agent', 'by_channel', 'by_month'] as const).map((k) => (
            <table data-testid={`report-${k}`}>
              <thead><tr><th>{t(locale, k as Key)}</th><th>{t(locale, 'requests')}</th><th>{t(locale, 'savedCount')}</th><th>{t(locale, 'saveRate')}</th>
                <th>{t(locale, 'kept30')}</th><th>{t(locale, 'incentiveCost')}</th><th>{t(locale, 'returnOnIncentive')}</th></tr></thead>
              <tbody>{report[k].map((g) => (
                <tr><td>{k === 'by_reason' && g.key ? t(locale, `r_${g.key}` as Key) : g.key}</td><td class="num">{g.requests}</td><td class="num">{g.saved}</td>
                  <td class="num">{rate(g.save_rate)}</td><td class="num">{rate(g.kept_30_days)}</td>
                  <td class="num">{formatMoney(locale, g.incentive_cost_minor, currency)}</td>
                  <td class="num">{g.return_on_incentive === null ? '—' : `${g.return_on_incentive.toFixed(1)}×`}</td></tr>))}
              </tbody></table>))}
        </section>
      )}
      {canApprove && <CompensationQueue locale={locale} />}
      <RecoveryAndWinback locale={locale} />
    </section>
  );
}

interface RecoveryGroup {
  key?: string; opened: number; recovered: number; lost: number; open: number; at_risk_minor: number;
  recovered_minor: number; lost_minor: number; recovery_rate: Rate | null; median_days_to_recover: number | null;
}
interface RecoveryReport extends RecoveryGroup { currency: string; by_month: RecoveryGroup[]; by_reason: RecoveryGroup[] }
interface Recovery {
  id: number; customer: string; subscription: string; amount_minor: number; currency: string; failure_reason: string;
  status: string; retries_done: number; manual_retries: number; next_action_at: string | null; opened_at: string;
}
interface WinbackGroup { entered: number; reactivated: number; reactivation_rate: Rate | null; revenue_reactivated_minor: number }
interface WinbackReport extends WinbackGroup {
  offered: WinbackGroup; control: WinbackGroup; incremental_reactivation_rate: { estimate: number; low: number; high: number } | null;
}

// Failed-payment recovery (tiles, recovered and lost by month, the ones being recovered now with a
// manual retry) and the win-back list's results against its held-out group.
function RecoveryAndWinback({ locale }: { locale: Locale }) {
  const [report, setReport] = useState<RecoveryReport | null>(null);
  const [open, setOpen] = useState<Recovery[]>([]);
  const [winback, setWinback] = useState<WinbackReport | null>(null);
  const [retried, setRetried] = useState<Record<number, boolean>>({});
  const [error, setError] = useState('');
  useEffect(() => {
    api<RecoveryReport>('GET', '/v1/retention/recovery-report').then(setReport).catch((e) => setError((e as Error).message));
    api<{ data: Recovery[] }>('GET', '/v1/recoveries?status=open&limit=20').then((r) => setOpen(r.data)).catch(() => undefined);
    api<WinbackReport>('GET', '/v1/retention/winback-report').then(setWinback).catch(() => undefined);
  }, []);
  const retry = async (id: number) => {
    try { await api('POST', `/v1/recoveries/${id}/retry`, {}); setRetried({ ...retried, [id]: true }); } catch (e) { setError((e as Error).message); }
  };
  const rate = (r: Rate | null) => (r ? `${percent(locale, r.rate)} (${percent(locale, r.low)}–${percent(locale, r.high)})` : '—');
  const currency = report?.currency || 'EUR';
  const money = (v: number | null) => (v == null ? '' : formatMoney(locale, v, currency));
  return (
    <>
      {error && <p class="error" role="alert">{error}</p>}
      {report && (
        <section data-testid="recovery">
          <h2>{t(locale, 'recoveryTitle')}</h2>
          <div class="tiles">
            <div class="tile" data-testid="tile-failed"><span>{t(locale, 'recoveryOpened')}</span><strong>{report.opened}</strong></div>
            <div class="tile" data-testid="tile-recovered"><span>{t(locale, 'recoveredCount')}</span><strong>{report.recovered}</strong></div>
            <div class="tile"><span>{t(locale, 'recoveryRate')}</span><strong>{rate(report.recovery_rate)}</strong></div>
            <div class="tile"><span>{t(locale, 'atRisk')}</span><strong>{money(report.at_risk_minor)}</strong></div>
            <div class="tile"><span>{t(locale, 'recoveredRevenue')}</span><strong>{money(report.recovered_minor)}</strong></div>
            <div class="tile"><span>{t(locale, 'lostRevenue')}</span><strong>{money(report.lost_minor)}</strong></div>
            <div class="tile"><span>{t(locale, 'medianDays')}</span><strong>{report.median_days_to_recover == null ? '—' : report.median_days_to_recover.toFixed(1)}</strong></div>
          </div>
          {report.by_month.length > 0 && (
            <MonthBars locale={locale} labels={everyMonth(report.by_month).map((m) => monthLabel(locale, m.key))} format={money}
                       series={[{ label: t(locale, 'recoveredRevenue'), color: '#2e7d32',
                                  values: everyMonth(report.by_month).map((m) => m.group?.recovered_minor ?? 0) },
                                { label: t(locale, 'lostRevenue'), color: '#c62828',
                                  values: everyMonth(report.by_month).map((m) => m.group?.lost_minor ?? 0) }]} />)}
          <details><summary>{t(locale, 'recoveryTitle')}</summary>
            <table data-testid="recovery-months"><thead><tr><th>{t(locale, 'month')}</th><th>{t(locale, 'recoveryOpened')}</th>
              <th>{t(locale, 'recoveredCount')}</th><th>{t(locale, 'recoveryRate')}</th><th>{t(locale, 'recoveredRevenue')}</th><th>{t(locale, 'lostRevenue')}</th></tr></thead>
              <tbody>{report.by_month.map((m) => (
                <tr><td>{m.key}</td><td class="num">{m.opened}</td><td class="num">{m.recovered}</td><td class="num">{rate(m.recovery_rate)}</td>
                  <td class="num">{money(m.recovered_minor)}</td><td class="num">{money(m.lost_minor)}</td></tr>))}</tbody></table>
          </details>
          {open.length > 0 && (
            <>
              <h3>{t(locale, 'beingRecovered')}</h3>
              <table data-testid="open-recoveries"><thead><tr><th>{t(locale, 'customers')}</th><th>{t(locale, 'amount')}</th>
                <th>{t(locale, 'failureReason')}</th><th>{t(locale, 'status')}</th><th>{t(locale, 'nextAction')}</th><th /></tr></thead>
                <tbody>{open.map((r) => (
                  <tr><td><a href={`#/customers/${encodeURIComponent(r.customer)}`}>{r.customer}</a></td>
                    <td class="num">{formatMoney(locale, r.amount_minor, r.currency)}</td><td>{r.failure_reason}</td>
                    <td>{t(locale, `rec_${r.status}` as Key)}</td><td>{formatDate(locale, r.next_action_at)}</td>
                    <td>{retried[r.id] ? t(locale, 'retried')
                      : <button data-testid={`retry-${r.id}`} onClick={() => retry(r.id)}>{t(locale, 'retryNow')}</button>}</td></tr>))}
                </tbody></table>
            </>)}
        </section>
      )}
      {winback && (
        <section data-testid="winback">
          <h2>{t(locale, 'winbackTitle')}</h2>
          <div class="tiles">
            <div class="tile"><span>{t(locale, 'winbackEntered')}</span><strong>{winback.entered}</strong></div>
            <div class="tile"><span>{t(locale, 'cameBack')}</span><strong>{winback.reactivated}</strong></div>
            <div class="tile"><span>{t(locale, 'cameBackOffered')}</span><strong>{rate(winback.offered.reactivation_rate)}</strong></div>
            <div class="tile"><span>{t(locale, 'cameBackHeldOut')}</span><strong>{rate(winback.control.reactivation_rate)}</strong></div>
            <div class="tile"><span>{t(locale, 'winbackLift')}</span><strong>{winback.incremental_reactivation_rate
              ? `${percent(locale, winback.incremental_reactivation_rate.estimate)} (${percent(locale, winback.incremental_reactivation_rate.low)}–${percent(locale, winback.incremental_reactivation_rate.high)})` : '—'}</strong></div>
            <div class="tile"><span>{t(locale, 'revenueReactivated')}</span><strong>{money(winback.revenue_reactivated_minor)}</strong></div>
          </div>
        </section>
      )}
    </>
  );
}

// A customer's failed-payment recoveries on their page: where each stands, and a manual retry for
// the open ones (it does not use up a scheduled retry).
export function CustomerRecoveries({ locale, customer }: { locale: Locale; customer: string }) {
  const [rows, setRows] = useState<Recovery[]>([]);
  const [error, setError] = useState('');
  const load = () => {
    api<{ data: Recovery[] }>('GET', `/v1/recoveries?customer=${encodeURIComponent(customer)}&limit=20`)
      .then((r) => setRows(r.data)).catch(() => undefined);
  };
  useEffect(load, [customer]);
  if (rows.length === 0) return null;
  const retry = async (id: number) => {
    try { await api('POST', `/v1/recoveries/${id}/retry`, {}); load(); } catch (e) { setError((e as Error).message); }
  };
  return (
    <>
      <h3>{t(locale, 'recoveryOpened')}</h3>
      {error && <p class="error" role="alert">{error}</p>}
      <table data-testid="customer-recoveries"><thead><tr><th>{t(locale, 'date')}</th><th>{t(locale, 'amount')}</th>
        <th>{t(locale, 'failureReason')}</th><th>{t(locale, 'status')}</th><th>{t(locale, 'nextAction')}</th><th /></tr></thead>
        <tbody>{rows.map((r) => {
          const open = r.status === 'retrying' || r.status === 'grace' || r.status === 'suspended';
          return (
            <tr><td>{formatDate(locale, r.opened_at)}</td><td class="num">{formatMoney(locale, r.amount_minor, r.currency)}</td>
              <td>{r.failure_reason}</td><td>{t(locale, `rec_${r.status}` as Key)}</td>
              <td>{open ? formatDate(locale, r.next_action_at) : '—'}</td>
              <td>{open && <button data-testid={`retry-${r.id}`} onClick={() => retry(r.id)}>{t(locale, 'retryNow')}</button>}
                {r.manual_retries > 0 ? ` ${r.manual_retries}×` : ''}</td></tr>);
        })}</tbody></table>
    </>
  );
}

interface PendingCompensation {
  id: number; case: number; customer: string; kind: string; value_minor: number; currency: string; note: string; requested_by: string;
}

// Complaint compensations beyond an agent's limit, waiting for a supervisor.
function CompensationQueue({ locale }: { locale: Locale }) {
  const [rows, setRows] = useState<PendingCompensation[]>([]);
  const [error, setError] = useState('');
  const load = () => {
    api<{ data: PendingCompensation[] }>('GET', '/v1/compensations').then((r) => setRows(r.data)).catch((e) => setError((e as Error).message));
  };
  useEffect(load, []);
  const decide = async (id: number, decision: 'approve' | 'decline') => {
    try { await api('POST', `/v1/compensations/${id}/decision`, { decision }); load(); } catch (e) { setError((e as Error).message); }
  };
  return (
    <section data-testid="compensation-queue">
      <h2>{t(locale, 'compensationsWaiting')}</h2>
      {error && <p class="error" role="alert">{error}</p>}
      {rows.length === 0 ? <p data-testid="no-compensations">{t(locale, 'noApprovals')}</p> : (
        <table><thead><tr><th>#</th><th>{t(locale, 'customers')}</th><th>{t(locale, 'compensation')}</th><th>{t(locale, 'costLabel')}</th>
          <th>{t(locale, 'askedBy')}</th><th /></tr></thead>
          <tbody>{rows.map((m) => (
            <tr><td><a href={`#/cases/${m.case}`}>{m.case}</a></td><td>{m.customer}</td>
              <td>{t(locale, `comp_${m.kind}` as Key)}{m.note ? ` — ${m.note}` : ''}</td>
              <td class="num">{formatMoney(locale, m.value_minor, m.currency)}</td><td>{m.requested_by}</td>
              <td><button data-testid={`approve-compensation-${m.id}`} onClick={() => decide(m.id, 'approve')}>{t(locale, 'approve')}</button>{' '}
                <button onClick={() => decide(m.id, 'decline')}>{t(locale, 'decline')}</button></td></tr>))}
          </tbody></table>)}
    </section>
  );
}
