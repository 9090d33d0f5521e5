// The web app in Debian's Chromium, driven by playwright-core: sign in, search, open a customer,
// switch language. Needs RETAIN_URL, RETAIN_USER and RETAIN_PASSWORD (tests/web_test.sh sets them).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { chromium } from 'playwright-core';

const url = process.env.RETAIN_URL;
const user = process.env.RETAIN_USER;
const password = process.env.RETAIN_PASSWORD;
const shots = process.env.RETAIN_SCREENSHOTS;
let browser;
let page;

before(async () => {
  assert.ok(url && user && password, 'RETAIN_URL, RETAIN_USER and RETAIN_PASSWORD must be set');
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await (await browser.newContext({ locale: 'en-GB' })).newPage();
});

after(async () => { await browser?.close(); });

// What `selector` shows on the page now, or '' when it shows nothing: for an assertion's message,
// without waiting for an element that is rightly absent.
async function shown(p, selector) {
  const found = p.locator(selector);
  return (await found.count()) > 0 ? found.first().textContent() : '';
}

test('a wrong password is refused with a message', async () => {
  await page.goto(url);
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', 'not the password');
  await page.click('button[type=submit]');
  await page.getByRole('alert').waitFor();
  assert.equal(await page.getByRole('alert').textContent(), 'Wrong username or password.');
});

test('signing in shows the frame and the customers', async () => {
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.locator('[data-testid=customers] tbody tr').first().waitFor();
  assert.ok(await page.locator('[data-testid=customers] tbody tr').count() >= 10);
  assert.equal(await page.locator('[data-testid=nav-customers]').textContent(), 'Customers');
  if (shots) await page.screenshot({ path: `${shots}/customers.png`, fullPage: true });
});

test('search finds a customer and opens the customer page', async () => {
  await page.fill('[data-testid=search]', 'C0000002');
  await page.click('form.search button');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=customers] tbody tr').length === 1);
  await page.click('[data-testid=customers] tbody a');
  await page.locator('[data-testid=customer] h1').waitFor();
  assert.match(await page.locator('[data-testid=customer] h1').textContent(), /C0000002/);
  await page.locator('[data-testid=timeline] li').first().waitFor();
  assert.ok(await page.locator('[data-testid=timeline] li').count() >= 1);
  if (shots) await page.screenshot({ path: `${shots}/customer-en.png`, fullPage: true });
});

test('the customer page charts spending by month, and its figures add up to the records', async () => {
  const res = await page.request.get(`${url}/v1/customers/C0000002/timeline`);
  assert.equal(res.status(), 200);
  const entries = (await res.json()).data;
  let total = 0;
  const months = new Set();
  for (const e of entries) {
    const paid = e.kind === 'payments' && e.status === 'succeeded';
    if (!(paid || e.kind === 'purchases') || e.currency !== 'EUR') continue;
    total += (e.action === 'return' ? -1 : 1) * e.amount_minor;
    months.add(e.at.slice(0, 7));
  }
  assert.ok(total > 0, 'the demo customer has paid something');
  await page.locator('[data-testid=spend-chart] canvas').waitFor();
  const caption = await page.locator('[data-testid=spend-total]').textContent();
  const expected = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'EUR' }).format(total / 100);
  assert.ok(caption.includes(expected), `the chart's total ${caption} is the records' ${expected}`);
  const rows = await page.locator('[data-testid=spend-table] tbody tr').count();
  assert.ok(rows >= months.size - 1, `one row per month with activity, ${rows} rows for ${months.size} months`);
  const legend = await page.locator('[data-testid=spend-chart] .u-legend').textContent();
  assert.match(legend, /Purchases/);
  assert.match(legend, /Payments/);
});

test('a member\'s page shows their punch card, points and coupons as the API has them', async () => {
  let member = null;
  for (let i = 1; i <= 60 && !member; i++) {
    const id = `C${String(i).padStart(7, '0')}`;
    const res = await page.request.get(`${url}/v1/customers/${id}/loyalty`);
    const body = await res.json();
    if (body.memberships?.some((m) => m.kind === 'punch_card') && body.coupons?.length) member = body;
  }
  assert.ok(member, 'the demo world has a member with a card and coupons');
  await page.goto(`${url}/#/customers/${member.customer}`);
  await page.locator('[data-testid=loyalty]').waitFor();
  const card = member.memberships.find((m) => m.kind === 'punch_card');
  const progress = await page.locator(`[data-testid=card-${card.program}] [data-testid=card-progress]`).textContent();
  assert.match(progress, new RegExp(`^${card.card.punches} of ${card.card.of} punches`), progress);
  assert.equal(await page.locator(`[data-testid=card-${card.program}] .punch.done`).count(), card.card.punches);
  const points = member.memberships.find((m) => m.kind === 'points');
  if (points) {
    const shown = await page.locator(`[data-testid=points-${points.program}] [data-testid=points-balance]`).textContent();
    assert.equal(shown.replace(/[^0-9-]/g, ''), String(points.balance));
    // The history, read when opened, is the ledger the API has, newest first.
    const ledger = (await (await page.request.get(`${url}/v1/customers/${member.customer}/loyalty/ledger?program=${points.program}&limit=50`)).json()).data;
    await page.locator(`[data-testid=points-${points.program}] summary`, { hasText: 'History' }).click();
    await page.locator(`[data-testid=points-${points.program}] [data-testid=ledger] tbody tr`).first().waitFor();
    assert.equal(await page.locator(`[data-testid=points-${points.program}] [data-testid=ledger] tbody tr`).count(), ledger.length);
    const firstPoints = await page.locator(`[data-testid=points-${points.program}] [data-testid=ledger] tbody tr:first-child td:nth-child(3)`).textContent();
    assert.equal(Number(firstPoints.replace(/[^0-9-]/g, '')), ledger[0].points, firstPoints);
    if (points.tier) {
      const level = points.tier.levels.find((l) => l.id === points.tier.tier);
      const name = await page.locator(`[data-testid=points-${points.program}] [data-testid=tier-name]`).textContent();
      assert.equal(name, level ? level.name.en : 'no tier yet');
      const progress = await page.locator(`[data-testid=points-${points.program}] [data-testid=tier-progress]`).textContent();
      if (points.tier.next) {
        const more = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'EUR' }).format(points.tier.to_next / 100);
        assert.ok(progress.includes(`spend ${more} more`), `${progress} says what reaches the next tier (${more})`);
      }
    }
  }
  const rows = await page.locator('[data-testid=coupons] tbody tr').count();
  assert.equal(rows, Math.min(member.coupons.length, 20));
  assert.ok((await page.locator('[data-testid=coupons] tbody tr').first().textContent()).includes(member.coupons[0].code));
  if (shots) await page.screenshot({ path: `${shots}/customer-loyalty.png`, fullPage: true });
  await page.goto(`${url}/#/customers/C0000002`);
  await page.locator('[data-testid=customer] h1').waitFor();
});

test('the loyalty screen lists the programs and charts a year of one, with the API\'s figures', async () => {
  await page.click('[data-testid=nav-loyalty]');
  await page.locator('[data-testid=programs] tbody tr').first().waitFor();
  const api = await (await page.request.get(`${url}/v1/loyalty/programs`)).json();
  assert.equal(await page.locator('[data-testid=programs] > table tbody tr').count(), api.data.length);
  await page.locator('[data-testid=program-report] canvas').waitFor();
  const first = api.data[0];
  const report = await (await page.request.get(`${url}/v1/loyalty/programs/${first.id}/report`)).json();
  const summary = await page.locator('[data-testid=report-summary]').textContent();
  assert.ok(summary.startsWith(`${new Intl.NumberFormat('en-GB').format(report.members)} members`), summary);
  assert.equal(await page.locator('[data-testid=report-table] tbody tr').count(), report.months.length);
  const cells = await page.locator('[data-testid=report-table] tbody tr td:nth-child(6)').allTextContents();
  const issued = cells.reduce((sum, c) => sum + Number(c.replace(/[^0-9]/g, '')), 0);
  assert.equal(issued, report.months.reduce((sum, m) => sum + m.coupons_issued, 0));
  assert.ok(issued > 0, 'the demo programs issued coupons this year');
  const active = await page.locator('[data-testid=report-table] tbody tr td:nth-child(2)').allTextContents();
  assert.deepEqual(active.map((c) => Number(c.replace(/[^0-9]/g, ''))), report.months.map((m) => m.active_members));
  if (shots) await page.screenshot({ path: `${shots}/loyalty.png`, fullPage: true });
});

test('the designer previews what a basket earns as the API does, and names the field of a mistake', async () => {
  const api = await (await page.request.get(`${url}/v1/loyalty/programs`)).json();
  const points = api.data.find((p) => p.kind === 'points');
  assert.ok(points, 'the demo has a points program');
  await page.locator('[data-testid=programs] > table a', { hasText: points.name.en }).click();
  await page.click('[data-testid=design]');
  await page.waitForFunction(() => document.querySelector('[data-testid=designer-document]')?.value.includes('"kind"'));
  const doc = JSON.parse(await page.locator('[data-testid=designer-document]').inputValue());
  assert.equal(doc.id, points.id);
  await page.click('[data-testid=designer-preview]');
  await page.locator('[data-testid=designer-result]').waitFor();
  const session = await (await page.request.get(`${url}/v1/session`)).json();
  const res = await page.request.post(`${url}/v1/loyalty/preview`, {
    data: { program: doc, purchase: { currency: 'EUR', lines: [{ product: 'SUB', quantity: 2, unit_price: '6.50' }] } },
    headers: { 'X-CSRF-Token': session.csrf_token },
  });
  assert.equal(res.status(), 200);
  const expected = await res.json();
  assert.ok(expected.points > 0, JSON.stringify(expected));
  const shown = await page.locator('[data-testid=designer-result]').textContent();
  assert.ok(shown.includes(`earns ${expected.points} points`), `${shown} vs ${JSON.stringify(expected)}`);
  assert.ok(expected.by_tier.length > 0, 'the demo program has tiers');
  for (const tier of expected.by_tier) assert.ok(shown.includes(`at ${tier.tier}: ${tier.points} points`), shown);
  // A mistake in the document is answered with the field at fault; an agent cannot save.
  doc.earn.per_unit = -1;
  await page.fill('[data-testid=designer-document]', JSON.stringify(doc, null, 2));
  await page.click('[data-testid=designer-preview]');
  await page.locator('[data-testid=designer-message]').waitFor();
  assert.match(await page.locator('[data-testid=designer-message]').textContent(), /program\.earn\.per_unit/);
  assert.equal(await page.locator('[data-testid=designer-save]').count(), 0);
  // The same designer reads TOML.
  await page.fill('[data-testid=designer-document]', 'id = "t"\nkind = "points"\ncurrency = "EUR"\nearn = { per_unit = 10 }\n');
  await page.click('[data-testid=designer-preview]');
  await page.waitForFunction(() => document.querySelector('[data-testid=designer-result]')?.textContent.includes('earns 130 points'));
  if (shots) await page.screenshot({ path: `${shots}/designer.png`, fullPage: true });
  await page.goto(`${url}/#/customers/C0000002`);
  await page.locator('[data-testid=customer] h1').waitFor();
});

test('the analytics screen charts the stored refresh, with the API\'s figures', async () => {
  const d = await (await page.request.get(`${url}/v1/analytics`)).json();
  await page.click('[data-testid=nav-analytics]');
  await page.locator('[data-testid=analytics]').waitFor();
  // The churn tile is the last complete month's rate as the API has it.
  const last = d.kpis.length >= 2 ? d.kpis[d.kpis.length - 2] : d.kpis[d.kpis.length - 1];
  const tile = await page.locator('[data-testid=kpi-churn] strong').textContent();
  assert.equal(tile, new Intl.NumberFormat('en-GB', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(last.churn_rate));
  // Charts drawn (uPlot canvases), the cohort heatmap, the 5 x 5 RFM grid adding up to the buyers.
  assert.ok(await page.locator('[data-testid=survival-chart] canvas').count() >= 1);
  const projected = d.survival.projection.months.find((m) => m.t === 12).survival;
  assert.ok((await page.locator('[data-testid=projection]').textContent())
    .includes(new Intl.NumberFormat('en-GB', { style: 'percent', maximumFractionDigits: 0 }).format(projected)));
  assert.equal(await page.locator('[data-testid=cohorts] tbody tr').count(), d.cohorts.cohorts.length);
  const cells = await page.locator('[data-testid=rfm-grid] td').allTextContents();
  assert.equal(cells.length, 25);
  assert.equal(cells.reduce((sum, c) => sum + Number(c), 0), d.rfm.customers);
  // The customers most at risk, with reasons in words; an agent may not refresh.
  assert.ok(d.churn_model.at_risk?.length > 0, JSON.stringify(d.churn_model).slice(0, 200));
  const first = page.locator('[data-testid=at-risk] tbody tr').first();
  assert.equal(await first.locator('a').textContent(), d.churn_model.at_risk[0].name);
  assert.ok((await first.locator('.reasons li').count()) >= 1);
  assert.equal(await page.locator('[data-testid=analytics-refresh]').count(), 0);
  if (shots) await page.screenshot({ path: `${shots}/analytics.png`, fullPage: true });
  // Their page shows the same risk.
  await first.locator('a').click();
  await page.locator('[data-testid=value-and-risk]').waitFor();
  const risk = await page.locator('[data-testid=churn-risk]').textContent();
  assert.ok(risk.startsWith(new Intl.NumberFormat('en-GB', { style: 'percent', maximumFractionDigits: 0 }).format(d.churn_model.at_risk[0].risk)), risk);
  // Back to the customer the next test reads.
  await page.evaluate(() => { location.hash = '#/customers/C0000002'; });
  await page.locator('[data-testid=timeline] li').first().waitFor();
});

test('the retention desk: an agent asks, a supervisor approves, the save is applied and reported', async () => {
  // The supervisor sets the desk: no control group, so the walk is the same every run.
  const boss = await browser.newContext({ locale: 'en-GB' });
  const bossPage = await boss.newPage();
  const signin = await bossPage.request.post(`${url}/v1/session`, {
    data: { username: process.env.RETAIN_SUPERVISOR, password: process.env.RETAIN_SUPERVISOR_PASSWORD } });
  assert.equal(signin.status(), 200, await signin.text());
  const csrf = (await signin.json()).csrf_token;
  const desk = {
    control_share: 0, thompson: false,
    offers: [
      { id: 'small', kind: 'discount', name: { en: '10% off for 2 months' }, percent: 10, months: 2 },
      { id: 'half', kind: 'discount', name: { en: 'Half price for 6 months' }, percent: 50, months: 6, prior: { accepted: 9, declined: 1 } },
    ],
    talk_tracks: { too_expensive: { en: 'Let me see what I can do on your bill.' } },
  };
  const put = await bossPage.request.put(`${url}/v1/retention/desk`, { headers: { 'X-CSRF-Token': csrf }, data: desk });
  assert.equal(put.status(), 200, await put.text());
  const before = await (await page.request.get(`${url}/v1/retention/report`)).json();  // the demo's calls

  // The agent opens a cancel request on an active subscription.
  const subs = (await (await page.request.get(`${url}/v1/subscriptions?limit=200`)).json()).data.filter((s) => s.status === 'active');
  assert.ok(subs.length > 0);
  const sub = subs[0];
  await page.evaluate((c) => { location.hash = `#/customers/${c}`; }, sub.customer);
  await page.click(`[data-testid=cancel-${sub.id}]`);
  await page.selectOption('[data-testid=cancel-reason]', 'too_expensive');
  await page.click('[data-testid=cancel-open]');
  await page.locator('[data-testid=offers]').waitFor();
  assert.equal(await page.locator('[data-testid=talk-track]').textContent(), 'Let me see what I can do on your bill.');
  // Half price is beyond an agent's authority: the page offers to ask, not to accept.
  assert.equal(await page.locator('[data-testid=accept-half]').count(), 0);
  assert.equal(await page.locator('[data-testid=accept-small]').count(), 1);
  await page.click('[data-testid=ask-half]');
  await page.locator('[data-testid=waiting]').waitFor();
  if (shots) await page.screenshot({ path: `${shots}/cancel-flow.png`, fullPage: true });

  // The supervisor approves from the queue.
  await bossPage.goto(`${url}/#/retention`);
  const row = bossPage.locator('[data-testid=approvals] tbody tr').first();
  await row.waitFor();
  assert.match(await row.textContent(), /half/);
  if (shots) await bossPage.screenshot({ path: `${shots}/approvals.png`, fullPage: true });
  await row.locator('button[data-testid^=approve-]').click();
  await bossPage.locator('[data-testid=no-approvals]').waitFor();
  await boss.close();

  // The agent's page sees the approval and records the save; the discount is on the subscription.
  await page.click('[data-testid=accept-half]', { timeout: 10000 });
  await page.locator('[data-testid=cancel-outcome]').waitFor();
  assert.equal(await page.locator('[data-testid=cancel-outcome]').textContent(), 'Saved with: Half price for 6 months');
  const after = await (await page.request.get(`${url}/v1/subscriptions/${encodeURIComponent(sub.id)}`)).json();
  assert.ok(after.discounts.some((d) => JSON.stringify(d).includes('retention offer half')), JSON.stringify(after.discounts));

  // The desk's report counts it beside the demo's calls; an agent sees no approval queue.
  const report = await (await page.request.get(`${url}/v1/retention/report`)).json();
  assert.equal(report.saved, before.saved + 1);
  assert.equal(report.requests, before.requests + 1);
  await page.click('[data-testid=nav-retentionDesk]');
  await page.locator('[data-testid=tile-saved]').waitFor();
  assert.equal(await page.locator('[data-testid=tile-saved] strong').textContent(), String(report.saved));
  assert.equal(await page.locator('[data-testid=tile-requests] strong').textContent(), String(report.requests));
  await page.locator('[data-testid=saves-chart] canvas').waitFor();
  assert.equal(await page.locator('[data-testid=approvals]').count(), 0);
  if (shots) await page.screenshot({ path: `${shots}/retention.png`, fullPage: true });
  await page.evaluate(() => { location.hash = '#/customers/C0000002'; });
  await page.locator('[data-testid=timeline] li').first().waitFor();
});

test('the self-serve cancel page: one offer kept, and a cancellation in three clicks', async () => {
  // Staff make signed links (the desk from the test before: no control group, "small" is the best
  // offer a customer may take alone).
  const session = await (await page.request.get(`${url}/v1/session`)).json();
  const subs = (await (await page.request.get(`${url}/v1/subscriptions?limit=300`)).json()).data
    .filter((s) => s.status === 'active' && s.discounts.length === 0);
  assert.ok(subs.length >= 2);
  const link = async (sub) => {
    const r = await page.request.post(`${url}/v1/subscriptions/${encodeURIComponent(sub.id)}/cancel-link`,
      { headers: { 'X-CSRF-Token': session.csrf_token }, data: { days: 7 } });
    assert.equal(r.status(), 201, await r.text());
    return (await r.json()).path;
  };
  const customer = await (await browser.newContext({ locale: 'en-GB' })).newPage();  // no staff cookie

  // A forged link shows a message, not an error page.
  await customer.goto(`${url}/cancel/414243_1999999999_0123456789abcdef0123456789abcdef01234567`);
  await customer.locator('[data-testid=ss-invalid]').waitFor();

  // Save: a reason, continue, keep the offer; the discount is on the subscription.
  await customer.goto(url + await link(subs[0]));
  await customer.locator('[data-testid=self-serve] h1').waitFor();
  await customer.selectOption('[data-testid=self-serve] select', 'en');
  await customer.click('[data-testid=ss-reason-too_expensive]');
  await customer.click('[data-testid=ss-continue]');
  await customer.locator('[data-testid=ss-offer]').waitFor();
  assert.match(await customer.locator('[data-testid=ss-offer]').textContent(), /10% off for 2 months/);
  assert.equal(await customer.locator('[data-testid=ss-cancel]').count(), 1, 'cancelling stays one click away');
  if (shots) await customer.screenshot({ path: `${shots}/self-serve-offer.png`, fullPage: true });
  await customer.click('[data-testid=ss-keep]');
  await customer.locator('[data-testid=ss-saved]').waitFor();
  const kept = await (await page.request.get(`${url}/v1/subscriptions/${encodeURIComponent(subs[0].id)}`)).json();
  assert.equal(kept.status, 'active');
  assert.ok(kept.discounts.some((d) => JSON.stringify(d).includes('retention offer small')), JSON.stringify(kept.discounts));

  // Cancel: three clicks (reason, continue, no thanks), in the customer's own language.
  await customer.goto(url + await link(subs[1]));
  await customer.locator('[data-testid=self-serve] h1').waitFor();
  const lang = await customer.evaluate(() => document.documentElement.lang);
  const who = await (await page.request.get(`${url}/v1/customers/${encodeURIComponent(subs[1].customer)}`)).json();
  assert.equal(lang, who.locale, 'the page speaks the customer\'s language');
  await customer.click('[data-testid=ss-reason-moving]');
  await customer.click('[data-testid=ss-continue]');
  await customer.click('[data-testid=ss-cancel]');
  await customer.locator('[data-testid=ss-cancelled]').waitFor();
  const gone = await (await page.request.get(`${url}/v1/subscriptions/${encodeURIComponent(subs[1].id)}`)).json();
  assert.equal(gone.status, 'cancel_requested');
  const requests = (await (await page.request.get(`${url}/v1/cancel-requests?customer=${encodeURIComponent(subs[1].customer)}`)).json()).data;
  assert.equal(requests[0].channel, 'web');
  assert.equal(requests[0].status, 'cancelled');
  if (shots) await customer.screenshot({ path: `${shots}/self-serve-cancelled.png`, fullPage: true });
  await customer.context().close();
});

test('the retention desk shows failed-payment recovery and win-back as the API reports them', async () => {
  const report = await (await page.request.get(`${url}/v1/retention/recovery-report`)).json();
  assert.ok(report.opened > 0, 'the demo world has failed payments');
  await page.click('[data-testid=nav-retentionDesk]');
  await page.locator('[data-testid=tile-failed]').waitFor();
  assert.equal(await page.locator('[data-testid=tile-failed] strong').textContent(), String(report.opened));
  assert.equal(await page.locator('[data-testid=tile-recovered] strong').textContent(), String(report.recovered));
  await page.locator('[data-testid=recovery] canvas').waitFor();
  assert.equal(await page.locator('[data-testid=recovery-months] tbody tr').count(), report.by_month.length);
  await page.locator('[data-testid=winback]').waitFor();
  if (shots) await page.screenshot({ path: `${shots}/recovery.png`, fullPage: true });
  await page.evaluate(() => { location.hash = '#/customers/C0000002'; });
  await page.locator('[data-testid=timeline] li').first().waitFor();
});

test('a complaint from intake to compensation: a reply stops the first clock, a coupon is given, more asks a supervisor', async () => {
  const subs = (await (await page.request.get(`${url}/v1/subscriptions?limit=300`)).json()).data.filter((s) => s.status === 'active');
  const sub = subs[subs.length - 1];
  // The demo world's own complaints are in the dashboard already.
  const before = await (await page.request.get(`${url}/v1/care/report`)).json();
  await page.click('[data-testid=nav-complaints]');
  await page.locator('[data-testid=new-case]').waitFor();
  await page.fill('[data-testid=new-case] input[name=customer]', sub.customer);
  await page.selectOption('[data-testid=new-case] select[name=channel]', 'letter');
  await page.selectOption('[data-testid=new-case] select[name=category]', 'technical');
  await page.selectOption('[data-testid=new-case] select[name=severity]', 'high');
  await page.fill('[data-testid=new-case] textarea[name=text]', 'No signal for a week.');
  await page.click('[data-testid=new-case] button[type=submit]');
  await page.locator('[data-testid=case]').waitFor();
  const id = await page.evaluate(() => location.hash.split('/').pop());
  let c = await (await page.request.get(`${url}/v1/cases/${id}`)).json();
  assert.equal(c.customer, sub.customer);
  assert.equal(c.policy, 'urgent', 'the default document answers high severity in an hour');
  assert.equal(await page.locator('[data-testid=case-status]').textContent(), 'new');

  // The first reply stops the first-response clock and opens the case.
  await page.fill('[data-testid=reply-text]', 'We are sorry; a technician is on the way.');
  await page.click('[data-testid=reply-send]');
  await page.waitForFunction(() => document.querySelector('[data-testid=case-status]')?.textContent === 'open');
  c = await (await page.request.get(`${url}/v1/cases/${id}`)).json();
  assert.equal(c.sla.first_response.stopped, true);
  assert.equal(await page.locator('[data-testid=clock-first]').textContent(), c.sla.first_response.met ? 'met' : 'missed');

  // A 10.00 coupon is within an agent's limit; 40.00 back is not, so the page offers to ask.
  await page.selectOption('[data-testid=comp-kind]', 'coupon');
  await page.fill('[data-testid=comp-amount]', '10.00');
  await page.click('[data-testid=comp-give]');
  await page.locator('[data-testid=compensations] tbody tr').first().waitFor();
  assert.match(await page.locator('[data-testid=compensations] tbody tr').first().textContent(), /granted.*CMP-/);
  await page.selectOption('[data-testid=comp-kind]', 'refund');
  await page.fill('[data-testid=comp-amount]', '40.00');
  await page.click('[data-testid=comp-give]');
  await page.locator('[data-testid=case-error]').waitFor();
  assert.match(await page.locator('[data-testid=case-error]').textContent(), /beyond your limit/);
  await page.click('[data-testid=comp-ask]');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=compensations] tbody tr').length === 2);
  assert.match(await page.locator('[data-testid=compensations] tbody tr').nth(1).textContent(), /waiting for a supervisor/);
  c = await (await page.request.get(`${url}/v1/cases/${id}`)).json();
  assert.deepEqual(c.compensations.map((m) => [m.kind, m.value_minor, m.status]),
    [['coupon', 1000, 'granted'], ['refund', 4000, 'pending_approval']]);
  if (shots) await page.screenshot({ path: `${shots}/case.png`, fullPage: true });

  // A supervisor approves the refund from the desk's screen.
  const boss = await browser.newContext({ locale: 'en-GB' });
  const bossPage = await boss.newPage();
  const signin = await bossPage.request.post(`${url}/v1/session`, {
    data: { username: process.env.RETAIN_SUPERVISOR, password: process.env.RETAIN_SUPERVISOR_PASSWORD } });
  assert.equal(signin.status(), 200, await signin.text());
  await bossPage.goto(`${url}/#/retention`);
  const pending = c.compensations[1].id;
  await bossPage.click(`[data-testid=approve-compensation-${pending}]`);
  await bossPage.locator('[data-testid=no-compensations]').waitFor();
  await boss.close();
  c = await (await page.request.get(`${url}/v1/cases/${id}`)).json();
  assert.equal(c.compensations[1].status, 'granted');

  // Resolved, it leaves the open queue.
  await page.click('[data-testid=move-resolved]');
  await page.waitForFunction(() => document.querySelector('[data-testid=case-status]')?.textContent === 'resolved');
  await page.click('[data-testid=nav-complaints]');
  await page.locator('[data-testid=case-queue]').waitFor();
  assert.equal(await page.locator(`[data-testid=case-queue] a[href="#/cases/${id}"]`).count(), 0);
  // The quality dashboard counts it, with the coupon's and the approved refund's cost.
  const quality = await (await page.request.get(`${url}/v1/care/report`)).json();
  assert.equal(quality.compensation_cost_minor - before.compensation_cost_minor, 5000);
  assert.equal(quality.cases - before.cases, 1);
  await page.locator('[data-testid=tile-cases]').waitFor();
  assert.equal(await page.locator('[data-testid=tile-cases] strong').textContent(), String(quality.cases));
  const cost = (quality.compensation_cost_minor / 100).toLocaleString('en-GB', { minimumFractionDigits: 2 });
  assert.equal(await page.locator('[data-testid=tile-compensation] strong').textContent(), `€${cost}`);
  await page.selectOption('[data-testid=case-filter]', 'resolved');
  await page.locator(`[data-testid=case-queue] a[href="#/cases/${id}"]`).waitFor();
  await page.evaluate(() => { location.hash = '#/customers/C0000002'; });
  await page.locator('[data-testid=timeline] li').first().waitFor();
});

test('a survey from the builder to a Danish answer by keyboard, its follow-up case and the report', async () => {
  // A supervisor builds the survey from the example and previews it in Danish.
  const boss = await browser.newContext({ locale: 'en-GB' });
  const bossPage = await boss.newPage();
  const signin = await bossPage.request.post(`${url}/v1/session`, {
    data: { username: process.env.RETAIN_SUPERVISOR, password: process.env.RETAIN_SUPERVISOR_PASSWORD } });
  assert.equal(signin.status(), 200, await signin.text());
  await bossPage.goto(`${url}/#/feedback`);
  await bossPage.click('[data-testid=fb-tab-builder]');
  await bossPage.fill('[data-testid=fb-key]', 'web-pulse');
  await bossPage.selectOption('[data-testid=fb-preview-lang]', 'da');
  await bossPage.waitForFunction(() => document.querySelector('[data-testid=fb-preview] h1')?.textContent === 'Hvordan klarer vi os?');
  // A mistake is named by its field, and the preview follows the fix.
  await bossPage.fill('[data-testid=fb-qtext-0-en]', '');
  await bossPage.locator('[data-testid=fb-builder-error]').waitFor();
  assert.match(await bossPage.locator('[data-testid=fb-builder-error]').textContent(), /questions\[0\]\.text\.en/);
  await bossPage.fill('[data-testid=fb-qtext-0-en]', 'How likely are you to recommend us?');
  await bossPage.locator('[data-testid=fb-builder-error]').waitFor({ state: 'detached' });
  if (shots) await bossPage.screenshot({ path: `${shots}/survey-builder.png`, fullPage: true });
  await bossPage.click('[data-testid=fb-save]');
  await bossPage.locator('[data-testid=fb-saved], [data-testid=fb-builder-error]').first().waitFor();
  assert.equal(await bossPage.locator('[data-testid=fb-builder-error]').count(), 0,
               await shown(bossPage, '[data-testid=fb-builder-error]'));
  await boss.close();

  // An agent invites a Danish customer who can be e-mailed and was not asked lately.
  const customers = (await (await page.request.get(`${url}/v1/customers?limit=500`)).json()).data;
  let who = null;
  for (const c of customers.filter((x) => x.locale === 'da' && x.consent.email && x.email)) {
    const mine = await (await page.request.get(`${url}/v1/customers/${c.id}/surveys`)).json();
    if (mine.invitations.length === 0) { who = c; break; }
  }
  assert.ok(who, 'the demo world has a Danish customer to ask');
  await page.evaluate(() => { location.hash = '#/feedback'; });
  await page.locator('[data-testid=fb-survey]').waitFor();
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=fb-survey] option')].some((o) => o.value === 'web-pulse'));
  await page.selectOption('[data-testid=fb-survey]', 'web-pulse');
  assert.equal(await page.locator('[data-testid=fb-tab-builder]').count(), 0, 'an agent may not change surveys');
  await page.click('[data-testid=fb-tab-invitations]');
  await page.fill('[data-testid=fb-invite-customers]', `${who.id}\nNOBODY`);
  await page.click('[data-testid=fb-invite]');
  await page.locator('[data-testid=fb-invite-result]').waitFor();
  assert.match(await page.locator('[data-testid=fb-invite-result] .skipped').textContent(), /NOBODY: unknown customer/);
  const link = await page.locator(`[data-testid=fb-link-${who.id}]`).getAttribute('href');
  assert.match(link, /^\/s\/[0-9a-f]{32}$/);
  await page.locator(`[data-testid=fb-invitation-list] tbody tr`).first().waitFor();

  // The customer answers in Danish with the keyboard alone: a 3 and billing rated 1.
  const customer = await browser.newContext({ locale: 'da-DK' });
  const mine = await customer.newPage();
  await mine.goto(`${url}${link}`);
  await mine.locator('[data-testid=sv-form]').waitFor();
  assert.equal(await mine.locator('h1').textContent(), 'Hvordan klarer vi os?');
  assert.equal(await mine.evaluate(() => document.documentElement.lang), 'da');
  await mine.keyboard.press('Tab');                 // the first point of the 0-10 scale
  for (let i = 0; i < 3; ++i) await mine.keyboard.press('ArrowRight');
  await mine.keyboard.press('Tab');                 // the billing rating
  await mine.keyboard.press('Space');
  assert.equal(await mine.evaluate(() => document.querySelector('input[name=q-recommend]:checked')?.value), '3');
  assert.equal(await mine.evaluate(() => document.querySelector('input[name=q-billing]:checked')?.value), '1');
  await mine.fill('[data-testid=sv-q-comment] textarea', 'Regningen kom for sent, og beløbet var forkert – æøå');
  await mine.focus('[data-testid=sv-submit]');
  await mine.keyboard.press('Enter');
  await mine.locator('[data-testid=sv-done]').waitFor();
  assert.equal(await mine.locator('[data-testid=sv-done]').textContent(), 'Tak for dit svar.');
  if (shots) await mine.screenshot({ path: `${shots}/survey-answered.png`, fullPage: true });
  // The link counts once: opened again, it says so in Danish, and the server refuses a second answer.
  await mine.reload();
  await mine.locator('[data-testid=sv-answered]').waitFor();
  assert.equal(await mine.locator('[data-testid=sv-answered]').textContent(), 'Denne undersøgelse er allerede besvaret. Tak.');
  const again = await mine.request.post(`${url}/v1/self-serve/surveys/${link.slice(3)}`, { data: { answers: { recommend: 10 } } });
  assert.equal(again.status(), 409);
  await customer.close();

  // The detractor's follow-up case and the report, as the staff see them.
  const answers = await (await page.request.get(`${url}/v1/customers/${who.id}/surveys`)).json();
  assert.equal(answers.responses[0].score, 3);
  const followUp = answers.responses[0].follow_up_case;
  assert.ok(followUp, 'a detractor opens a follow-up case');
  const c = await (await page.request.get(`${url}/v1/cases/${followUp}`)).json();
  assert.equal(c.channel, 'survey');
  assert.equal(c.category, 'billing');
  assert.equal(c.policy, 'survey-follow-up');
  const report = await (await page.request.get(`${url}/v1/feedback/report?survey=web-pulse`)).json();
  assert.equal(report.nps.responses, 1);
  assert.equal(report.nps.score, -100);
  await page.click('[data-testid=fb-tab-report]');
  await page.locator('[data-testid=fb-trend]').waitFor();
  assert.equal(await page.locator('[data-testid=fb-tile-nps] strong').textContent(), '-100.0');
  assert.equal(await page.locator('[data-testid=fb-tile-followups] strong').textContent(), '1');
  assert.equal(await page.locator('[data-testid=fb-drivers] tbody tr').first().getAttribute('data-area'), 'billing');
  if (shots) await page.screenshot({ path: `${shots}/feedback.png`, fullPage: true });
  await page.evaluate((id) => { location.hash = `#/customers/${id}`; }, who.id);
  await page.locator('[data-testid=customer-surveys] tbody tr').first().waitFor();
  assert.match(await page.locator('[data-testid=customer-surveys] tbody tr').first().textContent(), /NPS 3\s*detractor/);
  await page.evaluate(() => { location.hash = '#/customers/C0000002'; });
  await page.locator('[data-testid=timeline] li').first().waitFor();
});

test('the segment builder counts while typing and names a mistake by line and column', async () => {
  await page.click('[data-testid=nav-outreach]');
  await page.locator('[data-testid=segment-text]').waitFor();
  await page.fill('[data-testid=segment-text]', 'locale = "da" and email_consent = true');
  const { csrf_token: csrf } = await (await page.request.get(`${url}/v1/session`)).json();
  const api = await (await page.request.post(`${url}/v1/segments/count`, {
    data: { segment: 'locale = "da" and email_consent = true' }, headers: { 'X-CSRF-Token': csrf } })).json();
  assert.ok(api.count > 0 && api.count < api.customers, `a real subset, got ${api.count} of ${api.customers}`);
  await page.waitForFunction((n) => document.querySelector('[data-testid=segment-count]')?.textContent?.startsWith(`${n} of`), api.count.toLocaleString('en'));
  assert.equal(await page.locator('[data-testid=segment-sample] a').count(), Math.min(10, api.count));
  await page.fill('[data-testid=segment-text]', 'locale = "da" and teir = "gold"');
  await page.locator('[data-testid=segment-error]').waitFor();
  assert.match(await page.locator('[data-testid=segment-error]').textContent(), /^line 1, column 19: unknown field 'teir'; did you mean 'tier'\?/);
  if (shots) await page.screenshot({ path: `${shots}/segment.png`, fullPage: true });
  await page.evaluate(() => { location.hash = '#/customers/C0000002'; });
  await page.locator('[data-testid=timeline] li').first().waitFor();
});

test('outreach: a template previewed in Danish for a real customer, a campaign scheduled, its e-mail unsubscribed from', async () => {
  const ctx = await browser.newContext({ locale: 'en-GB' });
  const mia = await ctx.newPage();
  const signin = await mia.request.post(`${url}/v1/session`, {
    data: { username: process.env.RETAIN_MARKETER, password: process.env.RETAIN_MARKETER_PASSWORD } });
  assert.equal(signin.status(), 200, await signin.text());
  const { csrf_token: csrf } = await signin.json();
  const headers = { 'X-CSRF-Token': csrf };
  // The business's sender, and no quiet hours, so the campaign goes out whatever the hour of the test.
  const settings = await mia.request.put(`${url}/v1/outreach/settings`, { headers, data: {
    sender: { business_name: 'Sandes & Café', from_email: 'news@sandes.example', country: 'DK', city: 'København' },
    policy: { quiet_start_hour: 0, quiet_end_hour: 0 } } });
  assert.equal(settings.status(), 200, await settings.text());

  // A Danish customer who may be e-mailed, to preview for.
  const count = await (await mia.request.post(`${url}/v1/segments/count`, { headers,
    data: { segment: 'locale = "da" and email_consent = true' } })).json();
  const customer = count.sample[0];
  const api = await (await mia.request.post(`${url}/v1/templates/web-points/preview`, { headers,
    data: { customer, template: (await (await mia.request.get(`${url}/v1/templates`)).json()).example } })).json();

  await mia.goto(`${url}/#/outreach`);
  await mia.click('[data-testid=or-tab-templates]');
  await mia.click('[data-testid=tpl-new]');
  await mia.fill('[data-testid=tpl-key]', 'web-points');
  await mia.fill('[data-testid=tpl-customer]', customer);
  await mia.waitForFunction((s) => document.querySelector('[data-testid=tpl-preview-subject]')?.textContent === s, api.subject);
  assert.match(api.subject, /, dine point venter$/);
  assert.equal(await mia.locator('[data-testid=tpl-preview-text]').textContent(), api.text);
  // In English for the same customer, then a mistake named by its text, line and column.
  await mia.selectOption('[data-testid=tpl-preview-lang]', 'en');
  await mia.waitForFunction(() => /your points are waiting$/.test(document.querySelector('[data-testid=tpl-preview-subject]')?.textContent ?? ''));
  await mia.fill('[data-testid=tpl-text]', 'Dear {{first_name}},\n{{#tier}}no end');
  await mia.locator('[data-testid=tpl-error]').waitFor();
  assert.match(await mia.locator('[data-testid=tpl-error]').textContent(), /^template\.text\.en: unclosed section "tier" at line 2, column 1/);
  await mia.fill('[data-testid=tpl-text]', 'Dear {{first_name}},\n\n{{#icu}}You have {points, plural, one {# point} other {# points}}.{{/icu}}\n\nTo stop these messages: {{unsubscribe_url}}');
  await mia.locator('[data-testid=tpl-error]').waitFor({ state: 'detached' });
  if (shots) await mia.screenshot({ path: `${shots}/template-editor.png`, fullPage: true });
  await mia.click('[data-testid=tpl-save]');
  await mia.locator('[data-testid=tpl-saved]').waitFor();

  // A campaign to the Danish customers who may be e-mailed, a fifth held out, sent now.
  await mia.click('[data-testid=or-tab-campaigns]');
  await mia.click('[data-testid=cmp-new]');
  await mia.fill('[data-testid=cmp-key]', 'web-winter');
  await mia.fill('[data-testid=cmp-name]', 'Winter points');
  await mia.fill('[data-testid=cmp-editor] [data-testid=segment-text]', 'locale = "da" and email_consent = true');
  await mia.waitForFunction((n) => document.querySelector('[data-testid=cmp-editor] [data-testid=segment-count]')?.textContent?.startsWith(`${n} of`),
                           count.count.toLocaleString('en'));
  await mia.selectOption('[data-testid=cmp-template-a]', 'web-points');
  await mia.fill('[data-testid=cmp-holdout]', '20');
  await mia.click('[data-testid=cmp-schedule]');
  await mia.waitForFunction(() => document.querySelector('[data-testid=cmp-status-web-winter]')?.textContent === 'sent', null, { timeout: 60000 });
  const campaign = await (await mia.request.get(`${url}/v1/campaigns/web-winter`)).json();
  assert.equal(campaign.audience, count.count);
  assert.equal((campaign.deliveries.sent ?? 0) + (campaign.deliveries.held_out ?? 0) + (campaign.deliveries.skipped ?? 0), count.count);
  assert.ok(campaign.deliveries.held_out > 0, JSON.stringify(campaign));
  // The results show the same groups as the API.
  await mia.click('[data-testid=cmp-row-web-winter] button');
  await mia.locator('[data-testid=cmp-group-held_out]').waitFor();
  const results = await (await mia.request.get(`${url}/v1/campaigns/web-winter/results`)).json();
  const held = results.groups.find((g) => g.group === 'held_out');
  assert.equal(await mia.locator('[data-testid=cmp-group-held_out] td').first().textContent(), held.customers.toLocaleString('en'));
  await mia.locator('[data-testid=cmp-lift-chart]').waitFor();
  if (shots) await mia.screenshot({ path: `${shots}/campaign.png`, fullPage: true });

  // A journey: every new customer is welcomed with the template at once.
  await mia.click('[data-testid=or-tab-journeys]');
  await mia.click('[data-testid=jr-new]');
  await mia.fill('[data-testid=jr-key]', 'web-welcome');
  await mia.fill('[data-testid=jr-name]', 'Welcome');
  await mia.selectOption('[data-testid=jr-trigger]', 'customer.created');
  await mia.fill('[data-testid=jr-condition]', 'locale = "da"');
  await mia.fill('[data-testid=jr-holdout]', '0');  // nobody held out, so the new customer is welcomed
  await mia.click('[data-testid=jr-save]');
  await mia.locator('[data-testid=jr-row-web-welcome], [data-testid=jr-error]').first().waitFor();
  assert.equal(await mia.locator('[data-testid=jr-error]').count(), 0, await shown(mia, '[data-testid=jr-error]'));
  // An agent records a new Danish customer; the welcome goes out and the journey counts it.
  const { csrf_token: agentCsrf } = await (await page.request.get(`${url}/v1/session`)).json();
  const created = await page.request.post(`${url}/v1/customers`, { headers: { 'X-CSRF-Token': agentCsrf },
    data: { id: 'WEB-NEW-1', name: 'Karen Ny', email: 'karen.ny@example.com', locale: 'da', consent_email: 'yes' } });
  assert.equal(created.status(), 201, await created.text());
  let welcomed = [];
  for (let i = 0; i < 100 && !welcomed.some((d) => d.status === 'sent'); i++) {
    await new Promise((r) => setTimeout(r, 200));
    // The demo world has a welcome journey of its own; this one is the test's.
    welcomed = (await (await mia.request.get(`${url}/v1/customers/WEB-NEW-1/deliveries`)).json()).data
      .filter((d) => d.source === 'journey:web-welcome');
  }
  assert.equal(welcomed.length, 1, JSON.stringify(welcomed));
  assert.equal(welcomed[0].source, 'journey:web-welcome');
  assert.match(welcomed[0].subject, /^Karen, dine point venter$/, JSON.stringify(welcomed));
  // The message is on the customer's page with what happened to it.
  await mia.goto(`${url}/#/customers/WEB-NEW-1`);
  await mia.locator('[data-testid=messages] tbody tr').first().waitFor();
  const row = mia.locator(`[data-testid=messages] tr[data-delivery="${welcomed[0].id}"]`);
  assert.equal(await row.locator('td').nth(2).textContent(), welcomed[0].subject);
  assert.equal(await row.locator('[data-testid=message-status]').textContent(), 'sent');
  await mia.goto(`${url}/#/outreach`);
  await mia.click('[data-testid=or-tab-campaigns]');
  await mia.click('[data-testid=or-tab-journeys]');
  await mia.waitForFunction(() => document.querySelector('[data-testid=jr-sent-web-welcome]')?.textContent === '1');
  if (shots) await mia.screenshot({ path: `${shots}/journeys.png`, fullPage: true });
  await ctx.close();

  // One of the e-mails that arrived: the customer follows its link and leaves, in Danish, no sign-in.
  const dir = process.env.RETAIN_MAILDIR;
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.eml')).sort();
  assert.equal(files.length, campaign.deliveries.sent + 2, 'one e-mail per sent delivery, and the two welcomes (the demo\'s journey and the test\'s)');
  const raw = fs.readFileSync(`${dir}/${files[0]}`, 'utf8');
  const token = raw.match(/List-Unsubscribe: <http[^>]*\/v1\/unsubscribe\/([0-9]+_[0-9a-f]+)>/)[1];
  const to = JSON.parse(fs.readFileSync(`${dir}/${files[0].replace('.eml', '.json')}`, 'utf8')).to[0];
  const stranger = await browser.newContext({ locale: 'da-DK' });
  const them = await stranger.newPage();
  await them.goto(`${url}/u/${token}`);
  await them.locator('[data-testid=un-confirm]').waitFor();
  assert.equal(await them.locator('[data-testid=un-confirm]').textContent(), 'Afmeld');
  await them.click('[data-testid=un-confirm]');
  await them.locator('[data-testid=un-done]').waitFor();
  assert.equal(await them.locator('[data-testid=un-done]').textContent(), 'Færdig: du får ikke flere e-mails fra os.');
  await them.goto(`${url}/u/${token.slice(0, -1)}${token.endsWith('0') ? '1' : '0'}`);
  await them.locator('[data-testid=un-invalid]').waitFor();
  await stranger.close();
  const who = (await (await page.request.get(`${url}/v1/customers?q=${encodeURIComponent(to)}`)).json()).data[0];
  assert.equal(who.consent.email, false, `${to} no longer consents to e-mail`);
});

test('outreach: a saved segment counted, a contest entered and drawn, its public record checked in the browser', async () => {
  const ctx = await browser.newContext({ locale: 'en-GB' });
  const mia = await ctx.newPage();
  const signin = await mia.request.post(`${url}/v1/session`, {
    data: { username: process.env.RETAIN_MARKETER, password: process.env.RETAIN_MARKETER_PASSWORD } });
  assert.equal(signin.status(), 200, await signin.text());
  const { csrf_token: csrf } = await signin.json();
  const headers = { 'X-CSRF-Token': csrf };

  // The builder's text saved as a segment; the server counts its members within seconds.
  const segment = 'locale = "pt" and email_consent = true';
  const count = await (await mia.request.post(`${url}/v1/segments/count`, { headers, data: { segment } })).json();
  await mia.goto(`${url}/#/outreach`);
  await mia.fill('[data-testid=segment-text]', segment);
  await mia.fill('[data-testid=sg-key]', 'web-pt');
  await mia.fill('[data-testid=sg-name]', 'Portuguese, by e-mail');
  await mia.click('[data-testid=sg-save]');
  await mia.locator('[data-testid=sg-saved], [data-testid=sg-error]').first().waitFor();
  assert.equal(await mia.locator('[data-testid=sg-error]').count(), 0);
  await mia.waitForFunction((n) => document.querySelector('[data-testid=sg-members-web-pt]')?.textContent === n,
                           count.count.toLocaleString('en-GB'), { timeout: 30000 });

  // A contest made on the screen, open for a week; a customer entered there gets a code.
  await mia.click('[data-testid=or-tab-contests]');
  await mia.click('[data-testid=ct-new]');
  await mia.fill('[data-testid=ct-key]', 'web-summer');
  await mia.fill('[data-testid=ct-name]', 'Summer draw');
  await mia.fill('[data-testid=ct-prize]', 'A year of coffee');
  await mia.fill('[data-testid=ct-eligibility]', segment);
  await mia.click('[data-testid=ct-save]');
  await mia.locator('[data-testid=ct-row-web-summer], [data-testid=ct-error]').first().waitFor();
  assert.equal(await mia.locator('[data-testid=ct-error]').count(), 0, await shown(mia, '[data-testid=ct-error]'));
  assert.equal(await mia.locator('[data-testid=ct-phase-web-summer]').textContent(), 'open');
  await mia.click('[data-testid=ct-row-web-summer] button');
  assert.equal(await mia.locator('[data-testid=ct-enter]').count(), 0, 'marketing defines contests; entering customers is the counter\'s');
  // The agent at the counter enters a customer, who gets a code.
  await page.goto(`${url}/#/outreach`);
  await page.click('[data-testid=or-tab-contests]');
  await page.click('[data-testid=ct-row-web-summer] button');
  await page.fill('[data-testid=ct-enter-customer]', count.sample[0]);
  await page.click('[data-testid=ct-enter]');
  await page.locator('[data-testid=ct-message], [data-testid=ct-problem]').first().waitFor();
  assert.equal(await page.locator('[data-testid=ct-problem]').count(), 0, await shown(page, '[data-testid=ct-problem]'));
  assert.match(await page.locator('[data-testid=ct-message]').textContent(), new RegExp(`^${count.sample[0]} entered with code [0-9a-f]{12}\\.$`));

  // A contest that closes in three seconds, entered through the API by every sampled customer;
  // the server draws it by itself after the close.
  const closes = new Date(Date.now() + 3000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const made = await mia.request.put(`${url}/v1/contests/web-flash`, { headers, data: {
    name: 'Flash draw', prize: 'A tote bag', winners: 2, opens_at: '2020-01-01', closes_at: closes } });
  assert.equal(made.status(), 201, await made.text());
  const { csrf_token: agentCsrf } = await (await page.request.get(`${url}/v1/session`)).json();
  for (const id of count.sample) {
    const entry = await page.request.post(`${url}/v1/contests/web-flash/entries`, { headers: { 'X-CSRF-Token': agentCsrf }, data: { customer: id } });
    assert.equal(entry.status(), 201, await entry.text());
  }
  await mia.click('[data-testid=or-tab-journeys]');
  let drawn;
  for (let i = 0; i < 100; i++) {
    drawn = await (await mia.request.get(`${url}/v1/contests/web-flash`)).json();
    if (drawn.status === 'drawn') break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(drawn.status, 'drawn', JSON.stringify(drawn));
  await mia.click('[data-testid=or-tab-contests]');
  await mia.click('[data-testid=ct-row-web-flash] button');
  await mia.locator('[data-testid=ct-winners]').waitFor();
  assert.equal(await mia.locator('[data-testid=ct-winners] tbody tr').count(), Math.min(2, count.sample.length));
  assert.equal(await mia.locator('[data-testid=ct-seed]').textContent(), drawn.seed);
  if (shots) await mia.screenshot({ path: `${shots}/contest.png`, fullPage: true });
  await ctx.close();

  // Anyone, signed in or not, checks the draw: Chromium's own SHA-256 agrees with the server.
  const stranger = await browser.newContext({ locale: 'pt-PT' });
  const them = await stranger.newPage();
  await them.goto(`${url}/c/web-flash`);
  await them.locator('[data-testid=audit-check]').waitFor();
  assert.equal(await them.locator('[data-testid=audit-seed-check]').getAttribute('class'), 'ok');
  assert.equal(await them.locator('[data-testid=audit-winners-check]').getAttribute('class'), 'ok');
  assert.match(await them.locator('[data-testid=audit-winners-check]').textContent(), /^Verificado neste navegador/);
  assert.equal(await them.locator('[data-testid=audit-phase]').textContent(), 'sorteado');
  if (shots) await them.screenshot({ path: `${shots}/contest-audit.png`, fullPage: true });
  // Before its draw, the other contest shows only the commitment.
  await them.goto(`${url}/c/web-summer`);
  await them.locator('[data-testid=contest-audit]').waitFor();
  assert.equal(await them.locator('[data-testid=audit-seed]').count(), 0);
  await stranger.close();
  // The agent goes back to the customer the next test reads.
  await page.evaluate(() => { location.hash = '#/customers/C0000002'; });
  await page.locator('[data-testid=timeline] li').first().waitFor();
});

test('switching language changes every label and money format, and is remembered', async () => {
  await page.selectOption('[data-testid=language]', 'pt');
  await page.waitForFunction(() => document.querySelector('[data-testid=nav-customers]')?.textContent === 'Clientes');
  assert.ok(await page.getByRole('heading', { name: 'Cronologia' }).isVisible());
  const first = await page.locator('[data-testid=timeline] li').first().textContent();
  assert.match(first, /subscreveu|compra/, `the timeline speaks Portuguese, got ${first}`);
  const money = await page.locator('[data-testid=payments] td.num, [data-testid=purchases] td.num').first().textContent();
  assert.match(money, /\d,\d\d\s?€/, `Portuguese money format, got ${money}`);
  if (shots) await page.screenshot({ path: `${shots}/customer-pt.png`, fullPage: true });
  await page.reload();
  await page.waitForFunction(() => document.querySelector('[data-testid=nav-customers]')?.textContent === 'Clientes');
  await page.selectOption('[data-testid=language]', 'da');
  await page.waitForFunction(() => document.querySelector('[data-testid=nav-customers]')?.textContent === 'Kunder');
});

test('a customer\'s personal data: only an admin sees it, downloads it, and erases it with the books intact', async () => {
  // A customer with purchases, so the erasure can be seen to leave them.
  const purchases = (await (await page.request.get(`${url}/v1/purchases?limit=200`)).json()).data;
  const id = purchases[purchases.length - 1].customer;
  const own = async (p) => (await (await p.request.get(`${url}/v1/purchases?customer=${id}&limit=200`)).json()).data;
  const before = await own(page);
  const customer = await (await page.request.get(`${url}/v1/customers/${id}`)).json();
  assert.ok(customer.email, `${id} has an e-mail address to erase`);

  // An agent's page of the customer has no such section, and the API refuses the agent.
  await page.evaluate((c) => { location.hash = `#/customers/${c}`; }, id);
  await page.locator('[data-testid=timeline] li').first().waitFor();
  assert.equal(await page.locator('[data-testid=privacy]').count(), 0);
  assert.equal((await page.request.get(`${url}/v1/customers/${id}/export`)).status(), 403);

  const admin = await browser.newContext({ locale: 'en-GB', acceptDownloads: true });
  const adminPage = await admin.newPage();
  const signin = await adminPage.request.post(`${url}/v1/session`, {
    data: { username: process.env.RETAIN_ADMIN, password: process.env.RETAIN_ADMIN_PASSWORD } });
  assert.equal(signin.status(), 200, await signin.text());
  await adminPage.goto(`${url}/#/customers/${id}`);
  await adminPage.locator('[data-testid=privacy]').waitFor();

  // The download is the export: the customer's own record among the tables.
  const [download] = await Promise.all([adminPage.waitForEvent('download'), adminPage.click('[data-testid=privacy-export]')]);
  assert.equal(download.suggestedFilename(), `retain-customer-${id}.json`);
  const exported = JSON.parse(fs.readFileSync(await download.path(), 'utf8'));
  assert.equal(exported.customer, id);
  const customers = exported.tables.find((t) => t.table === 'customers');
  assert.equal(customers.rows[0].email, customer.email);
  assert.ok(exported.tables.find((t) => t.table === 'purchases').rows.length === before.length);

  // Erasing needs a reason and the id typed back.
  const button = adminPage.locator('[data-testid=privacy-erase]');
  assert.ok(await button.isDisabled());
  await adminPage.fill('[data-testid=privacy-reason]', 'Asked by letter');
  assert.ok(await button.isDisabled(), 'not without the id typed back');
  await adminPage.fill('[data-testid=privacy-confirm]', id);
  await button.click();
  await adminPage.locator('[data-testid=privacy-erased]').waitFor();
  assert.match(await adminPage.locator('[data-testid=privacy-erased]').textContent(), /Personal data erased on request, .* \d+ rows cleared\./);
  await adminPage.locator('[data-testid=erased-badge]').waitFor();
  assert.ok(!(await adminPage.locator('[data-testid=customer]').textContent()).includes(customer.email));
  if (shots) await adminPage.screenshot({ path: `${shots}/customer-erased.png`, fullPage: true });

  // The API agrees, and the purchases are as they were.
  const after = await (await page.request.get(`${url}/v1/customers/${id}`)).json();
  assert.equal(after.email, '');
  assert.equal(after.name, '');
  assert.ok(after.erased_at);
  assert.deepEqual(await own(page), before);
  await admin.close();
});

test('signing out returns to the sign-in form', async () => {
  await page.click('[data-testid=sign-out]');
  await page.locator('input[name=username]').waitFor();
  const res = await page.request.get(`${url}/v1/customers`);
  assert.equal(res.status(), 401);
});
