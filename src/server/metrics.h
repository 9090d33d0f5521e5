// The server's metrics, rendered in the Prometheus text format at /metrics. Thread-safe.
#ifndef RETAIN_SERVER_METRICS_H_
#define RETAIN_SERVER_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <tuple>

namespace retain::server {

class Metrics {
 public:
  // One answered request: its route pattern (not the concrete path, to bound the label set).
  void ObserveRequest(const std::string& route, const std::string& method, int status, double seconds);
  // Time spent in the database by one read or one write group.
  void ObserveDatabase(const std::string& kind, double seconds);
  // One committed write group of `size` writes.
  void ObserveWriteGroup(size_t size, double seconds);
  void SetWriteQueueDepth(size_t depth) { write_queue_depth_.store(depth); }
  void AddOpenConnections(int delta) { open_connections_.fetch_add(delta); }

  std::string Render() const;

 private:
  static constexpr std::array<double, 13> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1,    2.5, 5};
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> counts{};
    uint64_t count = 0;
    double sum = 0;
    void Observe(double v);
  };

  // Per route, lock-free once created: counts by method and status, and latency buckets.
  struct RouteStats {
    static constexpr int kMethods = 5;  // GET, POST, PUT/PATCH, DELETE, other
    std::array<std::array<std::atomic<uint64_t>, 600>, kMethods> by_status{};
    std::array<std::atomic<uint64_t>, kBuckets.size()> buckets{};
    std::atomic<uint64_t> count{0};
    std::atomic<uint64_t> sum_ns{0};
  };
  RouteStats& Route(const std::string& route);

  mutable std::shared_mutex routes_mu_;
  std::map<std::string, std::unique_ptr<RouteStats>, std::less<>> routes_;
  mutable std::mutex mu_;
  std::map<std::string, Histogram> database_;
  Histogram group_size_;  // only count and sum are rendered
  std::atomic<size_t> write_queue_depth_{0};
  std::atomic<int> open_connections_{0};
};

}  // namespace retain::server

#endif  // RETAIN_SERVER_METRICS_H_
