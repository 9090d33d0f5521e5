// A customer's loyalty on the customer page: punch cards as cards, points with what is spendable,
// pending and about to expire, the rewards within reach, and every coupon with its state.
import type { Coupon, Loyalty, LoyaltyReward, Membership } from './api';
import { fill, formatDate, t, type Key, type Locale } from './i18n';

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

function Points({ locale, m }: { locale: Locale; m: Membership }) {
  const n = (v: number) => new Intl.NumberFormat({ en: 'en-GB', pt: 'pt-PT', da: 'da-DK' }[locale]).format(v);
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
        {loyalty.memberships.map((m) => (m.kind === 'punch_card' ? <PunchCard locale={locale} m={m} /> : <Points locale={locale} m={m} />))}
      </div>
      <Coupons locale={locale} coupons={loyalty.coupons} />
    </div>
  );
}
