// Every visible string in English, Portuguese and Danish, and locale-aware formatting.
export type Locale = 'en' | 'pt' | 'da';
export const LOCALES: Locale[] = ['en', 'pt', 'da'];

const strings = {
  en: {
    appName: 'Retain', signIn: 'Sign in', signOut: 'Sign out', username: 'Username', password: 'Password',
    wrongPassword: 'Wrong username or password.', language: 'Language',
    customers: 'Customers', loyalty: 'Loyalty', retentionDesk: 'Retention desk', complaints: 'Complaints',
    feedback: 'Feedback', outreach: 'Outreach', analytics: 'Analytics', comingSoon: 'Coming soon',
    search: 'Search', searchHint: 'Customer id, e-mail or the start of a name', noResults: 'No customers found.',
    name: 'Name', email: 'E-mail', phone: 'Phone', locale: 'Language', address: 'Address',
    firstContact: 'First contact', consent: 'Marketing consent', profile: 'Profile',
    subscriptions: 'Subscriptions', purchases: 'Purchases', payments: 'Payments', timeline: 'Timeline',
    plan: 'Plan', status: 'Status', started: 'Started', cancelled: 'Cancelled', total: 'Total', store: 'Store',
    date: 'Date', amount: 'Amount', reason: 'Reason', none: 'None', back: 'Back to customers',
    loading: 'Loading…', error: 'Something went wrong', more: 'More',
    spending: 'Spending by month', spendTotal: 'Total', month: 'Month', months: 'months', figures: 'Figures',
    notMember: 'Not a member of any loyalty program yet.', punchesOf: '{punches} of {of} punches',
    cardsCompleted: '{count} cards completed', toGo: '{count} more for the reward',
    points: 'points', available: 'available', pending: 'pending', owed: 'owed by returns',
    nextExpiry: '{points} points expire on {date}', rewards: 'Rewards', coupons: 'Coupons', code: 'Code',
    reward: 'Reward', issued: 'Issued', expires: 'Expires', affordable: 'can redeem',
    coupon_active: 'active', coupon_used: 'used', coupon_expired: 'expired',
    noPrograms: 'No loyalty programs yet.', program: 'Program', kind: 'Kind', version: 'Version', inEffectFrom: 'In effect from',
    kindPoints: 'points', kindPunchCard: 'punch card', kindFrequent: 'frequent shopper',
    frequentProgress: '{purchases} of {of} purchases in {days} days', discountNow: '{percent}% off now', noDiscountYet: 'no discount yet', members: 'members', pointsOutstanding: 'points outstanding',
    earnedPoints: 'Points earned', spentPoints: 'Points spent', expiredPoints: 'Points expired',
    noTier: 'no tier yet', setByHand: 'set by hand', pointsTimes: '{factor}× points', tierWindow: '{value} in the last {days} days',
    spendMoreFor: 'spend {amount} more to reach {tier}', earnMoreFor: 'earn {amount} more to reach {tier}',
    tierDropsOn: 'drops to {tier} on {date} unless this recovers', bonusPoints: '+{points} points a purchase',
    usedOf: 'used {used} of {of}', until: 'until {date}', referralCode: 'Referral code',
    referralCounts: '{qualified} qualified, {registered} signed up, {refused} refused', referredBy: 'referred by {customer}',
    designer: 'Program designer', document: 'Document (JSON or TOML)', tryBasket: 'Try a basket', product: 'Product', quantity: 'Quantity',
    unitPrice: 'Unit price', addLine: 'Add a line', preview: 'What would this earn?', earnsPoints: 'earns {points} points',
    earnsPunches: 'earns {punches} punches', countsAsVisit: 'counts as a visit', earnsNothing: 'earns nothing',
    atTier: 'at {tier}: {points} points', withPromotion: '{promotion} adds {points} points', effectiveFrom: 'In effect from',
    saveVersion: 'Save as the next version', savedVersion: 'Saved as version {version}', notJson: 'Not valid JSON',
    openDesigner: 'Open in the designer', newProgram: 'New program', activeMembers: 'Active members',
    retentionLine: 'Bought again in the 90 days to {date}: members {members}, non-members {nonMembers}, non-members who bought as often as members {matched}',
    lotsCount: '{count} earnings and when they expire', earned: 'Earned', left: 'Left', history: 'History',
    lk_earn: 'earned', lk_reverse: 'returned', lk_spend: 'spent', lk_expire: 'expired', lk_adjust: 'adjusted',
    lk_punch: 'punch', lk_unpunch: 'punch returned', lk_card: 'card completed',
    couponsIssued: 'Coupons issued', couponsUsed: 'Coupons used',
    rk_free_item: 'free {product}', rk_percent_off: '{percent}% off', rk_amount_off: 'money off', rk_free_month: 'a free month of {product}', rk_gift: 'a gift',
    status_active: 'active', status_paused: 'paused', status_cancel_requested: 'asked to cancel',
    tl_subscribed: 'subscribed to {subject}', tl_paused: 'paused {subject}', tl_cancel_requested: 'asked to cancel {subject}',
    tl_cancelled: 'cancelled {subject} ({status}{detail})', tl_payment: 'payment {amount} {status}{detail}',
    tl_sale: 'purchase {amount}{at}{lines}', tl_return: 'return {amount}{at}', tl_at: ' at {subject}', tl_lines: ' ({count} lines)',
    analyticsTitle: 'Analytics', analyticsNone: 'No analytics yet. They are computed a minute after the server starts and every night.',
    refreshNow: 'Refresh now', refreshing: 'Refreshing…', computedAt: 'Computed {date} in {ms} ms.',
    kpiChurn: 'Churn', kpiRetention: 'Retention', kpiActive: 'Active subscriptions', kpiMrrChurned: 'Recurring revenue lost',
    kpiClv: 'Value of the next year', kpiAuc: 'Churn model AUC', churnByMonth: 'Cancellations by month',
    voluntary: 'Voluntary', involuntary: 'Involuntary (failed payments)',
    cohortsTitle: 'Customers buying again, by month of their first purchase', cohort: 'Cohort', size: 'Customers',
    monthsSince: 'Months since the first purchase', survivalTitle: 'Subscriptions still active, by plan', monthsLabel: 'months',
    medianSurvival: 'median {months} months', notReached: 'median not reached', logRank: 'log-rank test p = {p}', projection: 'Projected (shifted-beta-geometric): of a new cohort, {y1} still subscribed after a year, {y2} after two, {y3} after three; a subscriber in their second year renews each month with probability {r}.',
    clvTitle: 'Customer lifetime value over the next 52 weeks', topCustomers: 'Most valuable customers', pAlive: 'Still active',
    expected13w: 'Purchases in the next 13 weeks', rfmTitle: 'RFM: recency × frequency', recency: 'Recency', frequency: 'Frequency',
    segment: 'Segment', atRiskTitle: 'Customers worth saving: likely to leave in the next 90 days, by value at risk', valueAtRisk: 'Value at risk', risk: 'Risk', why: 'Why',
    modelLine: 'Gradient-boosted trees: AUC {auc} (logistic regression {baseline}), cross-validated on {n} customers; the riskiest tenth leave {lift}× as often as average.',
    notComputed: 'Not computed: {reason}', valueAndRisk: 'Value and risk', clvShort: 'Lifetime value (52 weeks)',
    churnRisk: 'Churn risk (90 days)', notScored: 'Not scored yet.',
    seg_champions: 'Champions', seg_loyal: 'Loyal', seg_potential_loyalists: 'Potential loyalists', seg_new: 'New',
    seg_promising: 'Promising', seg_need_attention: 'Need attention', seg_about_to_sleep: 'About to sleep', seg_at_risk: 'At risk',
    seg_cant_lose: "Can't lose them", seg_hibernating: 'Hibernating', seg_lost: 'Lost',
    f_recency_days: 'days since the last purchase', f_purchases_365: 'purchases in the last year', f_spend_365: 'spend in the last year',
    f_tenure_days: 'days as a customer', f_monthly_price: 'monthly price', f_payment_failures_90: 'failed payments in 90 days',
    f_complaints_365: 'complaints in a year', f_loyalty_activity_90: 'loyalty activity in 90 days', f_plan: 'plan',
    cancelRequest: 'Cancel request…', whyCancel: 'Why cancel?', channel: 'Channel', ch_phone: 'phone', ch_chat: 'chat',
    customerWords: "The customer's words", seeOffers: 'See offers', offer: 'Offer', costLabel: 'Cost', pAccept: 'Chance accepted',
    expectedNet: 'Expected value', needsApproval: 'needs a supervisor', approval_pending: 'asked a supervisor',
    approval_approved: 'approved', approval_declined: 'declined by the supervisor', customerAccepts: 'Customer accepts',
    askSupervisor: 'Ask a supervisor', customerCancels: 'Customer cancels', customerStays: 'Customer stays, no offer',
    controlGroup: 'This request is in the control group: make no offer, and record whether the customer cancels or stays.',
    waitingApproval: 'Waiting for a supervisor…', outcomeSaved: 'Saved with: {offer}', outcomeStays: 'The customer stays.',
    outcomeCancelled: 'Cancelled; it takes effect on {date}.', valueLabel: 'Value', band_high: 'high', band_medium: 'medium',
    band_low: 'low', band_unknown: 'not scored', approvalsTitle: 'Waiting for your approval', noApprovals: 'Nothing is waiting.',
    approve: 'Approve', decline: 'Decline', askedBy: 'Asked by', saveReport: 'Saves in the last twelve months',
    requests: 'Requests', savedCount: 'Saved', saveRate: 'Save rate', kept30: 'Still subscribed at 30 days',
    kept90: 'Still subscribed at 90 days', revenueSaved: 'Revenue saved (a year)', incentiveCost: 'Incentive cost',
    returnOnIncentive: 'Return on incentive', incremental: 'Saved by offering (vs. control group)', by_offer: 'Offer',
    by_reason: 'Reason', by_agent: 'Agent', by_channel: 'Channel',
    r_too_expensive: 'too expensive', r_not_using: 'not using it', r_moving: 'moving', r_competitor: 'switching to a competitor',
    r_service_quality: 'service quality', r_technical: 'technical problems', r_billing: 'billing problem', r_other: 'other',
    cause_voluntary: 'voluntary', cause_involuntary: 'involuntary',
    status_cancelled: 'cancelled', status_succeeded: 'paid', status_failed: 'failed', status_refunded: 'refunded',
  },
  pt: {
    appName: 'Retain', signIn: 'Entrar', signOut: 'Sair', username: 'Utilizador', password: 'Palavra-passe',
    wrongPassword: 'Utilizador ou palavra-passe errados.', language: 'Idioma',
    customers: 'Clientes', loyalty: 'Fidelização', retentionDesk: 'Retenção', complaints: 'Reclamações',
    feedback: 'Opinião', outreach: 'Comunicação', analytics: 'Análise', comingSoon: 'Em breve',
    search: 'Pesquisar', searchHint: 'Id do cliente, e-mail ou início do nome', noResults: 'Nenhum cliente encontrado.',
    name: 'Nome', email: 'E-mail', phone: 'Telefone', locale: 'Idioma', address: 'Morada',
    firstContact: 'Primeiro contacto', consent: 'Consentimento de marketing', profile: 'Perfil',
    subscriptions: 'Subscrições', purchases: 'Compras', payments: 'Pagamentos', timeline: 'Cronologia',
    plan: 'Plano', status: 'Estado', started: 'Início', cancelled: 'Cancelada', total: 'Total', store: 'Loja',
    date: 'Data', amount: 'Valor', reason: 'Motivo', none: 'Nenhum', back: 'Voltar aos clientes',
    loading: 'A carregar…', error: 'Algo correu mal', more: 'Mais',
    spending: 'Gastos por mês', spendTotal: 'Total', month: 'Mês', months: 'meses', figures: 'Valores',
    notMember: 'Ainda não é membro de nenhum programa de fidelização.', punchesOf: '{punches} de {of} carimbos',
    cardsCompleted: '{count} cartões completos', toGo: 'faltam {count} para o prémio',
    points: 'pontos', available: 'disponíveis', pending: 'pendentes', owed: 'em dívida por devoluções',
    nextExpiry: '{points} pontos expiram a {date}', rewards: 'Prémios', coupons: 'Cupões', code: 'Código',
    reward: 'Prémio', issued: 'Emitido', expires: 'Expira', affordable: 'pode resgatar',
    coupon_active: 'ativo', coupon_used: 'usado', coupon_expired: 'expirado',
    noPrograms: 'Ainda não há programas de fidelização.', program: 'Programa', kind: 'Tipo', version: 'Versão', inEffectFrom: 'Em vigor desde',
    kindPoints: 'pontos', kindPunchCard: 'cartão de carimbos', kindFrequent: 'cliente frequente',
    frequentProgress: '{purchases} de {of} compras em {days} dias', discountNow: '{percent}% de desconto agora', noDiscountYet: 'ainda sem desconto', members: 'membros', pointsOutstanding: 'pontos por usar',
    earnedPoints: 'Pontos ganhos', spentPoints: 'Pontos gastos', expiredPoints: 'Pontos expirados',
    noTier: 'ainda sem nível', setByHand: 'atribuído manualmente', pointsTimes: '{factor}× pontos', tierWindow: '{value} nos últimos {days} dias',
    spendMoreFor: 'gaste mais {amount} para chegar a {tier}', earnMoreFor: 'ganhe mais {amount} para chegar a {tier}',
    tierDropsOn: 'desce para {tier} a {date} se não recuperar', bonusPoints: '+{points} pontos por compra',
    usedOf: 'usado {used} de {of}', until: 'até {date}', referralCode: 'Código de recomendação',
    referralCounts: '{qualified} qualificadas, {registered} registadas, {refused} recusadas', referredBy: 'recomendado por {customer}',
    designer: 'Editor de programas', document: 'Documento (JSON ou TOML)', tryBasket: 'Experimentar um cesto', product: 'Produto', quantity: 'Quantidade',
    unitPrice: 'Preço unitário', addLine: 'Acrescentar linha', preview: 'Quanto ganharia?', earnsPoints: 'ganha {points} pontos',
    earnsPunches: 'ganha {punches} carimbos', countsAsVisit: 'conta como visita', earnsNothing: 'não ganha nada',
    atTier: 'no nível {tier}: {points} pontos', withPromotion: '{promotion} acrescenta {points} pontos', effectiveFrom: 'Em vigor a partir de',
    saveVersion: 'Guardar como nova versão', savedVersion: 'Guardado como versão {version}', notJson: 'JSON inválido',
    openDesigner: 'Abrir no editor', newProgram: 'Novo programa', activeMembers: 'Membros ativos',
    retentionLine: 'Voltaram a comprar nos 90 dias até {date}: membros {members}, não membros {nonMembers}, não membros que compravam tanto como os membros {matched}',
    lotsCount: '{count} ganhos e quando expiram', earned: 'Ganho', left: 'Restam', history: 'Histórico',
    lk_earn: 'ganhos', lk_reverse: 'devolvidos', lk_spend: 'gastos', lk_expire: 'expirados', lk_adjust: 'ajustados',
    lk_punch: 'carimbo', lk_unpunch: 'carimbo devolvido', lk_card: 'cartão completo',
    couponsIssued: 'Cupões emitidos', couponsUsed: 'Cupões usados',
    rk_free_item: '{product} grátis', rk_percent_off: '{percent}% de desconto', rk_amount_off: 'desconto em dinheiro', rk_free_month: 'um mês grátis de {product}', rk_gift: 'uma oferta',
    status_active: 'ativa', status_paused: 'em pausa', status_cancel_requested: 'pediu cancelamento',
    tl_subscribed: 'subscreveu {subject}', tl_paused: 'pausou {subject}', tl_cancel_requested: 'pediu para cancelar {subject}',
    tl_cancelled: 'cancelou {subject} ({status}{detail})', tl_payment: 'pagamento {amount} {status}{detail}',
    tl_sale: 'compra {amount}{at}{lines}', tl_return: 'devolução {amount}{at}', tl_at: ' em {subject}', tl_lines: ' ({count} linhas)',
    analyticsTitle: 'Análise', analyticsNone: 'Ainda sem análises. São calculadas um minuto após o arranque do servidor e todas as noites.',
    refreshNow: 'Atualizar agora', refreshing: 'A atualizar…', computedAt: 'Calculado {date} em {ms} ms.',
    kpiChurn: 'Abandono', kpiRetention: 'Retenção', kpiActive: 'Subscrições ativas', kpiMrrChurned: 'Receita recorrente perdida',
    kpiClv: 'Valor do próximo ano', kpiAuc: 'AUC do modelo de abandono', churnByMonth: 'Cancelamentos por mês',
    voluntary: 'Voluntários', involuntary: 'Involuntários (pagamentos falhados)',
    cohortsTitle: 'Clientes que voltam a comprar, por mês da primeira compra', cohort: 'Coorte', size: 'Clientes',
    monthsSince: 'Meses desde a primeira compra', survivalTitle: 'Subscrições ainda ativas, por plano', monthsLabel: 'meses',
    medianSurvival: 'mediana {months} meses', notReached: 'mediana não atingida', logRank: 'teste log-rank p = {p}', projection: 'Projeção (beta-geométrica deslocada): de uma nova coorte, {y1} ainda subscrevem após um ano, {y2} após dois, {y3} após três; no segundo ano um subscritor renova cada mês com probabilidade {r}.',
    clvTitle: 'Valor do cliente nas próximas 52 semanas', topCustomers: 'Clientes mais valiosos', pAlive: 'Ainda ativo',
    expected13w: 'Compras nas próximas 13 semanas', rfmTitle: 'RFM: recência × frequência', recency: 'Recência', frequency: 'Frequência',
    segment: 'Segmento', atRiskTitle: 'Clientes a salvar: provável saída nos próximos 90 dias, por valor em risco', valueAtRisk: 'Valor em risco', risk: 'Risco', why: 'Porquê',
    modelLine: 'Árvores de gradiente: AUC {auc} (regressão logística {baseline}), validação cruzada em {n} clientes; o décimo de maior risco sai {lift}× mais do que a média.',
    notComputed: 'Não calculado: {reason}', valueAndRisk: 'Valor e risco', clvShort: 'Valor do cliente (52 semanas)',
    churnRisk: 'Risco de saída (90 dias)', notScored: 'Ainda sem pontuação.',
    seg_champions: 'Campeões', seg_loyal: 'Leais', seg_potential_loyalists: 'Potenciais leais', seg_new: 'Novos',
    seg_promising: 'Promissores', seg_need_attention: 'Precisam de atenção', seg_about_to_sleep: 'Prestes a adormecer', seg_at_risk: 'Em risco',
    seg_cant_lose: 'Não os podemos perder', seg_hibernating: 'Em hibernação', seg_lost: 'Perdidos',
    f_recency_days: 'dias desde a última compra', f_purchases_365: 'compras no último ano', f_spend_365: 'gasto no último ano',
    f_tenure_days: 'dias como cliente', f_monthly_price: 'preço mensal', f_payment_failures_90: 'pagamentos falhados em 90 dias',
    f_complaints_365: 'reclamações num ano', f_loyalty_activity_90: 'atividade de fidelização em 90 dias', f_plan: 'plano',
    cancelRequest: 'Pedido de cancelamento…', whyCancel: 'Porquê cancelar?', channel: 'Canal', ch_phone: 'telefone', ch_chat: 'chat',
    customerWords: 'Palavras do cliente', seeOffers: 'Ver ofertas', offer: 'Oferta', costLabel: 'Custo', pAccept: 'Probabilidade de aceitar',
    expectedNet: 'Valor esperado', needsApproval: 'precisa de um supervisor', approval_pending: 'pedido ao supervisor',
    approval_approved: 'aprovada', approval_declined: 'recusada pelo supervisor', customerAccepts: 'Cliente aceita',
    askSupervisor: 'Pedir ao supervisor', customerCancels: 'Cliente cancela', customerStays: 'Cliente fica, sem oferta',
    controlGroup: 'Este pedido está no grupo de controlo: não faça oferta e registe se o cliente cancela ou fica.',
    waitingApproval: 'À espera de um supervisor…', outcomeSaved: 'Retido com: {offer}', outcomeStays: 'O cliente fica.',
    outcomeCancelled: 'Cancelado; produz efeito a {date}.', valueLabel: 'Valor', band_high: 'alto', band_medium: 'médio',
    band_low: 'baixo', band_unknown: 'sem pontuação', approvalsTitle: 'À espera da sua aprovação', noApprovals: 'Nada em espera.',
    approve: 'Aprovar', decline: 'Recusar', askedBy: 'Pedido por', saveReport: 'Retenções nos últimos doze meses',
    requests: 'Pedidos', savedCount: 'Retidos', saveRate: 'Taxa de retenção', kept30: 'Ainda subscritos aos 30 dias',
    kept90: 'Ainda subscritos aos 90 dias', revenueSaved: 'Receita retida (um ano)', incentiveCost: 'Custo dos incentivos',
    returnOnIncentive: 'Retorno dos incentivos', incremental: 'Retidos por oferecer (vs. grupo de controlo)', by_offer: 'Oferta',
    by_reason: 'Motivo', by_agent: 'Agente', by_channel: 'Canal',
    r_too_expensive: 'demasiado caro', r_not_using: 'não usa', r_moving: 'mudança de casa', r_competitor: 'muda para a concorrência',
    r_service_quality: 'qualidade do serviço', r_technical: 'problemas técnicos', r_billing: 'problema de faturação', r_other: 'outro',
    cause_voluntary: 'voluntário', cause_involuntary: 'involuntário',
    status_cancelled: 'cancelada', status_succeeded: 'pago', status_failed: 'falhou', status_refunded: 'reembolsado',
  },
  da: {
    appName: 'Retain', signIn: 'Log ind', signOut: 'Log ud', username: 'Brugernavn', password: 'Adgangskode',
    wrongPassword: 'Forkert brugernavn eller adgangskode.', language: 'Sprog',
    customers: 'Kunder', loyalty: 'Loyalitet', retentionDesk: 'Fastholdelse', complaints: 'Klager',
    feedback: 'Feedback', outreach: 'Kommunikation', analytics: 'Analyse', comingSoon: 'Kommer snart',
    search: 'Søg', searchHint: 'Kunde-id, e-mail eller begyndelsen af et navn', noResults: 'Ingen kunder fundet.',
    name: 'Navn', email: 'E-mail', phone: 'Telefon', locale: 'Sprog', address: 'Adresse',
    firstContact: 'Første kontakt', consent: 'Markedsføringssamtykke', profile: 'Profil',
    subscriptions: 'Abonnementer', purchases: 'Køb', payments: 'Betalinger', timeline: 'Tidslinje',
    plan: 'Plan', status: 'Status', started: 'Startet', cancelled: 'Opsagt', total: 'I alt', store: 'Butik',
    date: 'Dato', amount: 'Beløb', reason: 'Årsag', none: 'Ingen', back: 'Tilbage til kunder',
    loading: 'Indlæser…', error: 'Noget gik galt', more: 'Flere',
    spending: 'Forbrug pr. måned', spendTotal: 'I alt', month: 'Måned', months: 'måneder', figures: 'Tal',
    notMember: 'Endnu ikke medlem af et loyalitetsprogram.', punchesOf: '{punches} af {of} stempler',
    cardsCompleted: '{count} fulde kort', toGo: '{count} mere til belønningen',
    points: 'point', available: 'til rådighed', pending: 'afventer', owed: 'skyldes for returneringer',
    nextExpiry: '{points} point udløber {date}', rewards: 'Belønninger', coupons: 'Kuponer', code: 'Kode',
    reward: 'Belønning', issued: 'Udstedt', expires: 'Udløber', affordable: 'kan indløses',
    coupon_active: 'aktiv', coupon_used: 'brugt', coupon_expired: 'udløbet',
    noPrograms: 'Endnu ingen loyalitetsprogrammer.', program: 'Program', kind: 'Type', version: 'Version', inEffectFrom: 'Gælder fra',
    kindPoints: 'point', kindPunchCard: 'stempelkort', kindFrequent: 'stamkunde',
    frequentProgress: '{purchases} af {of} køb på {days} dage', discountNow: '{percent}% rabat nu', noDiscountYet: 'ingen rabat endnu', members: 'medlemmer', pointsOutstanding: 'udestående point',
    earnedPoints: 'Optjente point', spentPoints: 'Brugte point', expiredPoints: 'Udløbne point',
    noTier: 'intet niveau endnu', setByHand: 'sat manuelt', pointsTimes: '{factor}× point', tierWindow: '{value} de seneste {days} dage',
    spendMoreFor: 'køb for {amount} mere for at nå {tier}', earnMoreFor: 'optjen {amount} mere for at nå {tier}',
    tierDropsOn: 'falder til {tier} den {date}, medmindre det retter sig', bonusPoints: '+{points} point pr. køb',
    usedOf: 'brugt {used} af {of}', until: 'indtil {date}', referralCode: 'Henvisningskode',
    referralCounts: '{qualified} kvalificeret, {registered} tilmeldt, {refused} afvist', referredBy: 'henvist af {customer}',
    designer: 'Programdesigner', document: 'Dokument (JSON eller TOML)', tryBasket: 'Prøv en kurv', product: 'Produkt', quantity: 'Antal',
    unitPrice: 'Stykpris', addLine: 'Tilføj en linje', preview: 'Hvad ville det give?', earnsPoints: 'giver {points} point',
    earnsPunches: 'giver {punches} stempler', countsAsVisit: 'tæller som et besøg', earnsNothing: 'giver intet',
    atTier: 'på {tier}: {points} point', withPromotion: '{promotion} lægger {points} point til', effectiveFrom: 'Gælder fra',
    saveVersion: 'Gem som næste version', savedVersion: 'Gemt som version {version}', notJson: 'Ugyldig JSON',
    openDesigner: 'Åbn i designeren', newProgram: 'Nyt program', activeMembers: 'Aktive medlemmer',
    retentionLine: 'Købte igen i de 90 dage til {date}: medlemmer {members}, ikke-medlemmer {nonMembers}, ikke-medlemmer der købte lige så ofte som medlemmer {matched}',
    lotsCount: '{count} optjeninger og hvornår de udløber', earned: 'Optjent', left: 'Tilbage', history: 'Historik',
    lk_earn: 'optjent', lk_reverse: 'returneret', lk_spend: 'brugt', lk_expire: 'udløbet', lk_adjust: 'justeret',
    lk_punch: 'stempel', lk_unpunch: 'stempel returneret', lk_card: 'kort fuldt',
    couponsIssued: 'Udstedte kuponer', couponsUsed: 'Brugte kuponer',
    rk_free_item: 'gratis {product}', rk_percent_off: '{percent}% rabat', rk_amount_off: 'rabat', rk_free_month: 'en gratis måned med {product}', rk_gift: 'en gave',
    status_active: 'aktiv', status_paused: 'på pause', status_cancel_requested: 'ønsker opsigelse',
    tl_subscribed: 'tegnede {subject}', tl_paused: 'satte {subject} på pause', tl_cancel_requested: 'bad om at opsige {subject}',
    tl_cancelled: 'opsagde {subject} ({status}{detail})', tl_payment: 'betaling {amount} {status}{detail}',
    tl_sale: 'køb {amount}{at}{lines}', tl_return: 'returnering {amount}{at}', tl_at: ' i {subject}', tl_lines: ' ({count} linjer)',
    analyticsTitle: 'Analyse', analyticsNone: 'Ingen analyser endnu. De beregnes et minut efter at serveren starter og hver nat.',
    refreshNow: 'Opdater nu', refreshing: 'Opdaterer…', computedAt: 'Beregnet {date} på {ms} ms.',
    kpiChurn: 'Opsigelser', kpiRetention: 'Fastholdelse', kpiActive: 'Aktive abonnementer', kpiMrrChurned: 'Tabt løbende omsætning',
    kpiClv: 'Værdi det næste år', kpiAuc: 'Opsigelsesmodellens AUC', churnByMonth: 'Opsigelser pr. måned',
    voluntary: 'Frivillige', involuntary: 'Ufrivillige (afviste betalinger)',
    cohortsTitle: 'Kunder der køber igen, efter måneden for første køb', cohort: 'Kohorte', size: 'Kunder',
    monthsSince: 'Måneder siden første køb', survivalTitle: 'Abonnementer stadig aktive, pr. plan', monthsLabel: 'måneder',
    medianSurvival: 'median {months} måneder', notReached: 'median ikke nået', logRank: 'log-rank-test p = {p}', projection: 'Fremskrevet (forskudt beta-geometrisk): af en ny kohorte abonnerer {y1} stadig efter et år, {y2} efter to, {y3} efter tre; i andet år fornyer en abonnent hver måned med sandsynlighed {r}.',
    clvTitle: 'Kundeværdi de næste 52 uger', topCustomers: 'Mest værdifulde kunder', pAlive: 'Stadig aktiv',
    expected13w: 'Køb de næste 13 uger', rfmTitle: 'RFM: senest × hyppighed', recency: 'Senest', frequency: 'Hyppighed',
    segment: 'Segment', atRiskTitle: 'Kunder værd at redde: risiko for at gå de næste 90 dage, efter værdi i fare', valueAtRisk: 'Værdi i fare', risk: 'Risiko', why: 'Hvorfor',
    modelLine: 'Gradient-boostede træer: AUC {auc} (logistisk regression {baseline}), krydsvalideret på {n} kunder; den mest udsatte tiendedel går {lift}× så ofte som gennemsnittet.',
    notComputed: 'Ikke beregnet: {reason}', valueAndRisk: 'Værdi og risiko', clvShort: 'Kundeværdi (52 uger)',
    churnRisk: 'Opsigelsesrisiko (90 dage)', notScored: 'Ikke beregnet endnu.',
    seg_champions: 'Mestre', seg_loyal: 'Loyale', seg_potential_loyalists: 'Potentielt loyale', seg_new: 'Nye',
    seg_promising: 'Lovende', seg_need_attention: 'Kræver opmærksomhed', seg_about_to_sleep: 'Ved at falde i søvn', seg_at_risk: 'I fare',
    seg_cant_lose: 'Må ikke mistes', seg_hibernating: 'I dvale', seg_lost: 'Tabte',
    f_recency_days: 'dage siden sidste køb', f_purchases_365: 'køb det seneste år', f_spend_365: 'forbrug det seneste år',
    f_tenure_days: 'dage som kunde', f_monthly_price: 'månedspris', f_payment_failures_90: 'afviste betalinger på 90 dage',
    f_complaints_365: 'klager på et år', f_loyalty_activity_90: 'loyalitetsaktivitet på 90 dage', f_plan: 'plan',
    cancelRequest: 'Opsigelse…', whyCancel: 'Hvorfor opsige?', channel: 'Kanal', ch_phone: 'telefon', ch_chat: 'chat',
    customerWords: 'Kundens egne ord', seeOffers: 'Se tilbud', offer: 'Tilbud', costLabel: 'Omkostning', pAccept: 'Chance for ja',
    expectedNet: 'Forventet værdi', needsApproval: 'kræver en supervisor', approval_pending: 'spurgt en supervisor',
    approval_approved: 'godkendt', approval_declined: 'afvist af supervisoren', customerAccepts: 'Kunden siger ja',
    askSupervisor: 'Spørg en supervisor', customerCancels: 'Kunden opsiger', customerStays: 'Kunden bliver uden tilbud',
    controlGroup: 'Denne sag er i kontrolgruppen: giv intet tilbud, og registrér om kunden opsiger eller bliver.',
    waitingApproval: 'Venter på en supervisor…', outcomeSaved: 'Fastholdt med: {offer}', outcomeStays: 'Kunden bliver.',
    outcomeCancelled: 'Opsagt; gælder fra {date}.', valueLabel: 'Værdi', band_high: 'høj', band_medium: 'mellem',
    band_low: 'lav', band_unknown: 'ikke beregnet', approvalsTitle: 'Venter på din godkendelse', noApprovals: 'Intet venter.',
    approve: 'Godkend', decline: 'Afvis', askedBy: 'Spurgt af', saveReport: 'Fastholdelser de seneste tolv måneder',
    requests: 'Sager', savedCount: 'Fastholdt', saveRate: 'Fastholdelsesrate', kept30: 'Stadig abonnent efter 30 dage',
    kept90: 'Stadig abonnent efter 90 dage', revenueSaved: 'Fastholdt omsætning (et år)', incentiveCost: 'Omkostning til tilbud',
    returnOnIncentive: 'Afkast af tilbud', incremental: 'Fastholdt takket være tilbud (mod kontrolgruppen)', by_offer: 'Tilbud',
    by_reason: 'Årsag', by_agent: 'Medarbejder', by_channel: 'Kanal',
    r_too_expensive: 'for dyrt', r_not_using: 'bruger det ikke', r_moving: 'flytter', r_competitor: 'skifter til en konkurrent',
    r_service_quality: 'servicens kvalitet', r_technical: 'tekniske problemer', r_billing: 'problem med regningen', r_other: 'andet',
    cause_voluntary: 'frivillig', cause_involuntary: 'ufrivillig',
    status_cancelled: 'opsagt', status_succeeded: 'betalt', status_failed: 'afvist', status_refunded: 'refunderet',
  },
} as const;

export type Key = keyof typeof strings.en;

export function t(locale: Locale, key: Key): string {
  return strings[locale][key] ?? strings.en[key];
}

export const intlLocale: Record<Locale, string> = { en: 'en-GB', pt: 'pt-PT', da: 'da-DK' };

// Dates are shown in the business's time zone (from the session), so a day means the same to every
// member of staff wherever their browser is.
let businessZone: string | undefined;
export function setTimeZone(zone: string | undefined) { businessZone = zone; }
export function timeZone(): string { return businessZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone; }

export function formatMoney(locale: Locale, minor: number, currency: string): string {
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  return new Intl.NumberFormat(intlLocale[locale], { style: 'currency', currency }).format(minor / 10 ** digits);
}

export function formatDate(locale: Locale, iso: string | null): string {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(intlLocale[locale], { dateStyle: 'medium', timeZone: businessZone }).format(new Date(iso));
}

export function formatDateTime(locale: Locale, iso: string): string {
  return new Intl.DateTimeFormat(intlLocale[locale], { dateStyle: 'medium', timeStyle: 'short', timeZone: businessZone }).format(new Date(iso));
}

export function statusLabel(locale: Locale, status: string): string {
  const key = `status_${status}` as Key;
  return key in strings.en ? t(locale, key) : status;
}

export interface TimelineItem {
  kind: string; action: string; subject: string; status: string; detail?: string;
  amount_minor?: number; currency?: string; lines?: number; payload?: Record<string, unknown>;
}

export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, k) => values[k] ?? '');
}

// A timeline entry phrased in the locale (the server's own summary is English).
export function describeTimeline(locale: Locale, e: TimelineItem): string {
  const amount = e.currency ? formatMoney(locale, e.amount_minor ?? 0, e.currency) : '';
  const detail = e.detail ? `: ${e.detail}` : '';
  if (e.kind === 'events') {
    const payload = e.payload && Object.keys(e.payload).length ? ' ' + JSON.stringify(e.payload) : '';
    return e.action + payload;
  }
  const key = `tl_${e.action}` as Key;
  if (!(key in strings.en)) return e.action;
  const status = e.kind === 'payments' ? statusLabel(locale, e.status)
    : e.status ? t(locale, `cause_${e.status}` as Key) : '';
  return fill(t(locale, key), {
    subject: e.subject, amount, detail, status,
    at: e.subject ? fill(t(locale, 'tl_at'), { subject: e.subject }) : '',
    lines: (e.lines ?? 0) > 1 ? fill(t(locale, 'tl_lines'), { count: String(e.lines) }) : '',
  });
}
