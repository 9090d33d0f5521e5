#include "server_process.h"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include <fmt/format.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace retain::testing {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct HttpClient::Impl {
  net::io_context io;
  std::optional<beast::tcp_stream> stream;
  int port;
  bool Connect() {
    stream.emplace(io);
    beast::error_code ec;
    stream->connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)), ec);
    return !ec;
  }
};

HttpClient::HttpClient(int port, std::map<std::string, std::string> default_headers)
    : impl_(std::make_unique<Impl>()), default_headers_(std::move(default_headers)) {
  impl_->port = port;
  impl_->Connect();
}

HttpClient::~HttpClient() = default;

HttpResponse HttpClient::Request(const std::string& method, const std::string& target,
                                 const std::string& body,
                                 const std::map<std::string, std::string>& headers) {
  HttpResponse out;
  for (int attempt = 0; attempt < 2; ++attempt) {
    http::request<http::string_body> req(http::string_to_verb(method), target, 11);
    req.set(http::field::host, "127.0.0.1");
    req.keep_alive(true);
    bool has_type = false;
    for (const auto& [k, v] : default_headers_) req.set(k, v);
    for (const auto& [k, v] : headers) {
      req.set(k, v);
      if (k == "Content-Type") has_type = true;
    }
    if (!body.empty() && !has_type) req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    beast::error_code ec;
    http::write(*impl_->stream, req, ec);
    // A server may answer (413) and stop reading before the body is sent: read the answer anyway.
    if (!ec || ec == net::error::broken_pipe || ec == net::error::connection_reset) {
      beast::flat_buffer buffer;
      http::response_parser<http::string_body> parser;
      parser.body_limit(64 * 1024 * 1024);
      http::read(*impl_->stream, buffer, parser, ec);
      if (!ec) {
        auto res = parser.release();
        out.status = static_cast<int>(res.result_int());
        for (const auto& f : res) {
          std::string name(f.name_string());
          for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          out.headers[name] = std::string(f.value());
        }
        out.body = res.body();
        if (!res.keep_alive()) impl_->Connect();
        return out;
      }
    }
    if (!impl_->Connect()) break;  // the server closed an idle connection: try once more
  }
  return out;
}

ServerProcess::ServerProcess(const std::string& db_url, const std::vector<std::string>& extra_args,
                             uint64_t max_file_bytes, const std::string& stderr_path) {
  // The binary built beside the tests, unless RETAIN_BINARY names another.
  const char* binary = std::getenv("RETAIN_BINARY");
  if (binary == nullptr) binary = RETAIN_BINARY_PATH;
  int out[2];
  if (pipe(out) != 0) {
    ADD_FAILURE() << "pipe failed";
    return;
  }
  pid_ = fork();
  if (pid_ == 0) {
    if (max_file_bytes > 0) {
      signal(SIGXFSZ, SIG_IGN);
      rlimit limit{max_file_bytes, max_file_bytes};
      setrlimit(RLIMIT_FSIZE, &limit);
    }
    dup2(out[1], STDOUT_FILENO);
    if (!stderr_path.empty()) {
      int err = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (err >= 0) dup2(err, STDERR_FILENO);
    }
    close(out[0]);
    close(out[1]);
    std::vector<std::string> args = {binary, "serve", "--db", db_url, "--port", "0"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(binary, argv.data());
    _exit(127);
  }
  close(out[1]);
  // Kept open until Stop(), so the server never writes into a closed pipe.
  output_ = fdopen(out[0], "r");
  char line[512];
  if (fgets(line, sizeof line, output_) == nullptr) {
    ADD_FAILURE() << "retain serve printed nothing";
    Stop();
    return;
  }
  std::smatch m;
  std::string text(line);
  first_line_ = text;
  if (!std::regex_search(text, m, std::regex(R"(http://127\.0\.0\.1:(\d+)/)"))) {
    ADD_FAILURE() << "unexpected first line: " << text;
    Stop();
    return;
  }
  port_ = std::stoi(m[1]);
}

SmtpSink::SmtpSink(bool starttls) {
  char dir[] = "/tmp/retain-smtp-XXXXXX";
  if (mkdtemp(dir) == nullptr) {
    ADD_FAILURE() << "mkdtemp failed";
    return;
  }
  dir_ = dir;
  std::string cert = dir_ + "/cert.pem";
  std::string key = dir_ + "/key.pem";
  if (starttls) {
    std::string make = fmt::format("openssl req -x509 -newkey rsa:2048 -nodes -keyout {} -out {} -days 2 -subj /CN=127.0.0.1 "
                                   "-addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1", key, cert);
    if (std::system(make.c_str()) != 0) {
      ADD_FAILURE() << "openssl could not make a certificate (scripts/bootstrap installs openssl)";
      return;
    }
  }
  pid_ = fork();
  if (pid_ == 0) {
    std::string script = std::string(RETAIN_TESTS_DIR) + "/smtp_sink.py";
    if (starttls) {
      execl("/usr/bin/python3", "python3", script.c_str(), dir_.c_str(), "--tls", cert.c_str(), key.c_str(),
            static_cast<char*>(nullptr));
    } else {
      execl("/usr/bin/python3", "python3", script.c_str(), dir_.c_str(), static_cast<char*>(nullptr));
    }
    _exit(127);
  }
  for (int i = 0; i < 200 && port_ == 0; ++i) {
    std::ifstream in(dir_ + "/port");
    if (!(in >> port_)) port_ = 0;
    if (port_ == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (port_ == 0) ADD_FAILURE() << "the SMTP server did not start (python3-aiosmtpd installed?)";
}

SmtpSink::~SmtpSink() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  if (!dir_.empty()) std::filesystem::remove_all(dir_);
}

std::vector<SmtpSink::Message> SmtpSink::Messages() const {
  std::vector<Message> out;
  for (int i = 1;; ++i) {
    std::string base = fmt::format("{}/{:04d}", dir_, i);
    std::ifstream raw(base + ".eml");
    if (!raw) break;
    std::ifstream envelope(base + ".json");
    Message m;
    m.raw.assign(std::istreambuf_iterator<char>(raw), {});
    m.envelope.assign(std::istreambuf_iterator<char>(envelope), {});
    out.push_back(std::move(m));
  }
  return out;
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) Stop();
}

void ServerProcess::Kill() {
  if (pid_ > 0) kill(pid_, SIGKILL);
  Stop();  // reaps it (SIGTERM to a dead process changes nothing)
}

int ServerProcess::Stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  if (output_ != nullptr) fclose(output_);
  output_ = nullptr;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace retain::testing
