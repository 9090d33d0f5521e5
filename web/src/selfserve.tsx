// The customer's own cancel page, opened from a signed link (/cancel/TOKEN) without signing in, in
// the customer's language: a reason, then at most one offer, then the outcome. It offers, it never
// blocks: cancelling is always the next click.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from './api';
import { fill, formatDate, LOCALES, t, type Key, type Locale } from './i18n';
import { REASONS } from './retention';

interface PageOffer { id: string; name: string; kind: string }
interface PageRequest { id: number; status: string; offer: PageOffer | null; accepted_offer: string; cancel_effective_at: string | null }
interface PageData {
  subscription: string; plan: string; status: string; first_name: string; locale: Locale;
  cancelled_at: string | null; request: PageRequest | null;
}

export function SelfServeCancel({ token }: { token: string }) {
  const [data, setData] = useState<PageData | null>(null);
  const [locale, setLocale] = useState<Locale>('en');
  const [reason, setReason] = useState('');
  const [note, setNote] = useState('');
  const [request, setRequest] = useState<PageRequest | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const base = `/v1/self-serve/cancel/${encodeURIComponent(token)}`;

  useEffect(() => {
    api<PageData>('GET', base).then((d) => {
      setData(d);
      setRequest(d.request);
      if (LOCALES.includes(d.locale)) setLocale(d.locale);
    }).catch((e) => setError(e instanceof ApiError && (e.status === 404 || e.status === 422) ? 'invalid' : (e as Error).message));
  }, [token]);
  useEffect(() => { document.documentElement.lang = locale; }, [locale]);

  const run = async (f: () => Promise<void>) => {
    setBusy(true); setError('');
    try { await f(); } catch (e) { setError((e as Error).message); } finally { setBusy(false); }
  };
  const open = (e: Event) => {
    e.preventDefault();
    run(async () => { setRequest(await api<PageRequest>('POST', base, { reason, note })); });
  };
  const decide = (outcome: 'accepted' | 'declined') => run(async () => {
    setRequest(await api<PageRequest>('POST', `${base}/outcome`, { request: request!.id, outcome }));
  });

  if (error === 'invalid') return <main class="self-serve"><p class="error" role="alert" data-testid="ss-invalid">{t(locale, 'ssInvalid')}</p></main>;
  if (!data) return <main class="self-serve"><p class="loading">{error || t(locale, 'loading')}</p></main>;

  const picker = (
    <label class="language">{t(locale, 'language')}{' '}
      <select value={locale} onChange={(e) => setLocale((e.target as HTMLSelectElement).value as Locale)}>
        {LOCALES.map((l) => <option value={l}>{{ en: 'English', pt: 'Português', da: 'Dansk' }[l]}</option>)}
      </select></label>
  );
  let body;
  if (request && request.status === 'saved') {
    body = <p class="done" role="status" data-testid="ss-saved">{fill(t(locale, 'ssSaved'), { offer: request.offer?.name ?? '' })}</p>;
  } else if (request && request.status === 'cancelled') {
    body = <p class="done" role="status" data-testid="ss-cancelled">{fill(t(locale, 'ssCancelled'), { date: formatDate(locale, request.cancel_effective_at) })}</p>;
  } else if (!request && data.status === 'cancelled') {
    body = <p class="done" role="status">{fill(t(locale, 'ssCancelled'), { date: formatDate(locale, data.cancelled_at) })}</p>;
  } else if (request) {
    body = (
      <section>
        {request.offer ? (
          <div class="offer-card" data-testid="ss-offer">
            <p>{t(locale, 'ssOffer')}</p>
            <p class="offer-name"><strong>{request.offer.name}</strong></p>
            <button class="primary" data-testid="ss-keep" disabled={busy} onClick={() => decide('accepted')}>{t(locale, 'ssKeep')}</button>
          </div>
        ) : <p>{t(locale, 'ssConfirmText')}</p>}
        <button data-testid="ss-cancel" disabled={busy} onClick={() => decide('declined')}>
          {request.offer ? t(locale, 'ssNoThanks') : t(locale, 'ssConfirm')}</button>
      </section>
    );
  } else {
    body = (
      <form onSubmit={open}>
        <fieldset>
          <legend>{t(locale, 'ssWhy')}</legend>
          {REASONS.map((r) => (
            <label class="reason"><input type="radio" name="reason" value={r} checked={reason === r} required
                                         onChange={() => setReason(r)} data-testid={`ss-reason-${r}`} />{' '}{t(locale, `r_${r}` as Key)}</label>))}
        </fieldset>
        <label>{t(locale, 'ssTell')}<textarea value={note} maxLength={2000} onInput={(e) => setNote((e.target as HTMLTextAreaElement).value)} /></label>
        <button type="submit" data-testid="ss-continue" disabled={busy || !reason}>{t(locale, 'ssContinue')}</button>
      </form>
    );
  }
  return (
    <main class="self-serve" data-testid="self-serve">
      <header>{picker}</header>
      <h1>{fill(t(locale, 'ssTitle'), { plan: data.plan })}</h1>
      {!request && data.status !== 'cancelled' && <p>{fill(t(locale, 'ssHello'), { name: data.first_name })}</p>}
      {error && <p class="error" role="alert">{error}</p>}
      {body}
    </main>
  );
}
