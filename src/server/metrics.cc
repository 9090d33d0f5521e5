#include "server/metrics.h"

#include <fmt/format.h>

namespace retain::server {
namespace {

void RenderHistogram(std::string& out, const std::string& name, const std::string& labels,
                     const auto& buckets, const auto& h) {
  uint64_t cumulative = 0;
  std::string sep = labels.empty() ? "" : ",";
  for (size_t i = 0; i < buckets.size(); ++i) {
    cumulative += h.counts[i];
    out += fmt::format("{}_bucket{{{}{}le=\"{}\"}} {}\n", name, labels, sep, buckets[i], cumulative);
  }
  out += fmt::format("{}_bucket{{{}{}le=\"+Inf\"}} {}\n", name, labels, sep, h.count);
  out += fmt::format("{}_sum{{{}}} {}\n", name, labels, h.sum);
  out += fmt::format("{}_count{{{}}} {}\n", name, labels, h.count);
}

}  // namespace

void Metrics::Histogram::Observe(double v) {
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (v <= kBuckets[i]) {
      ++counts[i];
      break;
    }
  }
  ++count;
  sum += v;
}

namespace {

constexpr std::array<const char*, 5> kMethodNames = {"GET", "POST", "PUT", "DELETE", "OTHER"};

size_t MethodIndex(const std::string& m) {
  if (m == "GET") return 0;
  if (m == "POST") return 1;
  if (m == "PUT" || m == "PATCH") return 2;
  if (m == "DELETE") return 3;
  return 4;
}

}  // namespace

Metrics::RouteStats& Metrics::Route(const std::string& route) {
  {
    std::shared_lock lock(routes_mu_);
    if (auto it = routes_.find(route); it != routes_.end()) return *it->second;
  }
  std::unique_lock lock(routes_mu_);
  auto& slot = routes_[route];
  if (!slot) slot = std::make_unique<RouteStats>();
  return *slot;
}

void Metrics::ObserveRequest(const std::string& route, const std::string& method, int status,
                             double seconds) {
  RouteStats& r = Route(route);
  if (status >= 0 && status < 600) {
    r.by_status[MethodIndex(method)][static_cast<size_t>(status)].fetch_add(1, std::memory_order_relaxed);
  }
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      r.buckets[i].fetch_add(1, std::memory_order_relaxed);
      break;
    }
  }
  r.count.fetch_add(1, std::memory_order_relaxed);
  r.sum_ns.fetch_add(static_cast<uint64_t>(seconds * 1e9), std::memory_order_relaxed);
}

void Metrics::ObserveDatabase(const std::string& kind, double seconds) {
  std::lock_guard lock(mu_);
  database_[kind].Observe(seconds);
}

void Metrics::ObserveWriteGroup(size_t size, double seconds) {
  std::lock_guard lock(mu_);
  database_["write_group"].Observe(seconds);
  group_size_.Observe(static_cast<double>(size));
}

std::string Metrics::Render() const {
  std::string out;
  std::shared_lock routes_lock(routes_mu_);
  out += "# HELP retain_http_requests_total HTTP requests answered, by route, method and status.\n"
         "# TYPE retain_http_requests_total counter\n";
  for (const auto& [route, r] : routes_) {
    for (size_t m = 0; m < kMethodNames.size(); ++m) {
      for (size_t status = 0; status < 600; ++status) {
        uint64_t n = r->by_status[m][status].load(std::memory_order_relaxed);
        if (n == 0) continue;
        out += fmt::format("retain_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{}\"}} {}\n",
                           route, kMethodNames[m], status, n);
      }
    }
  }
  out += "# HELP retain_http_request_duration_seconds Time from a request's arrival to its response.\n"
         "# TYPE retain_http_request_duration_seconds histogram\n";
  for (const auto& [route, r] : routes_) {
    Histogram h;
    for (size_t i = 0; i < kBuckets.size(); ++i) h.counts[i] = r->buckets[i].load(std::memory_order_relaxed);
    h.count = r->count.load(std::memory_order_relaxed);
    h.sum = static_cast<double>(r->sum_ns.load(std::memory_order_relaxed)) / 1e9;
    RenderHistogram(out, "retain_http_request_duration_seconds", fmt::format("route=\"{}\"", route), kBuckets, h);
  }
  routes_lock.unlock();
  std::lock_guard lock(mu_);
  out += "# HELP retain_database_seconds Time in the database per read and per write group.\n"
         "# TYPE retain_database_seconds histogram\n";
  for (const auto& [kind, h] : database_) {
    RenderHistogram(out, "retain_database_seconds", fmt::format("kind=\"{}\"", kind), kBuckets, h);
  }
  out += fmt::format(
      "# HELP retain_write_group_size Writes committed together in one transaction.\n"
      "# TYPE retain_write_group_size summary\n"
      "retain_write_group_size_count {}\nretain_write_group_size_sum {}\n",
      group_size_.count, group_size_.sum);
  out += fmt::format(
      "# HELP retain_write_queue_depth Writes waiting for the writer.\n"
      "# TYPE retain_write_queue_depth gauge\nretain_write_queue_depth {}\n"
      "# HELP retain_open_connections Open client connections.\n"
      "# TYPE retain_open_connections gauge\nretain_open_connections {}\n",
      write_queue_depth_.load(), open_connections_.load());
  return out;
}

}  // namespace retain::server
