#include "io/live_capture.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <linux/filter.h>
#include <net/if_arp.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <optional>
#include <span>

#include <fmt/format.h>

#include "proto/pkt/pcapng_writer.h"

namespace vs::io {
namespace {

// The few libpcap types pcap_compile needs, as in pcap/pcap.h and pcap/bpf.h (stable ABI since 0.8).
struct BpfInsn {
  std::uint16_t code;
  std::uint8_t jt, jf;
  std::uint32_t k;
};
struct BpfProgram {
  unsigned int bf_len;
  BpfInsn* bf_insns;
};
using PcapOpenDead = void* (*)(int, int);
using PcapCompile = int (*)(void*, BpfProgram*, const char*, int, std::uint32_t);
using PcapFreecode = void (*)(BpfProgram*);
using PcapGeterr = char* (*)(void*);
using PcapClose = void (*)(void*);

std::string errnoText(int e) { return std::strerror(e); }

}  // namespace

Result<std::string> compileBpf(const std::string& expression, std::uint32_t link_type, std::uint32_t snaplen) {
  void* lib = dlopen("libpcap.so.0.8", RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) lib = dlopen("libpcap.so.1", RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    return makeError("--filter needs libpcap at run time (libpcap.so.0.8 not found: apt-get install libpcap0.8)");
  }
  struct Closer {
    void* h;
    ~Closer() { dlclose(h); }
  } closer{lib};
  auto open_dead = reinterpret_cast<PcapOpenDead>(dlsym(lib, "pcap_open_dead"));
  auto compile = reinterpret_cast<PcapCompile>(dlsym(lib, "pcap_compile"));
  auto freecode = reinterpret_cast<PcapFreecode>(dlsym(lib, "pcap_freecode"));
  auto geterr = reinterpret_cast<PcapGeterr>(dlsym(lib, "pcap_geterr"));
  auto close = reinterpret_cast<PcapClose>(dlsym(lib, "pcap_close"));
  if (!open_dead || !compile || !freecode || !geterr || !close) return makeError("libpcap.so.0.8 lacks pcap_compile");
  void* p = open_dead(static_cast<int>(link_type), static_cast<int>(snaplen));
  if (p == nullptr) return makeError("pcap_open_dead failed");
  BpfProgram prog{};
  // PCAP_NETMASK_UNKNOWN: "ip broadcast" is the only expression that needs the netmask.
  if (compile(p, &prog, expression.c_str(), 1, 0xffffffff) != 0) {
    std::string why = geterr(p);
    close(p);
    return makeError(fmt::format("filter '{}': {}", expression, why));
  }
  std::string out(reinterpret_cast<const char*>(prog.bf_insns), prog.bf_len * sizeof(BpfInsn));
  freecode(&prog);
  close(p);
  return out;
}

LiveCapture::~LiveCapture() {
  if (ring_ != nullptr) munmap(ring_, kRingBlockBytes * kRingBlocks);
  if (fd_ >= 0) ::close(fd_);
}

namespace {
// Where a ring frame's sockaddr_ll starts: after its header, aligned (TPACKET_ALIGN, written out because
// the macro's ~(ALIGNMENT-1) trips -Wsign-conversion).
constexpr std::size_t kSllOffset = (sizeof(tpacket3_hdr) + TPACKET_ALIGNMENT - 1) / TPACKET_ALIGNMENT * TPACKET_ALIGNMENT;
// An 802.1Q tag (TPID, TCI). The plain socket receives each frame this far into its buffer, so a tag the
// kernel took off can be put back in place.
constexpr std::uint32_t kVlanTag = 4;
}  // namespace

bool LiveCapture::setupRing() {
  int version = TPACKET_V3;
  if (setsockopt(fd_, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) != 0) return false;
  tpacket_req3 req{};
  req.tp_block_size = static_cast<unsigned>(kRingBlockBytes);
  req.tp_block_nr = static_cast<unsigned>(kRingBlocks);
  req.tp_frame_size = 2048;  // V3 packs frames of any size into a block; this only sets tp_frame_nr
  req.tp_frame_nr = req.tp_block_size / req.tp_frame_size * req.tp_block_nr;
  req.tp_retire_blk_tov = 50;  // ms: a block not yet full is handed over after this, so quiet links still flow
  if (setsockopt(fd_, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) != 0) return false;
  void* m = mmap(nullptr, kRingBlockBytes * kRingBlocks, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_LOCKED, fd_, 0);
  if (m == MAP_FAILED) m = mmap(nullptr, kRingBlockBytes * kRingBlocks, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
  if (m == MAP_FAILED) return false;
  ring_ = static_cast<std::byte*>(m);
  return true;
}

void LiveCapture::restoreVlanTag(proto::pkt::Record& out, std::uint32_t status, std::uint16_t tci,
                                 std::uint16_t tpid, bool in_buffer) {
  constexpr std::size_t kMacs = 12;  // destination and source address; the tag goes between them and the type
  // A TCI of 0 with the flag unset is no tag; kernels before the flag existed set only the TCI.
  if ((status & TP_STATUS_VLAN_VALID) == 0 && tci == 0) return;
  const auto frame = out.data;
  if (link_type_ != proto::pkt::link::kEthernet || frame.size() < kMacs) return;
  if ((status & TP_STATUS_VLAN_TPID_VALID) == 0) tpid = ETH_P_8021Q;
  if (in_buffer) {
    std::memmove(buf_.data(), buf_.data() + kVlanTag, kMacs);  // the tag's room is in front
  } else {
    buf_.resize(frame.size() + kVlanTag);
    std::memcpy(buf_.data(), frame.data(), kMacs);
    std::memcpy(buf_.data() + kMacs + kVlanTag, frame.data() + kMacs, frame.size() - kMacs);
  }
  const unsigned char tag[kVlanTag] = {static_cast<unsigned char>(tpid >> 8), static_cast<unsigned char>(tpid & 0xFF),
                                static_cast<unsigned char>(tci >> 8), static_cast<unsigned char>(tci & 0xFF)};
  std::memcpy(buf_.data() + kMacs, tag, sizeof tag);
  out.data = std::span<const std::byte>(reinterpret_cast<const std::byte*>(buf_.data()), frame.size() + kVlanTag);
  out.orig_len += kVlanTag;
}

bool LiveCapture::nextFromRing(proto::pkt::Record& out) {
  while (true) {
    auto* block = reinterpret_cast<tpacket_block_desc*>(ring_ + block_ * kRingBlockBytes);
    if (left_in_block_ == 0 && pkt_ != nullptr) {
      // Every packet of this block was handed out and the caller is done with the last one: back to the
      // kernel, on to the next block.
      __atomic_store_n(&block->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
      block_ = (block_ + 1) % kRingBlocks;
      pkt_ = nullptr;
      continue;
    }
    if (pkt_ == nullptr) {
      if ((__atomic_load_n(&block->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER) == 0) return false;
      left_in_block_ = block->hdr.bh1.num_pkts;
      pkt_ = reinterpret_cast<std::byte*>(block) + block->hdr.bh1.offset_to_first_pkt;
      if (left_in_block_ == 0) {
        pkt_ = reinterpret_cast<std::byte*>(block);  // empty block (timer retired it): release it above
        continue;
      }
    }
    auto* h = reinterpret_cast<tpacket3_hdr*>(pkt_);
    --left_in_block_;
    pkt_ = left_in_block_ > 0 ? pkt_ + h->tp_next_offset : reinterpret_cast<std::byte*>(block);
    const auto* sll = reinterpret_cast<const sockaddr_ll*>(reinterpret_cast<const std::byte*>(h) + kSllOffset);
    // On loopback every packet is seen leaving and arriving: keep one copy (as libpcap does).
    if (loopback_ && sll->sll_pkttype == PACKET_OUTGOING) continue;
    out.link_type = link_type_;
    out.interface_id = 0;
    out.ts_ns = std::int64_t{h->tp_sec} * 1'000'000'000 + h->tp_nsec;
    out.orig_len = h->tp_len;
    out.data = std::span<const std::byte>(reinterpret_cast<const std::byte*>(h) + h->tp_mac, h->tp_snaplen);
    restoreVlanTag(out, h->tp_status, static_cast<std::uint16_t>(h->hv1.tp_vlan_tci), h->hv1.tp_vlan_tpid, false);
    ++frames_;
    return true;
  }
}

Result<std::unique_ptr<LiveCapture>> LiveCapture::open(const std::string& iface, const std::string& bpf_filter,
                                                       bool ring) {
  std::unique_ptr<LiveCapture> c(new LiveCapture);
  if (iface.empty() || iface.size() >= IFNAMSIZ) return makeError(fmt::format("interface '{}': bad name", iface));
  unsigned idx = if_nametoindex(iface.c_str());
  if (idx == 0) return makeError(fmt::format("interface '{}': no such interface", iface));
  c->ifindex_ = static_cast<int>(idx);
  // Protocol 0: the socket receives nothing until bind() below, after the filter is attached.
  c->fd_ = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (c->fd_ < 0) {
    int e = errno;
    if (e == EPERM || e == EACCES) return makeError(fmt::format("interface '{}': capturing needs CAP_NET_RAW (run as root)", iface));
    return makeError(fmt::format("interface '{}': socket: {}", iface, errnoText(e)));
  }
  ifreq ifr{};
  std::memcpy(ifr.ifr_name, iface.c_str(), iface.size());
  if (ioctl(c->fd_, SIOCGIFHWADDR, &ifr) != 0) return makeError(fmt::format("interface '{}': {}", iface, errnoText(errno)));
  auto hw = ifr.ifr_hwaddr.sa_family;
  if (hw == ARPHRD_LOOPBACK) c->loopback_ = true;
  if (hw != ARPHRD_ETHER && hw != ARPHRD_LOOPBACK) {
    return makeError(fmt::format("interface '{}': link type ARPHRD {} not supported for live capture (Ethernet and loopback only)", iface, hw));
  }
  if (!bpf_filter.empty()) {
    auto code = compileBpf(bpf_filter, c->link_type_, kLiveSnaplen);
    if (!code) return code.error();
    sock_fprog prog{};
    prog.len = static_cast<unsigned short>(code->size() / sizeof(sock_filter));
    prog.filter = reinterpret_cast<sock_filter*>(code->data());
    if (setsockopt(c->fd_, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) != 0) {
      return makeError(fmt::format("filter '{}': SO_ATTACH_FILTER: {}", bpf_filter, errnoText(errno)));
    }
  }
  // A TPACKET_V3 ring (blocks of packets shared with the kernel, one poll per block instead of one
  // recvmsg per packet); where the kernel refuses it, a plain socket with an 8 MiB buffer.
  if (!ring || !c->setupRing()) {
    int on = 1;
    setsockopt(c->fd_, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
    setsockopt(c->fd_, SOL_PACKET, PACKET_AUXDATA, &on, sizeof(on));  // the VLAN tag the kernel took off
    int rcvbuf = 8 * 1024 * 1024;
    setsockopt(c->fd_, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
  }
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ALL);
  sll.sll_ifindex = c->ifindex_;
  if (bind(c->fd_, reinterpret_cast<sockaddr*>(&sll), sizeof(sll)) != 0) {
    return makeError(fmt::format("interface '{}': bind: {}", iface, errnoText(errno)));
  }
  tpacket_stats st{};
  socklen_t sl = sizeof(st);
  getsockopt(c->fd_, SOL_PACKET, PACKET_STATISTICS, &st, &sl);  // resets the counters
  if (c->ring_ == nullptr) c->buf_.resize(kLiveSnaplen + kVlanTag);
  return c;
}

Result<bool> LiveCapture::next(proto::pkt::Record& out, int timeout_ms) {
  if (ring_ != nullptr) {
    if (nextFromRing(out)) return true;
    pollfd pfd{fd_, POLLIN | POLLERR, 0};
    int r = poll(&pfd, 1, timeout_ms);
    if (r < 0 && errno == EINTR) return false;
    if (r < 0) return makeError(fmt::format("poll: {}", errnoText(errno)));
    return nextFromRing(out);
  }
  while (true) {
    pollfd pfd{fd_, POLLIN, 0};
    int r = poll(&pfd, 1, timeout_ms);
    if (r < 0 && errno == EINTR) return false;
    if (r < 0) return makeError(fmt::format("poll: {}", errnoText(errno)));
    if (r == 0) return false;
    sockaddr_ll from{};
    iovec iov{buf_.data() + kVlanTag, buf_.size() - kVlanTag};
    alignas(cmsghdr) char control[256];
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof(from);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    auto n = recvmsg(fd_, &msg, MSG_TRUNC | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return false;
      return makeError(fmt::format("recvmsg: {}", errnoText(errno)));
    }
    // On loopback every packet is seen leaving and arriving: keep one copy (as libpcap does).
    if (loopback_ && from.sll_pkttype == PACKET_OUTGOING) continue;
    std::int64_t ts = 0;
    std::optional<tpacket_auxdata> aux;
    for (auto* cm = CMSG_FIRSTHDR(&msg); cm != nullptr; cm = CMSG_NXTHDR(&msg, cm)) {
      if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS) {
        timespec t{};
        std::memcpy(&t, CMSG_DATA(cm), sizeof(t));
        ts = std::int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec;
      } else if (cm->cmsg_level == SOL_PACKET && cm->cmsg_type == PACKET_AUXDATA &&
                 cm->cmsg_len >= CMSG_LEN(sizeof(tpacket_auxdata))) {
        aux.emplace();
        std::memcpy(&*aux, CMSG_DATA(cm), sizeof(tpacket_auxdata));
      }
    }
    if (ts == 0) {
      timespec t{};
      clock_gettime(CLOCK_REALTIME, &t);
      ts = std::int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec;
    }
    auto len = static_cast<std::size_t>(n);
    out.link_type = link_type_;
    out.interface_id = 0;
    out.ts_ns = ts;
    out.orig_len = static_cast<std::uint32_t>(len);
    out.data = std::span<const std::byte>(reinterpret_cast<const std::byte*>(buf_.data()) + kVlanTag,
                                          std::min(len, buf_.size() - kVlanTag));
    if (aux) restoreVlanTag(out, aux->tp_status, aux->tp_vlan_tci, aux->tp_vlan_tpid, true);
    ++frames_;
    return true;
  }
}

std::uint64_t LiveCapture::kernelDrops() {
  tpacket_stats st{};
  socklen_t sl = sizeof(st);
  if (getsockopt(fd_, SOL_PACKET, PACKET_STATISTICS, &st, &sl) == 0) drops_ += st.tp_drops;
  return drops_;
}

PcapngFileWriter::~PcapngFileWriter() { (void)close(); }

Result<std::unique_ptr<PcapngFileWriter>> PcapngFileWriter::open(const std::string& path, std::uint32_t link_type,
                                                                 const std::string& if_name) {
  std::unique_ptr<PcapngFileWriter> w(new PcapngFileWriter);
  w->path_ = path;
  w->file_ = std::fopen(path.c_str(), "wb");
  if (w->file_ == nullptr) return makeError(fmt::format("{}: cannot create: {}", path, errnoText(errno)));
  proto::pkt::appendPcapngHeader(w->buf_, link_type, kLiveSnaplen, if_name);
  if (auto f = w->flush(); !f) return f.error();
  return w;
}

VoidResult PcapngFileWriter::write(const proto::pkt::Record& r) {
  proto::pkt::appendPcapngPacket(buf_, r.ts_ns, r.data, r.orig_len);
  if (buf_.size() >= 64 * 1024) return flush();
  return Ok{};
}

VoidResult PcapngFileWriter::flush() {
  auto* f = static_cast<std::FILE*>(file_);
  if (f == nullptr) return Ok{};
  if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), f) != buf_.size()) {
    return makeError(fmt::format("{}: write failed: {}", path_, errnoText(errno)));
  }
  buf_.clear();
  return Ok{};
}

VoidResult PcapngFileWriter::close() {
  auto r = flush();
  if (file_ != nullptr) {
    if (std::fclose(static_cast<std::FILE*>(file_)) != 0 && r.ok()) r = makeError(fmt::format("{}: close failed", path_));
    file_ = nullptr;
  }
  return r;
}

}  // namespace vs::io
