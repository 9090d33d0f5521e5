#include "analytics/churn.h"

#include <xgboost/c_api.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <set>

#include <fmt/format.h>
#include <nlopt.h>

namespace retain::analytics {
namespace {

constexpr float kMissing = std::numeric_limits<float>::quiet_NaN();

tl::unexpected<Error> XgbError(std::string_view what) {
  return MakeError(ErrorCode::kInternal, fmt::format("XGBoost {}: {}", what, XGBGetLastError()));
}

struct Logistic {
  std::vector<double> weights;  // one per feature, then the intercept
};

// Ridge-penalised logistic regression on standardised features by L-BFGS.
struct LogisticProblem {
  const std::vector<float>* x;
  const std::vector<int>* y;
  size_t rows, cols;
  double ridge;
};

double LogisticLoss(unsigned n, const double* w, double* grad, void* data) {
  auto* p = static_cast<LogisticProblem*>(data);
  double loss = 0;
  if (grad) std::fill(grad, grad + n, 0.0);
  for (size_t i = 0; i < p->rows; ++i) {
    const float* row = p->x->data() + i * p->cols;
    double z = w[p->cols];
    for (size_t j = 0; j < p->cols; ++j) z += w[j] * row[j];
    double y = (*p->y)[i];
    // log(1 + e^z) - y z, computed without overflow.
    loss += (z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z))) - y * z;
    if (grad) {
      double residual = 1 / (1 + std::exp(-z)) - y;
      for (size_t j = 0; j < p->cols; ++j) grad[j] += residual * row[j];
      grad[p->cols] += residual;
    }
  }
  for (size_t j = 0; j < p->cols; ++j) {
    loss += 0.5 * p->ridge * w[j] * w[j];
    if (grad) grad[j] += p->ridge * w[j];
  }
  return loss;
}

}  // namespace

void FeatureEncoder::Fit(const ChurnData& data, std::span<const size_t> rows) {
  parts_.clear();
  names_.clear();
  for (size_t c = 0; c < data.columns.size(); ++c) {
    const auto& col = data.columns[c];
    if (col.categorical) {
      std::set<std::string> seen;
      for (size_t r : rows)
        if (!col.labels[r].empty()) seen.insert(col.labels[r]);
      for (const auto& category : seen) {
        Part p{c, true, category, 0, 1};
        double n = 0, ones = 0;
        for (size_t r : rows) {
          n += 1;
          ones += col.labels[r] == category;
        }
        p.mean = ones / n;
        p.spread = std::sqrt(std::max(p.mean * (1 - p.mean), 1e-12));
        parts_.push_back(p);
        names_.push_back(col.name + "=" + category);
      }
    } else {
      double sum = 0, sq = 0, n = 0;
      for (size_t r : rows) {
        double v = col.numbers[r];
        if (std::isnan(v)) continue;
        sum += v;
        sq += v * v;
        n += 1;
      }
      double mean = n > 0 ? sum / n : 0;
      double var = n > 1 ? (sq - n * mean * mean) / (n - 1) : 0;
      parts_.push_back({c, false, {}, mean, var > 1e-24 ? std::sqrt(var) : 1});
      names_.push_back(col.name);
    }
  }
}

std::vector<float> FeatureEncoder::Encode(const ChurnData& data, std::span<const size_t> rows, bool standardise) const {
  size_t cols = parts_.size();
  std::vector<float> out(rows.size() * cols);
  for (size_t i = 0; i < rows.size(); ++i) {
    size_t r = rows[i];
    for (size_t j = 0; j < cols; ++j) {
      const Part& p = parts_[j];
      const auto& col = data.columns[p.column];
      double v;
      if (p.indicator) {
        v = col.labels[r] == p.category ? 1 : 0;
      } else {
        v = col.numbers[r];
        if (std::isnan(v) && standardise) v = p.mean;
      }
      if (standardise) v = (v - p.mean) / p.spread;
      out[i * cols + j] = std::isnan(v) ? kMissing : static_cast<float>(v);
    }
  }
  return out;
}

nlohmann::json FeatureEncoder::ToJson() const {
  nlohmann::json parts = nlohmann::json::array();
  for (size_t i = 0; i < parts_.size(); ++i) {
    const Part& p = parts_[i];
    parts.push_back({{"name", names_[i]}, {"column", p.column}, {"indicator", p.indicator}, {"category", p.category},
                     {"mean", p.mean}, {"spread", p.spread}});
  }
  return parts;
}

Result<FeatureEncoder> FeatureEncoder::FromJson(const nlohmann::json& doc) {
  FeatureEncoder e;
  if (!doc.is_array()) return InvalidArgument("the encoder is not a list of features");
  try {
    for (const auto& p : doc) {
      e.parts_.push_back({p.at("column").get<size_t>(), p.at("indicator").get<bool>(), p.at("category").get<std::string>(),
                          p.at("mean").get<double>(), p.at("spread").get<double>()});
      e.names_.push_back(p.at("name").get<std::string>());
    }
  } catch (const nlohmann::json::exception& ex) {
    return InvalidArgument(std::string("the encoder is malformed: ") + ex.what());
  }
  return e;
}

struct ChurnModel::Impl {
  ChurnModelKind kind = ChurnModelKind::kGradientBoosting;
  FeatureEncoder encoder;
  BoosterHandle booster = nullptr;
  Logistic logistic;
  std::vector<ChurnModel::Column> columns;
  ~Impl() {
    if (booster) XGBoosterFree(booster);
  }
};

ChurnModel::ChurnModel() : impl_(std::make_unique<Impl>()) {}
ChurnModel::~ChurnModel() = default;
ChurnModel::ChurnModel(ChurnModel&&) noexcept = default;
ChurnModel& ChurnModel::operator=(ChurnModel&&) noexcept = default;
const std::vector<std::string>& ChurnModel::names() const { return impl_->encoder.names(); }
ChurnModelKind ChurnModel::kind() const { return impl_->kind; }
const std::vector<ChurnModel::Column>& ChurnModel::columns() const { return impl_->columns; }

Result<ChurnModel> ChurnModel::Train(const ChurnData& data, std::span<const size_t> rows, ChurnModelKind kind,
                                     uint64_t seed) {
  int positives = 0;
  for (size_t r : rows) positives += data.churned[r];
  if (positives == 0 || positives == static_cast<int>(rows.size()))
    return InvalidArgument("the training rows hold one class only: churners and stayers are both needed");
  ChurnModel model;
  model.impl_->kind = kind;
  for (const auto& c : data.columns) model.impl_->columns.push_back({c.name, c.categorical});
  model.impl_->encoder.Fit(data, rows);
  bool linear = kind == ChurnModelKind::kLogistic;
  std::vector<float> x = model.impl_->encoder.Encode(data, rows, linear);
  size_t cols = model.impl_->encoder.names().size();
  if (linear) {
    std::vector<int> y;
    for (size_t r : rows) y.push_back(data.churned[r]);
    LogisticProblem problem{&x, &y, rows.size(), cols, 1.0};
    std::vector<double> w(cols + 1, 0.0);
    nlopt_opt opt = nlopt_create(NLOPT_LD_LBFGS, static_cast<unsigned>(cols + 1));
    nlopt_set_min_objective(opt, LogisticLoss, &problem);
    nlopt_set_ftol_rel(opt, 1e-10);
    nlopt_set_maxeval(opt, 1000);
    double best = 0;
    nlopt_result status = nlopt_optimize(opt, w.data(), &best);
    nlopt_destroy(opt);
    if (status < 0 && status != NLOPT_ROUNDOFF_LIMITED)
      return MakeError(ErrorCode::kInternal, fmt::format("logistic regression did not converge (NLopt {})", static_cast<int>(status)));
    model.impl_->logistic.weights = std::move(w);
    return model;
  }
  std::vector<float> labels;
  for (size_t r : rows) labels.push_back(static_cast<float>(data.churned[r]));
  DMatrixHandle train = nullptr;
  if (XGDMatrixCreateFromMat(x.data(), rows.size(), cols, kMissing, &train) != 0) return XgbError("matrix");
  XGDMatrixSetFloatInfo(train, "label", labels.data(), labels.size());
  BoosterHandle booster = nullptr;
  if (XGBoosterCreate(&train, 1, &booster) != 0) {
    XGDMatrixFree(train);
    return XgbError("booster");
  }
  model.impl_->booster = booster;
  std::string seed_text = std::to_string(seed % 2147483647);
  const std::pair<const char*, const char*> params[] = {
      {"objective", "binary:logistic"}, {"tree_method", "hist"}, {"max_depth", "4"},   {"eta", "0.1"},
      {"min_child_weight", "5"},        {"subsample", "0.8"},    {"nthread", "2"},     {"seed", seed_text.c_str()},
      {"verbosity", "0"}};
  for (auto [name, value] : params) XGBoosterSetParam(booster, name, value);
  for (int i = 0; i < 150; ++i) {
    if (XGBoosterUpdateOneIter(booster, i, train) != 0) {
      XGDMatrixFree(train);
      return XgbError("training");
    }
  }
  XGDMatrixFree(train);
  return model;
}

Result<std::vector<double>> ChurnModel::Predict(const ChurnData& data, std::span<const size_t> rows) const {
  bool linear = impl_->kind == ChurnModelKind::kLogistic;
  std::vector<float> x = impl_->encoder.Encode(data, rows, linear);
  size_t cols = impl_->encoder.names().size();
  std::vector<double> out(rows.size());
  if (linear) {
    const auto& w = impl_->logistic.weights;
    for (size_t i = 0; i < rows.size(); ++i) {
      double z = w[cols];
      for (size_t j = 0; j < cols; ++j) z += w[j] * x[i * cols + j];
      out[i] = 1 / (1 + std::exp(-z));
    }
    return out;
  }
  DMatrixHandle m = nullptr;
  if (XGDMatrixCreateFromMat(x.data(), rows.size(), cols, kMissing, &m) != 0) return XgbError("matrix");
  bst_ulong len = 0;
  const float* result = nullptr;
  int rc = XGBoosterPredict(impl_->booster, m, 0, 0, 0, &len, &result);
  if (rc == 0)
    for (size_t i = 0; i < rows.size() && i < len; ++i) out[i] = result[i];
  XGDMatrixFree(m);
  if (rc != 0) return XgbError("prediction");
  return out;
}

Result<std::vector<float>> ChurnModel::Contributions(const ChurnData& data, std::span<const size_t> rows) const {
  bool linear = impl_->kind == ChurnModelKind::kLogistic;
  std::vector<float> x = impl_->encoder.Encode(data, rows, linear);
  size_t cols = impl_->encoder.names().size();
  if (linear) {
    const auto& w = impl_->logistic.weights;
    std::vector<float> out(rows.size() * (cols + 1));
    for (size_t i = 0; i < rows.size(); ++i) {
      for (size_t j = 0; j < cols; ++j) out[i * (cols + 1) + j] = static_cast<float>(w[j] * x[i * cols + j]);
      out[i * (cols + 1) + cols] = static_cast<float>(w[cols]);
    }
    return out;
  }
  DMatrixHandle m = nullptr;
  if (XGDMatrixCreateFromMat(x.data(), rows.size(), cols, kMissing, &m) != 0) return XgbError("matrix");
  bst_ulong len = 0;
  const float* result = nullptr;
  int rc = XGBoosterPredict(impl_->booster, m, 4 /* feature contributions */, 0, 0, &len, &result);
  std::vector<float> out;
  if (rc == 0) out.assign(result, result + len);
  XGDMatrixFree(m);
  if (rc != 0) return XgbError("contributions");
  return out;
}

Result<std::string> ChurnModel::Save() const {
  nlohmann::json doc = {{"format", "retain-churn-model"}, {"version", 1},
                        {"kind", impl_->kind == ChurnModelKind::kLogistic ? "logistic" : "xgboost"},
                        {"encoder", impl_->encoder.ToJson()}};
  nlohmann::json columns = nlohmann::json::array();
  for (const auto& c : impl_->columns) columns.push_back({{"name", c.name}, {"categorical", c.categorical}});
  doc["columns"] = columns;
  if (impl_->kind == ChurnModelKind::kLogistic) {
    doc["weights"] = impl_->logistic.weights;
  } else {
    bst_ulong len = 0;
    const char* data = nullptr;
    if (XGBoosterSaveModelToBuffer(impl_->booster, R"({"format": "json"})", &len, &data) != 0) return XgbError("saving");
    doc["booster"] = nlohmann::json::parse(std::string_view(data, len), nullptr, false);
  }
  return doc.dump();
}

Result<ChurnModel> ChurnModel::Load(std::string_view text) {
  auto doc = nlohmann::json::parse(text, nullptr, false);
  if (!doc.is_object() || doc.value("format", "") != "retain-churn-model")
    return InvalidArgument("not a Retain churn model (no \"format\": \"retain-churn-model\")");
  ChurnModel model;
  RETAIN_ASSIGN_OR_RETURN(model.impl_->encoder, FeatureEncoder::FromJson(doc.value("encoder", nlohmann::json())));
  for (const auto& c : doc.value("columns", nlohmann::json::array())) {
    if (!c.is_object() || !c.contains("name") || !c["name"].is_string())
      return InvalidArgument("the model's columns are malformed");
    model.impl_->columns.push_back({c["name"].get<std::string>(), c.value("categorical", false)});
  }
  if (doc.value("kind", "") == "logistic") {
    model.impl_->kind = ChurnModelKind::kLogistic;
    if (!doc.contains("weights") || !doc["weights"].is_array() ||
        doc["weights"].size() != model.impl_->encoder.names().size() + 1)
      return InvalidArgument("the logistic model's weights do not match its features");
    model.impl_->logistic.weights = doc["weights"].get<std::vector<double>>();
    return model;
  }
  if (!doc.contains("booster")) return InvalidArgument("the model has no trees (\"booster\")");
  std::string booster = doc["booster"].dump();
  BoosterHandle handle = nullptr;
  if (XGBoosterCreate(nullptr, 0, &handle) != 0) return XgbError("booster");
  model.impl_->booster = handle;
  if (XGBoosterLoadModelFromBuffer(handle, booster.data(), booster.size()) != 0) return XgbError("loading");
  XGBoosterSetParam(handle, "nthread", "2");
  return model;
}

double Auc(std::span<const double> scores, std::span<const int> labels) {
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  double positives = 0, rank_sum = 0;
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j < order.size() && scores[order[j]] == scores[order[i]]) ++j;
    double average_rank = (static_cast<double>(i + j - 1)) / 2 + 1;  // ties share their mean rank
    for (size_t k = i; k < j; ++k)
      if (labels[order[k]]) {
        positives += 1;
        rank_sum += average_rank;
      }
    i = j;
  }
  double negatives = static_cast<double>(scores.size()) - positives;
  if (positives == 0 || negatives == 0) return std::numeric_limits<double>::quiet_NaN();
  return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives);
}

Result<CrossValidation> CrossValidate(const ChurnData& data, ChurnModelKind kind, int folds, uint64_t seed) {
  size_t n = data.churned.size();
  std::vector<size_t> pos, neg;
  for (size_t i = 0; i < n; ++i) (data.churned[i] ? pos : neg).push_back(i);
  if (folds < 2) return InvalidArgument("at least 2 folds are needed", "folds");
  if (pos.size() < static_cast<size_t>(folds) || neg.size() < static_cast<size_t>(folds))
    return InvalidArgument(fmt::format("{} folds need at least {} churners and {} stayers; there are {} and {}", folds,
                                       folds, folds, pos.size(), neg.size()),
                           "folds");
  std::mt19937_64 rng(seed);
  std::shuffle(pos.begin(), pos.end(), rng);
  std::shuffle(neg.begin(), neg.end(), rng);
  std::vector<int> fold_of(n);
  for (size_t i = 0; i < pos.size(); ++i) fold_of[pos[i]] = static_cast<int>(i % static_cast<size_t>(folds));
  for (size_t i = 0; i < neg.size(); ++i) fold_of[neg[i]] = static_cast<int>(i % static_cast<size_t>(folds));

  CrossValidation cv;
  cv.out_of_fold.assign(n, 0);
  for (int f = 0; f < folds; ++f) {
    std::vector<size_t> train, test;
    for (size_t i = 0; i < n; ++i) (fold_of[i] == f ? test : train).push_back(i);
    RETAIN_ASSIGN_OR_RETURN(auto model, ChurnModel::Train(data, train, kind, seed + static_cast<uint64_t>(f)));
    RETAIN_ASSIGN_OR_RETURN(auto scores, model.Predict(data, test));
    std::vector<int> labels;
    for (size_t i = 0; i < test.size(); ++i) {
      cv.out_of_fold[test[i]] = scores[i];
      labels.push_back(data.churned[test[i]]);
    }
    cv.auc_folds.push_back(Auc(scores, labels));
  }
  cv.auc_mean = std::accumulate(cv.auc_folds.begin(), cv.auc_folds.end(), 0.0) / folds;

  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return cv.out_of_fold[a] < cv.out_of_fold[b]; });
  double overall = static_cast<double>(pos.size()) / static_cast<double>(n);
  for (size_t b = 0; b < 10; ++b) {
    size_t lo = n * b / 10, hi = n * (b + 1) / 10;
    CalibrationBin bin;
    for (size_t i = lo; i < hi; ++i) {
      bin.predicted += cv.out_of_fold[order[i]];
      bin.observed += data.churned[order[i]];
    }
    bin.customers = static_cast<int64_t>(hi - lo);
    if (hi > lo) {
      bin.predicted /= static_cast<double>(hi - lo);
      bin.observed /= static_cast<double>(hi - lo);
    }
    cv.calibration.push_back(bin);
  }
  cv.lift_top_decile = overall > 0 ? cv.calibration.back().observed / overall : 0;
  return cv;
}

}  // namespace retain::analytics
