// A customer's loyalty on the customer page: punch cards as cards, points with what is spendable,
// pending and about to expire, the rewards within reach, and every coupon with its state.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { type BarSeries, MonthBars } from './chart';
import { api, type Coupon, type Loyalty, type LoyaltyReward, type Membership } from './api';
import { fill, formatDate, formatMoney, intlLocale, t, type Key, type Locale } from './i18n';

function programName(locale: Locale, m: { name: Record<string, string>; program: string }): string {
  return m.name?.[locale] ?? m.name?.en ?? m.program;
}

export function rewardLabel(locale: Locale, r: LoyaltyReward): string {
  const key = `rk_${r.kind}` as Key;
  return fill(t(locale, key), { product: r.product ?? '', percent: String(r.percent ?? '') });
}

function PunchCard({ locale, m }: { locale: Locale; m: Membership }) {
  const card = m.card!;
  return (
    <div class="punch-card" data-testid={`card-${m.program}`}>
      <h3>{programName(locale, m)}</h3>
      <div class="punches" role="img" aria-label={fill(t(locale, 'punchesOf'), { punches: String(card.punches), of: String(card.of) })}>
        {Array.from({ length: card.of }, (_, i) => <span class={i < card.punches ? 'punch done' : 'punch'} />)}
      </div>
      <p data-testid="card-progress">
        {fill(t(locale, 'punchesOf'), { punches: String(card.punches), of: String(card.of) })}
        {' · '}{fill(t(locale, 'toGo'), { count: String(card.to_go) })}
        {' · '}{fill(t(locale, 'cardsCompleted'), { count: String(card.cards_completed) })}
      </p>
    </div>
  );
}

function Frequent({ locale, m }: { locale: Locale; m: Membership }) {
  const f = m.frequent!;
  return (
    <div class="points" data-testid={`frequent-${m.program}`}>
      <h3>{programName(locale, m)}</h3>
      <p>{fill(t(locale, 'frequentProgress'), { purchases: String(f.purchases), of: String(f.of), days: String(f.window_days) })}</p>
      <p><strong>{f.discount_percent ? fill(t(locale, 'discountNow'), { percent: String(f.discount_percent) }) : t(locale, 'noDiscountYet')}</strong></p>
    </div>
  );
}

function Points({ locale, m }: { locale: Locale; m: Membership }) {
  const n = (v: number) => new Intl.NumberFormat(intlLocale[locale]).format(v);
  return (
    <div class="points" data-testid={`points-${m.program}`}>
      <h3>{programName(locale, m)}</h3>
      <p class="balance"><strong data-testid="points-balance">{n(m.balance)}</strong> {t(locale, 'points')}
        {' · '}{n(m.available ?? 0)} {t(locale, 'available')}
        {' · '}{n(m.pending ?? 0)} {t(locale, 'pending')}
        {m.debt ? <> · <span class="error">{n(m.debt)} {t(locale, 'owed')}</span></> : null}</p>
      {m.next_expiry && <p>{fill(t(locale, 'nextExpiry'), { points: n(m.next_expiry.points), date: formatDate(locale, m.next_expiry.at) })}</p>}
      {m.rewards && m.rewards.length > 0 && (
        <ul class="rewards">
          {m.rewards.map((r) => (
            <li class={r.affordable ? 'affordable' : ''}>{rewardLabel(locale, r)}: {n(r.points ?? 0)} {t(locale, 'points')}
              {r.affordable ? ` (${t(locale, 'affordable')})` : ''}</li>))}
        </ul>)}
    </div>
  );
}

function Coupons({ locale, coupons }: { locale: Locale; coupons: Coupon[] }) {
  if (coupons.length === 0) return null;
  return (
    <table data-testid="coupons">
      <caption>{t(locale, 'coupons')}</caption>
      <thead><tr><th>{t(locale, 'code')}</th><th>{t(locale, 'reward')}</th><th>{t(locale, 'status')}</th>
        <th>{t(locale, 'issued')}</th><th>{t(locale, 'expires')}</th></tr></thead>
      <tbody>{coupons.slice(0, 20).map((c) => (
        <tr><td><code>{c.code}</code></td><td>{rewardLabel(locale, c.reward)}</td>
          <td>{t(locale, `coupon_${c.status}` as Key)}{c.redeemed_at ? ` ${formatDate(locale, c.redeemed_at)}` : ''}</td>
          <td>{formatDate(locale, c.issued_at)}</td><td>{formatDate(locale, c.expires_at)}</td></tr>))}
      </tbody>
    </table>
  );
}

export function LoyaltySection({ locale, loyalty }: { locale: Locale; loyalty: Loyalty | null }) {
  if (!loyalty) return <p>{t(locale, 'loading')}</p>;
  if (loyalty.memberships.length === 0) return <p>{t(locale, 'notMember')}</p>;
  return (
    <div class="loyalty" data-testid="loyalty">
      <div class="memberships">
        {loyalty.memberships.map((m) => (m.kind === 'punch_card' ? <PunchCard locale={locale} m={m} />
          : m.kind === 'frequent_shopper' ? <Frequent locale={locale} m={m} /> : <Points locale={locale} m={m} />))}
      </div>
      <Coupons locale={locale} coupons={loyalty.coupons} />
    </div>
  );
}

interface ProgramSummary { id: string; kind: string; name: Record<string, string>; version: number; effective_at: string; }
interface ReportMonth {
  month: string; points_earned: number; points_spent: number; points_expired: number; points_reversed: number;
  punches: number; cards_completed: number; coupons_issued: number; coupons_used: number; coupons_expired: number;
}
interface Report { months: ReportMonth[]; members: number; outstanding_points: number; liability_minor: number | null; currency: string; }

function ReportChart({ locale, report, kind }: { locale: Locale; report: Report; kind: string }) {
  const months = report.months;
  const labels = useMemo(() => months.map((m) => m.month), [months]);
  const series = useMemo<BarSeries[]>(() => kind === 'points'
    ? [{ label: t(locale, 'earnedPoints'), color: '#2f6f9f', values: months.map((m) => m.points_earned) },
       { label: t(locale, 'spentPoints'), color: '#d08a2e', values: months.map((m) => m.points_spent) }]
    : [{ label: t(locale, 'couponsIssued'), color: '#2f6f9f', values: months.map((m) => m.coupons_issued) },
       { label: t(locale, 'couponsUsed'), color: '#d08a2e', values: months.map((m) => m.coupons_used) }],
  [locale, months, kind]);
  return <MonthBars locale={locale} labels={labels} series={series} />;
}

// The loyalty module's screen: every program, and for the chosen one what the last twelve
// months earned, spent and expired, with the points members hold now.
export function LoyaltyPrograms({ locale }: { locale: Locale }) {
  const [programs, setPrograms] = useState<ProgramSummary[] | null>(null);
  const [chosen, setChosen] = useState<string | null>(null);
  const [report, setReport] = useState<Report | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    api<{ data: ProgramSummary[] }>('GET', '/v1/loyalty/programs')
      .then((r) => { setPrograms(r.data); if (r.data.length) setChosen(r.data[0].id); })
      .catch((e) => setError((e as Error).message));
  }, []);
  useEffect(() => {
    if (!chosen) return;
    setReport(null);
    api<Report>('GET', `/v1/loyalty/programs/${encodeURIComponent(chosen)}/report`)
      .then(setReport).catch((e) => setError((e as Error).message));
  }, [chosen]);
  if (error) return <p class="error">{t(locale, 'error')}: {error}</p>;
  if (!programs) return <p>{t(locale, 'loading')}</p>;
  if (programs.length === 0) return <p>{t(locale, 'noPrograms')}</p>;
  const program = programs.find((p) => p.id === chosen);
  const n = (v: number) => new Intl.NumberFormat(intlLocale[locale]).format(v);
  return (
    <section data-testid="programs">
      <h1>{t(locale, 'loyalty')}</h1>
      <table>
        <thead><tr><th>{t(locale, 'program')}</th><th>{t(locale, 'kind')}</th><th>{t(locale, 'version')}</th><th>{t(locale, 'inEffectFrom')}</th></tr></thead>
        <tbody>{programs.map((p) => (
          <tr class={p.id === chosen ? 'chosen' : ''}>
            <td><a href="#/loyalty" onClick={(e) => { e.preventDefault(); setChosen(p.id); }}>{programName(locale, { name: p.name, program: p.id })}</a></td>
            <td>{t(locale, p.kind === 'points' ? 'kindPoints' : p.kind === 'frequent_shopper' ? 'kindFrequent' : 'kindPunchCard')}</td><td>{p.version}</td>
            <td>{formatDate(locale, p.effective_at)}</td></tr>))}
        </tbody>
      </table>
      {program && report && (
        <div data-testid="program-report">
          <h2>{programName(locale, { name: program.name, program: program.id })}</h2>
          <p data-testid="report-summary">{n(report.members)} {t(locale, 'members')}
            {program.kind === 'points' ? ` · ${n(report.outstanding_points)} ${t(locale, 'pointsOutstanding')}` : ''}
            {report.liability_minor != null && report.currency ? ` (${formatMoney(locale, report.liability_minor, report.currency)})` : ''}</p>
          <ReportChart locale={locale} report={report} kind={program.kind} />
          <details>
            <summary>{t(locale, 'figures')}</summary>
            <table data-testid="report-table">
              <thead><tr><th>{t(locale, 'month')}</th><th>{t(locale, 'earnedPoints')}</th><th>{t(locale, 'spentPoints')}</th>
                <th>{t(locale, 'expiredPoints')}</th><th>{t(locale, 'couponsIssued')}</th><th>{t(locale, 'couponsUsed')}</th></tr></thead>
              <tbody>{report.months.map((m) => (
                <tr><td>{m.month}</td><td class="num">{n(m.points_earned)}</td><td class="num">{n(m.points_spent)}</td>
                  <td class="num">{n(m.points_expired)}</td><td class="num">{n(m.coupons_issued)}</td><td class="num">{n(m.coupons_used)}</td></tr>))}
              </tbody>
            </table>
          </details>
        </div>)}
    </section>
  );
}
