// Feedback in the browser: what the answers say (NPS, CSAT and CES over time with their
// intervals and the promoter/passive/detractor split, the areas that drive poor answers, each
// agent's score), the survey builder with a preview in each language, and invitation lists.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { api, ApiError } from './api';
import { monthLabel } from './chart';
import { formatDateTime, LOCALES, t, type Key, type Locale } from './i18n';
import { SurveyForm, type Answers, type SurveyPageData } from './survey';

interface Nps { responses: number; score: number; low: number; high: number; promoters: number; passives: number; detractors: number;
  promoter_share: number; passive_share: number; detractor_share: number }
interface Share { responses: number; share: number; low: number; high: number; mean: number; mean_low: number; mean_high: number }
interface Scores { responses: number; nps: Nps | null; csat: Share | null; ces: Share | null }
interface Driver { area: string; rated: number; mean: number | null; mean_negative: number | null; mean_other: number | null;
  low_share_negative: number | null; low_share_other: number | null; gap: { estimate: number; low: number; high: number } | null;
  correlation: number | null }
interface Report extends Scores {
  negative: number; follow_ups: number; invited: number; answered: number; response_rate: number | null;
  by_period: (Scores & { period: string })[]; drivers: Driver[]; agents: (Scores & { agent: string; follow_ups: number })[];
}
type LocalText = Partial<Record<Locale, string>>;
interface QuestionDoc { id: string; type: string; area: string; text: LocalText; optional?: boolean; options?: { id: string; area: string; text: LocalText }[] }
interface SurveyDoc {
  kind: string; trigger: string; active: boolean; title: LocalText; intro?: LocalText; thanks?: LocalText;
  throttle_days: number; reminder_days: number[]; expires_days: number; follow_up: boolean; questions: QuestionDoc[];
}
interface SurveySummary { key: string; version: number; kind: string; trigger: string; active: boolean; title: string; missing_translations: string[]; document: SurveyDoc }
interface Invitation { id: number; customer: string; locale: string; channel: string; source: string; agent: string;
  created_at: string; reminders: number; answered_at: string | null; status: string }

const KINDS = ['nps', 'csat', 'ces', 'custom'];
const TRIGGERS = ['manual', 'case_closed', 'conversation'];
const TYPES = ['nps', 'csat', 'ces', 'rating', 'choice', 'text'];
const pct = (x: number | null | undefined) => (x == null ? '—' : `${Math.round(x * 100)}%`);
const one = (x: number) => (Math.round(x * 10) / 10).toFixed(1);

// The headline by period with its 95 % interval as a band: NPS when the answers have it, else the
// CSAT share (in %), else the CES mean.
function TrendChart({ locale, periods }: { locale: Locale; periods: Report['by_period'] }) {
  const box = useRef<HTMLDivElement>(null);
  const metric: 'nps' | 'csat' | 'ces' = periods.some((p) => p.nps) ? 'nps' : periods.some((p) => p.csat) ? 'csat' : 'ces';
  const point = (p: Scores): [number, number, number] | null => {
    if (metric === 'nps') return p.nps ? [p.nps.score, p.nps.low, p.nps.high] : null;
    if (metric === 'csat') return p.csat ? [100 * p.csat.share, 100 * p.csat.low, 100 * p.csat.high] : null;
    return p.ces ? [p.ces.mean, p.ces.mean_low, p.ces.mean_high] : null;
  };
  const rows = periods.filter((p) => point(p));
  const name = metric === 'nps' ? 'NPS' : metric === 'csat' ? 'CSAT %' : 'CES';
  const label = (period: string) => (/^\d{4}-\d{2}$/.test(period) ? monthLabel(locale, period) : period);
  useEffect(() => {
    if (!box.current || rows.length === 0) return;
    const labels = rows.map((p) => label(p.period));
    const xs = rows.map((_, i) => i);
    const values = rows.map((p) => point(p)!);
    const plot = new uPlot({
      width: Math.max(320, Math.min(900, box.current.clientWidth || 720)), height: 220,
      scales: { x: { time: false, range: () => [-0.5, rows.length - 0.5] },
                y: { range: metric === 'nps' ? [-100, 100] : metric === 'csat' ? [0, 100] : [1, 7] } },
      axes: [{ splits: () => xs, values: (_u, ticks) => ticks.map((i) => labels[i] ?? '') }, { size: 50 }],
      series: [
        { label: t(locale, 'period'), value: (_u, i) => (i == null ? '' : labels[i] ?? '') },
        { label: name, stroke: '#2f6f9f', width: 2, value: (_u, v) => (v == null ? '' : one(v)) },
        { label: t(locale, 'fbLow'), stroke: '#9fb8cf', dash: [4, 4], value: (_u, v) => (v == null ? '' : one(v)) },
        { label: t(locale, 'fbHigh'), stroke: '#9fb8cf', dash: [4, 4], value: (_u, v) => (v == null ? '' : one(v)) },
      ],
      bands: [{ series: [3, 2], fill: 'rgba(47,111,159,0.12)' }],
    }, [xs, values.map((v) => v[0]), values.map((v) => v[1]), values.map((v) => v[2])], box.current);
    return () => plot.destroy();
  }, [locale, periods]);
  if (rows.length === 0) return null;
  return (
    <figure class="chart" data-testid="fb-trend" data-metric={metric}>
      <div ref={box} />
      <figcaption>{t(locale, metric === 'nps' ? 'fbTrendCaption' : metric === 'csat' ? 'fbCsatCaption' : 'fbCesCaption')}</figcaption>
      <table class="split" data-testid="fb-split">
        <thead><tr><th>{t(locale, 'period')}</th><th>{name}</th>{metric === 'nps' && <th>{t(locale, 'fbSplit')}</th>}<th>{t(locale, 'fbResponses')}</th></tr></thead>
        <tbody>{rows.map((p) => {
          const [v, lo, hi] = point(p)!;
          const n = p.nps;
          return (
            <tr><td>{label(p.period)}</td>
              <td class="num">{one(v)} <small>({one(lo)} – {one(hi)})</small></td>
              {metric === 'nps' && n && (
                <td><div class="stack" role="img" aria-label={`${t(locale, 'fbPromoters')} ${pct(n.promoter_share)}, ${t(locale, 'fbPassives')} ${pct(n.passive_share)}, ${t(locale, 'fbDetractors')} ${pct(n.detractor_share)}`}>
                  <span class="promoters" style={{ width: pct(n.promoter_share) }} />
                  <span class="passives" style={{ width: pct(n.passive_share) }} />
                  <span class="detractors" style={{ width: pct(n.detractor_share) }} /></div>
                  <small>{pct(n.promoter_share)} / {pct(n.passive_share)} / {pct(n.detractor_share)}</small></td>)}
              <td class="num">{p.responses}</td></tr>);
        })}</tbody>
      </table>
    </figure>
  );
}

// Which areas poor answers rate low, against everybody else: the longer the first bar beside
// the second, the more the area drives detractors.
function Drivers({ locale, drivers }: { locale: Locale; drivers: Driver[] }) {
  if (drivers.length === 0) return null;
  return (
    <section data-testid="fb-drivers">
      <h3>{t(locale, 'fbDrivers')}</h3>
      <p class="hint">{t(locale, 'fbDriversHint')}</p>
      <table class="drivers">
        <thead><tr><th>{t(locale, 'fbArea')}</th><th>{t(locale, 'fbLowNegative')}</th><th>{t(locale, 'fbLowOther')}</th><th>{t(locale, 'fbCorrelation')}</th><th>{t(locale, 'fbRated')}</th></tr></thead>
        <tbody>{drivers.map((d) => (
          <tr data-area={d.area}><td>{d.area}</td>
            <td><div class="bar negative" style={{ width: pct(d.low_share_negative ?? 0) }} /> {pct(d.low_share_negative)}</td>
            <td><div class="bar other" style={{ width: pct(d.low_share_other ?? 0) }} /> {pct(d.low_share_other)}</td>
            <td class="num">{d.correlation == null ? '—' : d.correlation.toFixed(2)}</td><td class="num">{d.rated}</td></tr>))}
        </tbody>
      </table>
    </section>
  );
}

function scoreText(s: Scores): string {
  if (s.nps) return `NPS ${one(s.nps.score)} (${one(s.nps.low)} – ${one(s.nps.high)})`;
  if (s.csat) return `CSAT ${pct(s.csat.share)} (${pct(s.csat.low)} – ${pct(s.csat.high)})`;
  if (s.ces) return `CES ${s.ces.mean.toFixed(1)} · ${pct(s.ces.share)}`;
  return '—';
}

function ReportView({ locale, survey }: { locale: Locale; survey: string }) {
  const [r, setReport] = useState<Report | null>(null);
  useEffect(() => {
    api<Report>('GET', `/v1/feedback/report${survey ? `?survey=${encodeURIComponent(survey)}` : ''}`).then(setReport).catch(() => setReport(null));
  }, [survey]);
  if (!r) return <p>{t(locale, 'loading')}</p>;
  return (
    <section data-testid="fb-report">
      <div class="tiles">
        <div class="tile" data-testid="fb-tile-nps"><span>NPS</span><strong>{r.nps ? one(r.nps.score) : '—'}</strong>
          {r.nps && <small>{one(r.nps.low)} – {one(r.nps.high)}</small>}</div>
        <div class="tile" data-testid="fb-tile-csat"><span>CSAT</span><strong>{r.csat ? pct(r.csat.share) : '—'}</strong>
          {r.csat && <small>{pct(r.csat.low)} – {pct(r.csat.high)}</small>}</div>
        <div class="tile"><span>CES</span><strong>{r.ces ? r.ces.mean.toFixed(1) : '—'}</strong></div>
        <div class="tile" data-testid="fb-tile-responses"><span>{t(locale, 'fbResponses')}</span><strong>{r.responses}</strong></div>
        <div class="tile"><span>{t(locale, 'fbResponseRate')}</span><strong>{pct(r.response_rate)}</strong><small>{r.answered}/{r.invited}</small></div>
        <div class="tile" data-testid="fb-tile-followups"><span>{t(locale, 'fbFollowUps')}</span><strong>{r.follow_ups}</strong></div>
      </div>
      <TrendChart locale={locale} periods={r.by_period} />
      <Drivers locale={locale} drivers={r.drivers} />
      {r.agents.length > 0 && (
        <section data-testid="fb-agents">
          <h3>{t(locale, 'fbAgents')}</h3>
          <table><thead><tr><th>{t(locale, 'fbAgent')}</th><th>{t(locale, 'fbResponses')}</th><th>{t(locale, 'fbScore')}</th><th>{t(locale, 'fbFollowUps')}</th></tr></thead>
            <tbody>{r.agents.map((a) => (
              <tr data-agent={a.agent}><td>{a.agent}</td><td class="num">{a.responses}</td><td>{scoreText(a)}</td><td class="num">{a.follow_ups}</td></tr>))}</tbody></table>
        </section>)}
    </section>
  );
}

function Invitations({ locale, survey }: { locale: Locale; survey: string }) {
  const [rows, setRows] = useState<Invitation[]>([]);
  const [status, setStatus] = useState('');
  const [customers, setCustomers] = useState('');
  const [channel, setChannel] = useState('email');
  const [result, setResult] = useState<{ invited: { customer: string; path: string }[]; skipped: { customer: string; reason: string }[] } | null>(null);
  const [error, setError] = useState('');
  const load = () => api<{ data: Invitation[] }>('GET', `/v1/surveys/${encodeURIComponent(survey)}/invitations?limit=100${status ? `&status=${status}` : ''}`)
    .then((r) => setRows(r.data)).catch(() => setRows([]));
  useEffect(() => { load(); setResult(null); }, [survey, status]);
  const invite = async (e: Event) => {
    e.preventDefault();
    setError('');
    try {
      const ids = customers.split(/[\s,;]+/).filter(Boolean);
      setResult(await api('POST', `/v1/surveys/${encodeURIComponent(survey)}/invitations`, { customers: ids, channel }));
      setCustomers('');
      load();
    } catch (err) { setError((err as Error).message); }
  };
  return (
    <section data-testid="fb-invitations">
      <h3>{t(locale, 'fbInvitations')}</h3>
      <form class="inline" onSubmit={invite}>
        <label>{t(locale, 'fbInviteWho')}<textarea data-testid="fb-invite-customers" value={customers} rows={2}
                                               onInput={(e) => setCustomers((e.target as HTMLTextAreaElement).value)} /></label>
        <label>{t(locale, 'channel')}<select value={channel} onChange={(e) => setChannel((e.target as HTMLSelectElement).value)}>
          {['email', 'print', 'link'].map((c) => <option value={c}>{t(locale, `ich_${c}` as Key)}</option>)}</select></label>
        <button type="submit" data-testid="fb-invite" disabled={!customers.trim()}>{t(locale, 'fbInvite')}</button>
      </form>
      {error && <p class="error" role="alert">{error}</p>}
      {result && (
        <div data-testid="fb-invite-result" role="status">
          <p>{t(locale, 'fbInvited').replace('{count}', String(result.invited.length))}</p>
          <ul>{result.invited.map((i) => <li><a href={i.path} data-testid={`fb-link-${i.customer}`}>{i.customer}</a></li>)}</ul>
          {result.skipped.length > 0 && <ul class="skipped">{result.skipped.map((s) => <li>{s.customer}: {s.reason}</li>)}</ul>}
        </div>)}
      <label>{t(locale, 'status')}{' '}<select value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}>
        <option value="">{t(locale, 'fbAll')}</option>
        {['waiting', 'answered', 'expired'].map((s) => <option value={s}>{t(locale, `inv_${s}` as Key)}</option>)}</select></label>
      {rows.length === 0 ? <p>{t(locale, 'none')}</p> : (
        <table data-testid="fb-invitation-list"><thead><tr><th>{t(locale, 'customers')}</th><th>{t(locale, 'locale')}</th><th>{t(locale, 'channel')}</th>
          <th>{t(locale, 'fbSource')}</th><th>{t(locale, 'fbSent')}</th><th>{t(locale, 'fbReminders')}</th><th>{t(locale, 'status')}</th></tr></thead>
          <tbody>{rows.map((i) => (
            <tr data-invitation={i.id}><td><a href={`#/customers/${encodeURIComponent(i.customer)}`}>{i.customer}</a></td><td>{i.locale}</td>
              <td>{t(locale, `ich_${i.channel}` as Key)}</td><td>{i.source}{i.agent ? ` · ${i.agent}` : ''}</td>
              <td>{formatDateTime(locale, i.created_at)}</td><td class="num">{i.reminders}</td><td>{t(locale, `inv_${i.status}` as Key)}</td></tr>))}
          </tbody></table>)}
    </section>
  );
}

// The builder: the survey's settings, its questions with a text in each language, and a preview
// of the customer's page in any language, checked by the server as it would be stored.
function Builder({ locale, start, keyName, onSaved }: { locale: Locale; start: SurveyDoc; keyName: string; onSaved: (key: string) => void }) {
  const [doc, setDoc] = useState<SurveyDoc>(start);
  const [key, setKey] = useState(keyName);
  const [lang, setLang] = useState<Locale>(locale);
  const [preview, setPreview] = useState<SurveyPageData | null>(null);
  const [answers, setAnswers] = useState<Answers>({});
  const [error, setError] = useState('');
  const [saved, setSaved] = useState('');
  // Another survey opened: start over. The one just saved coming back from the server keeps its
  // confirmation on screen.
  useEffect(() => {
    setDoc(start);
    setError('');
    if (keyName !== key) { setKey(keyName); setSaved(''); }
  }, [start, keyName]);
  useEffect(() => {
    const timer = setTimeout(() => {
      api<SurveyPageData>('POST', `/v1/surveys/${encodeURIComponent(key || 'new')}/preview`, { document: doc, locale: lang })
        .then((p) => { setPreview(p); setError(''); })
        .catch((e) => setError(e instanceof ApiError && e.field ? `${e.field}: ${e.message}` : (e as Error).message));
    }, 250);
    return () => clearTimeout(timer);
  }, [doc, lang, key]);
  const patch = (p: Partial<SurveyDoc>) => setDoc({ ...doc, ...p });
  const setQuestion = (i: number, q: Partial<QuestionDoc>) => patch({ questions: doc.questions.map((x, k) => (k === i ? { ...x, ...q } : x)) });
  const text = (value: LocalText | undefined, onChange: (v: LocalText) => void, testid: string) => (
    <div class="local-text">{LOCALES.map((l) => (
      <label>{l}<input data-testid={`${testid}-${l}`} value={value?.[l] ?? ''}
                       onInput={(e) => onChange({ ...(value ?? {}), [l]: (e.target as HTMLInputElement).value })} /></label>))}</div>
  );
  const save = async () => {
    setError(''); setSaved('');
    try {
      const r = await api<SurveySummary>('PUT', `/v1/surveys/${encodeURIComponent(key)}`, doc);
      setSaved(t(locale, 'savedVersion').replace('{version}', String(r.version)));
      onSaved(key);
    } catch (e) { setError(e instanceof ApiError && e.field ? `${e.field}: ${e.message}` : (e as Error).message); }
  };
  return (
    <section class="builder" data-testid="fb-builder">
      <div class="builder-form">
        <label>{t(locale, 'fbKey')}<input data-testid="fb-key" value={key} onInput={(e) => setKey((e.target as HTMLInputElement).value)} /></label>
        <label>{t(locale, 'kind')}<select data-testid="fb-kind" value={doc.kind} onChange={(e) => patch({ kind: (e.target as HTMLSelectElement).value })}>
          {KINDS.map((k) => <option value={k}>{k.toUpperCase()}</option>)}</select></label>
        <label>{t(locale, 'fbTrigger')}<select data-testid="fb-trigger" value={doc.trigger} onChange={(e) => patch({ trigger: (e.target as HTMLSelectElement).value })}>
          {TRIGGERS.map((k) => <option value={k}>{t(locale, `tr_${k}` as Key)}</option>)}</select></label>
        <label>{t(locale, 'fbThrottle')}<input type="number" min={0} max={365} value={doc.throttle_days}
                                                onInput={(e) => patch({ throttle_days: Number((e.target as HTMLInputElement).value) })} /></label>
        <label><input type="checkbox" checked={doc.follow_up} onChange={(e) => patch({ follow_up: (e.target as HTMLInputElement).checked })} /> {t(locale, 'fbFollowUp')}</label>
        <label><input type="checkbox" checked={doc.active} onChange={(e) => patch({ active: (e.target as HTMLInputElement).checked })} /> {t(locale, 'fbActive')}</label>
        <fieldset><legend>{t(locale, 'fbTitle')}</legend>{text(doc.title, (v) => patch({ title: v }), 'fb-title')}</fieldset>
        {doc.questions.map((q, i) => (
          <fieldset class="question" data-testid={`fb-question-${i}`}>
            <legend>{t(locale, 'fbQuestion')} {i + 1}</legend>
            <label>id<input value={q.id} onInput={(e) => setQuestion(i, { id: (e.target as HTMLInputElement).value })} /></label>
            <label>{t(locale, 'kind')}<select value={q.type} onChange={(e) => setQuestion(i, { type: (e.target as HTMLSelectElement).value })}>
              {TYPES.map((k) => <option value={k}>{k}</option>)}</select></label>
            <label>{t(locale, 'fbArea')}<input data-testid={`fb-area-${i}`} value={q.area} onInput={(e) => setQuestion(i, { area: (e.target as HTMLInputElement).value })} /></label>
            <label><input type="checkbox" checked={!!q.optional} onChange={(e) => setQuestion(i, { optional: (e.target as HTMLInputElement).checked })} /> {t(locale, 'svOptional')}</label>
            {text(q.text, (v) => setQuestion(i, { text: v }), `fb-qtext-${i}`)}
            <button type="button" onClick={() => patch({ questions: doc.questions.filter((_, k) => k !== i) })}>{t(locale, 'fbRemove')}</button>
          </fieldset>))}
        <button type="button" data-testid="fb-add-question"
                onClick={() => patch({ questions: [...doc.questions, { id: `q${doc.questions.length + 1}`, type: 'rating', area: '', text: { en: '' }, optional: true }] })}>
          {t(locale, 'fbAddQuestion')}</button>
        {error && <p class="error" role="alert" data-testid="fb-builder-error">{error}</p>}
        {saved && <p role="status" data-testid="fb-saved">{saved}</p>}
        <button class="primary" data-testid="fb-save" disabled={!key || !!error} onClick={save}>{t(locale, 'saveVersion')}</button>
      </div>
      <div class="builder-preview" data-testid="fb-preview">
        <label>{t(locale, 'fbPreviewIn')}{' '}<select data-testid="fb-preview-lang" value={lang} onChange={(e) => setLang((e.target as HTMLSelectElement).value as Locale)}>
          {LOCALES.map((l) => <option value={l}>{{ en: 'English', pt: 'Português', da: 'Dansk' }[l]}</option>)}</select></label>
        {preview && (preview.missing_translations ?? []).length > 0 &&
          <p class="hint" data-testid="fb-missing">{t(locale, 'fbMissing').replace('{languages}', (preview.missing_translations ?? []).join(', '))}</p>}
        {preview && (
          <div class="self-serve survey preview"><h1>{preview.title}</h1>
            <SurveyForm locale={lang} page={preview} answers={answers} onChange={setAnswers} /></div>)}
      </div>
    </section>
  );
}

export function FeedbackPage({ locale, canManage }: { locale: Locale; canManage: boolean }) {
  const [surveys, setSurveys] = useState<SurveySummary[]>([]);
  const [example, setExample] = useState<SurveyDoc | null>(null);
  const [selected, setSelected] = useState('');
  const [tab, setTab] = useState<'report' | 'invitations' | 'builder'>('report');
  const load = (pick?: string) => api<{ data: SurveySummary[]; example: SurveyDoc }>('GET', '/v1/surveys').then((r) => {
    setSurveys(r.data); setExample(r.example);
    if (pick !== undefined) setSelected(pick);
  }).catch(() => undefined);
  useEffect(() => { load(); }, []);
  const current = surveys.find((s) => s.key === selected);
  const start = useMemo(() => current?.document ?? example, [current, example]);
  return (
    <article data-testid="feedback">
      <h1>{t(locale, 'feedback')}</h1>
      <label>{t(locale, 'fbSurvey')}{' '}
        <select data-testid="fb-survey" value={selected} onChange={(e) => setSelected((e.target as HTMLSelectElement).value)}>
          <option value="">{t(locale, 'fbAllSurveys')}</option>
          {surveys.map((s) => <option value={s.key}>{s.title} ({s.key}, {s.kind.toUpperCase()}{s.active ? '' : `, ${t(locale, 'fbInactive')}`})</option>)}
        </select></label>
      <div class="tabs" role="tablist">
        <button role="tab" aria-selected={tab === 'report'} data-testid="fb-tab-report" onClick={() => setTab('report')}>{t(locale, 'fbResults')}</button>
        <button role="tab" aria-selected={tab === 'invitations'} data-testid="fb-tab-invitations" disabled={!selected} onClick={() => setTab('invitations')}>{t(locale, 'fbInvitations')}</button>
        {canManage && <button role="tab" aria-selected={tab === 'builder'} data-testid="fb-tab-builder" onClick={() => setTab('builder')}>
          {selected ? t(locale, 'fbEdit') : t(locale, 'fbNew')}</button>}
      </div>
      {tab === 'report' && <ReportView locale={locale} survey={selected} />}
      {tab === 'invitations' && selected && <Invitations locale={locale} survey={selected} />}
      {tab === 'builder' && canManage && start && <Builder locale={locale} start={start} keyName={selected} onSaved={(k) => load(k)} />}
    </article>
  );
}

// A customer's survey answers, newest first, for their page.
export function CustomerSurveys({ locale, id }: { locale: Locale; id: string }) {
  const [data, setData] = useState<{ invitations: Invitation[]; responses: { id: number; survey: string; kind: string; score: number | null; band: string;
    answered_at: string; follow_up_case: number | null; answers: { question: string; score?: number; text?: string; choice?: string }[] }[] } | null>(null);
  useEffect(() => { api<typeof data>('GET', `/v1/customers/${encodeURIComponent(id)}/surveys`).then(setData).catch(() => setData(null)); }, [id]);
  if (!data) return null;
  const waiting = data.invitations.filter((i) => i.status === 'waiting').length;
  return (
    <section data-testid="customer-surveys">
      <h2>{t(locale, 'feedback')}</h2>
      {data.responses.length === 0 ? <p>{t(locale, 'none')}</p> : (
        <table><thead><tr><th>{t(locale, 'date')}</th><th>{t(locale, 'fbSurvey')}</th><th>{t(locale, 'fbScore')}</th><th>{t(locale, 'fbComment')}</th><th>{t(locale, 'fbFollowUp')}</th></tr></thead>
          <tbody>{data.responses.map((r) => (
            <tr data-response={r.id}><td>{formatDateTime(locale, r.answered_at)}</td><td>{r.survey}</td>
              <td>{r.kind.toUpperCase()} {r.score ?? '—'} <span class={`band ${r.band}`}>{t(locale, `band_${r.band}` as Key)}</span></td>
              <td>{r.answers.find((a) => a.text)?.text ?? ''}</td>
              <td>{r.follow_up_case ? <a href={`#/cases/${r.follow_up_case}`}>#{r.follow_up_case}</a> : ''}</td></tr>))}
          </tbody></table>)}
      {waiting > 0 && <p class="hint">{t(locale, 'fbWaiting').replace('{count}', String(waiting))}</p>}
    </section>
  );
}
