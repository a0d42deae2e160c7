// SPDX-License-Identifier: Apache-2.0
// Layout (little-endian): "PPLXARCH" | u32 version | u32 kind length | kind | u64 payload length |
// payload | u32 crc32(payload). Payload: u32 count, then per record: name, meta (u32 length +
// bytes), u8 dtype, u8 ndim, i64 sizes[ndim], u64 byte count, raw contiguous CPU data.
#include <pplx/archive.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>

#include <unistd.h>

#include <boost/crc.hpp>

#include <ATen/ATen.h>

#include <pplx/error.h>

namespace pplx {
namespace io {
namespace {

constexpr char kMagic[8] = {'P', 'P', 'L', 'X', 'A', 'R', 'C', 'H'};

thread_local int64_t fail_after = -1;

// Only plain numeric dtypes are stored; their codes are fixed here, independent of c10's enum.
struct DtypeCode {
  uint8_t code;
  at::ScalarType type;
};
constexpr DtypeCode kDtypes[] = {{1, at::kFloat}, {2, at::kDouble}, {3, at::kHalf},  {4, at::kBFloat16},
                                 {5, at::kLong},  {6, at::kInt},    {7, at::kShort}, {8, at::kChar},
                                 {9, at::kByte},  {10, at::kBool}};

uint8_t dtype_code(at::ScalarType t) {
  for (const auto& d : kDtypes)
    if (d.type == t) return d.code;
  throw IOError("archive: tensors of dtype ", t, " cannot be saved");
}

class Writer {
 public:
  void bytes(const void* p, size_t n) {
    const auto* c = static_cast<const uint8_t*>(p);
    buf.insert(buf.end(), c, c + n);
  }
  template <class T>
  void pod(T v) {
    bytes(&v, sizeof v);
  }
  void str(const std::string& s) {
    pod<uint32_t>(static_cast<uint32_t>(s.size()));
    bytes(s.data(), s.size());
  }
  std::vector<uint8_t> buf;
};

class Reader {
 public:
  Reader(const uint8_t* p, size_t n, const std::string& origin) : p_(p), n_(n), origin_(origin) {}
  const uint8_t* take(size_t k, const char* what) {
    if (k > n_ - pos_)
      throw IOError("archive '", origin_, "' is truncated or corrupt: need ", k, " bytes for ", what, " at offset ",
                    pos_, ", only ", n_ - pos_, " left");
    const uint8_t* out = p_ + pos_;
    pos_ += k;
    return out;
  }
  template <class T>
  T pod(const char* what) {
    T v;
    std::memcpy(&v, take(sizeof v, what), sizeof v);
    return v;
  }
  std::string str(const char* what, size_t max_len = 1 << 20) {
    auto len = pod<uint32_t>(what);
    if (len > max_len) throw IOError("archive '", origin_, "' is corrupt: ", what, " length ", len);
    const auto* c = take(len, what);
    return std::string(reinterpret_cast<const char*>(c), len);
  }
  size_t remaining() const { return n_ - pos_; }

 private:
  const uint8_t* p_;
  size_t n_;
  size_t pos_ = 0;
  const std::string& origin_;
};

// CRC-32 (IEEE 802.3, the value zlib's crc32 gives). Boost.CRC is a header-only template, so
// the checksum is compiled into pplx: no global `crc32` symbol to resolve at run time, which a
// LibTorch distribution's own libraries could interpose, and no zlib header/library to mismatch.
uint32_t crc(const uint8_t* p, size_t n) {
  boost::crc_32_type c;
  c.process_bytes(p, n);
  return c.checksum();
}

}  // namespace

void testing::fail_next_write_after(int64_t bytes) { fail_after = bytes; }

void write_archive(const std::string& path, const std::string& kind, const std::vector<Record>& records) {
  Writer payload;
  payload.pod<uint32_t>(static_cast<uint32_t>(records.size()));
  for (const auto& r : records) {
    PPLX_CHECK_AS(IOError, r.tensor.defined(), "archive: record '", r.name, "' has an undefined tensor");
    payload.str(r.name);
    payload.str(r.meta);
    at::Tensor t = r.tensor.detach().to(at::kCPU).contiguous();
    payload.pod<uint8_t>(dtype_code(t.scalar_type()));
    payload.pod<uint8_t>(static_cast<uint8_t>(t.dim()));
    for (int64_t s : t.sizes()) payload.pod<int64_t>(s);
    const uint64_t nbytes = t.numel() * t.element_size();
    payload.pod<uint64_t>(nbytes);
    payload.bytes(t.data_ptr(), nbytes);
  }
  Writer file;
  file.bytes(kMagic, sizeof kMagic);
  file.pod<uint32_t>(kArchiveVersion);
  file.str(kind);
  file.pod<uint64_t>(payload.buf.size());
  file.bytes(payload.buf.data(), payload.buf.size());
  file.pod<uint32_t>(crc(payload.buf.data(), payload.buf.size()));

  const std::string tmp =
      pplx::detail::str(path, ".tmp.", ::getpid(), ".", std::hash<std::thread::id>()(std::this_thread::get_id()));
  FILE* f = std::fopen(tmp.c_str(), "wb");
  PPLX_CHECK_AS(IOError, f != nullptr, "cannot open '", tmp, "' for writing: ", std::strerror(errno));
  size_t to_write = file.buf.size();
  const bool inject = fail_after >= 0;
  if (inject) to_write = std::min<size_t>(to_write, static_cast<size_t>(fail_after));
  fail_after = -1;
  bool ok = std::fwrite(file.buf.data(), 1, to_write, f) == to_write && !inject;
  ok = ok && std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) {
    std::remove(tmp.c_str());
    throw IOError("writing '", path, "' failed", inject ? " (injected failure)" : "",
                  "; the previous file, if any, is unchanged");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    std::remove(tmp.c_str());
    throw IOError("cannot rename '", tmp, "' to '", path, "': ", std::strerror(err));
  }
}

std::vector<Record> parse_archive(const uint8_t* data, size_t size, const std::string& kind,
                                  const std::string& origin) {
  Reader r(data, size, origin);
  const uint8_t* magic = r.take(sizeof kMagic, "the file header");
  PPLX_CHECK_AS(IOError, std::memcmp(magic, kMagic, sizeof kMagic) == 0, "'", origin,
                "' is not a pplx archive (bad magic bytes)");
  auto version = r.pod<uint32_t>("the format version");
  PPLX_CHECK_AS(IOError, version <= kArchiveVersion, "'", origin, "' has format version ", version,
                ", newer than this build of pplx reads (", kArchiveVersion, "); upgrade pplx");
  PPLX_CHECK_AS(IOError, version >= 1, "'", origin, "' has invalid format version 0");
  std::string file_kind = r.str("the archive kind", 64);
  PPLX_CHECK_AS(IOError, file_kind == kind, "'", origin, "' holds '", file_kind, "' data, expected '", kind, "'");
  auto payload_len = r.pod<uint64_t>("the payload length");
  PPLX_CHECK_AS(IOError, payload_len + 4 == r.remaining(), "'", origin,
                "' is truncated or has trailing bytes: payload ", payload_len, " bytes + checksum, but ", r.remaining(),
                " bytes remain");
  const uint8_t* payload = r.take(payload_len, "the payload");
  auto stored = r.pod<uint32_t>("the checksum");
  PPLX_CHECK_AS(IOError, stored == crc(payload, payload_len), "'", origin,
                "' is corrupt: checksum mismatch (the file was damaged after it was written)");

  Reader p(payload, payload_len, origin);
  auto count = p.pod<uint32_t>("the record count");
  std::vector<Record> out;
  for (uint32_t i = 0; i < count; ++i) {
    Record rec;
    rec.name = p.str("a record name");
    rec.meta = p.str("a record's metadata");
    auto code = p.pod<uint8_t>("a dtype");
    at::ScalarType dtype = at::kFloat;
    bool known = false;
    for (const auto& d : kDtypes)
      if (d.code == code) dtype = d.type, known = true;
    PPLX_CHECK_AS(IOError, known, "'", origin, "': record '", rec.name, "' has unknown dtype code ", int(code));
    auto ndim = p.pod<uint8_t>("a tensor rank");
    std::vector<int64_t> sizes(ndim);
    // Bound the product of the sizes, counting a 0 as 1, *before* multiplying: a plain running
    // product can wrap around (found by fuzzing), and LibTorch's strides are products of the
    // sizes even when one of them is 0.
    constexpr uint64_t kMaxNumel = uint64_t(1) << 40;
    uint64_t extent = 1;
    bool empty = false;
    for (auto& s : sizes) {
      s = p.pod<int64_t>("a tensor size");
      PPLX_CHECK_AS(IOError, s >= 0 && static_cast<uint64_t>(s) < kMaxNumel, "'", origin, "': record '", rec.name,
                    "' has invalid size ", s);
      const uint64_t factor = s == 0 ? 1 : static_cast<uint64_t>(s);
      PPLX_CHECK_AS(IOError, extent <= kMaxNumel / factor, "'", origin, "': record '", rec.name,
                    "' is too large (more than 2^40 elements)");
      extent *= factor;
      empty = empty || s == 0;
    }
    const uint64_t numel = empty ? 0 : extent;
    auto nbytes = p.pod<uint64_t>("a byte count");
    PPLX_CHECK_AS(IOError, nbytes == numel * c10::elementSize(dtype), "'", origin, "': record '", rec.name, "' has ",
                  nbytes, " data bytes, expected ", numel * c10::elementSize(dtype));
    const uint8_t* bytes = p.take(nbytes, "tensor data");
    try {
      rec.tensor = at::empty(sizes, at::TensorOptions().dtype(dtype));
    } catch (const c10::Error& e) {  // out of memory: still a file we cannot read
      throw IOError("'", origin, "': record '", rec.name, "' of shape ", c10::IntArrayRef(sizes),
                    " cannot be allocated: ", e.what_without_backtrace());
    }
    if (nbytes) std::memcpy(rec.tensor.data_ptr(), bytes, nbytes);
    out.push_back(std::move(rec));
  }
  PPLX_CHECK_AS(IOError, p.remaining() == 0, "'", origin, "' has ", p.remaining(),
                " unexpected bytes after its records");
  return out;
}

std::vector<Record> read_archive(const std::string& path, const std::string& kind, c10::optional<c10::Device> device) {
  // stdio rather than ifstream: a read error (e.g. `path` is a directory) must become an IOError,
  // not a std::ios_base::failure escaping from istreambuf_iterator.
  std::FILE* f = std::fopen(path.c_str(), "rb");
  PPLX_CHECK_AS(IOError, f != nullptr, "cannot open '", path, "': ", std::strerror(errno));
  std::vector<uint8_t> bytes;
  uint8_t chunk[1 << 16];
  for (size_t n; (n = std::fread(chunk, 1, sizeof chunk, f)) > 0;) bytes.insert(bytes.end(), chunk, chunk + n);
  const int read_errno = std::ferror(f) ? errno : 0;
  std::fclose(f);
  PPLX_CHECK_AS(IOError, read_errno == 0, "cannot read '", path, "': ", std::strerror(read_errno));
  auto records = parse_archive(bytes.data(), bytes.size(), kind, path);
  if (device)
    for (auto& r : records) r.tensor = r.tensor.to(*device);
  return records;
}

}  // namespace io
}  // namespace pplx
