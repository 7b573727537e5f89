# Reference values for cohortmark.stats from R (stats + survival).
# Regenerate:  Rscript tests/r/make_stats_fixtures.R tests/data/stats
# Writes one TSV per function; vectors are comma-separated in one cell. Deterministic (set.seed).
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args)) args[1] else "tests/data/stats"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
set.seed(20261201)
vec <- function(v) paste(format(v, digits = 17, trim = TRUE), collapse = ",")
num <- function(v) ifelse(is.na(v), "NA", format(v, digits = 17, trim = TRUE))
write_tsv <- function(df, name) {
  write.table(df, file.path(out, name), sep = "\t", quote = FALSE, row.names = FALSE)
}

# --- fisher.test, plus a tight-tolerance solution of the same equations --------------------
# (fisher.test's uniroot stops near 1e-4; the tight columns solve the conditional likelihood
# equations of fisher.test's documentation with tol 1e-13 on the log odds ratio scale.)
tight <- function(a, b, c, d, conf = 0.95) {
  m <- a + c; n <- b + d; k <- a + b; x <- a
  lo <- max(0, k - n); hi <- min(k, m); s <- lo:hi
  logdc <- dhyper(s, m, n, k, log = TRUE)
  dn <- function(th) { w <- logdc + th * s; w <- exp(w - max(w)); w / sum(w) }
  f_mean <- function(th) sum(s * dn(th)) - x
  f_le <- function(th, a) sum(dn(th)[s <= x]) - a
  f_ge <- function(th, a) sum(dn(th)[s >= x]) - a
  al <- (1 - conf) / 2
  root <- function(f, ...) uniroot(f, c(-60, 60), ..., tol = 1e-13)$root
  est <- if (x == lo) 0 else if (x == hi) Inf else exp(root(f_mean))
  up <- if (x == hi) Inf else exp(root(f_le, a = al))
  low <- if (x == lo) 0 else exp(root(f_ge, a = al))
  c(est, low, up)
}
rows <- list()
tabs <- list(c(2, 0, 0, 8), c(0, 2, 3, 5), c(8, 2, 0, 0) * 0 + c(3, 1, 1, 3), c(0, 5, 5, 0),
             c(5, 0, 0, 5), c(1, 9, 1, 9), c(0, 10, 0, 10) + c(0, 0, 1, 0), c(12, 5, 7, 30),
             c(40, 300, 60, 4600), c(3, 0, 0, 0) + c(0, 1, 2, 4))
while (length(tabs) < 80) {
  n <- sample(c(4:30, 60, 200, 1000), 1)
  p <- runif(4); p <- p / sum(p)
  tabs[[length(tabs) + 1]] <- as.vector(rmultinom(1, n, p))
}
for (t in tabs) {
  m <- matrix(t, 2, byrow = TRUE)
  if (any(rowSums(m) == 0) || any(colSums(m) == 0)) next
  f <- fisher.test(m)
  tt <- tight(t[1], t[2], t[3], t[4])
  rows[[length(rows) + 1]] <- data.frame(a = t[1], b = t[2], c = t[3], d = t[4],
    p_value = num(f$p.value), odds_ratio = num(unname(f$estimate)),
    ci_low = num(f$conf.int[1]), ci_high = num(f$conf.int[2]),
    or_tight = num(tt[1]), low_tight = num(tt[2]), high_tight = num(tt[3]))
}
write_tsv(do.call(rbind, rows), "fisher.tsv")

# --- binom.test (Clopper-Pearson) --------------------------------------------------------
rows <- list()
cases <- rbind(c(2, 10), c(6, 10), c(0, 10), c(10, 10), c(0, 1), c(1, 1))
for (i in 1:60) { n <- sample(c(1:40, 100, 5000), 1); cases <- rbind(cases, c(sample(0:n, 1), n)) }
for (i in seq_len(nrow(cases))) {
  b <- binom.test(cases[i, 1], cases[i, 2])
  rows[[i]] <- data.frame(x = cases[i, 1], n = cases[i, 2], ci_low = num(b$conf.int[1]),
                          ci_high = num(b$conf.int[2]))
}
write_tsv(do.call(rbind, rows), "binom.tsv")

# --- survival: survfit median, survdiff, coxph ---------------------------------------------
gen_surv <- function(i) {
  n <- sample(c(5:25, 60, 150), 1)
  time <- if (i %% 3 == 0) sample(1:12, n, replace = TRUE) else round(rexp(n, 0.1), 2) + 0.01
  event <- rbinom(n, 1, runif(1, 0.3, 1))
  group <- rbinom(n, 1, 0.5)
  if (sum(group) == 0) group[1] <- 1
  if (sum(group) == n) group[1] <- 0
  if (i %% 10 == 1) event[group == 1] <- 0  # an all-censored group
  if (i %% 10 == 2) event[] <- 1            # no censoring
  list(time = time, event = event, group = group)
}
km <- list(); sd <- list(); cx <- list()
for (i in 1:70) {
  s <- gen_surv(i)
  if (i %% 10 == 5) s$time[s$time > median(s$time)] <- median(s$time)  # a plateau on ties
  fit <- survfit(Surv(s$time, s$event) ~ 1)
  q <- quantile(fit, 0.5)
  km[[i]] <- data.frame(case = i, time = vec(s$time), event = vec(s$event),
                        median = num(unname(q$quantile)), ci_low = num(unname(q$lower)),
                        ci_high = num(unname(q$upper)))
  if (sum(s$event) > 0) {
    d <- survdiff(Surv(s$time, s$event) ~ s$group)
    sd[[length(sd) + 1]] <- data.frame(case = i, time = vec(s$time), event = vec(s$event),
      group = vec(s$group), observed = num(d$obs[2]), expected = num(d$exp[2]),
      chisq = num(d$chisq), p_value = num(pchisq(d$chisq, 1, lower.tail = FALSE)))
  }
  e1 <- sum(s$event[s$group == 1]); e0 <- sum(s$event[s$group == 0])
  if (e1 > 0 && e0 > 0) {
    warn <- ""
    fitc <- withCallingHandlers(coxph(Surv(s$time, s$event) ~ s$group),
      warning = function(w) { warn <<- conditionMessage(w); invokeRestart("muffleWarning") })
    sm <- summary(fitc)
    cx[[length(cx) + 1]] <- data.frame(case = i, time = vec(s$time), event = vec(s$event),
      group = vec(s$group), coef = num(sm$coefficients[1, "coef"]),
      se = num(sm$coefficients[1, "se(coef)"]), p_value = num(sm$coefficients[1, "Pr(>|z|)"]),
      ci_low = num(sm$conf.int[1, "lower .95"]), ci_high = num(sm$conf.int[1, "upper .95"]),
      warning = gsub("[\t\n]", " ", warn))
  }
}
write_tsv(do.call(rbind, km), "survfit.tsv")
write_tsv(do.call(rbind, sd), "survdiff.tsv")
write_tsv(do.call(rbind, cx), "coxph.tsv")

# --- wilcox.test (two-sample, default exact = NULL, correct = TRUE) -------------------------
rows <- list()
for (i in 1:70) {
  nx <- sample(c(1:12, 30, 55), 1); ny <- sample(c(1:12, 40, 80), 1)
  if (i %% 2 == 0) { x <- round(rnorm(nx), 1); y <- round(rnorm(ny, 0.5), 1) }  # ties likely
  else { x <- rnorm(nx) * 50; y <- rnorm(ny, 0.7) * 50 }
  w <- suppressWarnings(wilcox.test(x, y))
  rows[[i]] <- data.frame(case = i, x = vec(x), y = vec(y), statistic = num(unname(w$statistic)),
                          p_value = num(w$p.value), exact = as.integer(grepl("exact", w$method)))
}
write_tsv(do.call(rbind, rows), "wilcox.tsv")

# --- cor.test: spearman (exact = NULL) and pearson ----------------------------------------
rows <- list()
for (i in 1:80) {
  n <- sample(c(3:14, 25, 100), 1)
  x <- rnorm(n); y <- 0.5 * x + rnorm(n)
  if (i %% 3 == 0) { x <- round(x); }  # ties
  for (method in c("spearman", "pearson")) {
    ct <- suppressWarnings(cor.test(x, y, method = method))
    ci <- if (is.null(ct$conf.int)) c(NA, NA) else ct$conf.int
    rows[[length(rows) + 1]] <- data.frame(case = i, method = method, x = vec(x), y = vec(y),
      estimate = num(unname(ct$estimate)), p_value = num(ct$p.value),
      ci_low = num(ci[1]), ci_high = num(ci[2]))
  }
}
write_tsv(do.call(rbind, rows), "cortest.tsv")

# --- p.adjust BH ---------------------------------------------------------------------------
rows <- list()
for (i in 1:60) {
  n <- sample(1:40, 1)
  p <- if (i %% 4 == 0) round(runif(n), 2) else runif(n)^3  # ties in some
  if (i %% 5 == 0) p[sample(n, 1)] <- NA
  rows[[i]] <- data.frame(case = i, p = vec(p), q = vec(p.adjust(p, method = "BH")))
}
write_tsv(do.call(rbind, rows), "padjust.tsv")
cat("R", R.version$major, R.version$minor, "survival", as.character(packageVersion("survival")), "\n",
    file = file.path(out, "R_VERSION.txt"))

# --- the bundled example cohort (sheet + planted gene table, copied into tests/data/stats) ---
here <- file.path(dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))), "..", "data", "stats")
sheet <- read.delim(file.path(here, "example_samples.tsv"), na.strings = "")
alt <- read.delim(file.path(here, "example_alterations.tsv"), na.strings = "")
sheet$evaluable <- tolower(as.character(sheet$evaluable)) %in% c("true", "1", "yes")
rows <- list()
add <- function(...) rows[[length(rows) + 1]] <<- data.frame(...)
ev <- sheet[sheet$evaluable, ]  # evaluable without a best response = non-responder (default)
resp <- !is.na(ev$best_response) & ev$best_response %in% c("CR", "PR")
b <- binom.test(sum(resp), nrow(ev))
add(gene = "", alteration = "", endpoint = "ORR", test = "binom", n = nrow(ev),
    estimate = num(unname(b$estimate)), p_value = "NA", ci_low = num(b$conf.int[1]),
    ci_high = num(b$conf.int[2]))
for (ep in c("pfs", "os")) {
  fit <- survfit(Surv(sheet[[paste0(ep, "_months")]], sheet[[paste0(ep, "_event")]]) ~ 1)
  q <- quantile(fit, 0.5)
  add(gene = "", alteration = "", endpoint = ep, test = "km_median", n = nrow(sheet),
      estimate = num(unname(q$quantile)), p_value = "NA", ci_low = num(unname(q$lower)),
      ci_high = num(unname(q$upper)))
  sm <- summary(fit, times = c(3, 6))
  for (k in 1:2) add(gene = "", alteration = "", endpoint = ep,
                     test = paste0("km_rate_", sm$time[k]), n = nrow(sheet),
                     estimate = num(sm$surv[k]), p_value = "NA", ci_low = num(sm$lower[k]),
                     ci_high = num(sm$upper[k]))
}
for (g in c("TWIST1", "CDKN2A", "CDK4", "PDGFRA")) {
  a <- merge(alt[alt$gene == g & alt$cn_status != "not_profiled", ], sheet, by = "patient_id")
  a <- a[a$evaluable & !is.na(a$best_pct_change), ]
  a <- merge(a, sheet[, c("patient_id", "ploidy")], by = "patient_id", suffixes = c("", ".s"))
  for (method in c("spearman", "pearson")) {
    # Spearman on copy number, Pearson on log2(copy number / ploidy) floored at 1/16
    x <- if (method == "spearman") a$cn_value else log2(pmax(a$cn_value / a$ploidy, 1 / 16))
    ct <- suppressWarnings(cor.test(x, a$best_pct_change, method = method))
    ci <- if (is.null(ct$conf.int)) c(NA, NA) else ct$conf.int
    add(gene = g, alteration = "copy_number", endpoint = "best_pct_change", test = method,
        n = nrow(a), estimate = num(unname(ct$estimate)), p_value = num(ct$p.value),
        ci_low = num(ci[1]), ci_high = num(ci[2]))
  }
  a <- merge(alt[alt$gene == g & alt$cn_status != "not_profiled", ], sheet, by = "patient_id")
  a <- a[a$evaluable, ]
  for (kind in c("amplification", "deletion")) {
    x <- a$cn_call %in% (if (kind == "amplification") "AMP" else "HOMDEL")
    y <- !is.na(a$best_response) & a$best_response %in% c("CR", "PR")
    if (length(unique(x)) < 2) next
    f <- fisher.test(table(factor(x, c(TRUE, FALSE)), factor(y, c(TRUE, FALSE))))
    add(gene = g, alteration = kind, endpoint = "response", test = "fisher", n = nrow(a),
        estimate = num(unname(f$estimate)), p_value = num(f$p.value),
        ci_low = num(f$conf.int[1]), ci_high = num(f$conf.int[2]))
  }
}
write_tsv(do.call(rbind, rows), "example_r.tsv")

# --- survfit curves for every conf.type and level, quantile() and summary(times = ) --------
# (the one Kaplan-Meier of cohortmark.stats.survival: table medians, landmark rates, figure band)
set.seed(20261202)
vecna <- function(v) paste(ifelse(is.na(v), "NA", format(v, digits = 17, trim = TRUE)), collapse = ",")
curves <- list(); marks <- list()
cases <- list(list(time = 1:4, event = rep(1, 4)),                        # issue 14: median 2.5
              list(time = c(1, 2, 3, 4), event = c(1, 1, 0, 0)),        # S sits on 0.5 to the end
              list(time = c(0, 0, 1, 2, 2, 3, 5, 8), event = c(1, 0, 1, 1, 0, 1, 0, 1)),  # time 0
              list(time = c(2, 2, 2, 5, 5, 7), event = c(0, 0, 1, 1, 1, 1)))  # censored first
for (i in 1:30) cases[[length(cases) + 1]] <- gen_surv(i)
for (i in seq_along(cases)) {
  s <- cases[[i]]
  for (ct in c("log", "log-log", "plain", "logit", "arcsin")) {
    level <- if (i %% 2 == 0) 0.9 else 0.95
    fit <- survfit(Surv(s$time, s$event) ~ 1, conf.type = ct, conf.int = level)
    q <- quantile(fit, 0.5)
    curves[[length(curves) + 1]] <- data.frame(case = i, conf_type = ct, conf_level = level,
      time = vec(s$time), event = vec(s$event), curve_time = vecna(fit$time),
      n_risk = vecna(fit$n.risk), surv = vecna(fit$surv), lower = vecna(fit$lower),
      upper = vecna(fit$upper), median = num(unname(q$quantile)), ci_low = num(unname(q$lower)),
      ci_high = num(unname(q$upper)))
    lt <- sort(unique(c(0.5, 3, 6, fit$time[ceiling(length(fit$time) / 2)])))
    lt <- lt[lt <= max(s$time)]
    sm <- summary(fit, times = lt)
    marks[[length(marks) + 1]] <- data.frame(case = i, conf_type = ct, conf_level = level,
      time = vec(s$time), event = vec(s$event), landmarks = vecna(lt), n_risk = vecna(sm$n.risk),
      surv = vecna(sm$surv), lower = vecna(sm$lower), upper = vecna(sm$upper))
  }
}
write_tsv(do.call(rbind, curves), "survfit_curves.tsv")
write_tsv(do.call(rbind, marks), "survfit_landmarks.tsv")

# --- permutation log-rank and exact tied Wilcoxon by brute force (combn + survdiff) --------
# Every assignment of the smaller group's labels is enumerated; the statistic is survdiff's
# observed - expected events of the group, two-sided: P(|O - E| >= |O - E observed|). The
# tied Wilcoxon: every assignment of the mid-ranks, P(|W - E W| >= |w - E W|).
set.seed(20261203)
perm <- list(); wt <- list()
for (i in 1:25) {
  n <- sample(6:13, 1); k <- sample(1:min(4, n - 1), 1)
  time <- if (i %% 2 == 0) sample(1:6, n, replace = TRUE) else round(rexp(n, 0.2), 1) + 0.1
  event <- rbinom(n, 1, 0.7); if (sum(event) == 0) event[1] <- 1
  group <- rep(0, n); group[sample(n, k)] <- 1
  oe <- function(g) { d <- survdiff(Surv(time, event) ~ factor(g, levels = c(0, 1)))
                      d$obs[2] - d$exp[2] }
  obs <- oe(group)
  sets <- combn(n, k)
  stat <- apply(sets, 2, function(s) { g <- rep(0, n); g[s] <- 1; oe(g) })
  tol <- 1e-9 * max(1, sum(abs(stat)))
  perm[[i]] <- data.frame(case = i, time = vec(time), event = vec(event), group = vec(group),
                          observed_minus_expected = num(obs), n_permutations = ncol(sets),
                          p_value = num(mean(abs(stat) >= abs(obs) - 1e-9)))
  nx <- sample(2:7, 1); ny <- sample(2:8, 1)
  x <- sample(1:5, nx, replace = TRUE); y <- sample(2:7, ny, replace = TRUE)
  r <- rank(c(x, y)); m <- nx * (nx + ny + 1) / 2
  sx <- apply(combn(nx + ny, nx), 2, function(s) sum(r[s]))
  wt[[i]] <- data.frame(case = i, x = vec(x), y = vec(y), statistic = num(sum(r[1:nx]) - nx * (nx + 1) / 2),
                        p_value = num(mean(abs(sx - m) >= abs(sum(r[1:nx]) - m) - 1e-9)),
                        p_normal = num(suppressWarnings(wilcox.test(x, y))$p.value))
}
write_tsv(do.call(rbind, perm), "logrank_permutation.tsv")
write_tsv(do.call(rbind, wt), "wilcox_tied_exact.tsv")
