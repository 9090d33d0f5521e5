// The page a message's unsubscribe link opens (/u/TOKEN), without signing in, in the customer's
// language: who is leaving which kind of message, and one button. Opening the page changes
// nothing (mail scanners follow links); only the button does, at once.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from './api';
import { LOCALES, t, type Key, type Locale } from './i18n';

interface Info { first_name: string; locale: Locale; channel: string; business_name: string; subscribed: boolean }

export function UnsubscribePage({ token }: { token: string }) {
  const [info, setInfo] = useState<Info | null>(null);
  const [locale, setLocale] = useState<Locale>('en');
  const [error, setError] = useState('');
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const path = `/v1/unsubscribe/${encodeURIComponent(token)}`;
  useEffect(() => {
    api<Info>('GET', path).then((i) => {
      setInfo(i);
      if (LOCALES.includes(i.locale)) setLocale(i.locale);
    }).catch((e) => setError(e instanceof ApiError && e.status === 404 ? 'invalid' : (e as Error).message));
  }, [token]);
  useEffect(() => { document.documentElement.lang = locale; }, [locale]);
  const leave = async () => {
    setBusy(true);
    try {
      await api('POST', path);
      setDone(true);
    } catch (e) { setError((e as Error).message); } finally { setBusy(false); }
  };
  if (error === 'invalid') return <main class="self-serve"><p class="error" role="alert" data-testid="un-invalid">{t(locale, 'unInvalid')}</p></main>;
  if (!info) return <main class="self-serve"><p class="loading">{error || t(locale, 'loading')}</p></main>;
  const what = t(locale, `unWhat_${info.channel}` as Key);
  return (
    <main class="self-serve" data-testid="unsubscribe">
      <h1>{info.business_name}</h1>
      {done || !info.subscribed
        ? <p class="done" role="status" data-testid="un-done">{t(locale, 'unDone').replace('{what}', what)}</p>
        : (
          <>
            <p>{t(locale, 'unAsk').replace('{name}', info.first_name).replace('{what}', what).replace('{business}', info.business_name)}</p>
            {error && <p class="error" role="alert">{error}</p>}
            <button type="button" class="primary" data-testid="un-confirm" disabled={busy} onClick={leave}>{t(locale, 'unConfirm')}</button>
          </>
        )}
    </main>
  );
}
