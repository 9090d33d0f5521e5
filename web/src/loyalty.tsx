// A customer's loyalty on the customer page: punch cards as cards, points with what is spendable,
// pending and about to expire, the rewards within reach, and every coupon with its state.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { type BarSeries, MonthBars } from './chart';
import { api, ApiError, apiText, type Coupon, type LedgerEntry, type Loyalty, type LoyaltyReward, type Membership, type TierStatus } from './api';
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

// The points behind a balance: each earning's lot with what is left and when it expires, and the
// ledger, newest first, read when opened.
function PointsDetail({ locale, m, customer }: { locale: Locale; m: Membership; customer: string }) {
  const [history, setHistory] = useState<LedgerEntry[] | null>(null);
  const n = (v: number) => new Intl.NumberFormat(intlLocale[locale]).format(v);
  const open = (e: Event) => {
    if (!(e.target as HTMLDetailsElement).open || history) return;
    api<{ data: LedgerEntry[] }>('GET', `/v1/customers/${encodeURIComponent(customer)}/loyalty/ledger?program=${encodeURIComponent(m.program)}&limit=50`)
      .then((r) => setHistory(r.data)).catch(() => setHistory([]));
  };
  return (
    <>
      {m.lots && m.lots.length > 0 && (
        <details>
          <summary>{fill(t(locale, 'lotsCount'), { count: String(m.lots.length) })}</summary>
          <table data-testid="lots">
            <thead><tr><th>{t(locale, 'earned')}</th><th>{t(locale, 'points')}</th><th>{t(locale, 'left')}</th><th>{t(locale, 'expires')}</th></tr></thead>
            <tbody>{m.lots.slice(0, 50).map((l) => (
              <tr><td>{formatDate(locale, l.earned_at)}</td><td class="num">{n(l.points)}</td><td class="num">{n(l.remaining)}</td>
                <td>{formatDate(locale, l.expires_at)}</td></tr>))}
            </tbody>
          </table>
        </details>)}
      <details onToggle={open}>
        <summary>{t(locale, 'history')}</summary>
        {history === null ? <p>{t(locale, 'loading')}</p> : (
          <table data-testid="ledger">
            <thead><tr><th>{t(locale, 'date')}</th><th>{t(locale, 'kind')}</th><th>{t(locale, 'points')}</th><th>{t(locale, 'reason')}</th></tr></thead>
            <tbody>{history.map((e) => (
              <tr><td>{formatDate(locale, e.occurred_at)}</td><td>{t(locale, `lk_${e.kind}` as Key)}</td>
                <td class="num">{n(e.points)}</td><td>{e.reason || e.ref}</td></tr>))}
            </tbody>
          </table>)}
      </details>
    </>
  );
}

function Points({ locale, m, customer }: { locale: Locale; m: Membership; customer: string }) {
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
      {m.tier && <Tier locale={locale} tier={m.tier} />}
      <Promotions locale={locale} m={m} />
      <PointsDetail locale={locale} m={m} customer={customer} />
    </div>
  );
}

// The member's tier, the levels as a ladder, and what reaches the next one ("spend 40.00 more
// to reach Gold").
function Tier({ locale, tier }: { locale: Locale; tier: TierStatus }) {
  const n = (v: number) => new Intl.NumberFormat(intlLocale[locale]).format(v);
  const amount = (v: number) => (tier.measure === 'spend' && tier.currency ? formatMoney(locale, v, tier.currency) : `${n(v)} ${t(locale, 'points')}`);
  const levelName = (id: string | null) => {
    const level = tier.levels.find((l) => l.id === id);
    return level ? (level.name[locale] ?? level.name.en ?? level.id) : t(locale, 'noTier');
  };
  const current = tier.levels.find((l) => l.id === tier.tier);
  const top = tier.levels[tier.levels.length - 1];
  const share = top && top.threshold > 0 ? Math.min(1, tier.value / top.threshold) : 1;
  return (
    <div class="tier" data-testid="tier">
      <p><strong data-testid="tier-name">{levelName(tier.tier)}</strong>
        {tier.manual ? ` (${t(locale, 'setByHand')})` : ''}
        {tier.discount_percent ? ` · ${fill(t(locale, 'discountNow'), { percent: String(tier.discount_percent) })}` : ''}
        {current && current.multiplier !== 1 ? ` · ${fill(t(locale, 'pointsTimes'), { factor: n(current.multiplier) })}` : ''}</p>
      <div class="tier-ladder" role="img" aria-label={fill(t(locale, 'tierWindow'), { value: amount(tier.value), days: String(tier.window_days) })}>
        <div class="tier-fill" style={{ width: `${Math.round(share * 100)}%` }} />
        {tier.levels.map((l) => <span class="tier-mark" style={{ left: `${top.threshold ? Math.round((l.threshold / top.threshold) * 100) : 0}%` }}>{l.name[locale] ?? l.name.en ?? l.id}</span>)}
      </div>
      <p data-testid="tier-progress">{fill(t(locale, 'tierWindow'), { value: amount(tier.value), days: String(tier.window_days) })}
        {tier.next ? ` · ${fill(t(locale, tier.measure === 'spend' ? 'spendMoreFor' : 'earnMoreFor'), { amount: amount(tier.to_next), tier: levelName(tier.next) })}` : ''}</p>
      {tier.downgrade_at && <p class="warning">{fill(t(locale, 'tierDropsOn'), { date: formatDate(locale, tier.downgrade_at), tier: levelName(tier.downgrade_to) })}</p>}
      {current && current.benefits.length > 0 && (
        <ul class="benefits">{current.benefits.map((b) => <li>{b[locale] ?? b.en}</li>)}</ul>)}
    </div>
  );
}

function Promotions({ locale, m }: { locale: Locale; m: Membership }) {
  if (!m.promotions || m.promotions.length === 0) return null;
  const n = (v: number) => new Intl.NumberFormat(intlLocale[locale]).format(v);
  return (
    <ul class="promotions" data-testid="promotions">
      {m.promotions.map((p) => (
        <li><strong>{p.name[locale] ?? p.name.en ?? p.id}</strong>{': '}
          {p.kind === 'multiplier' ? fill(t(locale, 'pointsTimes'), { factor: n(p.multiplier ?? 1) })
            : p.kind === 'bonus' ? fill(t(locale, 'bonusPoints'), { points: n(p.points ?? 0) })
            : p.reward ? rewardLabel(locale, p.reward) : ''}
          {p.per_member ? ` · ${fill(t(locale, 'usedOf'), { used: String(p.used ?? 0), of: String(p.per_member) })}` : ''}
          {p.ends ? ` · ${fill(t(locale, 'until'), { date: formatDate(locale, p.ends) })}` : ''}</li>))}
    </ul>
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
          : m.kind === 'frequent_shopper' ? <Frequent locale={locale} m={m} /> : <Points locale={locale} m={m} customer={loyalty.customer} />))}
      </div>
      <Coupons locale={locale} coupons={loyalty.coupons} />
      {loyalty.referral && (loyalty.referral.code || loyalty.referral.referred_by) && (
        <p data-testid="referral">
          {loyalty.referral.code ? <>{t(locale, 'referralCode')}: <code>{loyalty.referral.code}</code>
            {' · '}{fill(t(locale, 'referralCounts'), { qualified: String(loyalty.referral.referrals.qualified), registered: String(loyalty.referral.referrals.registered), refused: String(loyalty.referral.referrals.refused) })}</> : null}
          {loyalty.referral.referred_by ? <>{loyalty.referral.code ? ' · ' : ''}{fill(t(locale, 'referredBy'), { customer: loyalty.referral.referred_by })}</> : null}
        </p>)}
    </div>
  );
}

interface ProgramSummary { id: string; kind: string; name: Record<string, string>; version: number; effective_at: string; }
interface ReportMonth {
  month: string; points_earned: number; points_spent: number; points_expired: number; points_reversed: number;
  punches: number; cards_completed: number; coupons_issued: number; coupons_used: number; coupons_expired: number;
  active_members: number;
}
interface RetentionGroup { customers: number; retained: number; rate: number | null; }
interface Report {
  months: ReportMonth[]; members: number; outstanding_points: number; liability_minor: number | null; currency: string;
  retention: { after_to: string; members: RetentionGroup; non_members: RetentionGroup; non_members_matched_rate: number | null };
}

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
interface PreviewResult {
  program: string; kind: string; qualifying_minor: number; items: number; points?: number; punches?: number; counts?: boolean;
  by_tier?: { tier: string; points: number }[]; promotions?: { promotion: string; points: number; tiers: string[] }[];
}
interface BasketLine { product: string; quantity: string; unit_price: string; }

const kNewProgram = {
  id: 'new-card', kind: 'punch_card', name: { en: 'New card' }, punches: 9,
  reward: { kind: 'free_item', product: 'SUB', valid_days: 90 },
};

function describeError(e: unknown): string {
  if (e instanceof ApiError) return e.field ? `${e.field}: ${e.message}` : e.message;
  return (e as Error).message;
}

// The program designer: the document as text, a basket to try it on ("what would this basket
// earn?", under every tier and with the promotions running), and saving it as the next version
// from a chosen day. Saving needs loyalty:manage.
function ProgramDesigner({ locale, programId, canManage, onSaved }:
    { locale: Locale; programId: string | null; canManage: boolean; onSaved: (id: string) => void }) {
  const [text, setText] = useState('');
  const [lines, setLines] = useState<BasketLine[]>([{ product: 'SUB', quantity: '2', unit_price: '6.50' }]);
  const [preview, setPreview] = useState<PreviewResult | null>(null);
  const [message, setMessage] = useState('');
  const [effective, setEffective] = useState('');
  useEffect(() => {
    setPreview(null);
    setMessage('');
    if (!programId) { setText(JSON.stringify(kNewProgram, null, 2)); return; }
    api<{ document: unknown }>('GET', `/v1/loyalty/programs/${encodeURIComponent(programId)}`)
      .then((p) => setText(JSON.stringify(p.document, null, 2))).catch((e) => setMessage(describeError(e)));
  }, [programId]);
  // A document starting with "{" is JSON; anything else is TOML, which the server reads.
  const isToml = () => !text.trimStart().startsWith('{');
  const parsed = (): Record<string, unknown> | null => {
    try { return JSON.parse(text); } catch (e) { setMessage(`${t(locale, 'notJson')}: ${(e as Error).message}`); return null; }
  };
  const tryBasket = async () => {
    const doc = isToml() ? null : parsed();
    if (!isToml() && !doc) return;
    setMessage('');
    try {
      const currency = doc ? (doc.currency as string) : /^\s*currency\s*=\s*"([A-Z]{3})"/m.exec(text)?.[1];
      const purchase = { currency: currency || 'EUR',
        lines: lines.filter((l) => l.product).map((l) => ({ product: l.product, quantity: Number(l.quantity), unit_price: l.unit_price })) };
      setPreview(await api<PreviewResult>('POST', '/v1/loyalty/preview', doc ? { program: doc, purchase } : { document_text: text, purchase }));
    } catch (e) { setPreview(null); setMessage(describeError(e)); }
  };
  const save = async () => {
    const doc = isToml() ? null : parsed();
    if (!isToml() && !doc) return;
    try {
      const at = effective ? `?effective_at=${encodeURIComponent(effective)}` : '';
      const r = doc ? await api<{ id: string; version: number }>('POST', `/v1/loyalty/programs${at}`, doc)
        : await apiText<{ id: string; version: number }>('POST', `/v1/loyalty/programs${at}`, text, 'application/toml');
      setMessage(fill(t(locale, 'savedVersion'), { version: String(r.version) }));
      onSaved(r.id);
    } catch (e) { setMessage(describeError(e)); }
  };
  const n = (v: number) => new Intl.NumberFormat(intlLocale[locale]).format(v);
  const setLine = (i: number, field: keyof BasketLine, value: string) =>
    setLines(lines.map((l, j) => (j === i ? { ...l, [field]: value } : l)));
  return (
    <section class="designer" data-testid="designer">
      <h2>{t(locale, 'designer')}</h2>
      <label>{t(locale, 'document')}
        <textarea data-testid="designer-document" rows={14} spellcheck={false} value={text}
                  onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} /></label>
      <table class="basket">
        <caption>{t(locale, 'tryBasket')}</caption>
        <thead><tr><th>{t(locale, 'product')}</th><th>{t(locale, 'quantity')}</th><th>{t(locale, 'unitPrice')}</th></tr></thead>
        <tbody>{lines.map((l, i) => (
          <tr><td><input value={l.product} aria-label={t(locale, 'product')} onInput={(e) => setLine(i, 'product', (e.target as HTMLInputElement).value)} /></td>
            <td><input value={l.quantity} inputMode="numeric" aria-label={t(locale, 'quantity')} onInput={(e) => setLine(i, 'quantity', (e.target as HTMLInputElement).value)} /></td>
            <td><input value={l.unit_price} inputMode="decimal" aria-label={t(locale, 'unitPrice')} onInput={(e) => setLine(i, 'unit_price', (e.target as HTMLInputElement).value)} /></td></tr>))}
        </tbody>
      </table>
      <p>
        <button type="button" onClick={() => setLines([...lines, { product: '', quantity: '1', unit_price: '' }])}>{t(locale, 'addLine')}</button>{' '}
        <button type="button" data-testid="designer-preview" onClick={tryBasket}>{t(locale, 'preview')}</button>
      </p>
      {preview && (
        <div data-testid="designer-result" class="preview">
          <p><strong>{preview.points !== undefined ? fill(t(locale, 'earnsPoints'), { points: n(preview.points) })
            : preview.punches !== undefined ? fill(t(locale, 'earnsPunches'), { punches: n(preview.punches) })
            : preview.counts ? t(locale, 'countsAsVisit') : t(locale, 'earnsNothing')}</strong></p>
          {preview.by_tier && preview.by_tier.length > 0 && (
            <ul>{preview.by_tier.map((x) => <li>{fill(t(locale, 'atTier'), { tier: x.tier, points: n(x.points) })}</li>)}</ul>)}
          {preview.promotions && preview.promotions.length > 0 && (
            <ul>{preview.promotions.map((x) => <li>{fill(t(locale, 'withPromotion'), { promotion: x.promotion, points: n(x.points) })}</li>)}</ul>)}
        </div>)}
      {canManage && (
        <p>
          <label>{t(locale, 'effectiveFrom')} <input type="date" value={effective} onInput={(e) => setEffective((e.target as HTMLInputElement).value)} /></label>{' '}
          <button type="button" data-testid="designer-save" onClick={save}>{t(locale, 'saveVersion')}</button>
        </p>)}
      {message && <p role="status" data-testid="designer-message">{message}</p>}
    </section>
  );
}

export function LoyaltyPrograms({ locale, canManage }: { locale: Locale; canManage: boolean }) {
  const [programs, setPrograms] = useState<ProgramSummary[] | null>(null);
  const [chosen, setChosen] = useState<string | null>(null);
  const [report, setReport] = useState<Report | null>(null);
  const [error, setError] = useState('');
  const [designing, setDesigning] = useState<string | null | undefined>(undefined);  // undefined: closed; null: a new program
  const [reload, setReload] = useState(0);
  useEffect(() => {
    api<{ data: ProgramSummary[] }>('GET', '/v1/loyalty/programs')
      .then((r) => { setPrograms(r.data); if (r.data.length && !chosen) setChosen(r.data[0].id); })
      .catch((e) => setError((e as Error).message));
  }, [reload]);
  useEffect(() => {
    if (!chosen) return;
    setReport(null);
    api<Report>('GET', `/v1/loyalty/programs/${encodeURIComponent(chosen)}/report`)
      .then(setReport).catch((e) => setError((e as Error).message));
  }, [chosen]);
  if (error) return <p class="error">{t(locale, 'error')}: {error}</p>;
  if (!programs) return <p>{t(locale, 'loading')}</p>;
  const designer = designing !== undefined && (
    <ProgramDesigner locale={locale} programId={designing} canManage={canManage}
                     onSaved={(id) => { setChosen(id); setReload(reload + 1); }} />);
  if (programs.length === 0) {
    return (<section data-testid="programs"><p>{t(locale, 'noPrograms')}</p>
      <button type="button" onClick={() => setDesigning(null)}>{t(locale, 'newProgram')}</button>{designer}</section>);
  }
  const program = programs.find((p) => p.id === chosen);
  const n = (v: number) => new Intl.NumberFormat(intlLocale[locale]).format(v);
  const pct = (v: number | null) => (v == null ? '–' : new Intl.NumberFormat(intlLocale[locale], { style: 'percent', maximumFractionDigits: 1 }).format(v));
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
      <p>
        <button type="button" data-testid="design" onClick={() => setDesigning(chosen)}>{t(locale, 'openDesigner')}</button>{' '}
        <button type="button" onClick={() => setDesigning(null)}>{t(locale, 'newProgram')}</button>
      </p>
      {designer}
      {program && report && (
        <div data-testid="program-report">
          <h2>{programName(locale, { name: program.name, program: program.id })}</h2>
          <p data-testid="report-summary">{n(report.members)} {t(locale, 'members')}
            {program.kind === 'points' ? ` · ${n(report.outstanding_points)} ${t(locale, 'pointsOutstanding')}` : ''}
            {report.liability_minor != null && report.currency ? ` (${formatMoney(locale, report.liability_minor, report.currency)})` : ''}</p>
          <ReportChart locale={locale} report={report} kind={program.kind} />
          {report.retention.members.customers > 0 && (
            <p data-testid="report-retention">{fill(t(locale, 'retentionLine'), {
              members: pct(report.retention.members.rate), nonMembers: pct(report.retention.non_members.rate),
              matched: pct(report.retention.non_members_matched_rate), date: formatDate(locale, report.retention.after_to) })}</p>)}
          <details>
            <summary>{t(locale, 'figures')}</summary>
            <table data-testid="report-table">
              <thead><tr><th>{t(locale, 'month')}</th><th>{t(locale, 'activeMembers')}</th><th>{t(locale, 'earnedPoints')}</th><th>{t(locale, 'spentPoints')}</th>
                <th>{t(locale, 'expiredPoints')}</th><th>{t(locale, 'couponsIssued')}</th><th>{t(locale, 'couponsUsed')}</th></tr></thead>
              <tbody>{report.months.map((m) => (
                <tr><td>{m.month}</td><td class="num">{n(m.active_members)}</td><td class="num">{n(m.points_earned)}</td><td class="num">{n(m.points_spent)}</td>
                  <td class="num">{n(m.points_expired)}</td><td class="num">{n(m.coupons_issued)}</td><td class="num">{n(m.coupons_used)}</td></tr>))}
              </tbody>
            </table>
          </details>
        </div>)}
    </section>
  );
}
