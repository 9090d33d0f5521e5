#include "server/http_server.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <csignal>
#include <iostream>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include "common/crypto.h"
#include "server/facts_cache.h"
#include "server/outreach_sender.h"
#include "server/api.h"
#include "server/auth.h"
#include "server/metrics.h"
#include "server/router.h"
#include "server/static_files.h"
#include "server/webhooks.h"

namespace retain::server {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

class Session;

// What every session shares. Lives as long as Serve().
struct Shared {
  const ServerOptions* options = nullptr;
  Router router;
  Metrics metrics;
  Authenticator* auth = nullptr;
  net::io_context* io = nullptr;
  std::atomic<bool> draining{false};
  std::mutex sessions_mu;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Shared* shared) : stream_(std::move(socket)), shared_(shared) {
    shared_->metrics.AddOpenConnections(1);
  }
  ~Session() {
    shared_->metrics.AddOpenConnections(-1);
    std::lock_guard lock(shared_->sessions_mu);
    shared_->sessions.erase(this);
  }

  void Start() {
    {
      std::lock_guard lock(shared_->sessions_mu);
      shared_->sessions[this] = weak_from_this();
    }
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Read(); });
  }

  // On shutdown: a session waiting for a request closes now; a busy one after its response.
  void Drain() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      if (!self->busy_) self->stream_.cancel();
    });
  }

 private:
  void Read() {
    if (shared_->draining) return Close();
    busy_ = false;
    parser_.emplace();
    parser_->body_limit(shared_->options->max_body_bytes);
    parser_->header_limit(static_cast<uint32_t>(shared_->options->max_header_bytes));
    stream_.expires_after(requests_ == 0 ? shared_->options->read_timeout : shared_->options->idle_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, size_t) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset ||
        ec == net::error::eof) {
      return Close();
    }
    start_ = std::chrono::steady_clock::now();
    busy_ = true;
    ++requests_;
    if (ec) {
      keep_alive_ = false;
      version_ = 11;
      route_ = "(malformed)";
      method_ = "?";
      Error e{ErrorCode::kInvalidArgument, "malformed HTTP request: " + ec.message(), ""};
      Response r = ErrorResponse(e);
      if (ec == http::error::body_limit) {
        r = ErrorResponse({ErrorCode::kInvalidArgument,
                           fmt::format("the request body is larger than {} bytes", shared_->options->max_body_bytes), ""});
        r.status = 413;
      } else if (ec == http::error::header_limit) {
        r = ErrorResponse({ErrorCode::kInvalidArgument, "the request headers are too large", ""});
        r.status = 431;
      }
      return Send(std::move(r));
    }
    auto msg = parser_->release();
    keep_alive_ = msg.keep_alive();
    version_ = msg.version();
    Request req;
    req.method = std::string(msg.method_string());
    method_ = req.method;
    for (const auto& field : msg) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      req.headers[name] = std::string(field.value());
    }
    req.body = std::move(msg.body());
    if (auto ok = ParseTarget(msg.target(), &req); !ok) {
      route_ = "(bad target)";
      return Send(ErrorResponse(ok.error()));
    }
    bool path_known = false;
    const Route* route = shared_->router.Find(&req, &path_known);
    if (route == nullptr && !path_known && (req.method == "GET" || req.method == "HEAD") &&
        !req.path.starts_with("/v1/")) {
      route_ = "(web app)";
      return Send(ServeStatic(shared_->options->web_root, req.path));
    }
    if (route == nullptr) {
      route_ = "(unmatched)";
      if (path_known) {
        Response r = ErrorResponse({ErrorCode::kInvalidArgument,
                                    fmt::format("{} is not allowed on {}", req.method, req.path), ""});
        r.status = 405;
        return Send(std::move(r));
      }
      return Send(ErrorResponse({ErrorCode::kNotFound, fmt::format("no such endpoint: {}", req.path), ""}));
    }
    route_ = route->pattern;
    if (auto refusal = Authorize(*route, &req)) return Send(std::move(*refusal));
    // The reply may come from a database thread; it keeps the I/O context alive until it runs.
    auto work = net::make_work_guard(*shared_->io);
    // dispatch: a reply given on this session's strand (a read) is sent at once; one from the
    // writer thread is queued onto the strand.
    // A handler that throws (a body value of the wrong type read with json::value, say) answers
    // for its request alone instead of ending the server.
    try {
      route->handler(std::move(req), [self = shared_from_this(), work](Response r) mutable {
        net::dispatch(self->stream_.get_executor(), [self, r = std::move(r)]() mutable { self->Send(std::move(r)); });
        work.reset();
      });
    } catch (const nlohmann::json::type_error& e) {
      Send(ErrorResponse({ErrorCode::kInvalidArgument,
                          fmt::format("a field of the body has the wrong type ({}); /openapi.json gives each field's type",
                                      e.what()),
                          ""}));
    } catch (const std::exception& e) {
      fmt::print(stderr, "retain serve: {} {} failed: {}\n", route_, req.method, e.what());
      Send(ErrorResponse({ErrorCode::kInternal, "the server failed on this request; it is logged", ""}));
    }
  }

  // Resolves the caller and checks the route's permission; a response when the request must be
  // refused (401, 403), nullopt to go on.
  std::optional<Response> Authorize(const Route& route, Request* req) {
    const std::string& needed = route.doc.permission;
    auto principal = shared_->auth->Authenticate(*req);
    if (needed.empty()) {
      if (principal) req->principal = std::move(*principal);
      return std::nullopt;  // public: bad credentials do not matter here
    }
    if (!principal) return ErrorResponse(principal.error());
    req->principal = std::move(*principal);
    const Principal& p = *req->principal;
    if (!p.authenticated) {
      return ErrorResponse({ErrorCode::kUnauthenticated,
                            "sign in (POST /v1/session), or send an API key as 'Authorization: Bearer rk_...'", ""});
    }
    if (needed != kSignedIn && !p.Has(needed)) {
      return ErrorResponse({ErrorCode::kPermissionDenied,
                            fmt::format("this needs the {} permission, which {} does not have", needed, p.actor), ""});
    }
    bool unsafe = req->method != "GET" && req->method != "HEAD" && req->method != "OPTIONS";
    if (p.via_cookie && unsafe && !ConstantTimeEquals(req->Header("x-csrf-token"), p.csrf_token)) {
      return ErrorResponse({ErrorCode::kPermissionDenied,
                            "missing or wrong X-CSRF-Token header (the csrf_token given at sign-in)", ""});
    }
    return std::nullopt;
  }

  void Send(Response r) {
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(r.status), version_);
    res->set(http::field::server, "retain");
    res->set(http::field::content_type, r.content_type);
    // Every answer: no type sniffing, never inside another site's frame, no referrer leaving
    // with a link, and (personal data) no caching. The web app's files and its page set their
    // own Cache-Control and Content-Security-Policy.
    res->set("X-Content-Type-Options", "nosniff");
    res->set("X-Frame-Options", "DENY");
    res->set("Referrer-Policy", "no-referrer");
    res->set(http::field::cache_control, "no-store");
    if (r.content_type.starts_with("application/json") || r.content_type.starts_with("text/plain")) {
      res->set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
    }
    for (auto& [k, v] : r.headers) res->set(k, v);
    res->keep_alive(keep_alive_ && !shared_->draining);
    res->body() = std::move(r.body);
    res->prepare_payload();
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    shared_->metrics.ObserveRequest(route_, method_, r.status, seconds);
    stream_.expires_after(shared_->options->read_timeout);
    http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, size_t) {
      if (ec || !res->keep_alive()) return self->Close();
      self->Read();
    });
  }

  // A lingering close: stop sending, then read and discard what the client still sends (the
  // rest of a refused body) for a moment, so closing does not reset the connection before the
  // client has read our last response.
  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return stream_.socket().close(ec);
    stream_.expires_after(std::chrono::seconds(2));
    Discard();
  }

  void Discard() {
    stream_.async_read_some(net::buffer(discard_), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) {
        beast::error_code ignored;
        self->stream_.socket().close(ignored);
        return;
      }
      self->Discard();
    });
  }

  beast::tcp_stream stream_;
  Shared* shared_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool busy_ = false;
  bool keep_alive_ = true;
  unsigned version_ = 11;
  uint64_t requests_ = 0;
  std::string route_;
  std::string method_;
  std::chrono::steady_clock::time_point start_;
  std::array<char, 16 * 1024> discard_{};
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(net::io_context& io, tcp::acceptor acceptor, Shared* shared)
      : io_(io), acceptor_(std::move(acceptor)), shared_(shared) {}

  void Accept() {
    acceptor_.async_accept(net::make_strand(io_), beast::bind_front_handler(&Listener::OnAccept, shared_from_this()));
  }

  void Stop() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->acceptor_.close(ec);
    });
  }

 private:
  void OnAccept(beast::error_code ec, tcp::socket socket) {
    if (!acceptor_.is_open()) return;
    if (!ec) {
      socket.set_option(tcp::no_delay(true), ec);
      std::make_shared<Session>(std::move(socket), shared_)->Start();
    }
    Accept();
  }

  net::io_context& io_;
  tcp::acceptor acceptor_;
  Shared* shared_;
};

}  // namespace

Result<int> Serve(const ServerOptions& options, const StoreFactory& factory) {
  // Block the stop signals in every thread; the I/O context's signal_set receives them.
  int threads = options.threads > 0 ? options.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  Shared shared;
  shared.options = &options;

  RETAIN_ASSIGN_OR_RETURN(auto zone_store, factory());
  RETAIN_ASSIGN_OR_RETURN(auto zone_name, zone_store->records().GetSetting("timezone"));
  zone_store.reset();
  ApiContext ctx;
  if (zone_name) {
    RETAIN_ASSIGN_OR_RETURN(ctx.zone, BusinessZone::Load(*zone_name));
  }
  // Declared before the workers and the sender, so it outlives the jobs that read it.
  FactsCache facts_cache;
  ctx.facts = &facts_cache;
  RETAIN_ASSIGN_OR_RETURN(auto workers, StoreWorkers::Start(factory, options.readers, &shared.metrics));
  WebhookOptions webhook_options;
  webhook_options.retry_base = options.webhook_retry_base;
  webhook_options.poll = std::chrono::milliseconds(250);
  RETAIN_ASSIGN_OR_RETURN(auto dispatcher, WebhookDispatcher::Start(factory, webhook_options));
  net::io_context io(threads);
  shared.io = &io;
  beast::error_code ec;
  auto address = net::ip::make_address(options.host, ec);
  if (ec) return InvalidArgument(fmt::format("'{}' is not an IP address", options.host), "host");
  // On a strand of its own, so closing it at SIGTERM cannot race an accept starting on another
  // I/O thread (that race crashed the server in epoll_reactor::start_op under load).
  tcp::acceptor acceptor(net::make_strand(io));
  tcp::endpoint endpoint(address, static_cast<unsigned short>(options.port));
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return Unavailable(fmt::format("cannot listen on {}:{}: {}", options.host, options.port, ec.message()));
  }
  int port = acceptor.local_endpoint().port();
  // Outreach sends on its own thread; links in messages point at the public address.
  OutreachOptions outreach_options = options.outreach;
  if (outreach_options.public_url.empty()) outreach_options.public_url = fmt::format("http://{}:{}", options.host, port);
  while (!outreach_options.public_url.empty() && outreach_options.public_url.back() == '/') outreach_options.public_url.pop_back();
  RETAIN_ASSIGN_OR_RETURN(auto outreach_sender, OutreachSender::Start(factory, outreach_options, ctx.zone, &facts_cache));
  ctx.outreach = outreach_sender.get();
  ctx.workers = workers.get();
  ctx.metrics = &shared.metrics;
  Authenticator auth(workers.get());
  shared.auth = &auth;
  ctx.auth = &auth;
  AddServiceRoutes(shared.router, ctx);
  AddStaffRoutes(shared.router, ctx);
  AddWebhookRoutes(shared.router, ctx);
  AddRecordRoutes(shared.router, ctx);
  AddLoyaltyRoutes(shared.router, ctx);
  AddAnalyticsRoutes(shared.router, ctx);
  AddRetentionRoutes(shared.router, ctx);
  AddRecoveryRoutes(shared.router, ctx);
  AddSelfServeRoutes(shared.router, ctx);
  AddCareRoutes(shared.router, ctx);
  AddFeedbackRoutes(shared.router, ctx);
  AddOutreachRoutes(shared.router, ctx);
  AddContestRoutes(shared.router, ctx);

  auto listener = std::make_shared<Listener>(io, std::move(acceptor), &shared);
  listener->Accept();

  // Loyalty points past their expiry are booked as expired, retention's due changes applied
  // (cancellations, resumes, payment retries, win-back), cases escalated and survey reminders sent,
  // a minute after start and every hour, through the writer like any other write.
  net::steady_timer expiry_timer(io);
  std::function<void(std::chrono::seconds)> schedule_expiry = [&](std::chrono::seconds delay) {
    expiry_timer.expires_after(delay);
    expiry_timer.async_wait([&](beast::error_code e) {
      if (e || shared.draining) return;
      workers->Write(LoyaltyUpkeep(ctx.zone), [](Response r) {
        if (r.status >= 400) fmt::print(stderr, "retain serve: expiring loyalty points failed: {}\n", r.body);
      });
      workers->Write(RetentionUpkeep(ctx.zone), [](Response r) {
        if (r.status >= 400) fmt::print(stderr, "retain serve: applying due cancellations and resumes failed: {}\n", r.body);
      });
      workers->Write(CareUpkeep(ctx.zone), [](Response r) {
        if (r.status >= 400) fmt::print(stderr, "retain serve: escalating cases failed: {}\n", r.body);
      });
      workers->Write(FeedbackUpkeep(), [](Response r) {
        if (r.status >= 400) fmt::print(stderr, "retain serve: sending survey reminders failed: {}\n", r.body);
      });
      schedule_expiry(std::chrono::hours(1));
    });
  };
  schedule_expiry(std::chrono::seconds(60));

  // The analytics are computed a minute after start and then every night at 03:00 (business
  // time), on a thread and connection of their own.
  net::steady_timer analytics_timer(io);
  std::function<void(std::chrono::seconds)> schedule_analytics = [&](std::chrono::seconds delay) {
    analytics_timer.expires_after(delay);
    analytics_timer.async_wait([&](beast::error_code e) {
      if (e || shared.draining) return;
      workers->Background(AnalyticsRefresh(ctx.zone), [](Response r) {
        if (r.status >= 400) fmt::print(stderr, "retain serve: refreshing the analytics failed: {}\n", r.body);
      });
      auto now = Now();
      auto today = ctx.zone.LocalDate(now);
      auto next = ctx.zone.StartOfDay(date::year_month_day{date::sys_days{today} + date::days{1}}) + std::chrono::hours(3);
      schedule_analytics(std::chrono::duration_cast<std::chrono::seconds>(next - now));
    });
  };
  schedule_analytics(std::chrono::seconds(60));

  net::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](beast::error_code, int) {
    shared.draining = true;
    expiry_timer.cancel();
    analytics_timer.cancel();
    listener->Stop();
    std::vector<std::shared_ptr<Session>> open;
    {
      std::lock_guard lock(shared.sessions_mu);
      for (auto& [ptr, weak] : shared.sessions) {
        if (auto s = weak.lock()) open.push_back(std::move(s));
      }
    }
    for (auto& s : open) s->Drain();
  });

  if (options.on_listening) options.on_listening(port);
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : pool) t.join();
  outreach_sender->Stop();
  workers->Stop();
  dispatcher->Stop();
  return 0;
}

}  // namespace retain::server
