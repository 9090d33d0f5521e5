// Contests in the browser. For staff: the list, the editor, the entries and the draw. For anyone
// (/c/KEY, no sign-in): the contest's public record, checked in the browser with SHA-256 (the
// seed against the commitment published before entries closed, and every ticket), so a
// participant need not take the business's word for who won.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from './api';
import { intlLocale, LOCALES, t, timeZone, type Key, type Locale } from './i18n';

interface Entry { customer: string; entry_code: string; entered_at: string; via: string; winner_rank: number | null }
interface Contest {
  key: string; name: string; rules: string; prize: string; eligibility: string; opens_at: string; closes_at: string;
  winners: number; channel: string; template: string; status: string; phase: string; commitment: string;
  seed: string | null; drawn_at: string | null; entries: number; winners_drawn: Entry[]; deliveries: Record<string, number>;
}
interface Audit {
  key: string; name: string; rules: string; prize: string; opens_at: string; closes_at: string; winners: number;
  phase: string; commitment: string; committed_at: string; entries: number; recipe: string; seed: string | null;
  entry_codes: string[] | null; drawn: { rank: number; entry_code: string; ticket: string }[] | null;
}
interface TemplateRow { key: string; name?: string }

const errorText = (e: unknown) => e instanceof ApiError && e.field ? `${e.field}: ${e.message}` : (e as Error).message;
// Times in the business's time zone for staff (the session's); the public page has no session,
// so it shows the visitor's own.
const when = (locale: Locale, iso: string) =>
  new Date(iso).toLocaleString(intlLocale[locale], { dateStyle: 'medium', timeStyle: 'short', timeZone: timeZone() });
// An instant as the value of a datetime-local input in the business's time zone, and that value
// as the API reads it (a time without an offset is local to the business's time zone).
const toLocalInput = (iso: string) => {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-CA', {
    timeZone: timeZone(), year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
};
const fromLocalInput = (v: string) => (v ? `${v}:00` : '');

export function Contests({ locale, canManage, canEnter }: { locale: Locale; canManage: boolean; canEnter: boolean }) {
  const [rows, setRows] = useState<Contest[]>([]);
  const [templates, setTemplates] = useState<TemplateRow[]>([]);
  const [selected, setSelected] = useState('');
  const [editing, setEditing] = useState(false);
  const load = () => api<{ data: Contest[] }>('GET', '/v1/contests').then((r) => setRows(r.data)).catch(() => undefined);
  useEffect(() => {
    load();
    api<{ data: TemplateRow[] }>('GET', '/v1/templates').then((r) => setTemplates(r.data)).catch(() => undefined);
  }, []);
  const current = rows.find((c) => c.key === selected);
  return (
    <section class="contests" data-testid="or-contests">
      <p class="hint">{t(locale, 'ctHint')}</p>
      {canManage && <button type="button" data-testid="ct-new" onClick={() => { setSelected(''); setEditing(true); }}>{t(locale, 'ctNew')}</button>}
      <table class="data" data-testid="ct-list">
        <thead><tr><th>{t(locale, 'name')}</th><th>{t(locale, 'ctPrize')}</th><th>{t(locale, 'ctCloses')}</th>
          <th>{t(locale, 'status')}</th><th>{t(locale, 'ctEntries')}</th><th>{t(locale, 'ctWinners')}</th></tr></thead>
        <tbody>{rows.map((c) => (
          <tr data-testid={`ct-row-${c.key}`} class={c.key === selected ? 'selected' : ''}>
            <td><button type="button" class="link" onClick={() => { setSelected(c.key); setEditing(false); }}>{c.name}</button></td>
            <td>{c.prize}</td><td>{when(locale, c.closes_at)}</td>
            <td data-testid={`ct-phase-${c.key}`}>{t(locale, `cp_${c.phase}` as Key)}</td>
            <td>{c.entries.toLocaleString(locale)}</td><td>{c.winners.toLocaleString(locale)}</td>
          </tr>))}</tbody>
      </table>
      {editing && canManage && (
        <ContestEditor key={selected || 'new'} locale={locale} start={current} templates={templates}
                       onSaved={(k) => { setSelected(k); setEditing(false); load(); }} />)}
      {!editing && current && <ContestDetail locale={locale} contest={current} canManage={canManage} canEnter={canEnter}
                                             onEdit={() => setEditing(true)} onChanged={load} />}
    </section>
  );
}

function ContestEditor({ locale, start, templates, onSaved }: {
  locale: Locale; start?: Contest; templates: TemplateRow[]; onSaved: (key: string) => void;
}) {
  const inAWeek = new Date(Date.now() + 7 * 86400000).toISOString();
  const [key, setKey] = useState(start?.key ?? '');
  const [name, setName] = useState(start?.name ?? '');
  const [prize, setPrize] = useState(start?.prize ?? '');
  const [rules, setRules] = useState(start?.rules ?? '');
  const [eligibility, setEligibility] = useState(start?.eligibility ?? '');
  const [opens, setOpens] = useState(toLocalInput(start?.opens_at ?? new Date().toISOString()));
  const [closes, setCloses] = useState(toLocalInput(start?.closes_at ?? inAWeek));
  const [winners, setWinners] = useState(start?.winners ?? 1);
  const [template, setTemplate] = useState(start?.template ?? '');
  const [channel, setChannel] = useState(start?.channel ?? 'email');
  const [problem, setProblem] = useState('');
  const save = async (e: Event) => {
    e.preventDefault();
    setProblem('');
    try {
      await api('PUT', `/v1/contests/${encodeURIComponent(key)}`, {
        name, prize, rules, eligibility, opens_at: fromLocalInput(opens), closes_at: fromLocalInput(closes), winners, template, channel,
      });
      onSaved(key);
    } catch (err) { setProblem(errorText(err)); }
  };
  const input = (set: (v: string) => void) => (e: Event) => set((e.target as HTMLInputElement).value);
  return (
    <form class="campaign-editor" data-testid="ct-editor" onSubmit={save}>
      <h2>{start ? start.name : t(locale, 'ctNew')}</h2>
      {!start && <label>{t(locale, 'orKey')}<input data-testid="ct-key" value={key} required pattern="[a-z0-9_-]+" onInput={input(setKey)} /></label>}
      <label>{t(locale, 'name')}<input data-testid="ct-name" value={name} onInput={input(setName)} /></label>
      <label>{t(locale, 'ctPrize')}<input data-testid="ct-prize" value={prize} required onInput={input(setPrize)} /></label>
      <label>{t(locale, 'ctRules')}<textarea rows={2} value={rules} onInput={input(setRules)} /></label>
      <label>{t(locale, 'ctEligibility')}<input data-testid="ct-eligibility" value={eligibility} spellcheck={false}
                                               placeholder='points >= 100' onInput={input(setEligibility)} /></label>
      <div class="row">
        <label>{t(locale, 'ctOpens')}<input type="datetime-local" data-testid="ct-opens" value={opens} onInput={input(setOpens)} /></label>
        <label>{t(locale, 'ctCloses')}<input type="datetime-local" data-testid="ct-closes" value={closes} onInput={input(setCloses)} /></label>
        <label>{t(locale, 'ctWinners')}<input type="number" data-testid="ct-winners" min={1} max={1000} value={winners}
                                             onInput={(e) => setWinners(Number((e.target as HTMLInputElement).value))} /></label>
      </div>
      <div class="row">
        <label>{t(locale, 'ctMessage')}{' '}
          <select data-testid="ct-template" value={template} onChange={(e) => setTemplate((e.target as HTMLSelectElement).value)}>
            <option value="">{t(locale, 'ctNoMessage')}</option>
            {templates.map((tp) => <option value={tp.key}>{tp.name ?? tp.key} ({tp.key})</option>)}
          </select></label>
        <label>{t(locale, 'orChannel')}{' '}
          <select value={channel} onChange={(e) => setChannel((e.target as HTMLSelectElement).value)}>
            {['email', 'print', 'webhook'].map((c) => <option value={c}>{t(locale, `ch_${c}` as Key)}</option>)}
          </select></label>
      </div>
      {problem && <p class="error" role="alert" data-testid="ct-error">{problem}</p>}
      <button type="submit" class="primary" data-testid="ct-save" disabled={!key}>{t(locale, 'ctSave')}</button>
    </form>
  );
}

function ContestDetail({ locale, contest: c, canManage, canEnter, onEdit, onChanged }: {
  locale: Locale; contest: Contest; canManage: boolean; canEnter: boolean; onEdit: () => void; onChanged: () => void;
}) {
  const [customer, setCustomer] = useState('');
  const [message, setMessage] = useState('');
  const [problem, setProblem] = useState('');
  const act = async (run: () => Promise<string>) => {
    setProblem('');
    setMessage('');
    try {
      setMessage(await run());
      onChanged();
    } catch (err) { setProblem(errorText(err)); }
  };
  const enter = (e: Event) => {
    e.preventDefault();
    act(async () => {
      const r = await api<Entry & { already_entered: boolean }>('POST', `/v1/contests/${encodeURIComponent(c.key)}/entries`, { customer });
      setCustomer('');
      return t(locale, r.already_entered ? 'ctAlready' : 'ctEntered').replace('{customer}', r.customer).replace('{code}', r.entry_code);
    });
  };
  const auditUrl = `/c/${encodeURIComponent(c.key)}`;
  return (
    <section class="contest-detail" data-testid="ct-detail">
      <h2>{c.name}</h2>
      <p>{c.prize}{c.rules ? ` · ${c.rules}` : ''}</p>
      <dl class="facts">
        <dt>{t(locale, 'ctOpens')}</dt><dd>{when(locale, c.opens_at)}</dd>
        <dt>{t(locale, 'ctCloses')}</dt><dd>{when(locale, c.closes_at)}</dd>
        {c.eligibility && <><dt>{t(locale, 'ctEligibility')}</dt><dd><code>{c.eligibility}</code></dd></>}
        <dt>{t(locale, 'ctCommitment')}</dt><dd><code class="hash" data-testid="ct-commitment">{c.commitment}</code></dd>
        {c.seed && <><dt>{t(locale, 'ctSeed')}</dt><dd><code class="hash" data-testid="ct-seed">{c.seed}</code></dd></>}
      </dl>
      <p><a href={auditUrl} target="_blank" rel="noopener" data-testid="ct-audit-link">{t(locale, 'ctAuditLink')}</a></p>
      {c.phase === 'open' && canEnter && (
        <form class="row" onSubmit={enter}>
          <label>{t(locale, 'ctEnterCustomer')}<input data-testid="ct-enter-customer" value={customer} required
                                                   onInput={(e) => setCustomer((e.target as HTMLInputElement).value)} /></label>
          <button type="submit" data-testid="ct-enter">{t(locale, 'ctEnter')}</button>
        </form>)}
      {canManage && (
        <p class="actions">
          {c.phase !== 'drawn' && c.phase !== 'cancelled' && <button type="button" data-testid="ct-edit" onClick={onEdit}>{t(locale, 'orEdit')}</button>}
          {c.phase === 'closed' && <button type="button" class="primary" data-testid="ct-draw"
                                           onClick={() => act(async () => { await api('POST', `/v1/contests/${encodeURIComponent(c.key)}/draw`); return t(locale, 'ctDrawnNow'); })}>
            {t(locale, 'ctDraw')}</button>}
          {(c.phase === 'open' || c.phase === 'upcoming' || c.phase === 'closed') && (
            <button type="button" data-testid="ct-cancel"
                    onClick={() => act(async () => { await api('POST', `/v1/contests/${encodeURIComponent(c.key)}/cancel`); return t(locale, 'cp_cancelled'); })}>
              {t(locale, 'ctCancel')}</button>)}
        </p>)}
      {message && <p role="status" data-testid="ct-message">{message}</p>}
      {problem && <p class="error" role="alert" data-testid="ct-problem">{problem}</p>}
      {c.winners_drawn.length > 0 && (
        <table class="data" data-testid="ct-winners">
          <thead><tr><th>#</th><th>{t(locale, 'ctCustomer')}</th><th>{t(locale, 'ctCode')}</th></tr></thead>
          <tbody>{c.winners_drawn.map((w) => (
            <tr><td>{w.winner_rank}</td><td><a href={`#/customers/${encodeURIComponent(w.customer)}`}>{w.customer}</a></td>
              <td><code>{w.entry_code}</code></td></tr>))}</tbody>
        </table>)}
      {c.status === 'drawn' && c.template && (
        <p>{t(locale, 'ctTold').replace('{sent}', String(c.deliveries.sent ?? 0)).replace('{waiting}', String(c.deliveries.queued ?? 0))}</p>)}
    </section>
  );
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest)).map((b) => b.toString(16).padStart(2, '0')).join('');
}

// What the browser found when it checked the draw itself.
interface Check { seedMatches: boolean; winnersMatch: boolean; expected: string[] }

export function ContestAuditPage({ contestKey }: { contestKey: string }) {
  const lang = navigator.language.slice(0, 2) as Locale;
  const [locale, setLocale] = useState<Locale>(LOCALES.includes(lang) ? lang : 'en');
  const [audit, setAudit] = useState<Audit | null>(null);
  const [error, setError] = useState('');
  const [check, setCheck] = useState<Check | null>(null);
  const [cannot, setCannot] = useState(false);
  useEffect(() => { document.documentElement.lang = locale; }, [locale]);
  useEffect(() => {
    api<Audit>('GET', `/v1/contests/${encodeURIComponent(contestKey)}/audit`).then(async (a) => {
      setAudit(a);
      if (!a.seed || !a.entry_codes || !a.drawn) return;
      if (!globalThis.crypto?.subtle) { setCannot(true); return; }
      const seedMatches = (await sha256(a.seed)) === a.commitment;
      const tickets = await Promise.all(a.entry_codes.map(async (code) => ({ code, ticket: await sha256(`${a.seed}:${code}`) })));
      tickets.sort((x, y) => (x.ticket < y.ticket ? -1 : x.ticket > y.ticket ? 1 : x.code < y.code ? -1 : 1));
      const expected = tickets.slice(0, a.winners).map((x) => x.code);
      const winnersMatch = expected.length === a.drawn.length && expected.every((code, i) => a.drawn![i].entry_code === code);
      setCheck({ seedMatches, winnersMatch, expected });
    }).catch((e) => setError(e instanceof ApiError && e.status === 404 ? t(locale, 'ctNoSuch') : (e as Error).message));
  }, [contestKey]);
  if (error) return <main class="self-serve"><p class="error" role="alert" data-testid="audit-error">{error}</p></main>;
  if (!audit) return <main class="self-serve"><p class="loading">{t(locale, 'loading')}</p></main>;
  return (
    <main class="self-serve contest-audit" data-testid="contest-audit">
      <p class="tabs" role="tablist">{LOCALES.map((l) => (
        <button role="tab" type="button" aria-selected={l === locale} onClick={() => setLocale(l)}>{l}</button>))}</p>
      <h1>{audit.name}</h1>
      <p>{audit.prize}{audit.rules ? ` · ${audit.rules}` : ''}</p>
      <dl class="facts">
        <dt>{t(locale, 'ctOpens')}</dt><dd>{when(locale, audit.opens_at)}</dd>
        <dt>{t(locale, 'ctCloses')}</dt><dd>{when(locale, audit.closes_at)}</dd>
        <dt>{t(locale, 'status')}</dt><dd data-testid="audit-phase">{t(locale, `cp_${audit.phase}` as Key)}</dd>
        <dt>{t(locale, 'ctEntries')}</dt><dd>{audit.entries.toLocaleString(locale)}</dd>
        <dt>{t(locale, 'ctCommitment')}</dt>
        <dd><code class="hash">{audit.commitment}</code><br /><small>{t(locale, 'ctCommittedAt').replace('{when}', when(locale, audit.committed_at))}</small></dd>
        {audit.seed && <><dt>{t(locale, 'ctSeed')}</dt><dd><code class="hash" data-testid="audit-seed">{audit.seed}</code></dd></>}
      </dl>
      {!audit.seed && <p>{t(locale, 'ctSeedLater')}</p>}
      {audit.drawn && (
        <table class="data" data-testid="audit-winners">
          <thead><tr><th>#</th><th>{t(locale, 'ctCode')}</th><th>{t(locale, 'ctTicket')}</th></tr></thead>
          <tbody>{audit.drawn.map((w) => <tr><td>{w.rank}</td><td><code>{w.entry_code}</code></td><td><code class="hash">{w.ticket}</code></td></tr>)}</tbody>
        </table>)}
      {check && (
        <ul class="checks" data-testid="audit-check">
          <li class={check.seedMatches ? 'ok' : 'error'} data-testid="audit-seed-check">
            {t(locale, check.seedMatches ? 'ctSeedOk' : 'ctSeedBad')}</li>
          <li class={check.winnersMatch ? 'ok' : 'error'} data-testid="audit-winners-check">
            {t(locale, check.winnersMatch ? 'ctWinnersOk' : 'ctWinnersBad').replace('{n}', String(audit.entry_codes?.length ?? 0))}</li>
        </ul>)}
      {cannot && <p>{t(locale, 'ctCannotCheck')}</p>}
      <details><summary>{t(locale, 'ctRecipe')}</summary><p><code>{audit.recipe}</code></p>
        {audit.entry_codes && <p data-testid="audit-codes"><code>{audit.entry_codes.join(' ')}</code></p>}</details>
    </main>
  );
}
