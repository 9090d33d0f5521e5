// Outreach's two costs, each beside its floor:
//  1. Writing messages: the example template (mustache, ICU plural and number formatting) for
//     customers in three languages, then the MIME e-mail around it; the floor writes the same
//     English text with fmt::format and no locale rules.
//  2. Delivering e-mail to a real SMTP server on loopback (tests/smtp_sink.py, Python's aiosmtpd,
//     which keeps every message on disk): written and sent one by one over one kept-open
//     connection, beside sending an already-written message (the transport alone).
// Peak memory of the whole run is reported next to listmonk's published figure.
//   bench_outreach [--messages N] [--emails M] [--sink tests/smtp_sink.py]
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bench_util.h"
#include "outreach/email.h"
#include "outreach/template.h"
#include "server/mailer.h"

using namespace retain;
using namespace retain::bench;
using nlohmann::json;

namespace {

constexpr const char* kNames[] = {"Ana", "Søren", "João", "Mette", "Beatriz", "Ida", "Tiago", "Emma"};
constexpr const char* kLocales[] = {"en", "pt", "da"};

json Values(int64_t i) {
  return {{"first_name", kNames[i % 8]}, {"points", (i * 37) % 5000}, {"tier", i % 3 == 0 ? "gold" : ""},
          {"business_name", "Sandes & Café"}, {"unsubscribe_url", fmt::format("https://retain.example/u/{}_abc", i)}};
}

outreach::Email EmailOf(const outreach::RenderedMessage& m, int64_t i) {
  outreach::Email e;
  e.from = {"Sandes & Café", "news@sandes.example"};
  e.to = {kNames[i % 8], fmt::format("customer{}@example.com", i)};
  e.subject = m.subject;
  e.text = m.text;
  e.html = m.html;
  e.message_id = fmt::format("d{}@sandes.example", i);
  e.unsubscribe_url = fmt::format("https://retain.example/v1/unsubscribe/{}_abc", i);
  e.date = FromUnixSeconds(1796212800);
  return e;
}

long PeakRssKb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
  program_name = "bench_outreach";
  int64_t messages = 200000;
  int64_t emails = 2000;
  std::string sink = "tests/smtp_sink.py";
  for (int i = 1; i + 1 < argc; ++i) {
    std::string a = argv[i];
    if (a == "--messages") messages = std::stoll(argv[i + 1]);
    if (a == "--emails") emails = std::stoll(argv[i + 1]);
    if (a == "--sink") sink = argv[i + 1];
  }
  auto tmpl = Check(outreach::ParseTemplate("points", outreach::ExampleTemplateDocument()), "the example template");

  // 1. Writing.
  size_t bytes = 0;
  auto t = Clock::now();
  for (int64_t i = 0; i < messages; ++i) {
    auto m = Check(outreach::Render(tmpl, kLocales[i % 3], Values(i)), "render");
    bytes += m.text.size() + m.subject.size();
  }
  double render_s = Seconds(t);
  t = Clock::now();
  for (int64_t i = 0; i < messages; ++i) {
    auto m = Check(outreach::Render(tmpl, kLocales[i % 3], Values(i)), "render");
    bytes += outreach::ComposeEmail(EmailOf(m, i)).size();
  }
  double compose_s = Seconds(t);
  t = Clock::now();
  for (int64_t i = 0; i < messages; ++i) {
    json v = Values(i);
    std::string subject = fmt::format("{}, your points are waiting", v["first_name"].get<std::string>());
    std::string text = fmt::format("Dear {},\n\nYou have {} points to spend.{}\n\nSee you soon,\n{}\n\nTo stop these messages: {}",
                                   v["first_name"].get<std::string>(), v["points"].get<int64_t>(),
                                   v["tier"].get<std::string>().empty() ? "" : " As a gold member you also get free delivery.",
                                   v["business_name"].get<std::string>(), v["unsubscribe_url"].get<std::string>());
    bytes += subject.size() + text.size();
  }
  double floor_s = Seconds(t);
  fmt::print("writing {} messages (example template; en, pt and da in turn; {} bytes in all)\n", messages, bytes);
  fmt::print("  {:<36} {:>8.0f} messages/s  {:>6.2f}x the floor\n", "retain render (mustache + ICU)",
             static_cast<double>(messages) / render_s, render_s / floor_s);
  fmt::print("  {:<36} {:>8.0f} messages/s  {:>6.2f}x the floor\n", "retain render + MIME e-mail",
             static_cast<double>(messages) / compose_s, compose_s / floor_s);
  fmt::print("  {:<36} {:>8.0f} messages/s\n", "floor (fmt::format, English only)", static_cast<double>(messages) / floor_s);

  // 2. Delivering, to a real SMTP server on loopback.
  char dir[] = "/tmp/retain-bench-smtp-XXXXXX";
  if (mkdtemp(dir) == nullptr) Die("mkdtemp failed");
  pid_t pid = fork();
  if (pid == 0) {
    execl("/usr/bin/python3", "python3", sink.c_str(), dir, static_cast<char*>(nullptr));
    _exit(127);
  }
  int port = 0;
  for (int i = 0; i < 200 && port == 0; ++i) {
    std::ifstream in(std::string(dir) + "/port");
    if (!(in >> port)) port = 0;
    if (port == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (port == 0) Die("the SMTP server did not start (python3-aiosmtpd; --sink names tests/smtp_sink.py)");
  server::SmtpOptions options;
  options.url = fmt::format("smtp://127.0.0.1:{}", port);
  options.rate_per_second = 0;
  auto run = [&](bool write_each) {
    server::SmtpMailer mailer(options);
    auto m = Check(outreach::Render(tmpl, "en", Values(0)), "render");
    std::string fixed = outreach::ComposeEmail(EmailOf(m, 0));
    auto start = Clock::now();
    for (int64_t i = 0; i < emails; ++i) {
      std::string message = fixed;
      if (write_each) message = outreach::ComposeEmail(EmailOf(Check(outreach::Render(tmpl, kLocales[i % 3], Values(i)), "render"), i));
      auto answer = mailer.Send("news@sandes.example", fmt::format("customer{}@example.com", i), message);
      if (answer.kind != server::SmtpAnswer::Kind::kSent) Die("the SMTP server refused a message: " + answer.message);
    }
    return Seconds(start);
  };
  double transport_s = run(false);
  double deliver_s = run(true);
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  std::filesystem::remove_all(dir);
  fmt::print("delivering {} e-mails to an SMTP server on loopback (Python aiosmtpd, one connection kept open)\n", emails);
  fmt::print("  {:<36} {:>8.0f} e-mails/s  {:>6.2f}x the transport alone\n", "retain write + send",
             static_cast<double>(emails) / deliver_s, deliver_s / transport_s);
  fmt::print("  {:<36} {:>8.0f} e-mails/s\n", "transport alone (one written message)", static_cast<double>(emails) / transport_s);
  fmt::print("peak memory of this run: {:.1f} MB (listmonk, published: 7 million e-mails on a fraction of one core, 57 MB peak)\n",
             static_cast<double>(PeakRssKb()) / 1024.0);
  return 0;
}
