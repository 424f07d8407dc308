// The outbox must survive a crash or power loss at any point: a scan is either absent or complete on disk.
// Hence temp file + fsync + rename + fsync of the directory, and list() never deletes what it cannot read.
#include "store/outbox.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <system_error>
#include <utility>

#include "core/id.h"
#include "core/json.h"

namespace vs::store {
namespace {

namespace fs = std::filesystem;

constexpr mode_t kDirMode = 0700;
constexpr mode_t kFileMode = 0600;
// A scan's JSON is kilobytes; anything this large is not one of ours and is not read into memory.
constexpr off_t kMaxEntryBytes = 64 * 1024 * 1024;
// A temp file this old belongs to a writer that died; younger ones may still be being written.
constexpr time_t kStaleTempSeconds = 3600;
constexpr const char* kTempMarker = ".json.tmp-";

std::string errnoText(int err) { return std::error_code(err, std::generic_category()).message(); }

Error pathError(const fs::path& path, std::string_view what, int err) {
  return makeError("outbox: " + path.string() + ": " + std::string(what) + ": " + errnoText(err));
}

// Closes on scope exit; close errors that matter (after writing) are checked explicitly via release().
class Fd {
 public:
  explicit Fd(int fd) noexcept : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const noexcept { return fd_; }
  bool valid() const noexcept { return fd_ >= 0; }
  int release() noexcept { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

VoidResult fsyncDir(const fs::path& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return pathError(dir, "open directory", errno);
  if (::fsync(fd.get()) != 0) return pathError(dir, "fsync directory", errno);
  return Ok{};
}

// mkdir -p where every directory we create gets 0700: the outbox holds scan evidence (SIP traffic,
// hostnames) that other local users have no business reading.
VoidResult makeDirs(const fs::path& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return makeError("outbox: " + dir.string() + ": exists and is not a directory");
    return Ok{};
  }
  if (errno != ENOENT) return pathError(dir, "stat", errno);
  fs::path parent = dir.parent_path();
  if (!parent.empty() && parent != dir) {
    if (auto r = makeDirs(parent); !r) return r;
  }
  if (::mkdir(dir.c_str(), kDirMode) != 0 && errno != EEXIST) return pathError(dir, "mkdir", errno);
  return Ok{};
}

VoidResult writeAll(int fd, std::string_view data, const fs::path& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return pathError(path, "write", errno);
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return Ok{};
}

Result<std::string> readAll(const fs::path& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return makeError(errnoText(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return makeError(errnoText(errno));
  if (st.st_size > kMaxEntryBytes) return makeError("larger than " + std::to_string(kMaxEntryBytes) + " bytes");
  std::string out;
  out.reserve(static_cast<std::size_t>(st.st_size));
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return makeError(errnoText(errno));
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > static_cast<std::size_t>(kMaxEntryBytes)) return makeError("file grew while being read");
  }
  return out;
}

bool isTempName(const std::string& name) {
  return name.size() > 1 && name[0] == '.' && name.find(kTempMarker) != std::string::npos;
}

bool olderThan(const struct timespec& t, time_t seconds) { return ::time(nullptr) - t.tv_sec > seconds; }

fs::path envPath(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? fs::path(v) : fs::path();
}

}  // namespace

Result<Outbox> Outbox::open(std::filesystem::path dir) {
  if (dir.empty()) return makeError("outbox: empty directory path");
  if (auto r = makeDirs(dir); !r) return r.error();
  return Outbox(std::move(dir));
}

std::filesystem::path Outbox::defaultDir() {
  if (fs::path p = envPath("VOIPSCOPE_OUTBOX"); !p.empty()) return p;
  // The XDG spec says a relative XDG_STATE_HOME is invalid and must be ignored.
  if (fs::path p = envPath("XDG_STATE_HOME"); !p.empty() && p.is_absolute()) return p / "voipscope" / "outbox";
  if (fs::path p = envPath("HOME"); !p.empty()) return p / ".local" / "state" / "voipscope" / "outbox";
  return fs::path("voipscope-outbox");
}

Result<std::filesystem::path> Outbox::add(const Scan& scan) {
  // The id becomes a file name: anything but 32 hex digits could escape the directory.
  if (!isValidScanId(scan.id)) return makeError("outbox: scan id: expected 32 lowercase hex digits");
  const std::string json = toJson(scan);
  const fs::path final_path = dir_ / (scan.id + ".json");
  const fs::path tmp_path = dir_ / ("." + scan.id + kTempMarker + randomHex(8));

  Fd fd(::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, kFileMode));
  if (!fd.valid()) return pathError(tmp_path, "create", errno);
  auto fail = [&tmp_path](Error e) {
    ::unlink(tmp_path.c_str());
    return e;
  };
  if (auto r = writeAll(fd.get(), json, tmp_path); !r) return fail(r.error());
  if (::fsync(fd.get()) != 0) return fail(pathError(tmp_path, "fsync", errno));
  // close() can report a deferred write error (NFS), so it is checked rather than left to ~Fd.
  if (::close(fd.release()) != 0) return fail(pathError(tmp_path, "close", errno));
  if (::rename(tmp_path.c_str(), final_path.c_str()) != 0) return fail(pathError(final_path, "rename", errno));
  if (auto r = fsyncDir(dir_); !r) return r.error();
  return final_path;
}

Result<std::vector<OutboxEntry>> Outbox::list(std::vector<std::string>* problems) const {
  auto report = [problems](const fs::path& path, const std::string& reason) {
    if (problems != nullptr) problems->push_back(path.string() + ": " + reason);
  };
  struct Found {
    struct timespec mtime;
    std::string name;
    fs::path path;
  };
  std::vector<Found> found;
  std::error_code ec;
  fs::directory_iterator it(dir_, ec);
  if (ec) return makeError("outbox: " + dir_.string() + ": " + ec.message());
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) return makeError("outbox: " + dir_.string() + ": " + ec.message());
    const fs::path& path = it->path();
    std::string name = path.filename().string();
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) continue;  // vanished since the listing: removed by another process
    if (isTempName(name)) {
      if (S_ISREG(st.st_mode) && olderThan(st.st_mtim, kStaleTempSeconds)) ::unlink(path.c_str());
      continue;
    }
    if (path.extension() != ".json" || !isValidScanId(path.stem().string())) continue;
    if (!S_ISREG(st.st_mode)) {
      report(path, "not a regular file");
      continue;
    }
    found.push_back({st.st_mtim, std::move(name), path});
  }
  std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) {
    if (a.mtime.tv_sec != b.mtime.tv_sec) return a.mtime.tv_sec < b.mtime.tv_sec;
    if (a.mtime.tv_nsec != b.mtime.tv_nsec) return a.mtime.tv_nsec < b.mtime.tv_nsec;
    return a.name < b.name;
  });

  std::vector<OutboxEntry> entries;
  for (Found& f : found) {
    auto text = readAll(f.path);
    if (!text) {
      report(f.path, text.error().message);
      continue;
    }
    auto scan = scanFromJson(*text);
    if (!scan) {
      report(f.path, scan.error().message);
      continue;
    }
    std::string id = f.path.stem().string();
    if (scan->id != id) {
      report(f.path, "id field '" + scan->id + "' does not match the file name");
      continue;
    }
    entries.push_back(OutboxEntry{std::move(id), std::move(f.path), std::move(*text)});
  }
  return entries;
}

VoidResult Outbox::remove(std::string_view id) {
  if (!isValidScanId(id)) return makeError("outbox: scan id: expected 32 lowercase hex digits");
  const fs::path path = dir_ / (std::string(id) + ".json");
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return Ok{};
    return pathError(path, "unlink", errno);
  }
  return fsyncDir(dir_);
}

}  // namespace vs::store
