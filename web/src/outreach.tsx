// Outreach in the browser, as far as it is built: the segment builder. The count updates while
// typing (the server parses and counts), a mistake is shown at its line and column, and the
// fields a segment may name are listed to click in.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from './api';
import { hasKey, t, type Key, type Locale } from './i18n';

interface Field { name: string; type: string; help: string }
interface Count { count: number; customers: number; sample: string[]; canonical: string }

export function OutreachPage({ locale }: { locale: Locale }) {
  const [fields, setFields] = useState<Field[]>([]);
  const [text, setText] = useState('tier = "gold" and churn_risk > 0.6');
  const [count, setCount] = useState<Count | null>(null);
  const [error, setError] = useState<{ where: string; message: string } | null>(null);
  const box = useRef<HTMLTextAreaElement>(null);
  useEffect(() => { api<{ data: Field[] }>('GET', '/v1/segments/fields').then((r) => setFields(r.data)).catch(() => undefined); }, []);
  useEffect(() => {
    const timer = setTimeout(() => {
      api<Count>('POST', '/v1/segments/count', { segment: text })
        .then((c) => { setCount(c); setError(null); })
        .catch((e) => { setCount(null); setError({ where: e instanceof ApiError ? e.field ?? '' : '', message: (e as Error).message }); });
    }, 300);
    return () => clearTimeout(timer);
  }, [text]);
  const insert = (name: string) => {
    const el = box.current;
    const at = el ? el.selectionStart : text.length;
    const next = `${text.slice(0, at)}${name}${text.slice(at)}`;
    setText(next);
    el?.focus();
  };
  return (
    <article data-testid="outreach">
      <h1>{t(locale, 'outreach')}</h1>
      <section class="segment-builder">
        <h2>{t(locale, 'segBuilder')}</h2>
        <label>{t(locale, 'segCondition')}
          <textarea ref={box} data-testid="segment-text" rows={4} spellcheck={false} value={text}
                    aria-invalid={error ? true : undefined} aria-describedby="segment-status"
                    onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} /></label>
        <p id="segment-status" role="status" aria-live="polite">
          {error ? <span class="error" data-testid="segment-error">{error.where ? `${error.where}: ` : ''}{error.message}</span>
            : count ? <span data-testid="segment-count">{t(locale, 'segCount').replace('{count}', count.count.toLocaleString(locale))
                .replace('{customers}', count.customers.toLocaleString(locale))}</span> : t(locale, 'loading')}
        </p>
        {count && count.sample.length > 0 && (
          <p data-testid="segment-sample">{t(locale, 'segSample')}{' '}
            {count.sample.map((id, i) => <>{i > 0 ? ', ' : ''}<a href={`#/customers/${encodeURIComponent(id)}`}>{id}</a></>)}</p>)}
        <details open>
          <summary>{t(locale, 'segFields')}</summary>
          <table class="fields"><tbody>{fields.map((f) => (
            <tr><td><button type="button" class="link" onClick={() => insert(f.name)}>{f.name}</button></td>
              <td>{t(locale, `ft_${f.type}` as Key)}</td><td>{hasKey(`sf_${f.name}`) ? t(locale, `sf_${f.name}` as Key) : f.help}</td></tr>))}
          </tbody></table>
        </details>
      </section>
    </article>
  );
}
