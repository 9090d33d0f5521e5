// The SQL implementation of feedback::FeedbackStore, one text for SQLite and PostgreSQL.
#ifndef RETAIN_STORAGE_FEEDBACK_STORE_H_
#define RETAIN_STORAGE_FEEDBACK_STORE_H_

#include <memory>

#include "feedback/feedback_store.h"
#include "storage/database.h"

namespace retain::storage {

// A feedback store on `db`, which must outlive it (it shares the record store's connection, so
// an answer and the follow-up case it opens commit together).
std::unique_ptr<feedback::FeedbackStore> MakeSqlFeedbackStore(Connection& db);

}  // namespace retain::storage

#endif  // RETAIN_STORAGE_FEEDBACK_STORE_H_
