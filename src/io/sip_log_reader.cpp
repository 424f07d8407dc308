#include "io/sip_log_reader.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <algorithm>
#include <ctime>

#include <sys/stat.h>
#include <zlib.h>

#include <fmt/format.h>

#include "io/gzip_error.h"
#include "proto/pkt/pcapng_writer.h"

namespace vs::io {

SipLogReader::~SipLogReader() {
  if (file_ != nullptr) gzclose(static_cast<gzFile>(file_));
}

bool SipLogReader::readLine(std::string& line) {
  line.clear();
  constexpr auto kMax = proto::siplog::kMaxLineBytes;
  if (head_pos_ < head_.size()) {
    auto nl = head_.find('\n', head_pos_);
    auto end = nl == std::string::npos ? head_.size() : nl;
    line.append(head_, head_pos_, std::min(end - head_pos_, kMax));
    if (nl != std::string::npos) {
      head_pos_ = nl + 1;
      return true;
    }
    head_pos_ = head_.size();  // the line goes on in the stream
  }
  if (head_pos_ > 0) {  // every byte read ahead is used: free them
    head_.clear();
    head_.shrink_to_fit();
    head_pos_ = 0;
  }
  auto f = static_cast<gzFile>(file_);
  int c = 0;
  while ((c = gzgetc(f)) != -1) {
    if (c == '\n') return true;
    if (line.size() < kMax) line.push_back(static_cast<char>(c));
  }
  return !line.empty();
}

std::string SipLogReader::gzipError() const { return gzipErrorText(file_, path_); }

bool SipLogReader::sniff() {
  std::string seen;
  proto::siplog::SipLogParser probe;
  std::string line;
  bool found = false;
  sniffed_lines_ = 0;
  for (; sniffed_lines_ < kLogSniffLines && seen.size() < kLogSniffBytes && readLine(line); ++sniffed_lines_) {
    seen += line;
    seen += '\n';
    probe.line(line);
    if (probe.headers() > 0) {
      found = true;
      break;
    }
  }
  sniffed_bytes_ = seen.size();
  seen.append(head_, head_pos_);
  head_ = std::move(seen);
  head_pos_ = 0;
  return found;
}

Error SipLogReader::notALog() const {
  if (auto e = gzipError(); !e.empty()) return makeError(e);
  // Which limit stopped the look (lines, or bytes for long lines), or the end of the input.
  return makeError(fmt::format("not a SIP text log either (no message header line in its first {} lines, {} bytes)",
                               sniffed_lines_, sniffed_bytes_));
}

Result<std::unique_ptr<SipLogReader>> SipLogReader::open(const std::string& path, std::int64_t utc_offset_ns) {
  std::unique_ptr<SipLogReader> r(new SipLogReader);
  // zlib reads a file without a gzip header as it is ("transparent"), so one reader serves both.
  r->path_ = path;
  errno = 0;
  r->file_ = gzopen(path.c_str(), "rb");
  if (r->file_ == nullptr) return makeError(fmt::format("cannot open: {}", std::strerror(errno != 0 ? errno : ENOMEM)));
  gzbuffer(static_cast<gzFile>(r->file_), 256 * 1024);
  if (!r->sniff()) return r->notALog();
  // Year-less dates (Asterisk's default "Nov 22 20:05:17") take their year from when the file was last
  // written: a log is read after it was written, so no line is later than that.
  struct stat st{};
  timespec ref{};
  if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) ref = st.st_mtim;
  else clock_gettime(CLOCK_REALTIME, &ref);
  r->parser_ = proto::siplog::SipLogParser(std::int64_t{ref.tv_sec} * 1'000'000'000 + ref.tv_nsec, utc_offset_ns);
  return r;
}

Result<std::unique_ptr<SipLogReader>> SipLogReader::adopt(InputStream in, std::int64_t utc_offset_ns) {
  std::unique_ptr<SipLogReader> r(new SipLogReader);
  r->path_ = in.zlibName();
  r->head_ = in.takeHead();
  r->file_ = in.releaseGz();
  if (!r->sniff()) return r->notALog();
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  r->parser_ = proto::siplog::SipLogParser(std::int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec, utc_offset_ns);
  return r;
}

Result<bool> SipLogReader::next(proto::pkt::Record& out) {
  while (!done_) {
    std::optional<proto::siplog::LogMessage> m;
    if (readLine(line_)) {
      m = parser_.line(line_);
    } else {
      done_ = true;
      pending_error_ = gzipError();
      m = parser_.finish();
    }
    if (!m) continue;
    if (m->cut) ++cut_;
    auto payload = std::span<const std::byte>(reinterpret_cast<const std::byte*>(m->text.data()), m->text.size());
    frame_ = proto::pkt::buildUdpFrame(m->src, m->sport, m->dst, m->dport, payload);
    out.link_type = proto::pkt::link::kRaw;
    out.interface_id = 0;
    out.ts_ns = m->ts_ns;
    out.orig_len = static_cast<std::uint32_t>(frame_.size());
    out.data = std::span<const std::byte>(reinterpret_cast<const std::byte*>(frame_.data()), frame_.size());
    ++frames_;
    return true;
  }
  if (!pending_error_.empty()) {
    auto e = std::move(pending_error_);
    pending_error_.clear();
    return makeError(e);
  }
  return false;
}

}  // namespace vs::io
