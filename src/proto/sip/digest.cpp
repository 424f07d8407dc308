#include "proto/sip/digest.h"

#include <algorithm>

#include <fmt/format.h>

#include "core/id.h"
#include "proto/sip/message.h"

namespace vs::proto::sip {
namespace {

bool isTchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool isToken68Char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("-._~+/").find(c) != std::string_view::npos;
}

bool isWs(char c) { return c == ' ' || c == '\t'; }

// A control character other than HTAB: never valid inside a header value, and echoing one back into our
// Authorization header would let a peer inject header lines.
bool isCtl(char c) {
  auto u = static_cast<unsigned char>(c);
  return (u < 0x20 && c != '\t') || u == 0x7f;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

class ChallengeParser {
 public:
  explicit ChallengeParser(std::string_view s) : s_(s) {}

  Result<std::vector<AuthChallenge>> run() {
    std::vector<AuthChallenge> out;
    skipSeparators();
    while (i_ < s_.size()) {
      auto c = challenge();
      if (!c.ok()) return c.error();
      out.push_back(std::move(*c));
      skipSeparators();
    }
    return out;
  }

 private:
  Result<AuthChallenge> challenge() {
    AuthChallenge c;
    c.offset = i_;
    c.scheme = std::string(token());
    if (c.scheme.empty()) return err("expected an auth scheme");
    if (i_ < s_.size() && !isWs(s_[i_]) && s_[i_] != ',') return err("expected a space after the auth scheme");
    skipWs();
    if (i_ >= s_.size() || s_[i_] == ',') return c;  // a scheme without parameters
    if (!paramAhead(i_)) {
      auto start = i_;
      while (i_ < s_.size() && isToken68Char(s_[i_])) ++i_;
      if (i_ == start) return err("expected a parameter or token68");
      while (i_ < s_.size() && s_[i_] == '=') ++i_;
      c.token68 = std::string(s_.substr(start, i_ - start));
      skipWs();
      if (i_ < s_.size() && s_[i_] != ',') return err("unexpected character after token68");
      return c;
    }
    while (true) {
      auto name_at = i_;
      auto name = lower(token());
      skipWs();
      ++i_;  // '=' (paramAhead checked it)
      skipWs();
      auto value = paramValue();
      if (!value.ok()) return value.error();
      for (const auto& [n, v] : c.params) {
        if (n == name) return makeError(fmt::format("duplicate parameter '{}'", name), name_at);
      }
      c.params.emplace_back(std::move(name), std::move(*value));
      skipWs();
      if (i_ >= s_.size()) return c;
      if (s_[i_] != ',') return err("expected ',' between parameters");
      // A comma separates parameters of this challenge or starts the next challenge: look past it.
      auto j = i_;
      while (j < s_.size() && (s_[j] == ',' || isWs(s_[j]))) ++j;
      if (j >= s_.size() || !paramAhead(j)) return c;
      i_ = j;
    }
  }

  // At `j`: token BWS '=' BWS followed by a value (not by ',', '=' or the end, which would be token68).
  bool paramAhead(std::size_t j) const {
    auto start = j;
    while (j < s_.size() && isTchar(s_[j])) ++j;
    if (j == start) return false;
    while (j < s_.size() && isWs(s_[j])) ++j;
    if (j >= s_.size() || s_[j] != '=') return false;
    ++j;
    while (j < s_.size() && isWs(s_[j])) ++j;
    return j < s_.size() && s_[j] != ',' && s_[j] != '=';
  }

  Result<std::string> paramValue() {
    if (s_[i_] != '"') {
      auto v = token();
      if (v.empty()) return err("expected a token or quoted-string value");
      return std::string(v);
    }
    auto open = i_++;
    std::string out;
    while (i_ < s_.size()) {
      char ch = s_[i_];
      if (ch == '"') {
        ++i_;
        return out;
      }
      if (isCtl(ch)) return err("control character in quoted-string");
      if (ch == '\\') {
        if (++i_ >= s_.size()) break;
        if (isCtl(s_[i_])) return err("control character in quoted-string");
      }
      out.push_back(s_[i_++]);
    }
    return makeError("unterminated quoted-string", open);
  }

  std::string_view token() {
    auto start = i_;
    while (i_ < s_.size() && isTchar(s_[i_])) ++i_;
    return s_.substr(start, i_ - start);
  }
  void skipWs() {
    while (i_ < s_.size() && isWs(s_[i_])) ++i_;
  }
  void skipSeparators() {
    while (i_ < s_.size() && (isWs(s_[i_]) || s_[i_] == ',')) ++i_;
  }
  Error err(std::string_view what) const {
    return makeError(i_ < s_.size() ? fmt::format("{} at offset {}", what, i_) : fmt::format("{} at the end", what),
                     i_);
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

int strength(const DigestChallenge& c) {
  if (!c.supported()) return -1;
  auto fn = hashFunctionOf(c.algorithm.value_or(DigestAlgorithm::kMd5));
  int alg = fn == DigestHashFunction::kSha256 ? 2 : 1;
  int qop = c.qop_auth ? 3 : c.qop_auth_int ? 2 : 1;
  return alg * 10 + qop;
}

bool hasUnsafeChar(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char ch) { return isCtl(ch); });
}

}  // namespace

std::string_view toString(DigestAlgorithm a) {
  switch (a) {
    case DigestAlgorithm::kMd5: return "MD5";
    case DigestAlgorithm::kMd5Sess: return "MD5-sess";
    case DigestAlgorithm::kSha256: return "SHA-256";
    case DigestAlgorithm::kSha256Sess: return "SHA-256-sess";
  }
  return "MD5";
}

std::optional<DigestAlgorithm> parseDigestAlgorithm(std::string_view name) {
  for (auto a :
       {DigestAlgorithm::kMd5, DigestAlgorithm::kMd5Sess, DigestAlgorithm::kSha256, DigestAlgorithm::kSha256Sess}) {
    if (iequals(name, toString(a))) return a;
  }
  return std::nullopt;
}

DigestHashFunction hashFunctionOf(DigestAlgorithm a) {
  return a == DigestAlgorithm::kSha256 || a == DigestAlgorithm::kSha256Sess ? DigestHashFunction::kSha256
                                                                            : DigestHashFunction::kMd5;
}

std::optional<std::string_view> AuthChallenge::param(std::string_view name) const {
  for (const auto& [n, v] : params) {
    if (iequals(n, name)) return std::string_view(v);
  }
  return std::nullopt;
}

Result<std::vector<AuthChallenge>> parseChallenges(std::string_view value) {
  if (value.size() > kMaxChallengeBytes) {
    return makeError(fmt::format("challenge longer than {} bytes", kMaxChallengeBytes), kMaxChallengeBytes);
  }
  return ChallengeParser(value).run();
}

bool DigestChallenge::supported() const { return algorithm.has_value() && (!has_qop || qop_auth || qop_auth_int); }

Result<DigestChallenge> toDigestChallenge(const AuthChallenge& c) {
  if (!iequals(c.scheme, "Digest")) {
    return makeError(fmt::format("'{}' is not a Digest challenge", c.scheme), c.offset);
  }
  DigestChallenge d;
  auto realm = c.param("realm");
  auto nonce = c.param("nonce");
  if (!realm) return makeError("Digest challenge without realm", c.offset);
  if (!nonce) return makeError("Digest challenge without nonce", c.offset);
  d.realm = std::string(*realm);
  d.nonce = std::string(*nonce);
  if (auto opaque = c.param("opaque")) {
    d.opaque = std::string(*opaque);
    d.has_opaque = true;
  }
  if (auto stale = c.param("stale")) d.stale = iequals(*stale, "true");
  d.algorithm = DigestAlgorithm::kMd5;
  if (auto alg = c.param("algorithm")) {
    d.algorithm_name = std::string(*alg);
    d.algorithm = parseDigestAlgorithm(*alg);
  }
  if (auto qop = c.param("qop")) {
    d.has_qop = true;
    // The qop list is comma-separated inside the quoted string: "auth,auth-int" or "auth, auth-int".
    std::string_view rest = *qop;
    while (!rest.empty()) {
      auto comma = rest.find(',');
      auto item = rest.substr(0, comma);
      while (!item.empty() && isWs(item.front())) item.remove_prefix(1);
      while (!item.empty() && isWs(item.back())) item.remove_suffix(1);
      if (iequals(item, "auth")) d.qop_auth = true;
      if (iequals(item, "auth-int")) d.qop_auth_int = true;
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  }
  return d;
}

Result<std::vector<DigestChallenge>> parseDigestChallenges(std::span<const std::string_view> header_values) {
  std::vector<DigestChallenge> out;
  for (auto value : header_values) {
    auto parsed = parseChallenges(value);
    if (!parsed.ok()) return parsed.error();
    for (const auto& c : *parsed) {
      if (!iequals(c.scheme, "Digest")) continue;
      auto d = toDigestChallenge(c);
      if (!d.ok()) return d.error();
      out.push_back(std::move(*d));
    }
  }
  return out;
}

std::optional<std::size_t> chooseChallenge(std::span<const DigestChallenge> challenges) {
  std::optional<std::size_t> best;
  int best_strength = -1;
  for (std::size_t i = 0; i < challenges.size(); ++i) {
    int s = strength(challenges[i]);
    if (s > best_strength) {
      best = i;
      best_strength = s;
    }
  }
  return best;
}

std::string formatNonceCount(std::uint32_t nc) { return fmt::format("{:08x}", nc); }

std::string quoteString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

Result<DigestAnswer> answerChallenge(const DigestChallenge& c, const DigestInput& in, DigestHash hash) {
  if (!c.supported()) {
    return makeError(c.algorithm ? "challenge offers no supported qop"
                                 : fmt::format("unsupported digest algorithm '{}'", c.algorithm_name));
  }
  for (auto s : {in.username, in.password, in.uri, in.method}) {
    if (hasUnsafeChar(s)) return makeError("control character in credentials or URI");
  }
  const auto alg = *c.algorithm;
  const auto fn = hashFunctionOf(alg);
  const bool sess = alg == DigestAlgorithm::kMd5Sess || alg == DigestAlgorithm::kSha256Sess;
  DigestAnswer a;
  a.qop = c.qop_auth ? "auth" : c.qop_auth_int ? "auth-int" : "";
  const bool need_cnonce = !a.qop.empty() || sess;
  if (need_cnonce && in.cnonce.empty()) return makeError("a cnonce is required for this challenge");
  if (hasUnsafeChar(in.cnonce)) return makeError("control character in cnonce");
  const auto nc = formatNonceCount(in.nc);

  auto ha1 = hash(fn, fmt::format("{}:{}:{}", in.username, c.realm, in.password));
  if (sess) ha1 = hash(fn, fmt::format("{}:{}:{}", ha1, c.nonce, in.cnonce));
  auto ha2 = a.qop == "auth-int" ? hash(fn, fmt::format("{}:{}:{}", in.method, in.uri, hash(fn, in.body)))
                                 : hash(fn, fmt::format("{}:{}", in.method, in.uri));
  a.response = a.qop.empty() ? hash(fn, fmt::format("{}:{}:{}", ha1, c.nonce, ha2))
                             : hash(fn, fmt::format("{}:{}:{}:{}:{}:{}", ha1, c.nonce, nc, in.cnonce, a.qop, ha2));

  auto& h = a.header_value;
  h = fmt::format("Digest username={}, realm={}, nonce={}, uri={}, response={}", quoteString(in.username),
                  quoteString(c.realm), quoteString(c.nonce), quoteString(in.uri), quoteString(a.response));
  // Echo the algorithm only when the challenge named one: RFC 2069 servers do not expect it.
  if (!c.algorithm_name.empty()) h += fmt::format(", algorithm={}", toString(alg));
  if (need_cnonce) h += fmt::format(", cnonce={}", quoteString(in.cnonce));
  if (c.has_opaque) h += fmt::format(", opaque={}", quoteString(c.opaque));
  if (!a.qop.empty()) h += fmt::format(", qop={}, nc={}", a.qop, nc);
  return a;
}

void DigestClient::setChallenge(DigestChallenge c) {
  if (!challenge_ || challenge_->nonce != c.nonce) nc_ = 0;
  challenge_ = std::move(c);
}

Result<DigestAnswer> DigestClient::authorize(std::string_view method, std::string_view uri, std::string_view body,
                                             std::string cnonce) {
  if (!challenge_) return makeError("no challenge to answer");
  if (cnonce.empty()) cnonce = randomHex(8);
  DigestInput in;
  in.username = username_;
  in.password = password_;
  in.method = method;
  in.uri = uri;
  in.body = body;
  in.cnonce = cnonce;
  in.nc = nc_ + 1;
  auto a = answerChallenge(*challenge_, in, hash_);
  if (a.ok()) nc_ = in.nc;
  return a;
}

}  // namespace vs::proto::sip
