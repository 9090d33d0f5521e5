# The R peer of bench_analytics: BG/NBD and Pareto/NBD fitted the way R's BTYD package fits them
# (a vectorised log-likelihood over log-parameters, optim's L-BFGS-B with numerical gradients,
# the Gauss series for 2F1), and Kaplan-Meier by the survival package (lifelines' reference).
# Usage: Rscript clv.R FILE bgnbd|pareto-nbd|km
# Prints one CSV line: seconds,<parameters or median,S(t) at t = 6 and 12>,log-likelihood.
args <- commandArgs(TRUE)
d <- read.csv(args[1])
model <- args[2]

log_add_exp <- function(a, b) {
  m <- pmax(a, b)
  ifelse(m == -Inf, -Inf, m + log(exp(a - m) + exp(b - m)))
}

if (model == "km") {
  suppressMessages(library(survival))
  start <- proc.time()[["elapsed"]]
  fit <- survfit(Surv(d$t, d$e) ~ 1, conf.type = "log-log")
  seconds <- proc.time()[["elapsed"]] - start
  s <- summary(fit, times = c(6, 12))
  cat(sprintf("%.6f,%.10g,%.10g,%.10g,%.10g,%.10g\n", seconds, summary(fit)$table[["median"]],
              s$surv[1], s$surv[2], s$lower[1], s$upper[1]))
  quit(save = "no")
}

x <- d$x; tx <- d$t_x; T <- d$T

bgnbd_nll <- function(lp) {
  r <- exp(lp[1]); alpha <- exp(lp[2]); a <- exp(lp[3]); b <- exp(lp[4])
  common <- lgamma(r + x) - lgamma(r) + r * log(alpha) + lgamma(a + b) + lgamma(b + x) - lgamma(b) -
    lgamma(a + b + x)
  alive <- -(r + x) * log(alpha + T)
  gone <- ifelse(x > 0, log(a) - log(pmax(b + x - 1, 1e-300)) - (r + x) * log(alpha + tx), -Inf)
  -sum(common + log_add_exp(alive, gone))
}

# 2F1(a, b; c; z) by its Gauss series, all customers at once.
hyp2f1 <- function(a, b, c, z) {
  term <- rep(1, length(z)); total <- term; k <- 0
  repeat {
    term <- term * (a + k) * (b + k) / ((c + k) * (k + 1)) * z
    total <- total + term
    k <- k + 1
    if (all(abs(term) <= 1e-15 * abs(total)) || k > 100000) break
  }
  total
}

pnbd_nll <- function(lp) {
  r <- exp(lp[1]); alpha <- exp(lp[2]); s <- exp(lp[3]); beta <- exp(lp[4])
  rsx <- r + s + x
  if (alpha >= beta) {
    m <- alpha; second <- s + 1
  } else {
    m <- beta; second <- r + x
  }
  lf1 <- log(hyp2f1(rsx, second, rsx + 1, abs(alpha - beta) / (m + tx))) - rsx * log(m + tx)
  lf2 <- log(hyp2f1(rsx, second, rsx + 1, abs(alpha - beta) / (m + T))) - rsx * log(m + T)
  la0 <- ifelse(tx < T, lf1 + log1p(-exp(lf2 - lf1)), -Inf)
  alive <- -(r + x) * log(alpha + T) - s * log(beta + T)
  gone <- log(s) - log(rsx) + la0
  -sum(lgamma(r + x) - lgamma(r) + r * log(alpha) + s * log(beta) + log_add_exp(alive, gone))
}

nll <- if (model == "bgnbd") bgnbd_nll else pnbd_nll
start <- proc.time()[["elapsed"]]
fit <- optim(c(0, 0, 0, 0), nll, method = "L-BFGS-B", lower = rep(log(1e-4), 4), upper = rep(log(1e4), 4),
             control = list(factr = 1e3, maxit = 10000))
seconds <- proc.time()[["elapsed"]] - start
p <- exp(fit$par)
cat(sprintf("%.6f,%.10g,%.10g,%.10g,%.10g,%.10g\n", seconds, p[1], p[2], p[3], p[4], -fit$value))
