#include "common/record_reader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace retain {
namespace {

// A read-only memory map of a whole file.
class MappedFile {
 public:
  static Result<std::unique_ptr<MappedFile>> Open(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NotFound(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      return InvalidArgument(fmt::format("{}: not a regular file", path));
    }
    auto file = std::make_unique<MappedFile>();
    file->size_ = static_cast<size_t>(st.st_size);
    if (file->size_ > 0) {
      void* p = ::mmap(nullptr, file->size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (p == MAP_FAILED) {
        ::close(fd);
        return Internal(fmt::format("{}: cannot map: {}", path, std::strerror(errno)));
      }
      ::madvise(p, file->size_, MADV_SEQUENTIAL);
      file->data_ = static_cast<const char*>(p);
    }
    ::close(fd);
    return file;
  }
  MappedFile() = default;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile() {
    if (data_ != nullptr) ::munmap(const_cast<char*>(data_), size_);
  }
  std::string_view view() const { return {data_ == nullptr ? "" : data_, size_}; }

 private:
  const char* data_ = nullptr;
  size_t size_ = 0;
};

std::string_view Mapped(const FieldMap& map, std::string_view name) {
  auto it = map.find(name);
  return it == map.end() ? name : std::string_view(it->second);
}

std::string_view TrimLineEnd(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

class CsvReader : public RecordReader {
 public:
  CsvReader(std::unique_ptr<MappedFile> file, std::string path, FieldMap map)
      : file_(std::move(file)), path_(std::move(path)), map_(std::move(map)),
        text_(file_->view()) {}

  Status ReadHeader() {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;  // UTF-8 byte-order mark
    // Pick the delimiter: ';' (common in Danish and Portuguese spreadsheets), tab or ','.
    size_t eol = text_.find('\n', pos_);
    std::string_view first = text_.substr(pos_, eol == std::string_view::npos ? eol : eol - pos_);
    auto count = [&](char c) { return std::count(first.begin(), first.end(), c); };
    if (count('\t') > count(',') && count('\t') > count(';')) delimiter_ = '\t';
    else if (count(';') > count(',')) delimiter_ = ';';

    std::vector<std::string> fields;
    size_t start = pos_;
    auto ok = ParseRecord(&fields);
    header_ = TrimLineEnd(text_.substr(start, pos_ - start));
    if (!ok) return tl::unexpected(ok.error());
    if (fields.empty() || (fields.size() == 1 && fields[0].empty())) {
      return InvalidArgument(fmt::format("{}:1: the file has no header row naming its columns", path_));
    }
    for (auto& f : fields) {
      std::string_view name = f;
      while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
      while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
      names_.emplace_back(Mapped(map_, name));
    }
    return Ok();
  }

  Result<bool> Next(SourceRecord* out) override {
    // Skip blank lines.
    while (pos_ < text_.size() && (text_[pos_] == '\n' || text_[pos_] == '\r')) {
      if (text_[pos_] == '\n') ++line_;
      ++pos_;
    }
    if (pos_ >= text_.size()) return false;
    size_t start = pos_;
    out->line_ = line_;
    out->is_json_ = false;
    out->names_ = &names_;
    out->scratch_.clear();
    auto ok = ParseRecord(&out->values_);
    out->raw_ = TrimLineEnd(text_.substr(start, pos_ - start));
    if (!ok) return tl::unexpected(ok.error());
    if (out->values_.size() != names_.size()) {
      return InvalidArgument(fmt::format("expected {} fields as in the header, found {}",
                                         names_.size(), out->values_.size()));
    }
    return true;
  }

  std::string_view header() const override { return header_; }
  uint64_t position() const override { return pos_; }
  uint64_t size() const override { return text_.size(); }

 private:
  // Parses one record at pos_ into `fields`, leaving pos_ after its line ending and line_ on the
  // next line. Fails on an unterminated or malformed quoted field (pos_ still advances).
  Status ParseRecord(std::vector<std::string>* fields) {
    fields->clear();
    std::string field;
    int64_t start_line = line_;
    const size_t n = text_.size();
    while (true) {
      field.clear();
      if (pos_ < n && text_[pos_] == '"') {
        ++pos_;
        while (true) {
          size_t q = text_.find('"', pos_);
          if (q == std::string_view::npos) {
            pos_ = n;
            return InvalidArgument(fmt::format("a quoted field opened on line {} never closes",
                                               start_line));
          }
          std::string_view chunk = text_.substr(pos_, q - pos_);
          line_ += std::count(chunk.begin(), chunk.end(), '\n');
          field.append(chunk);
          pos_ = q + 1;
          if (pos_ < n && text_[pos_] == '"') {
            field.push_back('"');
            ++pos_;
            continue;
          }
          break;
        }
        if (pos_ < n && text_[pos_] != delimiter_ && text_[pos_] != '\n' && text_[pos_] != '\r') {
          SkipToLineEnd();
          return InvalidArgument("text after a closing quote; double a quote inside a quoted field");
        }
      } else {
        size_t s = pos_;
        while (pos_ < n && text_[pos_] != delimiter_ && text_[pos_] != '\n' && text_[pos_] != '\r') {
          ++pos_;
        }
        field.assign(text_.substr(s, pos_ - s));
      }
      fields->push_back(field);
      if (pos_ < n && text_[pos_] == delimiter_) {
        ++pos_;
        continue;
      }
      SkipToLineEnd();
      return Ok();
    }
  }

  void SkipToLineEnd() {
    size_t nl = text_.find('\n', pos_);
    pos_ = nl == std::string_view::npos ? text_.size() : nl + 1;
    ++line_;
  }

  std::unique_ptr<MappedFile> file_;
  std::string path_;
  FieldMap map_;
  std::string_view text_;
  size_t pos_ = 0;
  int64_t line_ = 1;
  char delimiter_ = ',';
  std::vector<std::string> names_;
  std::string_view header_;
};

class NdjsonReader : public RecordReader {
 public:
  NdjsonReader(std::unique_ptr<MappedFile> file, FieldMap map)
      : file_(std::move(file)), map_(std::move(map)), text_(file_->view()) {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
  }

  Result<bool> Next(SourceRecord* out) override {
    while (pos_ < text_.size()) {
      size_t nl = text_.find('\n', pos_);
      size_t end = nl == std::string_view::npos ? text_.size() : nl;
      std::string_view line = TrimLineEnd(text_.substr(pos_, end - pos_));
      int64_t number = line_++;
      pos_ = nl == std::string_view::npos ? text_.size() : nl + 1;
      if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
      out->line_ = number;
      out->raw_ = line;
      out->is_json_ = true;
      out->scratch_.clear();
      out->object_ = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (out->object_.is_discarded()) {
        return InvalidArgument("not valid JSON; each line must hold one JSON object");
      }
      if (!out->object_.is_object()) return InvalidArgument("each line must hold a JSON object");
      if (!map_.empty()) {
        nlohmann::json renamed = nlohmann::json::object();
        for (auto& [k, v] : out->object_.items()) renamed[std::string(Mapped(map_, k))] = std::move(v);
        out->object_ = std::move(renamed);
      }
      return true;
    }
    return false;
  }

  std::string_view header() const override { return {}; }
  uint64_t position() const override { return pos_; }
  uint64_t size() const override { return text_.size(); }

 private:
  std::unique_ptr<MappedFile> file_;
  FieldMap map_;
  std::string_view text_;
  size_t pos_ = 0;
  int64_t line_ = 1;
};

Result<FileFormat> ParseFileFormat(std::string_view name) {
  if (name == "csv" || name == "tsv") return FileFormat::kCsv;
  if (name == "ndjson" || name == "jsonl") return FileFormat::kNdjson;
  return InvalidArgument(fmt::format("unknown format '{}'; use csv or ndjson", name), "format");
}

Result<FileFormat> FormatFromPath(std::string_view path) {
  auto dot = path.rfind('.');
  if (dot != std::string_view::npos) {
    std::string ext(path.substr(dot + 1));
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (auto f = ParseFileFormat(ext)) return *f;
  }
  return InvalidArgument(
      fmt::format("{}: cannot tell the format from the name; pass --format csv or --format ndjson",
                  path));
}

Status AddFieldMapping(std::string_view spec, FieldMap* map) {
  auto eq = spec.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 == spec.size()) {
    return InvalidArgument(
        fmt::format("--map '{}' must be COLUMN=FIELD, e.g. --map cust_no=customer", spec), "map");
  }
  (*map)[std::string(spec.substr(0, eq))] = std::string(spec.substr(eq + 1));
  return Ok();
}

SourceRecord SourceRecord::FromJson(nlohmann::json object, int64_t line) {
  SourceRecord rec;
  rec.line_ = line;
  rec.is_json_ = true;
  rec.object_ = std::move(object);
  return rec;
}

std::optional<std::string_view> SourceRecord::Get(std::string_view field) const {
  if (!is_json_) {
    for (size_t i = 0; i < names_->size(); ++i) {
      if ((*names_)[i] == field) {
        const std::string& v = values_[i];
        if (v.empty()) return std::nullopt;
        return std::string_view(v);
      }
    }
    return std::nullopt;
  }
  auto it = object_.find(field);
  if (it == object_.end() || it->is_null()) return std::nullopt;
  if (it->is_string()) {
    const auto& s = it->get_ref<const std::string&>();
    if (s.empty()) return std::nullopt;
    return std::string_view(s);
  }
  scratch_.push_back(it->dump());
  return std::string_view(scratch_.back());
}

Result<std::optional<nlohmann::json>> SourceRecord::GetJson(std::string_view field) const {
  if (is_json_) {
    auto it = object_.find(field);
    if (it == object_.end() || it->is_null()) return std::optional<nlohmann::json>();
    return std::optional<nlohmann::json>(*it);
  }
  auto text = Get(field);
  if (!text) return std::optional<nlohmann::json>();
  auto value = nlohmann::json::parse(*text, nullptr, false);
  if (value.is_discarded()) return InvalidArgument("not valid JSON", std::string(field));
  return std::optional<nlohmann::json>(std::move(value));
}

std::vector<std::string> SourceRecord::FieldNames() const {
  std::vector<std::string> names;
  if (!is_json_) {
    for (size_t i = 0; i < names_->size(); ++i) {
      if (!values_[i].empty()) names.push_back((*names_)[i]);
    }
  } else {
    for (auto& [k, v] : object_.items()) {
      if (!v.is_null()) names.push_back(k);
    }
  }
  return names;
}

Result<std::unique_ptr<RecordReader>> RecordReader::Open(const std::string& path,
                                                         FileFormat format, FieldMap map) {
  RETAIN_ASSIGN_OR_RETURN(auto file, MappedFile::Open(path));
  if (format == FileFormat::kNdjson) {
    return std::unique_ptr<RecordReader>(new NdjsonReader(std::move(file), std::move(map)));
  }
  auto reader = std::make_unique<CsvReader>(std::move(file), path, std::move(map));
  RETAIN_RETURN_IF_ERROR(reader->ReadHeader());
  return std::unique_ptr<RecordReader>(std::move(reader));
}

}  // namespace retain
