// Runs `retain serve` as a child process on a free port, and talks HTTP/1.1 to it.
#ifndef RETAIN_TESTS_SERVER_PROCESS_H_
#define RETAIN_TESTS_SERVER_PROCESS_H_

#include <sys/types.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace retain::testing {

struct HttpResponse {
  int status = 0;  // 0 when the request could not be made
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

// One keep-alive connection to 127.0.0.1:port. Not thread-safe; one per thread.
class HttpClient {
 public:
  // `default_headers` go with every request (e.g. Authorization).
  explicit HttpClient(int port, std::map<std::string, std::string> default_headers = {});
  ~HttpClient();
  HttpResponse Request(const std::string& method, const std::string& target,
                       const std::string& body = "",
                       const std::map<std::string, std::string>& headers = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::map<std::string, std::string> default_headers_;
};

// `retain serve --db URL --port 0` (the binary built with the tests, or $RETAIN_BINARY), started in the constructor (which waits until it listens)
// and stopped with SIGTERM by Stop() or the destructor.
class ServerProcess {
 public:
  // With `max_file_bytes`, no file the server writes may grow past that size (RLIMIT_FSIZE, with
  // SIGXFSZ ignored so a write past it fails as on a full disk).
  // With `stderr_path`, what the server writes to stderr goes to that file.
  explicit ServerProcess(const std::string& db_url, const std::vector<std::string>& extra_args = {},
                         uint64_t max_file_bytes = 0, const std::string& stderr_path = "");
  ~ServerProcess();
  int port() const { return port_; }
  // The line the server printed when it began listening.
  const std::string& first_line() const { return first_line_; }
  bool running() const { return pid_ > 0; }
  // Sends SIGTERM and waits; returns the exit status (-1 if it did not exit normally).
  int Stop();
  // Sends SIGKILL (a crash, a power cut as far as the database can tell) and waits.
  void Kill();

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string first_line_;
  FILE* output_ = nullptr;
};

// A real SMTP server on loopback (tests/smtp_sink.py, Debian's python3-aiosmtpd) in a fresh
// directory; stopped by the destructor. Messages arrive as NNNN.eml with the envelope in NNNN.json;
// recipients starting with "bounce" get 550 and "later" 451.
class SmtpSink {
 public:
  // With `starttls`, the server has a fresh self-signed certificate for 127.0.0.1 (cert_file())
  // and takes no mail until the client has said STARTTLS.
  explicit SmtpSink(bool starttls = false);
  ~SmtpSink();
  int port() const { return port_; }
  const std::string& directory() const { return dir_; }
  std::string cert_file() const { return dir_ + "/cert.pem"; }
  // The messages received so far, in order of arrival: the raw message and the envelope's JSON.
  struct Message {
    std::string raw;
    std::string envelope;
  };
  std::vector<Message> Messages() const;

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string dir_;
};

}  // namespace retain::testing

#endif  // RETAIN_TESTS_SERVER_PROCESS_H_
