// A customer's personal data on request (GDPR articles 15, 17 and 20): download everything Retain
// holds about them, or erase it while their purchases, payments and points stay for the books.
import { useState } from 'preact/hooks';
import { api } from './api';
import { fill, formatDateTime, t, type Locale } from './i18n';

interface Erasure { customer: string; result: 'erased' | 'already_erased'; erased_at: string; cleared: Record<string, number>; }

export function PrivacySection({ locale, id, erasedAt, onErased }:
    { locale: Locale; id: string; erasedAt?: string; onErased: () => void }) {
  const [reason, setReason] = useState('');
  const [confirm, setConfirm] = useState('');
  const [done, setDone] = useState<Erasure | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const erase = async (e: Event) => {
    e.preventDefault();
    setBusy(true); setError('');
    try {
      setDone(await api<Erasure>('POST', `/v1/customers/${encodeURIComponent(id)}/erase`, { reason }));
      onErased();
    } catch (err) { setError((err as Error).message); } finally { setBusy(false); }
  };
  const cleared = done ? Object.values(done.cleared).reduce((a, b) => a + b, 0) : 0;
  return (
    <section class="privacy" data-testid="privacy">
      <h2>{t(locale, 'pvTitle')}</h2>
      <p>
        <a href={`/v1/customers/${encodeURIComponent(id)}/export`} download={`retain-customer-${id}.json`}
           data-testid="privacy-export">{t(locale, 'pvExport')}</a>
      </p>
      {erasedAt ? (
        <p data-testid="privacy-erased">{fill(t(locale, 'pvErasedAt'), { when: formatDateTime(locale, erasedAt) })}
          {done && ` ${fill(t(locale, 'pvCleared'), { rows: String(cleared) })}`}</p>
      ) : (
        <form class="erase" onSubmit={erase}>
          <p>{t(locale, 'pvEraseHint')}</p>
          <label>{t(locale, 'pvReason')}
            <input data-testid="privacy-reason" maxLength={500} value={reason} required
                   onInput={(e) => setReason((e.target as HTMLInputElement).value)} /></label>
          <label>{fill(t(locale, 'pvTypeId'), { id })}
            <input data-testid="privacy-confirm" value={confirm} autocomplete="off"
                   onInput={(e) => setConfirm((e.target as HTMLInputElement).value)} /></label>
          {error && <p class="error" role="alert">{error}</p>}
          <button type="submit" class="danger" data-testid="privacy-erase"
                  disabled={busy || confirm.trim() !== id || !reason.trim()}>{t(locale, 'pvErase')}</button>
        </form>
      )}
    </section>
  );
}
