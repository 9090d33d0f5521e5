// The churn-risk model: gradient-boosted trees (XGBoost's C API) with a logistic-regression
// baseline, cross-validated with every preprocessing step fitted inside the fold; calibration,
// lift and per-customer reasons from the trees' feature contributions.
#ifndef RETAIN_ANALYTICS_CHURN_H_
#define RETAIN_ANALYTICS_CHURN_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace retain::analytics {

// One input column: numbers (NaN where missing) or, for a categorical column, labels (empty
// where missing).
struct FeatureColumn {
  std::string name;
  bool categorical = false;
  std::vector<double> numbers;
  std::vector<std::string> labels;
};

// Customers, their raw features and whether they churned (1) or not (0).
struct ChurnData {
  std::vector<std::string> ids;
  std::vector<FeatureColumn> columns;
  std::vector<int> churned;
};

// Turns raw columns into a numeric matrix, learning everything it needs (categories, means and
// spreads) from the rows it is fitted on only, so a test fold never informs its own encoding.
// Numeric columns pass through (missing stays NaN for the trees; for the linear model they are
// standardised and missing becomes the mean); a categorical column becomes one indicator per
// category seen in fitting ("contract=two_year"); an unseen category is all zeros.
class FeatureEncoder {
 public:
  void Fit(const ChurnData& data, std::span<const size_t> rows);
  // Row-major, rows x names().size(). `standardise`: for the linear model.
  std::vector<float> Encode(const ChurnData& data, std::span<const size_t> rows, bool standardise) const;
  const std::vector<std::string>& names() const { return names_; }

  // The encoder as JSON, and back. FromJson fails with InvalidArgument for a malformed document.
  nlohmann::json ToJson() const;
  static Result<FeatureEncoder> FromJson(const nlohmann::json& doc);

 private:
  struct Part {
    size_t column = 0;
    bool indicator = false;
    std::string category;
    double mean = 0, spread = 1;
  };
  std::vector<Part> parts_;
  std::vector<std::string> names_;
};

enum class ChurnModelKind { kGradientBoosting, kLogistic };

// A fitted model with its encoder. Move-only.
class ChurnModel {
 public:
  ChurnModel();
  ~ChurnModel();
  ChurnModel(ChurnModel&&) noexcept;
  ChurnModel& operator=(ChurnModel&&) noexcept;

  // Fits `kind` on `rows` of `data`. Fails with InvalidArgument when the rows hold one class
  // only, Internal when XGBoost reports an error.
  static Result<ChurnModel> Train(const ChurnData& data, std::span<const size_t> rows, ChurnModelKind kind,
                                  uint64_t seed);
  // The probability of churn for each of `rows`.
  Result<std::vector<double>> Predict(const ChurnData& data, std::span<const size_t> rows) const;
  // Per row, each encoded feature's contribution to the log-odds (the trees' SHAP values; for the
  // linear model, coefficient times value), then the bias: rows x (names().size() + 1).
  Result<std::vector<float>> Contributions(const ChurnData& data, std::span<const size_t> rows) const;
  const std::vector<std::string>& names() const;
  ChurnModelKind kind() const;
  // The raw columns it was trained on, in order, and whether each is categorical: data to
  // score must have the same (by name, in this order).
  struct Column {
    std::string name;
    bool categorical = false;
  };
  const std::vector<Column>& columns() const;

  // The whole model (encoder, trees or coefficients) as one JSON text, to store and version;
  // Load reads it back and predicts exactly as before. Load fails with InvalidArgument for a
  // text that is not such a model.
  Result<std::string> Save() const;
  static Result<ChurnModel> Load(std::string_view text);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The area under the ROC curve of `scores` for `labels` (ties count half). NaN without both
// classes.
double Auc(std::span<const double> scores, std::span<const int> labels);

struct CalibrationBin {
  double predicted = 0;  // mean predicted probability
  double observed = 0;   // share who churned
  int64_t customers = 0;
};

struct CrossValidation {
  std::vector<double> auc_folds;
  double auc_mean = 0;
  std::vector<double> out_of_fold;          // each customer's score from the model that did not see them
  std::vector<CalibrationBin> calibration;  // ten bins by out-of-fold score, lowest first
  double lift_top_decile = 0;               // churn rate in the top tenth over the overall rate
};

// Stratified k-fold cross-validation: the encoder and the model are fitted on each training
// part only. Fails with InvalidArgument for fewer than 2 folds or more folds than churners or
// stayers.
Result<CrossValidation> CrossValidate(const ChurnData& data, ChurnModelKind kind, int folds, uint64_t seed);

}  // namespace retain::analytics

#endif  // RETAIN_ANALYTICS_CHURN_H_
