// The customer's survey page, opened from an invitation's link (/s/TOKEN) without signing in, in
// the customer's language. Every scale is a group of native radio buttons (arrow keys move, space
// chooses), every group has its question as a legend, and an error names the question. The
// survey builder's preview shows the same form.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from './api';
import { LOCALES, t, type Locale } from './i18n';

export interface PageQuestion {
  id: string; type: string; text: string; optional: boolean; min?: number; max?: number;
  options?: { id: string; text: string }[];
}
export interface SurveyPageData {
  kind: string; title: string; intro: string; thanks: string; locale: Locale; status: string;
  questions: PageQuestion[]; missing_translations?: string[];
}
export type Answers = Record<string, number | string>;

// The ends of a scale, in words, so a screen reader and a reader agree on what 0 and 10 mean.
function ends(locale: Locale, type: string): [string, string] {
  if (type === 'nps') return [t(locale, 'svNotLikely'), t(locale, 'svVeryLikely')];
  if (type === 'ces') return [t(locale, 'svDisagree'), t(locale, 'svAgree')];
  return [t(locale, 'svUnsatisfied'), t(locale, 'svSatisfied')];
}

export function SurveyForm({ locale, page, answers, onChange, invalid }: {
  locale: Locale; page: SurveyPageData; answers: Answers; onChange: (a: Answers) => void; invalid?: string;
}) {
  const set = (id: string, v: number | string) => onChange({ ...answers, [id]: v });
  return (
    <div class="survey-questions">
      {page.questions.map((q) => {
        const hasError = invalid === q.id;
        const label = <>{q.text}{q.optional ? <small> ({t(locale, 'svOptional')})</small> : null}</>;
        if (q.min !== undefined && q.max !== undefined) {
          const values = Array.from({ length: q.max - q.min + 1 }, (_, i) => q.min! + i);
          const [low, high] = ends(locale, q.type);
          return (
            <fieldset class={`scale${hasError ? ' invalid' : ''}`} data-testid={`sv-q-${q.id}`} aria-invalid={hasError || undefined}>
              <legend>{label}</legend>
              <div class="scale-row" role="presentation">
                {values.map((v) => (
                  <label class="scale-point">
                    <input type="radio" name={`q-${q.id}`} value={String(v)} checked={answers[q.id] === v}
                           onChange={() => set(q.id, v)} required={!q.optional}
                           aria-label={v === q.min ? `${v} – ${low}` : v === q.max ? `${v} – ${high}` : String(v)} />
                    <span>{v}</span>
                  </label>))}
              </div>
              <div class="scale-ends" aria-hidden="true"><span>{low}</span><span>{high}</span></div>
            </fieldset>
          );
        }
        if (q.type === 'choice') {
          return (
            <fieldset class={hasError ? 'invalid' : ''} data-testid={`sv-q-${q.id}`}>
              <legend>{label}</legend>
              {(q.options ?? []).map((o) => (
                <label class="reason"><input type="radio" name={`q-${q.id}`} value={o.id} checked={answers[q.id] === o.id}
                                             onChange={() => set(q.id, o.id)} required={!q.optional} /> {o.text}</label>))}
            </fieldset>
          );
        }
        return (
          <label class={`survey-text${hasError ? ' invalid' : ''}`} data-testid={`sv-q-${q.id}`}>{label}
            <textarea maxLength={2000} value={String(answers[q.id] ?? '')}
                      onInput={(e) => set(q.id, (e.target as HTMLTextAreaElement).value)} /></label>
        );
      })}
    </div>
  );
}

export function SurveyPage({ token }: { token: string }) {
  const [page, setPage] = useState<SurveyPageData | null>(null);
  const [locale, setLocale] = useState<Locale>('en');
  const [answers, setAnswers] = useState<Answers>({});
  const [error, setError] = useState('');
  const [invalid, setInvalid] = useState('');
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState('');
  const base = `/v1/self-serve/surveys/${encodeURIComponent(token)}`;

  useEffect(() => {
    api<SurveyPageData>('GET', base).then((p) => {
      setPage(p);
      if (LOCALES.includes(p.locale)) setLocale(p.locale);
    }).catch((e) => setError(e instanceof ApiError && e.status === 404 ? 'invalid' : (e as Error).message));
  }, [token]);
  useEffect(() => { document.documentElement.lang = locale; }, [locale]);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true); setError(''); setInvalid('');
    try {
      const r = await api<{ thanks: string }>('POST', base, { answers });
      setDone(r.thanks || t(locale, 'svThanks'));
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) setDone(t(locale, 'svAlready'));
      else {
        const field = err instanceof ApiError ? (err.field ?? '') : '';
        // The server's words are English; the customer reads which question to look at again.
        if (field.startsWith('answers.')) {
          setInvalid(field.slice('answers.'.length));
          setError(t(locale, 'svCheck').replace('{question}', page?.questions.find((q) => q.id === field.slice(8))?.text ?? ''));
        } else setError((err as Error).message);
      }
    } finally { setBusy(false); }
  };

  if (error === 'invalid') return <main class="self-serve"><p class="error" role="alert" data-testid="sv-invalid">{t(locale, 'svInvalid')}</p></main>;
  if (!page) return <main class="self-serve"><p class="loading">{error || t(locale, 'loading')}</p></main>;
  let body;
  if (done) body = <p class="done" role="status" data-testid="sv-done">{done}</p>;
  else if (page.status === 'answered') body = <p class="done" role="status" data-testid="sv-answered">{t(locale, 'svAlready')}</p>;
  else if (page.status === 'expired') body = <p class="done" role="status" data-testid="sv-expired">{t(locale, 'svExpired')}</p>;
  else {
    body = (
      <form onSubmit={submit} data-testid="sv-form">
        {page.intro && <p>{page.intro}</p>}
        <SurveyForm locale={locale} page={page} answers={answers} onChange={setAnswers} invalid={invalid} />
        {error && <p class="error" role="alert" data-testid="sv-error">{error}</p>}
        <button type="submit" class="primary" data-testid="sv-submit" disabled={busy}>{t(locale, 'svSend')}</button>
      </form>
    );
  }
  return (
    <main class="self-serve survey" data-testid="survey">
      <h1>{page.title}</h1>
      {body}
    </main>
  );
}
