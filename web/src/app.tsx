import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, ApiError, setCsrf, type Customer, type Loyalty, type Page, type Payment, type Purchase, type Session,
         type Subscription, type TimelineEntry } from './api';
import { AnalyticsPage, ValueAndRisk, type CustomerAnalytics } from './analytics';
import { monthlySpend, SpendChart } from './chart';
import { LoyaltyPrograms, LoyaltySection } from './loyalty';
import { CasePage, CasesPage } from './care';
import { CustomerSurveys, FeedbackPage } from './feedback';
import { CustomerMessages, OutreachPage } from './outreach';
import { CancelFlow, CustomerRecoveries, RetentionPage } from './retention';
import { PrivacySection } from './privacy';
import { describeTimeline, formatDate, formatDateTime, formatMoney, LOCALES, setTimeZone, statusLabel, t, timeZone,
         type Key, type Locale } from './i18n';

// Routes are kept in the URL's hash: #/customers, #/customers/C0000042.
function useHashRoute(): string {
  const [hash, setHash] = useState(location.hash || '#/customers');
  useEffect(() => {
    const on = () => setHash(location.hash || '#/customers');
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [locale, setLocale] = useState<Locale>((localStorage.getItem('retain.locale') as Locale) || 'en');
  const route = useHashRoute();

  useEffect(() => {
    api<Session>('GET', '/v1/session')
      .then((s) => { setCsrf(s.csrf_token); setTimeZone(s.time_zone); setSession(s); setLocale(s.user.locale); })
      .catch(() => setSession(null));
  }, []);
  useEffect(() => { document.documentElement.lang = locale; localStorage.setItem('retain.locale', locale); }, [locale]);

  const changeLocale = async (l: Locale) => {
    setLocale(l);
    if (session) await api('POST', '/v1/me', { locale: l }).catch(() => undefined);
  };

  if (session === undefined) return <p class="loading">{t(locale, 'loading')}</p>;
  if (session === null) {
    return <SignIn locale={locale} onLocale={setLocale}
                   onSignedIn={(s) => { setCsrf(s.csrf_token); setTimeZone(s.time_zone); setSession(s); setLocale(s.user.locale); }} />;
  }
  const customerId = route.startsWith('#/customers/') ? decodeURIComponent(route.slice('#/customers/'.length)) : null;
  return (
    <Frame locale={locale} session={session} onLocale={changeLocale}
           onSignOut={async () => { await api('DELETE', '/v1/session').catch(() => undefined); setSession(null); }}>
      {customerId ? <CustomerPage locale={locale} id={customerId} canErase={(session.permissions ?? []).includes('privacy:manage')} />
        : route.startsWith('#/cases/') ? <CasePage locale={locale} id={decodeURIComponent(route.slice('#/cases/'.length))} username={session.user.username} />
        : route.startsWith('#/cases') ? <CasesPage locale={locale} />
        : route.startsWith('#/loyalty') ? <LoyaltyPrograms locale={locale} canManage={(session.permissions ?? []).includes('loyalty:manage')} />
        : route.startsWith('#/retention') ? <RetentionPage locale={locale} canApprove={(session.permissions ?? []).includes('retention:approve')} />
        : route.startsWith('#/feedback') ? <FeedbackPage locale={locale} canManage={(session.permissions ?? []).includes('feedback:manage')} />
        : route.startsWith('#/outreach') ? <OutreachPage locale={locale} canManage={(session.permissions ?? []).includes('outreach:manage')}
                                                                 canWrite={(session.permissions ?? []).includes('records:write')} />
        : route.startsWith('#/analytics') ? <AnalyticsPage locale={locale} canRefresh={(session.permissions ?? []).includes('analytics:refresh')} />
        : <Customers locale={locale} />}
    </Frame>
  );
}

function LanguagePicker({ locale, onLocale }: { locale: Locale; onLocale: (l: Locale) => void }) {
  return (
    <label class="language">
      {t(locale, 'language')}{' '}
      <select data-testid="language" value={locale} onChange={(e) => onLocale((e.target as HTMLSelectElement).value as Locale)}>
        {LOCALES.map((l) => <option value={l}>{{ en: 'English', pt: 'Português', da: 'Dansk' }[l]}</option>)}
      </select>
    </label>
  );
}

function SignIn({ locale, onLocale, onSignedIn }:
    { locale: Locale; onLocale: (l: Locale) => void; onSignedIn: (s: Session) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    setError('');
    try {
      onSignedIn(await api<Session>('POST', '/v1/session', { username, password }));
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? t(locale, 'wrongPassword') : (err as Error).message);
    }
  };
  return (
    <main class="signin">
      <h1>{t(locale, 'appName')}</h1>
      <form onSubmit={submit}>
        <label>{t(locale, 'username')}
          <input name="username" autocomplete="username" value={username}
                 onInput={(e) => setUsername((e.target as HTMLInputElement).value)} /></label>
        <label>{t(locale, 'password')}
          <input name="password" type="password" autocomplete="current-password" value={password}
                 onInput={(e) => setPassword((e.target as HTMLInputElement).value)} /></label>
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit">{t(locale, 'signIn')}</button>
      </form>
      <LanguagePicker locale={locale} onLocale={onLocale} />
    </main>
  );
}

const MODULES: { key: Key; href?: string }[] = [
  { key: 'customers', href: '#/customers' }, { key: 'loyalty', href: '#/loyalty' }, { key: 'retentionDesk', href: '#/retention' }, { key: 'complaints', href: '#/cases' },
  { key: 'feedback', href: '#/feedback' }, { key: 'outreach', href: '#/outreach' }, { key: 'analytics', href: '#/analytics' },
];

function Frame({ locale, session, onLocale, onSignOut, children }: {
  locale: Locale; session: Session; onLocale: (l: Locale) => void; onSignOut: () => void; children: preact.ComponentChildren;
}) {
  return (
    <div class="frame">
      <header>
        <strong class="brand">{t(locale, 'appName')}</strong>
        <nav>
          {MODULES.map((m) => m.href
            ? <a href={m.href} data-testid={`nav-${m.key}`}>{t(locale, m.key)}</a>
            : <span class="soon" title={t(locale, 'comingSoon')}>{t(locale, m.key)}</span>)}
        </nav>
        <LanguagePicker locale={locale} onLocale={onLocale} />
        <span class="who">{session.user.display_name} ({session.user.role})</span>
        <button data-testid="sign-out" onClick={onSignOut}>{t(locale, 'signOut')}</button>
      </header>
      <main>{children}</main>
    </div>
  );
}

function Customers({ locale }: { locale: Locale }) {
  const [query, setQuery] = useState('');
  const [page, setPage] = useState<Page<Customer> | null>(null);
  const [error, setError] = useState('');
  const load = async (q: string, cursor?: string) => {
    try {
      const params = new URLSearchParams({ limit: '25' });
      if (q) params.set('q', q);
      if (cursor) params.set('cursor', cursor);
      const next = await api<Page<Customer>>('GET', `/v1/customers?${params}`);
      setPage((prev) => (cursor && prev ? { data: [...prev.data, ...next.data], next_cursor: next.next_cursor } : next));
    } catch (e) { setError((e as Error).message); }
  };
  useEffect(() => { load(''); }, []);
  return (
    <section>
      <form class="search" onSubmit={(e) => { e.preventDefault(); load(query); }}>
        <input data-testid="search" placeholder={t(locale, 'searchHint')} value={query}
               onInput={(e) => setQuery((e.target as HTMLInputElement).value)} />
        <button type="submit">{t(locale, 'search')}</button>
      </form>
      {error && <p class="error">{t(locale, 'error')}: {error}</p>}
      {page && page.data.length === 0 && <p>{t(locale, 'noResults')}</p>}
      {page && page.data.length > 0 && (
        <table data-testid="customers">
          <thead><tr><th>Id</th><th>{t(locale, 'name')}</th><th>{t(locale, 'email')}</th><th>{t(locale, 'firstContact')}</th></tr></thead>
          <tbody>
            {page.data.map((c) => (
              <tr>
                <td><a href={`#/customers/${encodeURIComponent(c.id)}`}>{c.id}</a></td>
                <td>{c.name}</td><td>{c.email}</td><td>{formatDate(locale, c.first_contact_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {page?.next_cursor && <button onClick={() => load(query, page.next_cursor!)}>{t(locale, 'more')}</button>}
    </section>
  );
}

function CustomerPage({ locale, id, canErase }: { locale: Locale; id: string; canErase: boolean }) {
  const [customer, setCustomer] = useState<Customer | null>(null);
  const [subs, setSubs] = useState<Subscription[]>([]);
  const [purchases, setPurchases] = useState<Purchase[]>([]);
  const [payments, setPayments] = useState<Payment[]>([]);
  const [timeline, setTimeline] = useState<TimelineEntry[]>([]);
  const [loyalty, setLoyalty] = useState<Loyalty | null>(null);
  const [value, setValue] = useState<CustomerAnalytics | null>(null);
  const [error, setError] = useState('');
  const [cancelling, setCancelling] = useState<string | null>(null);
  const spend = useMemo(() => monthlySpend(timeline, timeZone()), [timeline]);
  const reloadSubs = () => {
    api<Page<Subscription>>('GET', `/v1/subscriptions?customer=${encodeURIComponent(id)}&limit=100`).then((s) => setSubs(s.data)).catch(() => undefined);
  };
  const reloadCustomer = () => {
    api<Customer>('GET', `/v1/customers/${encodeURIComponent(id)}`).then(setCustomer).catch((e) => setError((e as Error).message));
  };
  useEffect(() => {
    const q = `customer=${encodeURIComponent(id)}&limit=100`;
    Promise.all([
      api<Customer>('GET', `/v1/customers/${encodeURIComponent(id)}`),
      api<Page<Subscription>>('GET', `/v1/subscriptions?${q}`),
      api<Page<Purchase>>('GET', `/v1/purchases?${q}`),
      api<Page<Payment>>('GET', `/v1/payments?${q}`),
      api<{ data: TimelineEntry[] }>('GET', `/v1/customers/${encodeURIComponent(id)}/timeline`),
      api<Loyalty>('GET', `/v1/customers/${encodeURIComponent(id)}/loyalty`),
    ]).then(([c, s, p, pay, tl, loy]) => {
      setCustomer(c); setSubs(s.data); setPurchases(p.data); setPayments(pay.data); setTimeline(tl.data); setLoyalty(loy);
    }).catch((e) => setError((e as Error).message));
    // Value and risk come from the last analytics refresh; the page stands without them.
    api<CustomerAnalytics>('GET', `/v1/customers/${encodeURIComponent(id)}/analytics`).then(setValue).catch(() => setValue(null));
  }, [id]);
  if (error) return <p class="error">{t(locale, 'error')}: {error}</p>;
  if (!customer) return <p>{t(locale, 'loading')}</p>;
  const a = customer.address;
  const consents = (Object.entries(customer.consent) as [string, boolean][]).filter(([, v]) => v).map(([k]) => k);
  return (
    <article class="customer" data-testid="customer">
      <a href="#/customers">← {t(locale, 'back')}</a>
      <h1>{customer.name} <small>{customer.id}</small>
        {customer.erased_at && <small class="erased" data-testid="erased-badge"> ({t(locale, 'erased')})</small>}</h1>
      <section>
        <h2>{t(locale, 'profile')}</h2>
        <dl>
          <dt>{t(locale, 'email')}</dt><dd>{customer.email || '—'}</dd>
          <dt>{t(locale, 'phone')}</dt><dd>{customer.phone || '—'}</dd>
          <dt>{t(locale, 'address')}</dt><dd>{[a.line1, a.line2, `${a.postal_code} ${a.city}`, a.country].filter((x) => x.trim()).join(', ') || '—'}</dd>
          <dt>{t(locale, 'locale')}</dt><dd>{customer.locale}</dd>
          <dt>{t(locale, 'firstContact')}</dt><dd>{formatDate(locale, customer.first_contact_at)}</dd>
          <dt>{t(locale, 'consent')}</dt><dd>{consents.join(', ') || t(locale, 'none')}</dd>
        </dl>
      </section>
      <ValueAndRisk locale={locale} value={value} currency={spend.currency} />
      <section>
        <h2>{t(locale, 'loyalty')}</h2>
        <LoyaltySection locale={locale} loyalty={loyalty} />
      </section>
      <CustomerSurveys locale={locale} id={id} />
      <section>
        <h2>{t(locale, 'spending')}</h2>
        <SpendChart locale={locale} spend={spend} />
      </section>
      <section>
        <h2>{t(locale, 'subscriptions')}</h2>
        {subs.length === 0 ? <p>{t(locale, 'none')}</p> : (
          <table data-testid="subscriptions"><thead><tr><th>{t(locale, 'plan')}</th><th>{t(locale, 'status')}</th><th>{t(locale, 'started')}</th><th>{t(locale, 'cancelled')}</th><th>{t(locale, 'reason')}</th><th /></tr></thead>
            <tbody>{subs.map((s) => [
              <tr data-subscription={s.id}><td>{s.plan}{s.addons.length ? ` + ${s.addons.join(', ')}` : ''}</td><td>{statusLabel(locale, s.status)}</td>
                <td>{formatDate(locale, s.started_at)}</td><td>{formatDate(locale, s.cancelled_at)}</td><td>{s.cancel_reason}</td>
                <td>{s.status !== 'cancelled' && cancelling !== s.id &&
                  <button data-testid={`cancel-${s.id}`} onClick={() => setCancelling(s.id)}>{t(locale, 'cancelRequest')}</button>}</td></tr>,
              cancelling === s.id && <tr class="cancel-row"><td colSpan={6}><CancelFlow locale={locale} subscription={s.id} onDecided={reloadSubs} /></td></tr>,
            ])}
            </tbody></table>)}
      </section>
      <section>
        <h2>{t(locale, 'purchases')}</h2>
        {purchases.length === 0 ? <p>{t(locale, 'none')}</p> : (
          <table data-testid="purchases"><thead><tr><th>{t(locale, 'date')}</th><th>{t(locale, 'store')}</th><th>{t(locale, 'total')}</th></tr></thead>
            <tbody>{purchases.map((p) => (
              <tr><td>{formatDate(locale, p.occurred_at)}</td><td>{p.store}</td>
                <td class="num">{p.kind === 'return' ? '−' : ''}{formatMoney(locale, p.total_minor, p.currency)}</td></tr>))}
            </tbody></table>)}
      </section>
      <section>
        <h2>{t(locale, 'payments')}</h2>
        {payments.length === 0 ? <p>{t(locale, 'none')}</p> : (
          <table data-testid="payments"><thead><tr><th>{t(locale, 'date')}</th><th>{t(locale, 'amount')}</th><th>{t(locale, 'status')}</th></tr></thead>
            <tbody>{payments.map((p) => (
              <tr><td>{formatDate(locale, p.occurred_at)}</td><td class="num">{formatMoney(locale, p.amount_minor, p.currency)}</td>
                <td>{statusLabel(locale, p.status)}{p.failure_reason ? ` (${p.failure_reason})` : ''}</td></tr>))}
            </tbody></table>)}
        <CustomerRecoveries locale={locale} customer={id} />
      </section>
      <CustomerMessages locale={locale} id={id} />
      <section>
        <h2>{t(locale, 'timeline')}</h2>
        <ol class="timeline" data-testid="timeline">
          {timeline.map((e) => <li><time>{formatDateTime(locale, e.at)}</time> {describeTimeline(locale, e)}</li>)}
        </ol>
      </section>
      {canErase && <PrivacySection locale={locale} id={id} erasedAt={customer.erased_at} onErased={reloadCustomer} />}
    </article>
  );
}
