#include "core/importer.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <fstream>
#include <set>
#include <variant>

#include <fmt/format.h>

#include "core/parse.h"

namespace retain::core {
namespace {

using AnyRecord = std::variant<Customer, Product, Subscription, Payment, Purchase, Event>;

Result<AnyRecord> Parse(RecordKind kind, const SourceRecord& rec, const BusinessZone& zone) {
  auto wrap = [](auto&& r) -> Result<AnyRecord> {
    if (!r) return tl::unexpected(std::move(r).error());
    return AnyRecord(std::move(*r));
  };
  switch (kind) {
    case RecordKind::kCustomer: return wrap(ParseCustomer(rec, zone));
    case RecordKind::kProduct: return wrap(ParseProduct(rec));
    case RecordKind::kSubscription: return wrap(ParseSubscription(rec, zone));
    case RecordKind::kPayment: return wrap(ParsePayment(rec, zone));
    case RecordKind::kPurchase: return wrap(ParsePurchase(rec, zone));
    case RecordKind::kEvent: return wrap(ParseEvent(rec, zone));
  }
  return Internal("unknown record kind");
}

Result<WriteOutcome> Put(RecordStore& store, const AnyRecord& record) {
  return std::visit(
      [&](const auto& r) -> Result<WriteOutcome> {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, Customer>) return store.PutCustomer(r);
        else if constexpr (std::is_same_v<T, Product>) return store.PutProduct(r);
        else if constexpr (std::is_same_v<T, Subscription>) return store.PutSubscription(r);
        else if constexpr (std::is_same_v<T, Payment>) return store.PutPayment(r);
        else if constexpr (std::is_same_v<T, Purchase>) return store.PutPurchase(r);
        else return store.PutEvent(r);
      },
      record);
}

// An error that names a field is the row's fault and leaves the transaction usable (see
// RecordStore); any other error came from the database.
bool IsRowError(const Error& e) { return !e.field.empty(); }

std::string RejectsPath(const std::string& path, std::string_view suffix) {
  std::filesystem::path p(path);
  auto stem = p.stem().string();
  auto ext = p.extension().string();
  if (suffix == "log") ext = ".log";
  return (p.parent_path() / (stem + ".rejects" + ext)).string();
}

// Writes rejected rows and their reasons beside the input, creating the files on first use.
class Rejects {
 public:
  Rejects(const ImportOptions& options, std::string_view header)
      : input_(options.path), header_(header),
        rows_path_(RejectsPath(options.path, "rows")), log_path_(RejectsPath(options.path, "log")) {
    // Rejects of an earlier run describe that run, not this one.
    std::error_code ec;
    std::filesystem::remove(rows_path_, ec);
    std::filesystem::remove(log_path_, ec);
  }

  Status Add(int64_t line, std::string_view raw, const Error& error, ImportObserver* observer) {
    std::string message = fmt::format("{}:{}: {}", input_, line, error.ToString());
    if (!any_) {
      any_ = true;
      rows_.open(rows_path_, std::ios::binary | std::ios::trunc);
      log_.open(log_path_, std::ios::binary | std::ios::trunc);
      if (!rows_ || !log_) {
        return Internal(fmt::format("cannot write the rejects file {}", rows_path_));
      }
      if (!header_.empty()) rows_ << header_ << '\n';
    }
    rows_ << raw << '\n';
    log_ << message << '\n';
    if (observer != nullptr) observer->OnReject(message);
    return Ok();
  }

  bool any() const { return any_; }
  const std::string& rows_path() const { return rows_path_; }
  const std::string& log_path() const { return log_path_; }
  Status Close() {
    if (!rows_.is_open()) return Ok();
    rows_.close();
    log_.close();
    if (rows_.fail() || log_.fail()) return Internal("cannot finish writing " + rows_path_);
    return Ok();
  }

 private:
  std::string input_;
  std::string header_;
  std::string rows_path_;
  std::string log_path_;
  std::ofstream rows_;
  std::ofstream log_;
  bool any_ = false;
};

struct Pending {
  int64_t line;
  std::string raw;
  AnyRecord record;
};

struct Counts {
  int64_t inserted = 0, updated = 0, unchanged = 0;
  void Add(WriteOutcome o) {
    if (o == WriteOutcome::kInserted) ++inserted;
    else if (o == WriteOutcome::kUpdated) ++updated;
    else ++unchanged;
  }
};

class Run {
 public:
  Run(RecordStore& store, const ImportOptions& options, ImportObserver* observer,
      RecordReader& reader)
      : store_(store), options_(options), observer_(observer), reader_(reader),
        rejects_(options, reader.header()) {}

  Result<ImportReport> Go() {
    auto start = std::chrono::steady_clock::now();
    std::set<std::string> ignored;
    auto known = KnownFields(options_.kind);
    SourceRecord rec;
    RETAIN_RETURN_IF_ERROR(store_.Begin());
    while (true) {
      auto next = reader_.Next(&rec);
      if (!next) {
        ++report_.read;
        RETAIN_RETURN_IF_ERROR(Reject(rec.line(), rec.raw(), next.error()));
        continue;
      }
      if (!*next) break;
      ++report_.read;
      if (options_.kind != RecordKind::kCustomer) {
        for (const auto& name : rec.FieldNames()) {
          if (std::find(known.begin(), known.end(), name) == known.end()) ignored.insert(name);
        }
      }
      auto parsed = Parse(options_.kind, rec, options_.zone);
      if (!parsed) {
        RETAIN_RETURN_IF_ERROR(Reject(rec.line(), rec.raw(), parsed.error()));
      } else {
        RETAIN_RETURN_IF_ERROR(Write(Pending{rec.line(), std::string(rec.raw()), std::move(*parsed)}));
      }
      if (!options_.strict && batch_.size() >= options_.batch_size) {
        RETAIN_RETURN_IF_ERROR(CommitBatch());
        RETAIN_RETURN_IF_ERROR(store_.Begin());
      }
      if (observer_ != nullptr && (report_.read & 1023) == 0) {
        observer_->OnProgress(reader_.position(), reader_.size(), report_.read);
      }
    }
    if (options_.strict && rejects_.any()) {
      store_.Rollback();
      report_.rolled_back = true;
      batch_counts_ = {};
    } else {
      RETAIN_RETURN_IF_ERROR(CommitBatch());
    }
    if (observer_ != nullptr) observer_->OnProgress(reader_.size(), reader_.size(), report_.read);
    RETAIN_RETURN_IF_ERROR(rejects_.Close());
    if (rejects_.any()) {
      report_.rejects_path = rejects_.rows_path();
      report_.log_path = rejects_.log_path();
    }
    report_.ignored_fields.assign(ignored.begin(), ignored.end());
    report_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return report_;
  }

 private:
  Status Reject(int64_t line, std::string_view raw, const Error& error) {
    ++report_.rejected;
    return rejects_.Add(line, raw, error, observer_);
  }

  // Writes one record inside the open batch. A database error rolls the batch back and replays
  // it one record per transaction, so only the record at fault is rejected.
  // Stores one record and runs the hook for its kind on it.
  Result<WriteOutcome> Store(const AnyRecord& record) {
    RETAIN_ASSIGN_OR_RETURN(WriteOutcome outcome, Put(store_, record));
    Status hooked = Ok();
    if (const auto* purchase = std::get_if<Purchase>(&record); purchase && options_.after_purchase) {
      hooked = options_.after_purchase(*purchase, outcome);
    } else if (const auto* event = std::get_if<Event>(&record); event && options_.after_event) {
      hooked = options_.after_event(*event, outcome);
    } else if (const auto* payment = std::get_if<Payment>(&record); payment && options_.after_payment) {
      hooked = options_.after_payment(*payment, outcome);
    } else if (const auto* sub = std::get_if<Subscription>(&record); sub && options_.after_subscription) {
      hooked = options_.after_subscription(*sub, outcome);
    }
    if (!hooked) {
      Error e = hooked.error();
      e.field.clear();  // not the row's fault alone: roll back, replay, reject only if it fails alone
      return tl::unexpected(std::move(e));
    }
    return outcome;
  }

  Status Write(Pending pending) {
    auto outcome = Store(pending.record);
    if (outcome) {
      batch_counts_.Add(*outcome);
      if (!options_.strict) batch_.push_back(std::move(pending));
      return Ok();
    }
    if (IsRowError(outcome.error())) return Reject(pending.line, pending.raw, outcome.error());
    if (outcome.error().code == ErrorCode::kUnavailable || options_.strict) {
      store_.Rollback();
      return tl::unexpected(outcome.error());
    }
    store_.Rollback();
    batch_.push_back(std::move(pending));
    return Replay();
  }

  // Replays the rolled-back batch by halves: a half that writes cleanly commits as one
  // transaction, a half that fails is split again, so one bad row among n costs about 2 log2(n)
  // transactions instead of n.
  Status Replay() {
    batch_counts_ = {};
    auto batch = std::move(batch_);
    batch_.clear();
    RETAIN_RETURN_IF_ERROR(ReplayRange(batch, 0, batch.size()));
    return store_.Begin();
  }

  Status ReplayRange(const std::vector<Pending>& batch, size_t begin, size_t end) {
    if (begin == end) return Ok();
    RETAIN_RETURN_IF_ERROR(store_.Begin());
    Counts counts;
    std::optional<Error> failure;
    for (size_t i = begin; i < end && !failure; ++i) {
      auto outcome = Store(batch[i].record);
      if (outcome) counts.Add(*outcome);
      else failure = outcome.error();
    }
    if (!failure) {
      RETAIN_RETURN_IF_ERROR(store_.Commit());
      Tally(counts);
      return Ok();
    }
    store_.Rollback();
    if (failure->code == ErrorCode::kUnavailable) return tl::unexpected(*failure);
    if (end - begin == 1) return Reject(batch[begin].line, batch[begin].raw, *failure);
    size_t mid = begin + (end - begin) / 2;
    RETAIN_RETURN_IF_ERROR(ReplayRange(batch, begin, mid));
    return ReplayRange(batch, mid, end);
  }

  Status CommitBatch() {
    RETAIN_RETURN_IF_ERROR(store_.Commit());
    Tally(batch_counts_);
    batch_counts_ = {};
    batch_.clear();
    return Ok();
  }

  void Tally(const Counts& c) {
    report_.inserted += c.inserted;
    report_.updated += c.updated;
    report_.unchanged += c.unchanged;
  }

  RecordStore& store_;
  const ImportOptions& options_;
  ImportObserver* observer_;
  RecordReader& reader_;
  Rejects rejects_;
  ImportReport report_;
  std::vector<Pending> batch_;
  Counts batch_counts_;
};

}  // namespace

Result<ImportReport> ImportFile(RecordStore& store, const ImportOptions& options,
                                ImportObserver* observer) {
  RETAIN_ASSIGN_OR_RETURN(auto reader, RecordReader::Open(options.path, options.format, options.map));
  Run run(store, options, observer, *reader);
  return run.Go();
}

}  // namespace retain::core
