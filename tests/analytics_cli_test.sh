#!/usr/bin/env bash
# `retain analytics` end to end on CSV files, in the exact form other tools rely on: the JSON
# shapes, parameter names, recovered parameters, and errors that name the line and column.
#   analytics_cli_test.sh PATH/TO/retain
set -uo pipefail
retain=${1:?path to retain}
work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT; echo "$work" >&2
cd "$work"
failures=0
passes=0

check() {  # check DESCRIPTION CONDITION...
  local what=$1; shift
  if "$@"; then passes=$((passes + 1)); else echo "FAIL: $what" >&2; failures=$((failures + 1)); fi
}
contains() { grep -qF -- "$2" <<<"$1"; }
# json_check JSON PYTHON-EXPRESSION: true when the expression over `d` (the parsed JSON) holds.
json_check() { python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if ($2) else 1)" <<<"$1" 2>/dev/null; }

# A purchase log drawn from a BG/NBD world with known parameters (per week: r 0.25, alpha 4,
# a 0.8, b 2.5) and spends from a Gamma-Gamma world (p 6, q 4, gamma 15); 4,000 customers
# arriving in the first 12 weeks of 2025, calibration to 2025-09-30.
python3 - <<'PY'
import datetime, random
random.seed(42)
start = datetime.date(2025, 1, 1)
with open("sales.csv", "w") as f:
    f.write("customer,date,amount\n")
    for i in range(4000):
        first = random.randint(0, 83)
        lam = random.gammavariate(0.25, 1 / 4.0)
        p = random.betavariate(0.8, 2.5)
        nu = random.gammavariate(4.0, 1 / 15.0)
        t, days = first / 7.0, [first]
        while lam > 0:
            t += random.expovariate(lam)
            if t > 80:
                break
            days.append(int(t * 7))
            if random.random() < p:
                break
        for d in days:
            f.write(f"C{i:05d},{start + datetime.timedelta(days=d)},{random.gammavariate(6.0, 1 / nu):.2f}\n")
# Subscriptions: two plans, monthly churn drawn from Beta(0.7, 1.2) and Beta(0.7, 3.8).
with open("subs.csv", "w") as f:
    f.write("id,months,status,plan\n")
    for i in range(3000):
        plan = "basic" if i % 2 else "premium"
        churn = random.betavariate(0.7, 1.2 if plan == "basic" else 3.8)
        t, left = 1, False
        while t <= 12:
            if random.random() < churn:
                left = True
                break
            t += 1
        f.write(f"S{i},{min(t, 12)},{'cancelled' if left else 'active'},{plan}\n")
# BG/BB patterns with weights (six opportunities).
with open("donations.csv", "w") as f:
    f.write("frequency,recency,periods,weight\n")
    counts = {}
    for i in range(11000):
        p, th = random.betavariate(1.2, 0.75), random.betavariate(0.66, 2.78)
        x = tx = 0
        for j in range(1, 7):
            if random.random() < th:
                break
            if random.random() < p:
                x, tx = x + 1, j
        counts[(x, tx)] = counts.get((x, tx), 0) + 1
    for (x, tx), n in sorted(counts.items()):
        f.write(f"{x},{tx},6,{n}\n")
# Customers for the churn model: numbers, a text category, blanks; churn from a known rule.
import math
with open("churn.csv", "w") as f:
    f.write("customer,tenure,charges,contract,failures,churned\n")
    for i in range(3000):
        t = random.randint(0, 71)
        c = 20 + 100 * random.random()
        k = random.choice(["monthly", "one_year", "two_year"])
        fails = int(-math.log(random.random()) * 0.7)
        z = -1.5 - 0.03 * t + 1.2 * (k == "monthly") - 0.8 * (k == "two_year") + 0.5 * fails + 3 * (t < 12 and c > 80)
        churned = "Yes" if random.random() < 1 / (1 + math.exp(-z)) else "No"
        charges = "" if random.random() < 0.05 else f"{c:.2f}"
        f.write(f"K{i},{t},{charges},{k},{fails},{churned}\n")
PY

flags=(--input sales.csv --customer-col customer --date-col date --calibration-end 2025-09-30)
customers=$(python3 -c "import csv; print(len({r['customer'] for r in csv.DictReader(open('sales.csv')) if r['date'] <= '2025-09-30'}))")

# BG/NBD: the documented shape, every customer, the parameters it was drawn from.
out=$("$retain" analytics clv "${flags[@]}" --unit week --model bgnbd --format json); code=$?
check "clv bgnbd exits 0" test "$code" -eq 0
check "clv bgnbd shape" json_check "$out" "d['model']=='bgnbd' and d['customers']==$customers and sorted(d['params'])==['a','alpha','b','r'] and sorted(d['std_errors'])==['a','alpha','b','r'] and d['log_likelihood']<0"
check "clv bgnbd recovers r and alpha" json_check "$out" "abs(d['params']['r']-0.25)<0.05 and abs(d['params']['alpha']-4)<1"
check "clv bgnbd standard errors are positive" json_check "$out" "all(v>0 for v in d['std_errors'].values())"

out=$("$retain" analytics clv "${flags[@]}" --unit week --model pareto-nbd --format json); code=$?
check "clv pareto-nbd exits 0" test "$code" -eq 0
check "clv pareto-nbd names" json_check "$out" "d['model']=='pareto-nbd' and sorted(d['params'])==['alpha','beta','r','s']"

out=$("$retain" analytics clv "${flags[@]}" --amount-col amount --unit week --model gamma-gamma --format json)
check "clv gamma-gamma names and mean spend" json_check "$out" "sorted(d['params'])==['gamma','p','q'] and abs(d['params']['p']*d['params']['gamma']/(d['params']['q']-1) - 6*15/3) < 6"

# Predictions: every customer valued, with a probability of being alive in [0, 1].
out=$("$retain" analytics clv "${flags[@]}" --amount-col amount --unit week --model bgnbd --horizon 26 --format json)
check "clv predictions per customer" json_check "$out" "len(d['predictions'])==$customers and all(0<=p['p_alive']<=1 and p['clv']>=0 for p in d['predictions'])"
out=$("$retain" analytics clv "${flags[@]}" --amount-col amount --unit week --model bgnbd --horizon 26 --format csv)
check "clv csv header" test "$(head -n 1 <<<"$out")" = "customer,frequency,recency,T,p_alive,expected_purchases,expected_spend,clv"
check "clv csv has every customer" test "$(($(wc -l <<<"$out") - 1))" -eq "$customers"
out=$("$retain" analytics clv "${flags[@]}" --unit week --model bgnbd)
check "clv table names parameters" contains "$out" "parameter  estimate"

# RFM: every customer in one segment; the segments add up.
out=$("$retain" analytics rfm "${flags[@]}" --amount-col amount --format json); code=$?
check "rfm exits 0" test "$code" -eq 0
check "rfm segments add up" json_check "$out" "d['customers']==$customers and sum(d['segments'].values())==$customers and len(d['scores'])==$customers"
check "rfm scores 1-5" json_check "$out" "all(1<=s['r']<=5 and 1<=s['f']<=5 and 1<=s['m']<=5 for s in d['scores'])"

# Cohorts by month: the first column is everyone.
out=$("$retain" analytics cohorts --input sales.csv --customer-col customer --date-col date --amount-col amount --format json)
check "cohorts shape" json_check "$out" "[c['cohort'] for c in d['cohorts']]==['2025-01','2025-02','2025-03'] and all(c['retention'][0]==1.0 for c in d['cohorts']) and sum(c['size'] for c in d['cohorts'])==4000"

# Survival by plan: the documented shape, the log-rank test sees the difference.
out=$("$retain" analytics survival --input subs.csv --duration-col months --event-col status --event-value cancelled --group-col plan --format json); code=$?
check "survival exits 0" test "$code" -eq 0
check "survival shape" json_check "$out" "sorted(d['groups'])==['basic','premium'] and all(set(['t','at_risk','events','survival','ci_lower','ci_upper'])<=set(p) for p in d['groups']['basic'])"
check "survival curves fall and bands hold them" json_check "$out" "all(p['ci_lower']<=p['survival']<=p['ci_upper'] for g in d['groups'].values() for p in g) and d['groups']['basic'][-1]['survival']<d['groups']['premium'][-1]['survival']"
check "log-rank significant" json_check "$out" "d['log_rank']['p_value']<0.001"
out=$("$retain" analytics survival --input subs.csv --duration-col months --event-col status --event-value cancelled --format json)
check "survival without groups is 'all'" json_check "$out" "list(d['groups'])==['all'] and d['groups']['all'][0]['t']==0"

# sBG and BG/BB: names from the papers.
out=$("$retain" analytics sbg --input subs.csv --duration-col months --event-col status --event-value cancelled --format json)
check "sbg shape" json_check "$out" "d['model']=='sbg' and sorted(d['params'])==['alpha','beta'] and d['customers']==3000 and len(d['projection'])==12"
out=$("$retain" analytics bgbb --input donations.csv --frequency-col frequency --recency-col recency --periods-col periods --weight-col weight --format json)
check "bgbb shape and weights" json_check "$out" "d['model']=='bgbb' and sorted(d['params'])==['alpha','beta','delta','gamma'] and d['customers']==11000"
check "bgbb recovers alpha and delta" json_check "$out" "abs(d['params']['alpha']-1.2)<0.3 and abs(d['params']['delta']-2.78)<1.2"

# The churn model: the documented shape, honest AUCs for both models, the features it found.
out=$("$retain" analytics churn-model cv --input churn.csv --id-col customer --target churned --positive Yes --folds 5 --seed 3 --format json); code=$?
check "churn-model cv exits 0" test "$code" -eq 0
check "churn-model cv shape" json_check "$out" "d['model']=='xgboost' and len(d['auc_folds'])==5 and abs(sum(d['auc_folds'])/5-d['auc_mean'])<1e-9 and d['baseline']['model']=='logistic'"
check "churn-model cv AUCs" json_check "$out" "0.65<d['auc_mean']<0.95 and 0.6<d['baseline']['auc_mean']<0.95"
check "churn-model cv features typed" json_check "$out" "d['features']==[{'name':'tenure','kind':'numeric'},{'name':'charges','kind':'numeric'},{'name':'contract','kind':'categorical'},{'name':'failures','kind':'numeric'}]"
out=$("$retain" analytics churn-model cv --input churn.csv --id-col customer --target churned 2>&1); code=$?
check "churn target without --positive names the cell" contains "$out" 'churn.csv line 2, column "churned": "'

# Train on the first 2,000, score the other 1,000 with the saved model: the churners score higher.
head -n 2001 churn.csv >train.csv
{ head -n 1 churn.csv; tail -n 1000 churn.csv; } >holdout.csv
out=$("$retain" analytics churn-model train --input train.csv --id-col customer --target churned --positive Yes --model-out model.json); code=$?
check "churn-model train exits 0" test "$code" -eq 0
check "churn-model train saves a model" json_check "$(cat model.json)" "d['format']=='retain-churn-model' and d['kind']=='xgboost'"
out=$("$retain" analytics churn-model score --input holdout.csv --id-col customer --model model.json --format json); code=$?
check "churn-model score exits 0" test "$code" -eq 0
printf '%s' "$out" >scores.json
check "churn-model score ranks churners higher" python3 -c "
import csv, json
truth = {r['customer']: r['churned'] == 'Yes' for r in csv.DictReader(open('holdout.csv'))}
s = json.load(open('scores.json'))['scores']
assert len(s) == 1000 and all(0 <= x['risk'] <= 1 for x in s)
churned = [x['risk'] for x in s if truth[x['customer']]]
stayed = [x['risk'] for x in s if not truth[x['customer']]]
assert sum(churned) / len(churned) > 2 * sum(stayed) / len(stayed)
assert all(r['feature'] for x in s for r in x['reasons'])
"
sed '3s/,[0-9.]*,\(monthly\|one_year\|two_year\),/,lots,\1,/' holdout.csv >badscore.csv
out=$("$retain" analytics churn-model score --input badscore.csv --id-col customer --model model.json 2>&1); code=$?
check "scoring text in a numeric column names line and column" contains "$out" 'badscore.csv line 3, column "charges": "lots" is not a number'
cut -d, -f1,2,4,5,6 holdout.csv >nocharges.csv
out=$("$retain" analytics churn-model score --input nocharges.csv --id-col customer --model model.json 2>&1)
check "scoring without a model column names it" contains "$out" 'no column "charges" in the header'

# Bad input: exit 2 and a message naming the file, line and column.
out=$("$retain" analytics rfm --input sales.csv --customer-col client --date-col date --calibration-end 2025-09-30 2>&1); code=$?
check "missing column exits 2" test "$code" -eq 2
check "missing column named" contains "$out" 'sales.csv: no column "client" in the header (it has: customer, date, amount)'
printf 'customer,date,amount\nA,2025-01-02,10\nB,02/01/2025,5\n' >bad.csv
out=$("$retain" analytics clv --input bad.csv --customer-col customer --date-col date --calibration-end 2025-09-30 --model bgnbd 2>&1); code=$?
check "bad date exits 2" test "$code" -eq 2
check "bad date names line and column" contains "$out" 'bad.csv line 3, column "date": "02/01/2025" is not a date'
printf 'customer,date,amount\nA,2025-01-02,ten\n' >bad.csv
out=$("$retain" analytics rfm --input bad.csv --customer-col customer --date-col date --amount-col amount --calibration-end 2025-09-30 2>&1)
check "bad number names line and column" contains "$out" 'bad.csv line 2, column "amount": "ten" is not a number'
out=$("$retain" analytics rfm --input sales.csv --customer-col customer --date-col date --calibration-end 30/09/2025 2>&1)
check "bad calibration end named" contains "$out" 'calibration-end: "30/09/2025" is not a date'
out=$("$retain" analytics survival --input subs.csv --duration-col months --event-col status 2>&1)
check "unclear event column names line and column" contains "$out" 'subs.csv line 2, column "status": "'
check "unclear event column says what to pass" contains "$out" 'is not 1/0, true/false or yes/no (or pass --event-value)'
out=$("$retain" analytics clv --input missing.csv --customer-col c --date-col d --calibration-end 2025-01-01 --model bgnbd 2>&1); code=$?
check "missing file exits 4" test "$code" -eq 4

echo "analytics cli: $passes passed, $failures failed"
[ "$failures" -eq 0 ]
