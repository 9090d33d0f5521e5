// Outreach in the browser: the segment builder (the count updates while typing, a mistake is shown
// at its line and column), the template editor (a text per language, previewed for a real
// customer as they would read it), and campaigns (segment, template variants, channel, the share
// held out; scheduled, then their results against the held-out group with 95 % intervals).
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from './api';
import { Contests } from './contest';
import { formatMoney, hasKey, LOCALES, t, type Key, type Locale } from './i18n';

interface Field { name: string; type: string; help: string }
interface Count { count: number; customers: number; sample: string[]; canonical: string }
type LocalText = Partial<Record<Locale, string>>;
interface TemplateDoc { name?: string; purpose?: string; subject: LocalText; text: LocalText; html?: LocalText }
interface TemplateRow extends TemplateDoc { key: string; missing_translations: string[]; unknown_variables: string[] }
interface Preview { locale: Locale; subject: string; text: string; html: string; missing_translations: string[]; unknown_variables: string[] }
interface Variant { name: string; template: string; share: number }
interface Campaign {
  key: string; name: string; segment: string; channel: string; variants: Variant[]; holdout_percent: number;
  outcome_days: number; status: string; audience: number; send_at: string | null; audience_at: string | null;
  deliveries: Record<string, number>;
}
interface RateJ { n: number; k: number; rate: number; low: number; high: number }
interface MeanJ { n: number; mean: number; low: number; high: number }
interface Diff { estimate: number; low: number; high: number }
interface Results {
  from: string; to: string; outcome_days: number; complete: boolean; currency: string;
  groups: { group: string; customers: number; sent: number; purchase_rate: RateJ; revenue_per_customer_minor: MeanJ; cancel_rate: RateJ }[];
  lifts: { group: string; purchase_rate: Diff | null; revenue_per_customer_minor: Diff | null; cancel_rate: Diff | null }[];
}

const errorText = (e: unknown) => e instanceof ApiError && e.field ? `${e.field}: ${e.message}` : (e as Error).message;
const pct = (locale: Locale, v: number) => `${(v * 100).toLocaleString(locale, { maximumFractionDigits: 1 })} %`;

export function OutreachPage({ locale, canManage, canWrite }: { locale: Locale; canManage: boolean; canWrite: boolean }) {
  const [tab, setTab] = useState<'segments' | 'templates' | 'campaigns' | 'journeys' | 'contests'>('segments');
  const [segmentText, setSegmentText] = useState('tier = "gold" and churn_risk > 0.6');
  return (
    <article data-testid="outreach">
      <h1>{t(locale, 'outreach')}</h1>
      <div class="tabs" role="tablist">
        <button role="tab" aria-selected={tab === 'segments'} data-testid="or-tab-segments" onClick={() => setTab('segments')}>{t(locale, 'segBuilder')}</button>
        <button role="tab" aria-selected={tab === 'templates'} data-testid="or-tab-templates" onClick={() => setTab('templates')}>{t(locale, 'orTemplates')}</button>
        <button role="tab" aria-selected={tab === 'campaigns'} data-testid="or-tab-campaigns" onClick={() => setTab('campaigns')}>{t(locale, 'orCampaigns')}</button>
        <button role="tab" aria-selected={tab === 'journeys'} data-testid="or-tab-journeys" onClick={() => setTab('journeys')}>{t(locale, 'orJourneys')}</button>
        <button role="tab" aria-selected={tab === 'contests'} data-testid="or-tab-contests" onClick={() => setTab('contests')}>{t(locale, 'orContests')}</button>
      </div>
      {tab === 'segments' && (
        <>
          <SegmentBuilder locale={locale} initial={segmentText} onChange={setSegmentText} />
          <SavedSegments locale={locale} canManage={canManage} text={segmentText} />
        </>)}
      {tab === 'templates' && <Templates locale={locale} canManage={canManage} />}
      {tab === 'campaigns' && <Campaigns locale={locale} canManage={canManage} />}
      {tab === 'journeys' && <Journeys locale={locale} canManage={canManage} />}
      {tab === 'contests' && <Contests locale={locale} canManage={canManage} canEnter={canWrite} />}
    </article>
  );
}

// The segment's text with its live count; `onChange` hears every edit.
function SegmentBuilder({ locale, initial, onChange, compact }: {
  locale: Locale; initial: string; onChange?: (text: string) => void; compact?: boolean;
}) {
  const [fields, setFields] = useState<Field[]>([]);
  const [text, setText] = useState(initial);
  const [count, setCount] = useState<Count | null>(null);
  const [error, setError] = useState<{ where: string; message: string } | null>(null);
  const box = useRef<HTMLTextAreaElement>(null);
  useEffect(() => { api<{ data: Field[] }>('GET', '/v1/segments/fields').then((r) => setFields(r.data)).catch(() => undefined); }, []);
  useEffect(() => {
    onChange?.(text);
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
    setText(`${text.slice(0, at)}${name}${text.slice(at)}`);
    el?.focus();
  };
  return (
    <section class="segment-builder">
      {!compact && <h2>{t(locale, 'segBuilder')}</h2>}
      <label>{t(locale, 'segCondition')}
        <textarea ref={box} data-testid="segment-text" rows={compact ? 2 : 4} spellcheck={false} value={text}
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
      <details open={!compact}>
        <summary>{t(locale, 'segFields')}</summary>
        <table class="fields"><tbody>{fields.map((f) => (
          <tr><td><button type="button" class="link" onClick={() => insert(f.name)}>{f.name}</button></td>
            <td>{t(locale, `ft_${f.type}` as Key)}</td><td>{hasKey(`sf_${f.name}`) ? t(locale, `sf_${f.name}` as Key) : f.help}</td></tr>))}
        </tbody></table>
      </details>
    </section>
  );
}

interface SavedSegment { key: string; name: string; segment: string; members: number; refreshed_at: string | null }

// The segments kept up to date, and saving the builder's text as one.
function SavedSegments({ locale, canManage, text }: { locale: Locale; canManage: boolean; text: string }) {
  const [rows, setRows] = useState<SavedSegment[]>([]);
  const [key, setKey] = useState('');
  const [name, setName] = useState('');
  const [problem, setProblem] = useState('');
  const [saved, setSaved] = useState(false);
  const load = () => api<{ data: SavedSegment[] }>('GET', '/v1/saved-segments').then((r) => setRows(r.data)).catch(() => undefined);
  useEffect(() => {
    load();
    // Members are counted by the server shortly after saving, and follow events after that.
    const timer = setInterval(load, 3000);
    return () => clearInterval(timer);
  }, []);
  const save = async (e: Event) => {
    e.preventDefault();
    setProblem('');
    setSaved(false);
    try {
      await api('PUT', `/v1/saved-segments/${encodeURIComponent(key)}`, { name, segment: text });
      setSaved(true);
      load();
    } catch (err) { setProblem(errorText(err)); }
  };
  return (
    <section class="saved-segments" data-testid="saved-segments">
      <h2>{t(locale, 'sgSaved')}</h2>
      <p class="hint">{t(locale, 'sgHint')}</p>
      {canManage && (
        <form class="row" onSubmit={save}>
          <label>{t(locale, 'sgSaveAs')}<input data-testid="sg-key" value={key} required pattern="[a-z0-9_-]+" placeholder="at-risk"
                                              onInput={(e) => setKey((e.target as HTMLInputElement).value)} /></label>
          <label>{t(locale, 'name')}<input data-testid="sg-name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} /></label>
          <button type="submit" data-testid="sg-save" disabled={!key}>{t(locale, 'sgSave')}</button>
          {saved && <span role="status" data-testid="sg-saved">{t(locale, 'orSaved')}</span>}
        </form>)}
      {problem && <p class="error" role="alert" data-testid="sg-error">{problem}</p>}
      <table class="data" data-testid="sg-list">
        <thead><tr><th>{t(locale, 'name')}</th><th>{t(locale, 'segCondition')}</th><th>{t(locale, 'sgMembers')}</th><th>{t(locale, 'sgCounted')}</th></tr></thead>
        <tbody>{rows.map((g) => (
          <tr data-testid={`sg-row-${g.key}`}><td>{g.name} <small>({g.key})</small></td><td><code>{g.segment}</code></td>
            <td data-testid={`sg-members-${g.key}`}>{g.refreshed_at ? g.members.toLocaleString(locale) : '…'}</td>
            <td>{g.refreshed_at ? new Date(g.refreshed_at).toLocaleString(locale, { dateStyle: 'short', timeStyle: 'short' }) : t(locale, 'loading')}</td></tr>))}
        </tbody>
      </table>
    </section>
  );
}

function Templates({ locale, canManage }: { locale: Locale; canManage: boolean }) {
  const [rows, setRows] = useState<TemplateRow[]>([]);
  const [variables, setVariables] = useState<{ name: string; help: string }[]>([]);
  const [example, setExample] = useState<TemplateDoc | null>(null);
  const [key, setKey] = useState('');
  const [isNew, setIsNew] = useState(false);
  const [doc, setDoc] = useState<TemplateDoc | null>(null);
  const [lang, setLang] = useState<Locale>('en');
  const [customer, setCustomer] = useState('');
  const [previewLang, setPreviewLang] = useState<'' | Locale>('');
  const [preview, setPreview] = useState<Preview | null>(null);
  const [problem, setProblem] = useState('');
  const [saved, setSaved] = useState('');
  const load = () => api<{ data: TemplateRow[]; variables: { name: string; help: string }[]; example: TemplateDoc }>('GET', '/v1/templates')
    .then((r) => { setRows(r.data); setVariables(r.variables); setExample(r.example); }).catch(() => undefined);
  useEffect(() => { load(); }, []);
  const open = (k: string) => {
    const row = rows.find((r) => r.key === k);
    setKey(k); setIsNew(false); setSaved(''); setPreview(null);
    if (row) setDoc({ name: row.name, purpose: row.purpose, subject: row.subject, text: row.text, html: row.html });
  };
  const start = () => { setKey(''); setIsNew(true); setSaved(''); setPreview(null); setDoc(example && JSON.parse(JSON.stringify(example))); };
  const edit = (part: 'subject' | 'text' | 'html', value: string) => {
    if (!doc) return;
    setDoc({ ...doc, [part]: { ...(doc[part] ?? {}), [lang]: value } });
  };
  // The preview follows the draft, for the chosen customer, a moment after typing stops.
  useEffect(() => {
    if (!doc || !customer) return;
    const timer = setTimeout(() => {
      const body: Record<string, unknown> = { customer, template: doc };
      if (previewLang) body.locale = previewLang;
      api<Preview>('POST', `/v1/templates/${encodeURIComponent(key || 'draft')}/preview`, body)
        .then((p) => { setPreview(p); setProblem(''); })
        .catch((e) => { setPreview(null); setProblem(errorText(e)); });
    }, 400);
    return () => clearTimeout(timer);
  }, [doc, customer, previewLang]);
  const save = async () => {
    if (!doc || !key) return;
    try {
      await api('PUT', `/v1/templates/${encodeURIComponent(key)}`, doc);
      setSaved(t(locale, 'orSaved')); setProblem(''); setIsNew(false); load();
    } catch (e) { setSaved(''); setProblem(errorText(e)); }
  };
  return (
    <section class="templates" data-testid="or-templates">
      <div class="row">
        <label>{t(locale, 'orTemplate')}{' '}
          <select data-testid="tpl-select" value={isNew ? '' : key} onChange={(e) => open((e.target as HTMLSelectElement).value)}>
            <option value="">—</option>
            {rows.map((r) => <option value={r.key}>{r.name} ({r.key})</option>)}
          </select></label>
        {canManage && <button type="button" data-testid="tpl-new" onClick={start}>{t(locale, 'orNewTemplate')}</button>}
      </div>
      {doc && (
        <div class="template-editor">
          <div class="editor">
            {isNew && <label>{t(locale, 'orKey')}<input data-testid="tpl-key" value={key} pattern="[a-z0-9_-]+"
                                                         onInput={(e) => setKey((e.target as HTMLInputElement).value)} /></label>}
            <label>{t(locale, 'name')}<input data-testid="tpl-name" value={doc.name ?? ''} onInput={(e) => setDoc({ ...doc, name: (e.target as HTMLInputElement).value })} /></label>
            <label>{t(locale, 'orPurpose')}{' '}
              <select value={doc.purpose ?? 'marketing'} onChange={(e) => setDoc({ ...doc, purpose: (e.target as HTMLSelectElement).value })}>
                <option value="marketing">{t(locale, 'orMarketing')}</option>
                <option value="transactional">{t(locale, 'orTransactional')}</option>
              </select></label>
            <div class="tabs" role="tablist" aria-label={t(locale, 'language')}>
              {LOCALES.map((l) => <button role="tab" type="button" aria-selected={lang === l} data-testid={`tpl-lang-${l}`}
                                          onClick={() => setLang(l)}>{l.toUpperCase()}{doc.text[l] ? '' : ' •'}</button>)}
            </div>
            <label>{t(locale, 'orSubject')}<input data-testid="tpl-subject" value={doc.subject[lang] ?? ''} onInput={(e) => edit('subject', (e.target as HTMLInputElement).value)} /></label>
            <label>{t(locale, 'orText')}<textarea data-testid="tpl-text" rows={9} spellcheck={false} value={doc.text[lang] ?? ''}
                                                 onInput={(e) => edit('text', (e.target as HTMLTextAreaElement).value)} /></label>
            <details>
              <summary>{t(locale, 'orHtml')}</summary>
              <textarea rows={6} spellcheck={false} value={doc.html?.[lang] ?? ''} onInput={(e) => edit('html', (e.target as HTMLTextAreaElement).value)} />
            </details>
            <details>
              <summary>{t(locale, 'orVariables')}</summary>
              <ul class="variables">{variables.map((v) => <li><code>{`{{${v.name}}}`}</code> {v.help}</li>)}</ul>
              <p class="hint">{t(locale, 'orPluralHint')}</p>
            </details>
            {canManage && <button type="button" class="primary" data-testid="tpl-save" disabled={!key} onClick={save}>{t(locale, 'orSave')}</button>}
            {saved && <span role="status" data-testid="tpl-saved"> {saved}</span>}
          </div>
          <div class="preview" data-testid="tpl-preview">
            <h3>{t(locale, 'orPreview')}</h3>
            <label>{t(locale, 'orPreviewFor')}<input data-testid="tpl-customer" value={customer} placeholder="C00001"
                                                   onInput={(e) => setCustomer((e.target as HTMLInputElement).value.trim())} /></label>
            <label>{t(locale, 'language')}{' '}
              <select data-testid="tpl-preview-lang" value={previewLang} onChange={(e) => setPreviewLang((e.target as HTMLSelectElement).value as '' | Locale)}>
                <option value="">{t(locale, 'orCustomersLanguage')}</option>
                {LOCALES.map((l) => <option value={l}>{l.toUpperCase()}</option>)}
              </select></label>
            {problem && <p class="error" role="alert" data-testid="tpl-error">{problem}</p>}
            {preview && (
              <>
                <p><strong data-testid="tpl-preview-subject">{preview.subject}</strong> <small>({preview.locale.toUpperCase()})</small></p>
                <pre class="message" data-testid="tpl-preview-text">{preview.text}</pre>
                <iframe title={t(locale, 'orHtml')} sandbox="" srcDoc={preview.html} class="html-preview" />
                {preview.unknown_variables.length > 0 && <p class="warning" data-testid="tpl-unknown">{t(locale, 'orUnknown')} {preview.unknown_variables.join(', ')}</p>}
                {preview.missing_translations.length > 0 && <p class="hint">{t(locale, 'orMissing')} {preview.missing_translations.join(', ').toUpperCase()}</p>}
              </>
            )}
          </div>
        </div>
      )}
    </section>
  );
}

function Campaigns({ locale, canManage }: { locale: Locale; canManage: boolean }) {
  const [rows, setRows] = useState<Campaign[]>([]);
  const [templates, setTemplates] = useState<TemplateRow[]>([]);
  const [selected, setSelected] = useState('');
  const [editing, setEditing] = useState(false);
  const load = () => api<{ data: Campaign[] }>('GET', '/v1/campaigns').then((r) => setRows(r.data)).catch(() => undefined);
  useEffect(() => {
    load();
    api<{ data: TemplateRow[] }>('GET', '/v1/templates').then((r) => setTemplates(r.data)).catch(() => undefined);
  }, []);
  // While a campaign is going out, its counts move: look again every two seconds.
  useEffect(() => {
    if (!rows.some((c) => c.status === 'scheduled' || c.status === 'sending')) return;
    const timer = setTimeout(load, 2000);
    return () => clearTimeout(timer);
  }, [rows]);
  const current = rows.find((c) => c.key === selected);
  return (
    <section class="campaigns" data-testid="or-campaigns">
      {canManage && <button type="button" data-testid="cmp-new" onClick={() => { setSelected(''); setEditing(true); }}>{t(locale, 'orNewCampaign')}</button>}
      <table class="data" data-testid="cmp-list">
        <thead><tr><th>{t(locale, 'name')}</th><th>{t(locale, 'orChannel')}</th><th>{t(locale, 'status')}</th>
          <th>{t(locale, 'orAudience')}</th><th>{t(locale, 'orSent')}</th><th>{t(locale, 'orHeldOut')}</th><th>{t(locale, 'orSkipped')}</th></tr></thead>
        <tbody>{rows.map((c) => (
          <tr data-testid={`cmp-row-${c.key}`} class={c.key === selected ? 'selected' : ''}>
            <td><button type="button" class="link" onClick={() => { setSelected(c.key); setEditing(c.status === 'draft'); }}>{c.name}</button></td>
            <td>{t(locale, `ch_${c.channel}` as Key)}</td>
            <td data-testid={`cmp-status-${c.key}`}>{t(locale, `cs_${c.status}` as Key)}</td>
            <td>{c.audience.toLocaleString(locale)}</td>
            <td>{(c.deliveries.sent ?? 0).toLocaleString(locale)}</td>
            <td>{(c.deliveries.held_out ?? 0).toLocaleString(locale)}</td>
            <td>{((c.deliveries.skipped ?? 0) + (c.deliveries.bounced ?? 0) + (c.deliveries.failed ?? 0)).toLocaleString(locale)}</td>
          </tr>))}</tbody>
      </table>
      {editing && canManage && (
        <CampaignEditor key={selected || 'new'} locale={locale} start={current} templates={templates}
                        onDone={(k) => { setSelected(k); setEditing(false); load(); }} onSaved={(k) => { setSelected(k); load(); }} />)}
      {!editing && current && current.audience_at && (
        <OutcomeResults locale={locale} path={`/v1/campaigns/${encodeURIComponent(current.key)}/results`}
                        version={`${current.status}:${current.deliveries.sent ?? 0}`} />)}
      {!editing && current && current.channel === 'print' && (current.deliveries.sent ?? 0) > 0 && (
        <p><a href={`/v1/campaigns/${encodeURIComponent(current.key)}/letters.pdf`} data-testid="cmp-letters">{t(locale, 'orLetters')}</a></p>)}
    </section>
  );
}

function CampaignEditor({ locale, start, templates, onDone, onSaved }: {
  locale: Locale; start?: Campaign; templates: TemplateRow[]; onDone: (key: string) => void; onSaved: (key: string) => void;
}) {
  const [key, setKey] = useState(start?.key ?? '');
  const [name, setName] = useState(start?.name ?? '');
  const [segment, setSegment] = useState(start?.segment ?? 'email_consent = true');
  const [channel, setChannel] = useState(start?.channel ?? 'email');
  const [a, setA] = useState(start?.variants[0]?.template ?? templates[0]?.key ?? '');
  const [b, setB] = useState(start?.variants[1]?.template ?? '');
  const [shareA, setShareA] = useState(start?.variants[0]?.share ?? 50);
  const [holdout, setHoldout] = useState(start?.holdout_percent ?? 10);
  const [sendAt, setSendAt] = useState('');
  const [problem, setProblem] = useState('');
  const [busy, setBusy] = useState(false);
  const doc = () => ({
    name, segment, channel, holdout_percent: holdout,
    variants: b ? [{ template: a, share: shareA }, { template: b, share: 100 - shareA }] : [{ template: a }],
  });
  const save = async (schedule: boolean) => {
    setBusy(true); setProblem('');
    try {
      await api('PUT', `/v1/campaigns/${encodeURIComponent(key)}`, doc());
      onSaved(key);
      if (schedule) {
        await api('POST', `/v1/campaigns/${encodeURIComponent(key)}/schedule`, sendAt ? { send_at: sendAt } : {});
        onDone(key);
      }
    } catch (e) { setProblem(errorText(e)); } finally { setBusy(false); }
  };
  return (
    <form class="campaign-editor" data-testid="cmp-editor" onSubmit={(e) => { e.preventDefault(); save(true); }}>
      <h2>{start ? start.name : t(locale, 'orNewCampaign')}</h2>
      {!start && <label>{t(locale, 'orKey')}<input data-testid="cmp-key" value={key} required pattern="[a-z0-9_-]+"
                                                   onInput={(e) => setKey((e.target as HTMLInputElement).value)} /></label>}
      <label>{t(locale, 'name')}<input data-testid="cmp-name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} /></label>
      <SegmentBuilder locale={locale} initial={segment} onChange={setSegment} compact />
      <label>{t(locale, 'orChannel')}{' '}
        <select data-testid="cmp-channel" value={channel} onChange={(e) => setChannel((e.target as HTMLSelectElement).value)}>
          {['email', 'print', 'webhook'].map((c) => <option value={c}>{t(locale, `ch_${c}` as Key)}</option>)}
        </select></label>
      <label>{t(locale, 'orVariantA')}{' '}
        <select data-testid="cmp-template-a" value={a} onChange={(e) => setA((e.target as HTMLSelectElement).value)}>
          {templates.map((tp) => <option value={tp.key}>{tp.name} ({tp.key})</option>)}
        </select></label>
      <label>{t(locale, 'orVariantB')}{' '}
        <select data-testid="cmp-template-b" value={b} onChange={(e) => setB((e.target as HTMLSelectElement).value)}>
          <option value="">{t(locale, 'none')}</option>
          {templates.map((tp) => <option value={tp.key}>{tp.name} ({tp.key})</option>)}
        </select></label>
      {b && <label>{t(locale, 'orShareA')}<input type="number" min={1} max={99} value={shareA}
                                               onInput={(e) => setShareA(Number((e.target as HTMLInputElement).value))} /></label>}
      <label>{t(locale, 'orHoldout')}<input type="number" data-testid="cmp-holdout" min={0} max={50} value={holdout}
                                          onInput={(e) => setHoldout(Number((e.target as HTMLInputElement).value))} /></label>
      <p class="hint">{t(locale, 'orHoldoutHint')}</p>
      <label>{t(locale, 'orSendAt')}<input type="datetime-local" data-testid="cmp-send-at" value={sendAt}
                                         onInput={(e) => setSendAt((e.target as HTMLInputElement).value)} /></label>
      {problem && <p class="error" role="alert" data-testid="cmp-error">{problem}</p>}
      <div class="row">
        <button type="button" data-testid="cmp-save" disabled={busy || !key} onClick={() => save(false)}>{t(locale, 'orSaveDraft')}</button>
        <button type="submit" class="primary" data-testid="cmp-schedule" disabled={busy || !key}>{sendAt ? t(locale, 'orSchedule') : t(locale, 'orSendNow')}</button>
      </div>
    </form>
  );
}

interface JourneyRow {
  key: string; name: string; trigger: string; segment: string; condition: string; channel: string; steps: { wait_days: number; template: string }[];
  holdout_percent: number; outcome_days: number; active: boolean; deliveries: Record<string, number>;
}

// Journeys: the event that starts each, its steps, how many messages went and were held back;
// a journey's results against its held-out customers; an editor for a new one or a change.
function Journeys({ locale, canManage }: { locale: Locale; canManage: boolean }) {
  const [rows, setRows] = useState<JourneyRow[]>([]);
  const [triggers, setTriggers] = useState<{ event: string; help: string }[]>([]);
  const [templates, setTemplates] = useState<TemplateRow[]>([]);
  const [selected, setSelected] = useState('');
  const [editing, setEditing] = useState(false);
  const load = () => api<{ data: JourneyRow[]; triggers: { event: string; help: string }[] }>('GET', '/v1/journeys')
    .then((r) => { setRows(r.data); setTriggers(r.triggers); }).catch(() => undefined);
  useEffect(() => {
    load();
    api<{ data: TemplateRow[] }>('GET', '/v1/templates').then((r) => setTemplates(r.data)).catch(() => undefined);
  }, []);
  const current = rows.find((j) => j.key === selected);
  return (
    <section class="journeys" data-testid="or-journeys">
      {canManage && <button type="button" data-testid="jr-new" onClick={() => { setSelected(''); setEditing(true); }}>{t(locale, 'orNewJourney')}</button>}
      <table class="data" data-testid="jr-list">
        <thead><tr><th>{t(locale, 'name')}</th><th>{t(locale, 'orTrigger')}</th><th>{t(locale, 'orSteps')}</th><th>{t(locale, 'status')}</th>
          <th>{t(locale, 'orSent')}</th><th>{t(locale, 'orWaiting')}</th><th>{t(locale, 'orHeldOut')}</th></tr></thead>
        <tbody>{rows.map((j) => (
          <tr data-testid={`jr-row-${j.key}`} class={j.key === selected ? 'selected' : ''}>
            <td><button type="button" class="link" onClick={() => { setSelected(j.key); setEditing(false); }}>{j.name}</button></td>
            <td><code>{j.trigger}</code>{j.segment ? <small> · {j.segment}</small> : null}{j.condition ? <small> · {j.condition}</small> : null}</td>
            <td>{j.steps.map((s) => t(locale, 'orAfterDays').replace('{days}', String(s.wait_days)) + ` (${s.template})`).join(', ')}</td>
            <td>{j.active ? t(locale, 'orActive') : t(locale, 'orPaused')}</td>
            <td data-testid={`jr-sent-${j.key}`}>{(j.deliveries.sent ?? 0).toLocaleString(locale)}</td>
            <td>{(j.deliveries.queued ?? 0).toLocaleString(locale)}</td>
            <td>{(j.deliveries.held_out ?? 0).toLocaleString(locale)}</td>
          </tr>))}</tbody>
      </table>
      {current && !editing && canManage && <button type="button" data-testid="jr-edit" onClick={() => setEditing(true)}>{t(locale, 'orEdit')}</button>}
      {editing && canManage && (
        <JourneyEditor key={selected || 'new'} locale={locale} start={current} triggers={triggers} templates={templates}
                       onSaved={(k) => { setSelected(k); setEditing(false); load(); }} />)}
      {!editing && current && <OutcomeResults locale={locale} path={`/v1/journeys/${encodeURIComponent(current.key)}/results`}
                                              version={String(current.deliveries.sent ?? 0)} />}
    </section>
  );
}

function JourneyEditor({ locale, start, triggers, templates, onSaved }: {
  locale: Locale; start?: JourneyRow; triggers: { event: string; help: string }[]; templates: TemplateRow[]; onSaved: (key: string) => void;
}) {
  const [key, setKey] = useState(start?.key ?? '');
  const [name, setName] = useState(start?.name ?? '');
  const [trigger, setTrigger] = useState(start?.trigger ?? triggers[0]?.event ?? 'customer.created');
  const [condition, setCondition] = useState(start?.condition ?? '');
  const [segment, setSegment] = useState(start?.segment ?? '');
  const [segments, setSegments] = useState<SavedSegment[]>([]);
  useEffect(() => { api<{ data: SavedSegment[] }>('GET', '/v1/saved-segments').then((r) => setSegments(r.data)).catch(() => undefined); }, []);
  const [channel, setChannel] = useState(start?.channel ?? 'email');
  const [steps, setSteps] = useState(start?.steps ?? [{ wait_days: 0, template: templates[0]?.key ?? '' }]);
  const [holdout, setHoldout] = useState(start?.holdout_percent ?? 10);
  const [active, setActive] = useState(start?.active ?? true);
  const [problem, setProblem] = useState('');
  const setStep = (i: number, change: Partial<{ wait_days: number; template: string }>) =>
    setSteps(steps.map((s, j) => (j === i ? { ...s, ...change } : s)));
  const save = async (e: Event) => {
    e.preventDefault();
    setProblem('');
    try {
      await api('PUT', `/v1/journeys/${encodeURIComponent(key)}`, { name, trigger, segment: trigger.startsWith('segment.') ? segment || segments[0]?.key || '' : '', condition, channel, steps, holdout_percent: holdout, active });
      onSaved(key);
    } catch (err) { setProblem(errorText(err)); }
  };
  return (
    <form class="campaign-editor" data-testid="jr-editor" onSubmit={save}>
      <h2>{start ? start.name : t(locale, 'orNewJourney')}</h2>
      {!start && <label>{t(locale, 'orKey')}<input data-testid="jr-key" value={key} required pattern="[a-z0-9_-]+"
                                                   onInput={(e) => setKey((e.target as HTMLInputElement).value)} /></label>}
      <label>{t(locale, 'name')}<input data-testid="jr-name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} /></label>
      <label>{t(locale, 'orTrigger')}{' '}
        <select data-testid="jr-trigger" value={trigger} onChange={(e) => setTrigger((e.target as HTMLSelectElement).value)}>
          {triggers.map((tr) => <option value={tr.event}>{tr.event}: {tr.help}</option>)}
        </select></label>
      {trigger.startsWith('segment.') && (
        <label>{t(locale, 'orSegmentFollowed')}{' '}
          <select data-testid="jr-segment" value={segment || segments[0]?.key} onChange={(e) => setSegment((e.target as HTMLSelectElement).value)}>
            {segments.map((g) => <option value={g.key}>{g.name} ({g.segment})</option>)}
          </select></label>)}
      <label>{t(locale, 'orCondition')}<input data-testid="jr-condition" value={condition} spellcheck={false}
                                            placeholder='locale = "pt"' onInput={(e) => setCondition((e.target as HTMLInputElement).value)} /></label>
      <label>{t(locale, 'orChannel')}{' '}
        <select value={channel} onChange={(e) => setChannel((e.target as HTMLSelectElement).value)}>
          {['email', 'print', 'webhook'].map((c) => <option value={c}>{t(locale, `ch_${c}` as Key)}</option>)}
        </select></label>
      <fieldset>
        <legend>{t(locale, 'orSteps')}</legend>
        {steps.map((s, i) => (
          <div class="row" data-testid={`jr-step-${i}`}>
            <label>{t(locale, 'orWaitDays')}<input type="number" min={0} max={365} value={s.wait_days}
                                                 onInput={(e) => setStep(i, { wait_days: Number((e.target as HTMLInputElement).value) })} /></label>
            <label>{t(locale, 'orTemplate')}{' '}
              <select value={s.template} onChange={(e) => setStep(i, { template: (e.target as HTMLSelectElement).value })}>
                {templates.map((tp) => <option value={tp.key}>{tp.name} ({tp.key})</option>)}
              </select></label>
            {steps.length > 1 && <button type="button" onClick={() => setSteps(steps.filter((_, j) => j !== i))}>×</button>}
          </div>))}
        <button type="button" data-testid="jr-add-step" onClick={() => setSteps([...steps, { wait_days: (steps[steps.length - 1]?.wait_days ?? 0) + 7, template: steps[0]?.template ?? '' }])}>
          {t(locale, 'orAddStep')}</button>
      </fieldset>
      <label>{t(locale, 'orHoldout')}<input type="number" data-testid="jr-holdout" min={0} max={50} value={holdout}
                                          onInput={(e) => setHoldout(Number((e.target as HTMLInputElement).value))} /></label>
      <label><input type="checkbox" checked={active} onChange={(e) => setActive((e.target as HTMLInputElement).checked)} /> {t(locale, 'orActive')}</label>
      {problem && <p class="error" role="alert" data-testid="jr-error">{problem}</p>}
      <button type="submit" class="primary" data-testid="jr-save" disabled={!key}>{t(locale, 'orSave')}</button>
    </form>
  );
}

// Each group's purchase rate with its interval, and each variant's lift over held out as a bar
// with its 95 % interval drawn across it (a lift whose interval crosses zero is not proven).
function OutcomeResults({ locale, path, version }: { locale: Locale; path: string; version: string }) {
  const [r, setR] = useState<Results | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    api<Results>('GET', path).then(setR).catch((e) => setError(errorText(e)));
  }, [path, version]);
  if (error) return <p class="error">{error}</p>;
  if (!r) return <p class="loading">{t(locale, 'loading')}</p>;
  const groupName = (g: string) => g === 'held_out' ? t(locale, 'orHeldOut') : g === 'sent' ? t(locale, 'orAllSent') : `${t(locale, 'orVariant')} ${g}`;
  const lifts = r.lifts.filter((l) => l.purchase_rate);
  const span = Math.max(0.05, ...lifts.map((l) => Math.max(Math.abs(l.purchase_rate!.low), Math.abs(l.purchase_rate!.high))));
  // A column of names, the chart around its zero line, a column of values.
  const width = 560;
  const left = 130;
  const right = 470;
  const x = (v: number) => (left + right) / 2 + (v / span) * ((right - left) / 2 - 6);
  return (
    <section class="campaign-results" data-testid="cmp-results">
      <h2>{t(locale, 'orResults')}</h2>
      <p class="hint">{t(locale, 'orWindow').replace('{days}', String(r.outcome_days))}{r.complete ? '' : ` ${t(locale, 'orIncomplete')}`}</p>
      <table class="data">
        <thead><tr><th /><th>{t(locale, 'customers')}</th><th>{t(locale, 'orSent')}</th><th>{t(locale, 'orBought')}</th>
          <th>{t(locale, 'orRevenuePer')}</th><th>{t(locale, 'orCancelled')}</th></tr></thead>
        <tbody>{r.groups.map((g) => (
          <tr data-testid={`cmp-group-${g.group}`}>
            <th>{groupName(g.group)}</th><td>{g.customers.toLocaleString(locale)}</td><td>{g.sent.toLocaleString(locale)}</td>
            <td>{pct(locale, g.purchase_rate.rate)} <small>({pct(locale, g.purchase_rate.low)}–{pct(locale, g.purchase_rate.high)})</small></td>
            <td>{formatMoney(locale, Math.round(g.revenue_per_customer_minor.mean), r.currency)}</td>
            <td>{pct(locale, g.cancel_rate.rate)}</td>
          </tr>))}</tbody>
      </table>
      <h3>{t(locale, 'orLift')}</h3>
      {lifts.length === 0 ? <p class="hint" data-testid="cmp-no-lift">{t(locale, 'orNoLift')}</p> : (
        <svg role="img" aria-label={t(locale, 'orLift')} width={width} height={lifts.length * 34 + 24} class="lift-chart" data-testid="cmp-lift-chart">
          <line x1={x(0)} x2={x(0)} y1={0} y2={lifts.length * 34 + 6} stroke="#888" />
          {lifts.map((l, i) => {
            const d = l.purchase_rate!;
            const y = i * 34 + 8;
            const proven = d.low > 0 || d.high < 0;
            return (
              <g>
                <rect x={Math.min(x(0), x(d.estimate))} y={y} width={Math.abs(x(d.estimate) - x(0))} height={16}
                      fill={proven ? (d.estimate > 0 ? '#2f8f5f' : '#b03a2e') : '#9aa7b1'} />
                <line x1={x(d.low)} x2={x(d.high)} y1={y + 8} y2={y + 8} stroke="#222" stroke-width={2} />
                <text x={4} y={y + 13} font-size="12">{groupName(l.group)}</text>
                <text x={width - 4} y={y + 13} font-size="12" text-anchor="end" data-testid={`cmp-lift-${l.group}`}>
                  {`${d.estimate >= 0 ? '+' : ''}${(d.estimate * 100).toLocaleString(locale, { maximumFractionDigits: 1 })} pp`}</text>
              </g>
            );
          })}
          <text x={x(0)} y={lifts.length * 34 + 20} font-size="11" text-anchor="middle">0</text>
        </svg>)}
    </section>
  );
}

interface Delivery {
  id: number; source: string; channel: string; template: string; status: string; reason: string; due_at: string;
  sent_at: string | null; subject: string;
}

// A customer's messages on their page: every one sent, held back, skipped or bounced, with why.
export function CustomerMessages({ locale, id }: { locale: Locale; id: string }) {
  const [rows, setRows] = useState<Delivery[] | null>(null);
  useEffect(() => {
    api<{ data: Delivery[] }>('GET', `/v1/customers/${encodeURIComponent(id)}/deliveries?limit=50`)
      .then((r) => setRows(r.data)).catch(() => setRows([]));
  }, [id]);
  if (!rows) return null;
  return (
    <section>
      <h2>{t(locale, 'msgTitle')}</h2>
      {rows.length === 0 ? <p>{t(locale, 'none')}</p> : (
        <table data-testid="messages">
          <thead><tr><th>{t(locale, 'date')}</th><th>{t(locale, 'orChannel')}</th><th>{t(locale, 'orSubject')}</th>
            <th>{t(locale, 'status')}</th><th>{t(locale, 'msgFrom')}</th></tr></thead>
          <tbody>{rows.map((d) => (
            <tr data-delivery={d.id}>
              <td>{new Date(d.sent_at ?? d.due_at).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' })}</td>
              <td>{t(locale, `ch_${d.channel}` as Key)}</td><td>{d.subject || '—'}</td>
              <td data-testid="message-status">{t(locale, `ds_${d.status}` as Key)}{d.reason ? <small> · {d.reason}</small> : null}</td>
              <td><code>{d.source}</code></td>
            </tr>))}</tbody>
        </table>)}
    </section>
  );
}
