#include "analytics/churn.h"

#include <cmath>
#include <random>

#include <gtest/gtest.h>

#include "analytics/simulate.h"

namespace retain::analytics {
namespace {

ChurnData Simulate(size_t n, uint64_t seed) { return SimulateChurn(n, seed); }

TEST(ChurnModel, TreesFindWhatTheLinearBaselineMisses) {
  auto data = Simulate(6000, 1);
  auto trees = CrossValidate(data, ChurnModelKind::kGradientBoosting, 5, 7);
  auto linear = CrossValidate(data, ChurnModelKind::kLogistic, 5, 7);
  ASSERT_TRUE(trees) << trees.error().ToString();
  ASSERT_TRUE(linear) << linear.error().ToString();
  EXPECT_EQ(trees->auc_folds.size(), 5u);
  EXPECT_GT(trees->auc_mean, 0.72);
  EXPECT_LT(trees->auc_mean, 0.95);
  EXPECT_GT(linear->auc_mean, 0.65);
  EXPECT_GT(trees->auc_mean, linear->auc_mean + 0.01);  // the interaction
  // Calibrated: the top tenth churns more than the bottom tenth, and predictions track it.
  EXPECT_GT(trees->calibration.back().observed, 3 * trees->calibration.front().observed);
  for (const auto& bin : trees->calibration) EXPECT_NEAR(bin.predicted, bin.observed, 0.1);
  EXPECT_GT(trees->lift_top_decile, 1.5);
}

TEST(ChurnModel, ShuffledLabelsScoreAsChance) {
  // With the target shuffled there is nothing to learn: a pipeline that leaked the test fold
  // into its preprocessing or training would still score above 0.5 here.
  auto data = Simulate(3000, 2);
  std::mt19937_64 rng(3);
  std::shuffle(data.churned.begin(), data.churned.end(), rng);
  auto trees = CrossValidate(data, ChurnModelKind::kGradientBoosting, 5, 7);
  ASSERT_TRUE(trees);
  EXPECT_NEAR(trees->auc_mean, 0.5, 0.04);
}

TEST(ChurnModel, ContributionsExplainEachScore) {
  auto data = Simulate(3000, 4);
  std::vector<size_t> all(data.ids.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  auto model = ChurnModel::Train(data, all, ChurnModelKind::kGradientBoosting, 1);
  ASSERT_TRUE(model) << model.error().ToString();
  std::vector<size_t> some = {0, 1, 2, 3};
  auto scores = model->Predict(data, some);
  auto contributions = model->Contributions(data, some);
  ASSERT_TRUE(scores && contributions);
  size_t width = model->names().size() + 1;
  ASSERT_EQ(contributions->size(), some.size() * width);
  for (size_t i = 0; i < some.size(); ++i) {
    double log_odds = 0;
    for (size_t j = 0; j < width; ++j) log_odds += (*contributions)[i * width + j];
    EXPECT_NEAR(1 / (1 + std::exp(-log_odds)), (*scores)[i], 1e-4);  // they add up to the score
  }
  // One-hot names carry the category.
  EXPECT_NE(std::find(model->names().begin(), model->names().end(), "contract=monthly"), model->names().end());
}

TEST(ChurnModel, SavedModelsPredictAsBefore) {
  auto data = Simulate(2000, 6);
  std::vector<size_t> all(data.ids.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  for (auto kind : {ChurnModelKind::kGradientBoosting, ChurnModelKind::kLogistic}) {
    auto model = ChurnModel::Train(data, all, kind, 1);
    ASSERT_TRUE(model);
    auto text = model->Save();
    ASSERT_TRUE(text) << text.error().ToString();
    auto loaded = ChurnModel::Load(*text);
    ASSERT_TRUE(loaded) << loaded.error().ToString();
    EXPECT_EQ(loaded->names(), model->names());
    ASSERT_EQ(loaded->columns().size(), 4u);
    EXPECT_EQ(loaded->columns()[3].name, "contract");
    EXPECT_TRUE(loaded->columns()[3].categorical);
    auto before = model->Predict(data, all), after = loaded->Predict(data, all);
    ASSERT_TRUE(before && after);
    for (size_t i = 0; i < all.size(); ++i) ASSERT_NEAR((*before)[i], (*after)[i], 1e-6) << i;
  }
  EXPECT_FALSE(ChurnModel::Load("{\"format\": \"something else\"}"));
  EXPECT_FALSE(ChurnModel::Load("not json"));
}

TEST(ChurnModel, AucCountsTiesAsHalf) {
  const double scores[] = {0.1, 0.4, 0.35, 0.8};
  const int labels[] = {0, 0, 1, 1};
  EXPECT_DOUBLE_EQ(Auc(scores, labels), 0.75);
  const double tied[] = {0.5, 0.5};
  const int mixed[] = {0, 1};
  EXPECT_DOUBLE_EQ(Auc(tied, mixed), 0.5);
}

TEST(ChurnModel, RefusesTooFewChurners) {
  auto data = Simulate(50, 5);
  std::fill(data.churned.begin(), data.churned.end(), 0);
  data.churned[0] = 1;
  auto cv = CrossValidate(data, ChurnModelKind::kGradientBoosting, 5, 1);
  ASSERT_FALSE(cv);
  EXPECT_NE(cv.error().message.find("5 folds need at least 5 churners"), std::string::npos);
}

}  // namespace
}  // namespace retain::analytics
